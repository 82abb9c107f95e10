package discover_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/discover"
	"kurz/search"
)

func ids(vs []*catalog.PublicVideo) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	slices.Sort(out)
	return out
}

// TestFindable: search hides age-restricted videos from minors and
// anonymous viewers, as For You does (minors' videos never reach the
// catalogue), but not reduced ones; Discover leaves reduced ones out
// and splits by region.
func TestFindable(t *testing.T) {
	cat := catalog.NewIndex()
	idx := search.New(cat)
	s := &discover.Service{Region: "eu", Index: cat, Search: idx}
	now := time.Now()
	mk := func(region kurz.Region, edit func(*catalog.PublicVideo)) *catalog.PublicVideo {
		v := &catalog.PublicVideo{ID: kurz.NewID(region), OwnerID: "x", Handle: "h", Caption: "glacier hike #ice", Hashtags: []string{"ice"},
			CreatedAt: now, Views: 10, Likes: 5}
		if edit != nil {
			edit(v)
		}
		cat.PutVideo(v)
		return v
	}
	plain := mk("eu", nil)
	adult := mk("us", func(v *catalog.PublicVideo) { v.AgeRestricted = true })
	reduced := mk("us", func(v *catalog.PublicVideo) { v.Reduced = true })
	idx.Flush()
	for _, tc := range []struct {
		name   string
		viewer *discover.Viewer
		want   []*catalog.PublicVideo
	}{
		{"anonymous", nil, []*catalog.PublicVideo{plain, reduced}},
		{"adult", &discover.Viewer{}, []*catalog.PublicVideo{plain, adult, reduced}},
		{"minor", &discover.Viewer{Minor: true}, []*catalog.PublicVideo{plain, reduced}},
	} {
		got, _, err := s.Videos(context.Background(), tc.viewer, "glacier", "")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), ids(tc.want)) {
			t.Errorf("%s finds %v, want %v", tc.name, ids(got), ids(tc.want))
		}
	}
	if _, _, err := s.Videos(context.Background(), nil, "glacier", "x"); kurz.ErrorCode(err) != kurz.EInvalid {
		t.Errorf("bad cursor: %v", err)
	}

	world, regional := s.Trending(now, &discover.Viewer{}, "eu")
	if len(world) != 1 || world[0].Tag != "ice" || !slices.Equal(ids(world[0].Videos), ids([]*catalog.PublicVideo{plain, adult})) {
		t.Errorf("worldwide: %+v", world)
	}
	if len(regional) != 1 || !slices.Equal(ids(regional[0].Videos), []string{plain.ID}) {
		t.Errorf("eu: %+v", regional)
	}
}
