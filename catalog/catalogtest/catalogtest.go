// Package catalogtest builds synthetic catalogues for benchmarks.
package catalogtest

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"kurz"
	"kurz/catalog"
)

var (
	mu    sync.Mutex
	cache = map[int]*catalog.Index{}
)

// Video is one synthetic video of the catalogue's distribution.
func Video(rng *rand.Rand, i int, now time.Time, owners []string) *catalog.PublicVideo {
	views := int64(rng.ExpFloat64() * 2000)
	tags := []string{fmt.Sprintf("t%d", rng.IntN(20000))}
	if rng.Float64() < 0.3 {
		tags = append(tags, fmt.Sprintf("trend%d", rng.IntN(20)))
	}
	return &catalog.PublicVideo{ID: kurz.NewID("eu"), OwnerID: owners[rng.IntN(len(owners))], Handle: "h", Caption: "clip",
		Hashtags: tags, DurationMS: 15000, Width: 720, Height: 1280, Views: views, Likes: int64(float64(views) * rng.Float64() * 0.1),
		CreatedAt: now.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))}
}

// Synthetic returns a shared, ranked catalogue of n videos by 1,000
// creators, the same for every call with the same n (benchmarks).
func Synthetic(n int) *catalog.Index {
	mu.Lock()
	defer mu.Unlock()
	if x, ok := cache[n]; ok {
		return x
	}
	rng := rand.New(rand.NewPCG(1, 2))
	owners := make([]string, 1000)
	for i := range owners {
		owners[i] = kurz.NewID("eu")
	}
	x := catalog.NewIndex()
	now := time.Now()
	for i := 0; i < n; i++ {
		x.PutVideo(Video(rng, i, now, owners))
	}
	x.Hot(now)
	cache[n] = x
	return x
}
