package app_test

import (
	"path/filepath"
	"sort"
	"testing"

	"kurz/app"
	"kurz/internal/mediatest"
)

// TestFairScheduling: with one transcode slot, a person's first upload
// goes ahead of someone else's backlog instead of waiting behind it.
func TestFairScheduling(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.TranscodeSlots = 1 })
	busy := s.signUp("busy", "busy@example.org", "1990-01-01", "DE")
	s.login(&busy)
	calm := s.signUp("calm", "calm@example.org", "1990-01-01", "FR")
	s.login(&calm)
	clip := filepath.Join(t.TempDir(), "c.mp4")
	mediatest.Clip(t, clip, 360, 640, 2, true)

	// The queue is paused while the uploads arrive, so the order of
	// processing depends on the queue's priorities alone, not on timing.
	jobs := s.Cell("eu").Jobs
	if err := jobs.QueuePause(t.Context(), "media", nil); err != nil {
		t.Fatal(err)
	}
	var backlog []string
	for i := 0; i < 5; i++ {
		backlog = append(backlog, s.tusUpload(busy.Token, clip, map[string]string{"caption": "backlog"}, 1, "").VideoID)
	}
	first := s.tusUpload(calm.Token, clip, map[string]string{"caption": "my first"}, 1, "").VideoID
	if err := jobs.QueueResume(t.Context(), "media", nil); err != nil {
		t.Fatal(err)
	}

	type done struct {
		id string
		at int64
	}
	var order []done
	for _, id := range append(backlog, first) {
		tok := busy.Token
		if id == first {
			tok = calm.Token
		}
		if v := s.waitVideo(tok, id); v.Status != "ready" {
			t.Fatalf("%s: %s %s", id, v.Status, v.Error)
		}
		v, err := s.Cell("eu").Store.VideoByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, done{id, v.UpdatedAt.UnixMilli()})
	}
	sort.Slice(order, func(i, j int) bool { return order[i].at < order[j].at })
	pos := -1
	for i, d := range order {
		if d.id == first {
			pos = i
		}
	}
	// Without fair scheduling it would finish last; with it, it comes
	// right after the backlog's first video, which arrived earlier.
	if pos != 1 {
		t.Fatalf("the other person's first upload finished at position %d of 6", pos+1)
	}
	t.Logf("first upload of a second person finished at position %d of 6", pos+1)
}
