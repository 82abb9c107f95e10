package catalog_test

import (
	"slices"
	"testing"
	"time"

	"kurz"
	"kurz/catalog"
)

func ids(vs []*catalog.PublicVideo) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func hotIDs(x *catalog.Index, now time.Time) []string {
	hot, _ := x.Hot(now)
	var out []string
	for _, s := range hot {
		out = append(out, s.V.ID)
	}
	return out
}

// TestListsFollowChanges: the newest-first lists (whole catalogue, per
// owner, per hashtag) and the ranking stay right as videos are added,
// changed in place (counters), moved (hashtags) and removed.
func TestListsFollowChanges(t *testing.T) {
	t.Parallel()
	now := time.Now()
	x := catalog.NewIndex()
	at := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	a := &catalog.PublicVideo{ID: "eu_a", OwnerID: "eu_o1", Hashtags: []string{"cats"}, CreatedAt: at(3), Views: 10}
	b := &catalog.PublicVideo{ID: "eu_b", OwnerID: "eu_o2", Hashtags: []string{"cats", "dogs"}, CreatedAt: at(2), Views: 10}
	c := &catalog.PublicVideo{ID: "eu_c", OwnerID: "eu_o1", Hashtags: []string{"dogs"}, CreatedAt: at(1), Views: 10}
	x.BeginBulk()
	x.PutVideo(c)
	x.PutVideo(a)
	x.EndBulk()
	x.PutVideo(b) // after the load: inserted in place
	if got := ids(x.Newest(nil, 10, 100, nil)); !slices.Equal(got, []string{"eu_c", "eu_b", "eu_a"}) {
		t.Fatalf("Newest = %v", got)
	}
	if got := ids(x.Newest(b, 10, 100, nil)); !slices.Equal(got, []string{"eu_a"}) {
		t.Fatalf("Newest after b = %v", got)
	}
	if got := ids(x.Newest(nil, 10, 100, func(v *catalog.PublicVideo) bool { return v.OwnerID == "eu_o1" })); !slices.Equal(got, []string{"eu_c", "eu_a"}) {
		t.Fatalf("Newest, o1 only = %v", got)
	}
	if got := ids(x.Newest(nil, 10, 1, nil)); !slices.Equal(got, []string{"eu_c"}) {
		t.Fatalf("Newest looking at one video = %v", got)
	}
	if got := hotIDs(x, now); len(got) != 3 {
		t.Fatalf("Hot = %v", got)
	}

	// A counter change: the new version everywhere, nothing moved.
	a2 := *a
	a2.Likes, a2.Views = 50, 60
	x.PutVideo(&a2)
	if v, _ := x.Video("eu_a"); v.Likes != 50 || v.Version() != a2.Version() || a2.Version() == a.Version() {
		t.Fatal("Video returns the old version")
	}
	for name, list := range map[string][]*catalog.PublicVideo{
		"owner": x.OwnerVideos("eu_o1", nil, 10), "tag": x.TagVideos("cats", nil, 10), "newest": x.Newest(nil, 10, 100, nil),
	} {
		if i := slices.IndexFunc(list, func(v *catalog.PublicVideo) bool { return v.ID == "eu_a" }); i < 0 || list[i].Likes != 50 || list[i].Version() != a2.Version() {
			t.Fatalf("%s list holds the old version: %v", name, ids(list))
		}
	}
	if got := hotIDs(x, now); got[0] != "eu_a" {
		t.Fatalf("the liked video is not first in the ranking: %v", got)
	}

	// New hashtags move the video between tag lists.
	c2 := *c
	c2.Hashtags = []string{"cats"}
	x.PutVideo(&c2)
	if got := ids(x.TagVideos("cats", nil, 10)); !slices.Equal(got, []string{"eu_c", "eu_b", "eu_a"}) {
		t.Fatalf("cats = %v", got)
	}
	if got := ids(x.TagVideos("dogs", nil, 10)); !slices.Equal(got, []string{"eu_b"}) {
		t.Fatalf("dogs = %v", got)
	}

	// Removal: gone from every list and the ranking.
	x.RemoveVideo("eu_b")
	if got := ids(x.Newest(nil, 10, 100, nil)); !slices.Equal(got, []string{"eu_c", "eu_a"}) {
		t.Fatalf("Newest after removal = %v", got)
	}
	if got := x.TagVideos("dogs", nil, 10); len(got) != 0 {
		t.Fatalf("dogs after removal = %v", ids(got))
	}
	if slices.Contains(hotIDs(x, now), "eu_b") {
		t.Fatal("a removed video is still ranked")
	}
	x.RemoveProfile("eu_o1")
	if got := x.Newest(nil, 10, 100, nil); len(got) != 0 || x.Len() != 0 {
		t.Fatalf("after the owner went: %v", ids(got))
	}
}

// TestSoundVideos: a sound's list holds the videos that took it and the
// video whose own sound it is, newest first, a page at a time, whether
// put one by one or loaded in bulk; a counter change keeps a video in
// place; a removed original leaves the takers listed.
func TestSoundVideos(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	orig := &catalog.PublicVideo{ID: kurz.NewID("eu"), OwnerID: "eu_a", CreatedAt: base}
	took := func(d time.Duration) *catalog.PublicVideo {
		return &catalog.PublicVideo{ID: kurz.NewID("us"), OwnerID: "us_b", Sound: orig.ID, RemixKind: "duet", RemixOf: orig.ID, CreatedAt: base.Add(d)}
	}
	early, a, c := took(-time.Minute), took(time.Minute), took(2*time.Minute) // one taker's clock was behind
	want := []string{c.ID, a.ID, orig.ID, early.ID}
	one := catalog.NewIndex()
	for _, v := range []*catalog.PublicVideo{a, orig, c, early} {
		one.PutVideo(v)
	}
	bulk := catalog.NewIndex()
	bulk.BeginBulk()
	for _, v := range []*catalog.PublicVideo{early, orig, a, c} {
		bulk.PutVideo(v)
	}
	bulk.EndBulk()
	for name, x := range map[string]*catalog.Index{"one by one": one, "bulk": bulk} {
		if got := ids(x.SoundVideos(orig.ID, nil, 10)); !slices.Equal(got, want) {
			t.Fatalf("%s: %v, want %v", name, got, want)
		}
		var pages []string
		var after *catalog.PublicVideo
		for {
			p := x.SoundVideos(orig.ID, after, 2)
			if len(p) == 0 {
				break
			}
			pages = append(pages, ids(p)...)
			after = p[len(p)-1]
		}
		if !slices.Equal(pages, want) {
			t.Fatalf("%s: pages of two: %v, want %v", name, pages, want)
		}
		if got := x.SoundVideos(a.ID, nil, 10); len(got) != 0 {
			t.Fatalf("%s: a video that took another's sound has none of its own: %v", name, ids(got))
		}
		liked := *a
		liked.Likes = 7
		x.PutVideo(&liked)
		if got := x.SoundVideos(orig.ID, nil, 10); len(got) != 4 || got[1].Likes != 7 {
			t.Fatalf("%s: after a counter change: %v", name, ids(got))
		}
		x.RemoveVideo(orig.ID)
		if got := ids(x.SoundVideos(orig.ID, nil, 10)); !slices.Equal(got, []string{c.ID, a.ID, early.ID}) {
			t.Fatalf("%s: after the original went: %v", name, got)
		}
	}
}

// TestFacts: the media route's question reads the same facts as the
// whole record, follows a change in place and ends with the removal.
func TestFacts(t *testing.T) {
	x := catalog.NewIndex()
	var f catalog.PublicVideo
	if x.Facts("eu_a", &f) {
		t.Fatal("facts of a video not in the catalogue")
	}
	a := &catalog.PublicVideo{ID: "eu_a", OwnerID: "eu_o1", Caption: "hi", Hashtags: []string{"cats"}, CreatedAt: time.Now()}
	x.PutVideo(a)
	if !x.Facts("eu_a", &f) || f.OwnerID != "eu_o1" || f.AgeRestricted || f.Reduced || len(f.Countries) != 0 || f.Caption != "hi" || f.Handle != "" {
		t.Fatalf("facts = %+v", f)
	}
	a2 := *a
	a2.AgeRestricted, a2.Reduced, a2.Countries, a2.Label = true, true, []string{"DE"}, "graphic"
	x.PutVideo(&a2)
	if !x.Facts("eu_a", &f) || !f.AgeRestricted || !f.Reduced || !slices.Equal(f.Countries, []string{"DE"}) || f.Label != "graphic" {
		t.Fatalf("facts after a change = %+v", f)
	}
	if n := testing.AllocsPerRun(100, func() { x.Facts("eu_a", &f) }); n != 0 {
		t.Fatalf("%v allocations per question", n)
	}
	x.RemoveVideo("eu_a")
	if x.Facts("eu_a", &f) {
		t.Fatal("facts of a removed video")
	}
}
