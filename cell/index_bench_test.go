package cell

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"kurz"
)

// Micro-benchmarks of the catalogue and For You ranking.
// Run: go test -run '^$' -bench . -benchmem -count 6 ./cell | benchstat -

var (
	benchCatMu sync.Mutex
	benchCat   = map[int]*Index{}
)

func benchVideo(rng *rand.Rand, i int, now time.Time, owners []string) *PublicVideo {
	views := int64(rng.ExpFloat64() * 2000)
	tags := []string{fmt.Sprintf("t%d", rng.IntN(20000))}
	if rng.Float64() < 0.3 {
		tags = append(tags, fmt.Sprintf("trend%d", rng.IntN(20)))
	}
	return &PublicVideo{ID: kurz.NewID("eu"), OwnerID: owners[rng.IntN(len(owners))], Handle: "h", Caption: "clip",
		Hashtags: tags, DurationMS: 15000, Width: 720, Height: 1280, Views: views, Likes: int64(float64(views) * rng.Float64() * 0.1),
		CreatedAt: now.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))}
}

// benchCatalogue returns a shared catalogue of n videos by 1,000 creators.
func benchCatalogue(b *testing.B, n int) *Index {
	benchCatMu.Lock()
	defer benchCatMu.Unlock()
	if x, ok := benchCat[n]; ok {
		return x
	}
	rng := rand.New(rand.NewPCG(1, 2))
	owners := make([]string, 1000)
	for i := range owners {
		owners[i] = kurz.NewID("eu")
	}
	x := NewIndex()
	now := time.Now()
	for i := 0; i < n; i++ {
		x.PutVideo(benchVideo(rng, i, now, owners))
	}
	x.Hot(now)
	benchCat[n] = x
	return x
}

var benchSizes = []int{10_000, 100_000, 1_000_000}

// BenchmarkHotRecompute is the cost of the first For You request after
// any catalogue change (a publish, a takedown, a counter update): the
// whole catalogue is scored and sorted under the index's write lock.
func BenchmarkHotRecompute(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x := benchCatalogue(b, n)
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				x.rank(now) // the full re-rank, wherever it runs
			}
		})
	}
}

// BenchmarkForYouRank is one For You page for an anonymous viewer: the
// ranking of the 1,000 candidates (no database reads).
func BenchmarkForYouRank(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := &Cell{Region: "eu", Index: benchCatalogue(b, n)}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.ForYou(ctx, nil, "", 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPutVideo adds a video to a catalogue of n (as the log follower
// does for every publish, takedown and counter update of any region).
func BenchmarkPutVideo(b *testing.B) {
	for _, n := range benchSizes[:2] {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x := benchCatalogue(b, n)
			rng := rand.New(rand.NewPCG(3, 4))
			owners := []string{kurz.NewID("eu")}
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				v := benchVideo(rng, 0, now, owners)
				v.Hashtags = []string{"trend1"}
				x.PutVideo(v)
				b.StopTimer()
				x.RemoveVideo(v.ID)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkLoadIndex builds a catalogue of n videos from scratch, as a
// region does at start (in log order; 30% of videos carry one of 20
// trending tags, so those tag lists grow long).
func BenchmarkLoadIndex(b *testing.B) {
	for _, n := range []int{100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 6))
			owners := make([]string, 1000)
			for i := range owners {
				owners[i] = kurz.NewID("eu")
			}
			now := time.Now()
			vids := make([]*PublicVideo, n)
			for i := range vids {
				vids[i] = benchVideo(rng, i, now, owners)
			}
			b.ReportAllocs()
			for b.Loop() {
				x := NewIndex()
				for _, v := range vids {
					x.PutVideo(v)
				}
			}
		})
	}
}
