package feedjson

import (
	"encoding/json"
	"testing"
	"time"

	"kurz/catalog"
	"kurz/feed"
)

// TestFeedPageBytes: the feed page assembled from cached records is byte
// for byte what encoding/json makes of it, marks and hostile text included,
// and a new version of a video is encoded anew.
func TestFeedPageBytes(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	a := &catalog.PublicVideo{ID: "eu_a", OwnerID: "eu_o", Handle: "ann", Caption: `<script>"x"</script> & #tag ünï`, Hashtags: []string{"tag"},
		DurationMS: 1500, Width: 720, Height: 1280, Likes: 3, Comments: 1, Views: 9, CreatedAt: at}
	b := &catalog.PublicVideo{ID: "us_b", OwnerID: "us_o", Handle: "bob", CreatedAt: at}
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
	a2 := *a
	a2.Likes = 4
	f.Items[0].PublicVideo = &a2
	want, _ := json.Marshal(page(f))
	if got := s.Page(f); string(got) != string(want) {
		t.Fatalf("after a change\n got %s\nwant %s", got, want)
	}
	empty := &feed.Page{Kind: "popular", CatalogueEmpty: true}
	want, _ = json.Marshal(page(empty))
	if got := s.Page(empty); string(got) != string(want) {
		t.Fatalf("empty page\n got %s\nwant %s", got, want)
	}
}
