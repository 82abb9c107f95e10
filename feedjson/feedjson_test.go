package feedjson

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kurz/catalog"
	"kurz/feed"
)

// TestFeedPageBytes: the feed page assembled from cached records is byte
// for byte what encoding/json makes of it, marks and hostile text included,
// and a new version of a video (the catalogue's, keyed by ID and version)
// is encoded anew, not answered from the cache.
func TestFeedPageBytes(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	x := catalog.NewIndex()
	x.PutVideo(&catalog.PublicVideo{ID: "eu_a", OwnerID: "eu_o", Handle: "ann", Caption: `<script>"x"</script> & #tag ünï`, Hashtags: []string{"tag"},
		DurationMS: 1500, Width: 720, Height: 1280, Likes: 3, Comments: 1, Views: 9, CreatedAt: at})
	x.PutVideo(&catalog.PublicVideo{ID: "us_b", OwnerID: "us_o", Handle: "bob", CreatedAt: at})
	a, _ := x.Video("eu_a")
	b, _ := x.Video("us_b")
	f := &feed.Page{Kind: "foryou", Next: "f10", CaughtUp: true, Items: []feed.Item{
		{PublicVideo: a, Liked: true, Why: feed.Why{Code: feed.WhyLikedHashtag, Detail: "tag\u2028<"}},
		{PublicVideo: b, Following: true, Seen: true, Why: feed.Why{Code: feed.WhyTrending}},
	}}
	var s Cache
	for range 2 { // the second time from the cache
		want, _ := json.Marshal(page(f))
		if got := s.Page(f); string(got) != string(want) {
			t.Fatalf("feed page\n got %s\nwant %s", got, want)
		}
	}
	if n := s.m.Load().n.Load(); n != 2 {
		t.Fatalf("%d records cached, want 2", n)
	}
	// The same video made again (another pointer, same version) is
	// answered from the cache; a new version is not.
	again, _ := x.Video("eu_a")
	if again == a || again.Version() != a.Version() {
		t.Fatal("a video made again is not a new pointer of the same version")
	}
	a2 := *a
	a2.Likes, a2.Caption = 4, "changed"
	x.PutVideo(&a2)
	f.Items[0].PublicVideo, _ = x.Video("eu_a")
	want, _ := json.Marshal(page(f))
	if got := s.Page(f); string(got) != string(want) || !strings.Contains(string(got), `"changed"`) {
		t.Fatalf("after a change\n got %s\nwant %s", got, want)
	}
	// A video not from the catalogue (no version) is encoded every time.
	c := &catalog.PublicVideo{ID: "eu_c", CreatedAt: at}
	for _, caption := range []string{"one", "two"} {
		c.Caption = caption
		f := &feed.Page{Kind: "popular", Items: []feed.Item{{PublicVideo: c}}}
		if got := s.Page(f); !strings.Contains(string(got), `"`+caption+`"`) {
			t.Fatalf("unversioned video: %s", got)
		}
	}
	empty := &feed.Page{Kind: "popular", CatalogueEmpty: true}
	want, _ = json.Marshal(page(empty))
	if got := s.Page(empty); string(got) != string(want) {
		t.Fatalf("empty page\n got %s\nwant %s", got, want)
	}
}
