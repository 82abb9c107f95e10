package app_test

import (
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/app"
	"kurz/internal/leak"
)

type searchPage struct {
	Items      []searchItem
	NextCursor string `json:"next_cursor"`
}

type searchItem struct {
	ID, Handle, Tag, Caption string
	Videos                   any
}

// search asks GET /api/v1/search as a (signed-in when token is set).
func (s *server) search(token, kind, q string) searchPage {
	s.t.Helper()
	var hdr []string
	if token != "" {
		hdr = []string{"Authorization", "Bearer " + token}
	}
	r := s.do("GET", "/api/v1/search?type="+kind+"&q="+url.QueryEscape(q), nil, hdr...)
	if r.Status != 200 {
		s.t.Fatalf("search %s %q: %d %s", kind, q, r.Status, r.Body)
	}
	var p searchPage
	r.json(s.t, &p)
	return p
}

func (p searchPage) has(id string) bool {
	return slices.ContainsFunc(p.Items, func(it searchItem) bool { return it.ID == id || it.Tag == id })
}

// TestSearchAcrossRegions: a us creator's public video is found from every
// region (by people whose home is eu, us and sg, each answered by their
// home region's catalogue) by a word of its caption, a misspelt hashtag
// and half its creator's handle; the creator by half the handle; the tag
// by a typo. A private video never is; a deleted one is gone from every
// region's search. A canary query leaves no byte in any region's folder
// or the log.
func TestSearchAcrossRegions(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.DB = map[kurz.Region]string{} }) // the byte scan reads the folders
	creator := s.signUp(canary("keeper"), "keeper@example.com", "1990-01-01", "US")
	s.login(&creator)
	searchers := map[string]account{}
	for region, country := range map[string]string{"eu": "DE", "us": "US", "sg": "SG"} {
		a := s.signUp("seeker_"+region, "seeker."+region+"@example.com", "1990-01-01", country)
		s.login(&a)
		if a.Region != region {
			t.Fatalf("%s searcher landed in %s", region, a.Region)
		}
		searchers[region] = a
	}

	// A private video with the same words is never found.
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatestClip(t, clip)
	priv := s.tusUpload(creator.Token, clip, map[string]string{"caption": "Lighthouse at dawn #sunsetbeach", "visibility": "private"}, 1, "")
	if v := s.waitVideo(creator.Token, priv.VideoID); v.Status != "ready" {
		t.Fatalf("private video: %s %s", v.Status, v.Error)
	}
	id := s.publish(creator, "Golden hour at the Lighthouse #SunsetBeach")
	published := time.Now()
	half := creator.Handle[:len(creator.Handle)-4]
	for region, a := range searchers {
		waitFor(t, "the video in "+region+"'s search", func() bool { return s.search(a.Token, "videos", "lighthouse").has(id) })
		t.Logf("found in %s %s after publishing", region, time.Since(published).Round(time.Millisecond))
		for _, q := range []string{"LIGHTHOUSE", "golden hour", "#sunsetbaech", half, "lighth"} {
			p := s.search(a.Token, "videos", q)
			if !p.has(id) {
				t.Errorf("%s: %q does not find the video: %+v", region, q, p)
			}
			if p.has(priv.VideoID) {
				t.Errorf("%s: %q finds the private video", region, q)
			}
		}
		if !s.search(a.Token, "people", half).has(creator.ID) {
			t.Errorf("%s: half the handle does not find the creator", region)
		}
		if !s.search(a.Token, "tags", "sunsetbaech").has("sunsetbeach") {
			t.Errorf("%s: a misspelt tag is not found", region)
		}
	}
	// Anonymous at the door, too.
	if !s.search("", "videos", "lighthouse").has(id) {
		t.Error("an anonymous search does not find the video")
	}

	// Discover: the us video's hashtag trends worldwide everywhere, and in
	// the region of its home only.
	for region, a := range searchers {
		type trend struct {
			Tag    string
			Videos []struct{ ID string }
		}
		var d struct {
			Region              string
			Worldwide, Regional []trend
		}
		s.do("GET", "/api/v1/discover", nil, "Authorization", "Bearer "+a.Token).json(t, &d)
		trends := func(list []trend) bool {
			return slices.ContainsFunc(list, func(tr trend) bool {
				return tr.Tag == "sunsetbeach" && len(tr.Videos) == 1 && tr.Videos[0].ID == id
			})
		}
		if d.Region != region || !trends(d.Worldwide) || trends(d.Regional) != (region == "us") {
			t.Errorf("discover for %s: %+v", region, d)
		}
	}

	// Bad input: a clear error, nothing else.
	if r := s.do("GET", "/api/v1/search?type=secrets&q=x", nil); r.Status != 400 || r.errorCode(t) != kurz.EInvalid {
		t.Errorf("unknown type: %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/search?q=x&cursor=-5", nil); r.Status != 400 {
		t.Errorf("bad cursor: %d %s", r.Status, r.Body)
	}
	if p := s.search("", "videos", strings.Repeat("lighthouse ", 500)); len(p.Items) > 1 {
		t.Errorf("a huge query: %+v", p)
	}

	// The query is the searcher's: a canary query leaves nothing behind.
	query := canary("zqcanary")
	for _, a := range searchers {
		if p := s.search(a.Token, "videos", query); len(p.Items) != 0 {
			t.Fatalf("the canary query found %+v", p)
		}
		s.search(a.Token, "people", query)
		s.search(a.Token, "tags", query)
	}
	s.search("", "videos", query)

	// Deleted: gone from every region's search.
	if r := s.do("DELETE", "/api/v1/videos/"+id, nil, "Authorization", "Bearer "+creator.Token); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	for region, a := range searchers {
		waitFor(t, "the deleted video to leave "+region+"'s search", func() bool { return !s.search(a.Token, "videos", "lighthouse").has(id) })
		if s.search(a.Token, "tags", "sunsetbeach").has("sunsetbeach") {
			t.Errorf("%s: the tag of no public video is still found", region)
		}
	}

	check := func(when string) {
		for _, region := range []string{"eu", "us", "sg"} {
			hits, err := leak.ScanDir(filepath.Join(s.Config.DataDir, region), query)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				t.Errorf("%s: the search query is in %s's folder: %s", when, region, h)
			}
		}
		for _, h := range leak.Find("server log", []byte(s.logs.String()), query) {
			t.Errorf("%s: the search query is in the log: %s", when, h)
		}
	}
	check("while running")
	s.Close()
	check("after shutdown")
}
