package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/app"
)

// Playlist and segment serving through the real handler stack of a
// running region (loopback HTTP, keep-alive): the ID parse, the video
// row look-up (MediaVisible) and the file.
// Run: go test -run '^$' -bench . -benchmem -count 6 ./httpapi | benchstat -

func mediaServer(b *testing.B) (base, id string, c func() (bool, error)) {
	b.Helper()
	cfg := app.DefaultConfig()
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", b.TempDir()
	m := &app.Main{Config: cfg, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	cell := m.Cell("eu")
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	owner := &kurz.Profile{ID: kurz.NewID("eu"), Handle: "benchowner", CreatedAt: now}
	id = kurz.NewID("eu")
	err := cell.Store.Tx(ctx, func(q kurz.Queries) error {
		if err := q.CreateProfile(ctx, owner); err != nil {
			return err
		}
		// The policy reads the owner's account (age band, standing).
		if err := q.CreateAccount(ctx, &kurz.Account{UserID: owner.ID, EmailIndex: []byte("benchowner"), EmailSealed: []byte{1},
			BirthDateSealed: []byte{1}, CountrySealed: []byte{1}, PasswordHash: "x", CreatedAt: now}); err != nil {
			return err
		}
		return q.CreateVideo(ctx, &kurz.Video{ID: id, OwnerID: owner.ID, Status: kurz.StatusReady, Visibility: kurz.Public,
			Renditions: "[]", CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(m.Config.DataDir, "eu", "media", id)
	os.MkdirAll(filepath.Join(dir, "v0"), 0o755)
	master := "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n" + strings.Repeat("#EXT-X-STREAM-INF:BANDWIDTH=896000,RESOLUTION=360x640,CODECS=\"avc1.4d401e,mp4a.40.2\"\nv0/index.m3u8\n", 3)
	os.WriteFile(filepath.Join(dir, "master.m3u8"), []byte(master), 0o644)
	os.WriteFile(filepath.Join(dir, "v0", "seg_00000.ts"), make([]byte, 100<<10), 0o644)
	return m.URL(), id, func() (bool, error) { return cell.Videos.MediaVisible(ctx, id, "", cell.PolicyViewer(ctx, nil)) }
}

func get(b *testing.B, cl *http.Client, url string) {
	resp, err := cl.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("%s: %d", url, resp.StatusCode)
	}
}

func BenchmarkServeMasterPlaylist(b *testing.B) {
	base, id, _ := mediaServer(b)
	cl := &http.Client{}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, cl, base+"/media/"+id+"/master.m3u8")
		}
	})
}

func BenchmarkServeSegment100K(b *testing.B) {
	base, id, _ := mediaServer(b)
	cl := &http.Client{}
	b.SetBytes(100 << 10)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, cl, base+"/media/"+id+"/v0/seg_00000.ts")
		}
	})
}

// BenchmarkMediaVisible is the per-request permission check alone: one
// video row read from SQLite.
func BenchmarkMediaVisible(b *testing.B) {
	_, _, visible := mediaServer(b)
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := visible(); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
