package app_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/app"
	"kurz/catalog"
	"kurz/cell"
	"kurz/replication"
)

// publishProfile writes a profile fact to region r's public log, as
// PublishProfile does (gone: the profile left).
func publishProfile(t *testing.T, s *server, id, handle string, followers int64, gone bool) {
	t.Helper()
	c := s.Cell(kurz.Region(strings.SplitN(id, "_", 2)[0]))
	err := c.Tx(t.Context(), func(q kurz.Queries) error {
		if gone {
			return c.Outbox.AppendLog(t.Context(), q, cell.LogProfileGone, id, map[string]string{"id": id})
		}
		return c.Outbox.AppendLog(t.Context(), q, cell.LogProfile, id, &catalog.PublicProfile{ID: id, Handle: handle, Followers: followers})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLogCompactionAndResync: compaction keeps the latest entry per object
// and, past the tombstone TTL, drops removals; a peer whose position is
// below the horizon (an old backup restored, a long outage) holds a stale
// replica the log no longer removes: it is told it is behind, drops what
// it holds of the region, re-reads the compacted log from the start and
// ends with exactly the region's live objects.
func TestLogCompactionAndResync(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	cfg := func(c *app.Config) { c.DataDir = data }
	s := newServer(t, cfg)
	ctx := t.Context()
	eu, us := s.Cell("eu"), s.Cell("us")
	keep, drop := kurz.NewID("eu"), kurz.NewID("eu")
	for i := range 5 {
		publishProfile(t, s, keep, "keepme", int64(i), false)
	}
	publishProfile(t, s, drop, "dropme", 0, false)
	publishProfile(t, s, drop, "", 0, true)
	publishProfile(t, s, kurz.NewID("eu"), "later", 0, false)
	replica := func(id string) *catalog.PublicProfile {
		b, err := us.Store.Replica(ctx, "profile", id)
		if err != nil {
			return nil
		}
		var p catalog.PublicProfile
		json.Unmarshal(b, &p)
		return &p
	}
	waitFor(t, "us replicates eu's profiles", func() bool {
		p := replica(keep)
		return p != nil && p.Followers == 4 && replica(drop) == nil
	})
	before, _ := eu.Store.LastLogSeq(ctx)
	comp := eu.Store.(replication.Compactor)
	n, horizon, err := comp.CompactLog(ctx, time.Now().Add(time.Hour)) // every tombstone counts as old
	if err != nil {
		t.Fatal(err)
	}
	if n < 6 || horizon == 0 {
		t.Fatalf("compaction dropped %d entries, horizon %d", n, horizon)
	}
	entries, _ := eu.Store.LogAfter(ctx, 0, 10000)
	for _, e := range entries {
		if e.ObjectID == drop || (e.ObjectID == keep && !strings.Contains(string(e.Data), `"followers":4`)) {
			t.Fatalf("entry left after compaction: %s %s %s", e.Kind, e.ObjectID, e.Data)
		}
	}
	if head, _ := eu.Store.LastLogSeq(ctx); head != before {
		t.Fatalf("head moved by compaction: %d → %d", before, head)
	}
	// us as an old backup left it: a replica of the removed profile and a
	// position below the horizon.
	if err := s.Main.Close(); err != nil {
		t.Fatal(err)
	}
	old, err := app.OpenRegion(ctx, s.Main.Config, "us")
	if err != nil {
		t.Fatal(err)
	}
	err = old.Store.Tx(ctx, func(q kurz.Queries) error {
		if err := q.PutReplica(ctx, "profile", drop, []byte(`{"id":"`+drop+`","handle":"dropme"}`), 1); err != nil {
			return err
		}
		return q.SetLogPosition(ctx, "eu", 1, time.Now())
	})
	old.Close()
	if err != nil {
		t.Fatal(err)
	}
	dbs := s.Main.Config.DB // the same databases again (PostgreSQL runs)
	s = newServer(t, cfg, func(c *app.Config) { c.DB = dbs })
	eu, us = s.Cell("eu"), s.Cell("us")
	publishProfile(t, s, keep, "keepme", 9, false)
	waitFor(t, "us re-reads eu's log from the start", func() bool {
		p := replica(keep)
		pos, _ := us.Store.LogPosition(ctx, "eu")
		head, _ := eu.Store.LastLogSeq(ctx)
		return replica(drop) == nil && p != nil && p.Followers == 9 && pos == head
	})
	if _, ok := us.Index.Profile(drop); ok {
		t.Fatal("us's catalogue still holds the removed profile")
	}
	if !strings.Contains(s.logs.String(), "behind a peer's compaction horizon") {
		t.Fatal("the re-read was not logged")
	}
}

// TestStartFromSnapshot: a clean stop leaves a catalogue snapshot; the next
// start loads it (logged), replays only the log after it (a removal
// written while the region was down is applied), and removes the file
// while the region runs.
func TestStartFromSnapshot(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	cfg := func(c *app.Config) { c.DataDir = data }
	s := newServer(t, cfg)
	stay, leave := kurz.NewID("eu"), kurz.NewID("eu")
	usP := kurz.NewID("us")
	publishProfile(t, s, stay, "stay", 1, false)
	publishProfile(t, s, leave, "leave", 1, false)
	publishProfile(t, s, usP, "fromus", 1, false)
	waitFor(t, "eu replicates us", func() bool { _, ok := s.Cell("eu").Index.Profile(usP); return ok })
	if err := s.Main.Close(); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(data, "eu", replication.SnapshotFile)
	if _, err := os.Stat(snap); err != nil {
		t.Fatalf("no snapshot after a clean stop: %v", err)
	}
	// While eu is down: a removal in its own log.
	c, err := app.OpenRegion(context.Background(), s.Main.Config, "eu")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Tx(t.Context(), func(q kurz.Queries) error {
		return c.Outbox.AppendLog(t.Context(), q, cell.LogProfileGone, leave, map[string]string{"id": leave})
	})
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	dbs := s.Main.Config.DB // the same databases again (PostgreSQL runs)
	s2 := newServer(t, cfg, func(c *app.Config) { c.DB = dbs })
	eu := s2.Cell("eu")
	if _, ok := eu.Index.Profile(stay); !ok {
		t.Fatal("own profile missing after a start from the snapshot")
	}
	if _, ok := eu.Index.Profile(leave); ok {
		t.Fatal("a removal written after the snapshot was not applied")
	}
	if _, ok := eu.Index.Profile(usP); !ok {
		t.Fatal("a replica missing after a start from the snapshot")
	}
	if !strings.Contains(s2.logs.String(), `"from_snapshot":true`) {
		t.Fatalf("the snapshot was not used:\n%s", s2.logs.String())
	}
	if _, err := os.Stat(snap); !os.IsNotExist(err) {
		t.Fatalf("snapshot file left while the region runs: %v", err)
	}
}
