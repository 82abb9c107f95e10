package discover_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/discover"
	"kurz/policy"
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

// TestFindable: search and Discover answer what the policy's search and
// tag-list columns say: age-restricted videos hidden from minors and
// anonymous viewers, reduced ones and the viewer's own left out; Discover
// splits by region.
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
	mk("us", func(v *catalog.PublicVideo) { v.Reduced = true }) // found by nobody
	idx.Flush()
	for _, tc := range []struct {
		name   string
		viewer policy.Viewer
		want   []*catalog.PublicVideo
	}{
		{"anonymous", policy.Viewer{}, []*catalog.PublicVideo{plain}},
		{"adult", policy.Viewer{ID: "a"}, []*catalog.PublicVideo{plain, adult}},
		{"minor", policy.Viewer{ID: "m", Minor: true}, []*catalog.PublicVideo{plain}},
		{"their owner", policy.Viewer{ID: "x"}, nil},
	} {
		got, _, err := s.Videos(context.Background(), tc.viewer, "glacier", "")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), ids(tc.want)) {
			t.Errorf("%s finds %v, want %v", tc.name, ids(got), ids(tc.want))
		}
	}
	if _, _, err := s.Videos(context.Background(), policy.Viewer{}, "glacier", "x"); kurz.ErrorCode(err) != kurz.EInvalid {
		t.Errorf("bad cursor: %v", err)
	}

	world, regional := s.Trending(now, policy.Viewer{ID: "a"}, "eu")
	if len(world) != 1 || world[0].Tag != "ice" || !slices.Equal(ids(world[0].Videos), ids([]*catalog.PublicVideo{plain, adult})) {
		t.Errorf("worldwide: %+v", world)
	}
	if len(regional) != 1 || !slices.Equal(ids(regional[0].Videos), []string{plain.ID}) {
		t.Errorf("eu: %+v", regional)
	}
}
