package search_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/search"
)

func setup(t *testing.T) (*catalog.Index, *search.Index) {
	t.Helper()
	cat := catalog.NewIndex()
	return cat, search.New(cat)
}

func find(t *testing.T, x *search.Index, kind, q string) []string {
	t.Helper()
	h, err := x.Search(context.Background(), kind, q, 0, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h.IDs
}

func put(cat *catalog.Index, handle, caption string) *catalog.PublicVideo {
	v := &catalog.PublicVideo{ID: kurz.NewID("eu"), OwnerID: "eu_" + handle, Handle: handle, Caption: caption,
		Hashtags: kurz.Hashtags(caption), CreatedAt: time.Now()}
	cat.PutVideo(v)
	return v
}

func TestSearchFindsByWordTypoAndPrefix(t *testing.T) {
	t.Parallel()
	cat, x := setup(t)
	sunset := put(cat, "marta_lopez", "Golden hour at the Lighthouse #SunsetBeach")
	other := put(cat, "someone", "cooking pasta #dinner")
	cat.PutProfile(&catalog.PublicProfile{ID: "eu_marta_lopez", Handle: "marta_lopez", DisplayName: "Marta López"})
	x.Flush()

	for _, tc := range []struct{ kind, q, want string }{
		{search.Videos, "lighthouse", sunset.ID},              // a word of the caption
		{search.Videos, "LIGHTHOUSE golden", sunset.ID},       // case, two words
		{search.Videos, "#sunsetbaech", sunset.ID},            // a misspelt hashtag
		{search.Videos, "lighth", sunset.ID},                  // a prefix, as one types
		{search.Videos, "marta_lo", sunset.ID},                // a partial handle
		{search.Videos, "pasta", other.ID},                    //
		{search.People, "marta_l", "eu_marta_lopez"},          // a partial handle
		{search.People, "lopez", "eu_marta_lopez"},            // a part of the handle, the name folded
		{search.Tags, "sunsetbeahc", "sunsetbeach"},           // a misspelt tag
		{search.Tags, "sunse", "sunsetbeach"},                 // a tag's prefix
		{search.Videos, "   ", ""},                            // nothing asked, nothing found
		{search.Videos, "zebra", ""},                          // no such word
		{search.Videos, "lighthouse pasta", ""},               // every word must match
		{search.Videos, "\u202egolden\u200b hour", sunset.ID}, // invisible characters are folded away
	} {
		got := find(t, x, tc.kind, tc.q)
		if tc.want == "" {
			if len(got) != 0 {
				t.Errorf("%s %q found %v, want nothing", tc.kind, tc.q, got)
			}
			continue
		}
		if len(got) == 0 || got[0] != tc.want {
			t.Errorf("%s %q found %v, want %s first", tc.kind, tc.q, got, tc.want)
		}
	}
}

func TestSearchFollowsTheCatalogue(t *testing.T) {
	t.Parallel()
	cat, x := setup(t)
	v := put(cat, "ana", "walrus dance #arctic")
	x.Flush()
	if got := find(t, x, search.Videos, "walrus"); !slices.Equal(got, []string{v.ID}) {
		t.Fatalf("found %v", got)
	}
	// A caption edit: the old words no longer find it, the new ones do.
	v2 := *v
	v2.Caption, v2.Hashtags = "penguin parade #antarctic", []string{"antarctic"}
	cat.PutVideo(&v2)
	x.Flush()
	if got := find(t, x, search.Videos, "walrus"); len(got) != 0 {
		t.Fatalf("old caption still found: %v", got)
	}
	if got := find(t, x, search.Videos, "penguin"); !slices.Equal(got, []string{v.ID}) {
		t.Fatalf("new caption not found: %v", got)
	}
	if got := find(t, x, search.Tags, "arctic"); slices.Contains(got, "arctic") {
		t.Fatalf("a tag no video carries is still found: %v", got)
	}
	// Removal (takedown, erasure, made private): the catalogue drops it,
	// and the index forgets it at the next flush.
	cat.RemoveVideo(v.ID)
	if got := find(t, x, search.Videos, "penguin"); len(got) != 0 {
		t.Fatalf("removed video found before the index caught up: %v", got)
	}
	x.Flush()
	if got := find(t, x, search.Videos, "penguin"); len(got) != 0 {
		t.Fatalf("removed video found: %v", got)
	}
	if got := find(t, x, search.Tags, "antarctic"); len(got) != 0 {
		t.Fatalf("tag of a removed video found: %v", got)
	}
}

func TestSearchManyChangesAndPages(t *testing.T) {
	t.Parallel()
	cat, x := setup(t)
	var ids []string
	for range 60 {
		ids = append(ids, put(cat, "bulk", "kayak trip").ID)
	}
	x.Flush() // the base
	for i := range 40 {
		// Many small flushes: the delta is rebuilt along the way.
		put(cat, "late", "kayak river")
		if i%2 == 0 {
			cat.RemoveVideo(ids[i])
		}
		x.Flush()
	}
	seen := map[string]bool{}
	from := 0
	for {
		h, err := x.Search(context.Background(), search.Videos, "kayak", from, 7, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range h.IDs {
			if seen[id] {
				t.Fatalf("%s on two pages", id)
			}
			if _, ok := cat.Video(id); !ok {
				t.Fatalf("removed %s found", id)
			}
			seen[id] = true
		}
		if h.Next == 0 {
			break
		}
		from = h.Next
	}
	if len(seen) != 60-20+40 {
		t.Fatalf("found %d videos over the pages, want %d", len(seen), 60-20+40)
	}
}

// TestSearchBeforeFirstBuild: before the index is first built (it follows
// the catalogue's load in the background), searches are answered from the
// catalogue: by whole words and the prefix of the last one, in captions
// folded as the index folds them, handles and names, newest videos first,
// a page at a time; what no word matches is not found.
func TestSearchBeforeFirstBuild(t *testing.T) {
	t.Parallel()
	cat, x := setup(t)
	old := put(cat, "marta_lopez", "Golden hour at the Lighthouse #SunsetBeach")
	fancy := put(cat, "jo", "ＬＩＧＨＴＨＯＵＳＥ Ölfeld\u200b café") // fullwidth letters, an invisible space
	cat.PutProfile(&catalog.PublicProfile{ID: "eu_marta_lopez", Handle: "marta_lopez", DisplayName: "Marta López", Followers: 3})
	cat.PutProfile(&catalog.PublicProfile{ID: "eu_jo", Handle: "jo", DisplayName: "Jo Lopez", Followers: 9})
	var many []string
	for range 25 {
		many = append(many, put(cat, "kayaker", "kayak trip").ID)
	}
	// No Flush: nothing is indexed yet.
	for _, tc := range []struct {
		kind, q string
		want    []string
	}{
		{search.Videos, "lighthouse", []string{fancy.ID, old.ID}}, // newest first
		{search.Videos, "LIGHTHOUSE golden", []string{old.ID}},
		{search.Videos, "lighth", []string{fancy.ID, old.ID}},         // a prefix, as one types
		{search.Videos, "#sunsetbeach", []string{old.ID}},             // a hashtag is a word
		{search.Videos, "ölfeld café", []string{fancy.ID}},            // folded words
		{search.Videos, "marta_lo", []string{old.ID}},                 // a partial handle
		{search.Videos, "light hour", nil},                            // only the last word is a prefix
		{search.Videos, "lighthouse kayak", nil},                      // every word must match
		{search.Videos, "zebra", nil},                                 //
		{search.People, "lopez", []string{"eu_jo", "eu_marta_lopez"}}, // most followed first
		{search.People, "marta_l", []string{"eu_marta_lopez"}},
		{search.Tags, "suns", []string{"sunsetbeach"}},
	} {
		if got := find(t, x, tc.kind, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s %q found %v, want %v", tc.kind, tc.q, got, tc.want)
		}
	}
	// Pages: 25 matches, 20 and then 5, newest first.
	h, err := x.Search(context.Background(), search.Videos, "kayak", 0, 20, nil)
	if err != nil || len(h.IDs) != 20 || h.Next != 20 || h.IDs[0] != many[24] {
		t.Fatalf("first page: %+v, %v", h, err)
	}
	h, err = x.Search(context.Background(), search.Videos, "kayak", 20, 20, nil)
	if err != nil || len(h.IDs) != 5 || h.Next != 0 || h.IDs[4] != many[0] {
		t.Fatalf("second page: %+v, %v", h, err)
	}
	// A removed video is not found; once built, the index answers alike.
	cat.RemoveVideo(old.ID)
	if got := find(t, x, search.Videos, "lighthouse"); !slices.Equal(got, []string{fancy.ID}) {
		t.Fatalf("after a removal: %v", got)
	}
	x.Flush()
	if got := find(t, x, search.Videos, "lighthouse"); !slices.Equal(got, []string{fancy.ID}) {
		t.Fatalf("from the index: %v", got)
	}
}

// TestSearchAfterBulkLoad: a catalogue loaded in bulk (a snapshot, the log
// at start) is indexed whole at the next flush, though its videos were
// not told one by one.
func TestSearchAfterBulkLoad(t *testing.T) {
	t.Parallel()
	src := catalog.NewIndex()
	v := put(src, "ana", "walrus dance #arctic")
	src.PutProfile(&catalog.PublicProfile{ID: "eu_ana", Handle: "ana", DisplayName: "Ana"})
	var snap bytes.Buffer
	if err := src.WriteSnapshot(&snap, catalog.SnapshotMeta{Region: "eu"}); err != nil {
		t.Fatal(err)
	}
	cat, x := setup(t)
	cat.BeginBulk()
	if _, err := cat.LoadSnapshot(snap.Bytes(), func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	put(cat, "bo", "walrus nap") // the log after the snapshot
	cat.EndBulk()
	x.Flush()
	if got := find(t, x, search.Videos, "walrus"); len(got) != 2 || !slices.Contains(got, v.ID) {
		t.Fatalf("videos after a bulk load: %v", got)
	}
	if got := find(t, x, search.Tags, "arctc"); !slices.Equal(got, []string{"arctic"}) { // a typo: the index answers
		t.Fatalf("tags after a bulk load: %v", got)
	}
	if got := find(t, x, search.People, "ana"); !slices.Equal(got, []string{"eu_ana"}) {
		t.Fatalf("people after a bulk load: %v", got)
	}
}

// TestSearchBeforeFirstBuildWalksTheWholeCatalogue: the catalogue is read
// a page at a time; matches on every page are found once each, newest
// first.
func TestSearchBeforeFirstBuildWalksTheWholeCatalogue(t *testing.T) {
	t.Parallel()
	cat, x := setup(t)
	base := time.Now()
	var want []string
	for i := range 9000 {
		caption := "haystack"
		if i%300 == 0 {
			caption = "needle in the haystack"
		}
		v := &catalog.PublicVideo{ID: kurz.NewID("eu"), OwnerID: "eu_o", Handle: "o", Caption: caption, CreatedAt: base.Add(time.Duration(i) * time.Second)}
		cat.PutVideo(v)
		if i%300 == 0 {
			want = append([]string{v.ID}, want...) // newest first
		}
	}
	var got []string
	for from := 0; ; {
		h, err := x.Search(context.Background(), search.Videos, "needle", from, 7, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.IDs...)
		if h.Next == 0 {
			break
		}
		from = h.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("found %d videos over the pages, want %d in order", len(got), len(want))
	}
}
