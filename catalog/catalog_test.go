package catalog_test

import (
	"slices"
	"testing"
	"time"

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
	if v, _ := x.Video("eu_a"); v != &a2 {
		t.Fatal("Video returns the old version")
	}
	for name, list := range map[string][]*catalog.PublicVideo{
		"owner": x.OwnerVideos("eu_o1", nil, 10), "tag": x.TagVideos("cats", nil, 10), "newest": x.Newest(nil, 10, 100, nil),
	} {
		if i := slices.IndexFunc(list, func(v *catalog.PublicVideo) bool { return v.ID == "eu_a" }); i < 0 || list[i] != &a2 {
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
