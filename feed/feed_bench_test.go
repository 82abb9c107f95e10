package feed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/catalog/catalogtest"
	"kurz/cell"
)

// Micro-benchmarks of the feeds (no database: the viewer's state is in
// memory, as in a running region after the viewer's first request).
// Run: go test -run '^$' -bench . -benchmem -count 6 ./feed | benchstat -

// benchViewer puts a signed-in viewer with 900 views, 50 likes and 20
// follows, drawn from the top of the catalogue, into c's memory.
func benchViewer(c *Service, x *catalog.Index) *kurz.Profile {
	rng := rand.New(rand.NewPCG(7, 8))
	hot, _ := x.Hot(time.Now())
	pick := func() *catalog.PublicVideo { return hot[rng.IntN(len(hot))].V }
	d := &viewerData{}
	for range 900 {
		d.seen = append(d.seen, pick().ID)
	}
	for range 50 {
		d.liked = append(d.liked, pick().ID)
	}
	for range 20 {
		d.followees = append(d.followees, pick().OwnerID)
	}
	p := &kurz.Profile{ID: kurz.NewID("eu"), Handle: "bench"}
	st := &viewerState{id: p.ID}
	st.apply(d, time.Now())
	st.loaded = time.Now().Add(time.Hour) // never reloaded (no store here)
	c.states().m[p.ID] = st
	return p
}

// BenchmarkForYouRank is one For You page for a signed-in viewer: the
// first page after the viewer's state changed (the ranking is rebuilt from
// the candidate pools), a later first page (the ranking is reused), and one
// Popular page for an anonymous viewer.
func BenchmarkForYouRank(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchFeeds(b, n) })
	}
}

func benchFeeds(b *testing.B, n int) {
	{
		x := catalogtest.Synthetic(n)
		c := &Service{Cell: &cell.Cell{Region: "eu", Index: x}}
		ctx := context.Background()
		viewer := benchViewer(c, x)
		b.Run("rebuild", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Followed(viewer.ID, "eu_x", false) // changes the ranking's inputs
				if _, err := c.Page(ctx, viewer, KindForYou, "", 10); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("cached", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Page(ctx, viewer, KindForYou, "", 10); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("popular", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Page(ctx, nil, "", "", 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
