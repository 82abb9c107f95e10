package web

import (
	"strings"
	"testing"
)

// TestVideoPageCache: a signed-out visitor's video page is made once per
// record and kept, but the backend is still asked every time: a changed
// record (caption, counts) is a new page at once, a video the backend no
// longer shows is a 404 at once, and a signed-in viewer's page is their
// own (never the kept one).
func TestVideoPageCache(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	_, first := bn.get(t, req{path: "/v/eu_v1"})
	_, again := bn.get(t, req{path: "/v/eu_v1"})
	if first != again || !strings.Contains(first, "Sunset at the lake") {
		t.Fatalf("the same record gave two pages, or the wrong one")
	}
	if _, mine := bn.get(t, req{path: "/v/eu_v1", session: "carol"}); mine == first || !strings.Contains(mine, `"handle":"carol"`) {
		t.Errorf("a signed-in viewer got the signed-out page")
	}
	set := func(f func(v *Video)) {
		bn.b.mu.Lock()
		defer bn.b.mu.Unlock()
		c := *bn.b.videos["eu_v1"]
		f(&c)
		bn.b.videos["eu_v1"] = &c
	}
	set(func(v *Video) { v.Caption, v.Likes = "Moonrise now", 4321 })
	if _, body := bn.get(t, req{path: "/v/eu_v1"}); strings.Contains(body, "Sunset at the lake") || !strings.Contains(body, "Moonrise now") {
		t.Errorf("a changed record still shows the kept page")
	}
	set(func(v *Video) { v.Visibility = "private" })
	if res, _ := bn.get(t, req{path: "/v/eu_v1"}); res.StatusCode != 404 {
		t.Errorf("a video the backend no longer shows: %d, want 404", res.StatusCode)
	}
}
