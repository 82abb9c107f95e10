package app_test

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kurz"
	"kurz/app"
	"kurz/catalog"
	"kurz/cell"
)

// TestReadyWhilePeersUnreachable: a region whose peers cannot be reached
// (one refuses connections; the other, its directory region, accepts them
// and never answers) and whose media box check hangs (an ffmpeg that
// never answers) is ready and serves: readiness waits for its own
// catalogue and database, never for another region or the media tools.
// /readyz answers 200 while the peer's call and the check hang.
func TestReadyWhilePeersUnreachable(t *testing.T) {
	t.Parallel()
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var called atomic.Int32
	held := make(chan net.Conn, 64)
	go func() {
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			called.Add(1)
			held <- c // never read, never answered
		}
	}()
	t.Cleanup(func() {
		hole.Close()
		for {
			select {
			case c := <-held:
				c.Close()
			default:
				return
			}
		}
	})
	// An ffmpeg that notes it was started and then hangs (the check gives
	// up after 30 s and kills it).
	tools := t.TempDir()
	started := filepath.Join(tools, "started")
	script := "#!/bin/sh\ntouch " + started + "\nexec sleep 40\n"
	if err := os.WriteFile(filepath.Join(tools, "ffmpeg"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	secret := secretFile(t, base64.StdEncoding.EncodeToString([]byte(canary("startup-secret-")+"0123456789abcdef0123")))
	addr := freeAddr(t)
	p := startProcessEnv(t, addr, []string{"PATH=" + tools + ":" + os.Getenv("PATH")},
		"--regions", "eu", "--data", t.TempDir(), "--directory", "us", "--link-secret-file", secret,
		"--peer", "us=http://"+hole.Addr().String(), "--peer", "sg=http://"+freeAddr(t))
	defer p.stop()
	// The region follows its peers' logs: the call to the silent one is
	// under way; the media box check has started its ffmpeg, which hangs.
	waitFor(t, "a call to the silent peer", func() bool { return called.Load() > 0 })
	waitFor(t, "the media box check's ffmpeg", func() bool { _, err := os.Stat(started); return err == nil })
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct{ Regions map[string]string }
	json.NewDecoder(resp.Body).Decode(&ready)
	resp.Body.Close()
	if resp.StatusCode != 200 || ready.Regions["eu"] != "ok" {
		t.Fatalf("readyz while the peers are unreachable: %d %+v\n%s", resp.StatusCode, ready, p.logs.String())
	}
	if strings.Contains(p.logs.String(), `"msg":"media box`) {
		t.Fatalf("the media box check has ended: its ffmpeg did not hang\n%s", p.logs.String())
	}
	// And it serves: the public feed answers from its catalogue.
	resp, err = http.Get("http://" + addr + "/api/v1/feed?kind=foryou")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("feed while the peers are unreachable: %d", resp.StatusCode)
	}
	waitFor(t, "the refused peer logged", func() bool {
		return hasLogLine(p.logs.String(), `"msg":"peer region unreachable"`, `"peer":"sg"`)
	})
}

// TestSnapshotStartSearchAndSounds: a region started from its catalogue
// snapshot finds a video by search as soon as it is ready (before its
// search index is built, from the catalogue), lists it on its sound's
// page, and then builds its search index (a typo finds it).
func TestSnapshotStartSearchAndSounds(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	cfg := func(c *app.Config) { c.DataDir = data }
	s := newServer(t, cfg)
	owner, id := kurz.NewID("eu"), kurz.NewID("eu")
	publishProfile(t, s, owner, "walrusfan", 1, false)
	eu := s.Cell("eu")
	err := eu.Tx(t.Context(), func(q kurz.Queries) error {
		return eu.Outbox.AppendLog(t.Context(), q, cell.LogVideo, id, &catalog.PublicVideo{ID: id, OwnerID: owner, Handle: "walrusfan",
			Caption: "Walrus dance on the ice #arctic", Hashtags: []string{"arctic"}, DurationMS: 5000, Width: 720, Height: 1280,
			CreatedAt: time.Now().UTC()})
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the video in eu's catalogue", func() bool { _, ok := eu.Index.Video(id); return ok })
	if err := s.Main.Close(); err != nil {
		t.Fatal(err)
	}
	dbs := s.Main.Config.DB // the same databases again (PostgreSQL runs)
	s2 := newServer(t, cfg, func(c *app.Config) { c.DB = dbs })
	// Ready: Run has returned. Searches are answered at once.
	if !s2.search("", "videos", "walrus").has(id) || !s2.search("", "videos", "ice arc").has(id) {
		t.Fatal("a search right after a start from the snapshot does not find the video")
	}
	if !s2.search("", "tags", "arctic").has("arctic") {
		t.Fatal("a tag search right after a start from the snapshot does not find the tag")
	}
	var page struct{ Items []struct{ ID string } }
	s2.do("GET", "/api/v1/sounds/"+id+"/videos", nil).json(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != id {
		t.Fatalf("the video's sound page after a start from the snapshot: %+v", page)
	}
	if !strings.Contains(s2.logs.String(), `"from_snapshot":true`) {
		t.Fatalf("the snapshot was not used:\n%s", s2.logs.String())
	}
	// The index is built after the load: a typo is found by it alone.
	waitFor(t, "the search index built after a start from the snapshot", func() bool { return s2.search("", "videos", "walrux").has(id) })
}
