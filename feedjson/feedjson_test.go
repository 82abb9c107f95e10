package feedjson

import (
	"encoding/json"
	"reflect"
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

// TestCacheVersion: a video's record is served from the cache only while
// it is the same version. A change to any field of the catalogue's record
// that shows in the API is seen, whether the catalogue hands over a new
// record or a copy built on access; a copy with nothing changed is a hit.
func TestCacheVersion(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	base := catalog.PublicVideo{ID: "eu_a", OwnerID: "eu_o", Handle: "ann", Caption: "hi", Hashtags: []string{"tag"},
		DurationMS: 1500, Width: 720, Height: 1280, Likes: 3, Comments: 1, Views: 9, CreatedAt: at, Label: "l",
		Sound: "eu_s", RemixKind: "duet", RemixOf: "eu_r", Allow: 1, SoundName: "song", Avatar: "1", Countries: []string{"DE"}}
	var s Cache
	enc := func(v *catalog.PublicVideo) []byte {
		return s.Page(&feed.Page{Kind: "foryou", Items: []feed.Item{{PublicVideo: v, Why: feed.Why{Code: feed.WhyTrending}}}})
	}
	first := enc(&base)
	same := base // a copy: another pointer, the same content
	if got := enc(&same); string(got) != string(first) {
		t.Fatalf("copy\n got %s\nwant %s", got, first)
	}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		v := base
		f := reflect.ValueOf(&v).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Int, reflect.Int64:
			f.SetInt(f.Int() + 2)
		case reflect.Bool:
			f.SetBool(!f.Bool())
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{"other"}))
		case reflect.Struct: // time
			f.Set(reflect.ValueOf(at.Add(time.Second)))
		default:
			t.Fatalf("field %s: kind %s not covered by this test", typ.Field(i).Name, f.Kind())
		}
		enc(&base) // the cache holds the original version
		want, _ := json.Marshal(page(&feed.Page{Kind: "foryou", Items: []feed.Item{{PublicVideo: &v, Why: feed.Why{Code: feed.WhyTrending}}}}))
		if got := enc(&v); string(got) != string(want) {
			t.Errorf("field %s changed: cache served an old version\n got %s\nwant %s", typ.Field(i).Name, got, want)
		}
	}
}
