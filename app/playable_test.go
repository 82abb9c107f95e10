package app_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kurz/internal/mediatest"
)

// TestUploadPlayableThenReady: an upload becomes playable (a master
// playlist of its 360p variant alone, whose playlist and segments are
// served, the higher variants 404) before it is ready (every variant);
// the percent of the step under way rises and is in the API record for
// its owner only; other regions' catalogues have the video while it is
// playable.
func TestUploadPlayableThenReady(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	a := s.signUp("earlybird", "earlybird@example.org", "1990-01-01", "DE")
	s.login(&a)
	other := s.signUp("onlooker", "onlooker@example.org", "1990-01-01", "DE")
	s.login(&other)
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	// Long and large enough that the rest of the ladder takes seconds
	// after the 360p: the playable state lasts well past a poll.
	mediatest.Clip(t, clip, 1080, 1920, 6, true)
	up := s.tusUpload(a.Token, clip, map[string]string{"caption": "early #playable", "visibility": "public"}, 1, "")
	if !up.Done {
		t.Fatalf("upload: %+v", up)
	}
	id := up.VideoID

	type rec struct {
		videoJSON
		Progress *int `json:"progress"`
	}
	get := func(token string) rec {
		var v rec
		h := []string{}
		if token != "" {
			h = []string{"Authorization", "Bearer " + token}
		}
		r := s.do("GET", "/api/v1/videos/"+id, nil, h...)
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatalf("record %d %s", r.Status, r.Body)
		}
		return v
	}
	var (
		statuses []string
		progress = map[string][]int{}
		playable rec
	)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		v := get(a.Token)
		if len(statuses) == 0 || statuses[len(statuses)-1] != v.Status {
			statuses = append(statuses, v.Status)
		}
		if v.Progress != nil {
			progress[v.Status] = append(progress[v.Status], *v.Progress)
		}
		if v.Status == "playable" && playable.ID == "" {
			playable = v
			// While playable: a master of the 360p variant alone, served
			// with its segments.
			master := s.do("GET", v.HLSURL, nil)
			body := string(master.Body)
			if master.Status != 200 || strings.Count(body, "#EXT-X-STREAM-INF") != 1 || !strings.Contains(body, "RESOLUTION=360x640") ||
				!strings.Contains(body, "v0/index.m3u8") {
				t.Fatalf("playable master %d:\n%s", master.Status, body)
			}
			base := strings.TrimSuffix(v.HLSURL, "master.m3u8")
			pl := s.do("GET", base+"v0/index.m3u8", nil)
			if pl.Status != 200 || !strings.Contains(string(pl.Body), "seg_00000.ts") || !strings.Contains(string(pl.Body), "#EXT-X-ENDLIST") {
				t.Fatalf("360p playlist %d:\n%s", pl.Status, pl.Body)
			}
			if seg := s.do("GET", base+"v0/seg_00000.ts", nil); seg.Status != 200 || seg.Header.Get("Content-Type") != "video/mp2t" {
				t.Fatalf("360p segment: %d", seg.Status)
			}
			if poster := s.do("GET", v.PosterURL, nil); poster.Status != 200 {
				t.Fatalf("poster while playable: %d", poster.Status)
			}
			// A higher variant not made yet is a clean 404 (unless the
			// ladder completed just now).
			if r := s.do("GET", base+"v2/index.m3u8", nil); r.Status != 404 && get(a.Token).Status != "ready" {
				t.Fatalf("unmade variant: %d while playable", r.Status)
			}
			// Anyone sees the playable video, without the progress; so
			// do the other regions' catalogues.
			for _, token := range []string{"", other.Token} {
				if o := get(token); o.Status != "playable" && o.Status != "ready" || o.Progress != nil {
					t.Fatalf("someone else's view: status %q, progress %v", o.Status, o.Progress)
				}
			}
			for _, r := range []string{"us", "sg"} {
				waitFor(t, "the playable video in "+r, func() bool { _, ok := s.Cell(kurzRegion(r)).Index.Video(id); return ok })
			}
		}
		if v.Status == "ready" || v.Status == "failed" {
			if v.Progress != nil {
				t.Errorf("a ready record carries progress %d", *v.Progress)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %s after 5 minutes (statuses %v)", v.Status, statuses)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Join(statuses, " ") != "processing playable ready" {
		t.Fatalf("statuses %v, want processing, playable, ready", statuses)
	}
	// The percent rises within each step and says something while the
	// rest of the ladder is made.
	for st, ps := range progress {
		for i := 1; i < len(ps); i++ {
			if ps[i] < ps[i-1] {
				t.Errorf("%s progress fell: %v", st, ps)
			}
		}
	}
	if ps := progress["playable"]; len(ps) == 0 || ps[len(ps)-1] <= 0 {
		t.Errorf("no progress seen while playable: %v", progress)
	}
	// Ready: every variant, the highest served.
	v := get(a.Token)
	master := s.do("GET", v.HLSURL, nil)
	if strings.Count(string(master.Body), "#EXT-X-STREAM-INF") != 3 || !strings.Contains(string(master.Body), "RESOLUTION=720x1280") {
		t.Fatalf("ready master:\n%s", master.Body)
	}
	base := strings.TrimSuffix(v.HLSURL, "master.m3u8")
	if seg := s.do("GET", base+"v2/seg_00000.ts", nil); seg.Status != 200 {
		t.Fatalf("720p segment: %d", seg.Status)
	}
	if v.Width != 720 || v.Height != 1280 || playable.Width != 720 {
		t.Errorf("size %dx%d (playable %dx%d)", v.Width, v.Height, playable.Width, playable.Height)
	}
}
