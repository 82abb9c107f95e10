package search_test

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/search"
)

// BenchmarkSearchMix is kurz-bench's search step in miniature (the same
// synthetic catalogue and query mix), for profiles:
//
//	KURZ_BENCH_VIDEOS=100000 go test -run X -bench SearchMix -cpuprofile cpu.out ./search
//
// The catalogue has KURZ_BENCH_VIDEOS videos (default 20,000).
func BenchmarkSearchMix(b *testing.B) {
	size := 20_000
	if n, err := strconv.Atoi(os.Getenv("KURZ_BENCH_VIDEOS")); err == nil && n > 0 {
		size = n
	}
	x, queries := benchIndex(size)
	b.ResetTimer()
	var i int64
	var mu sync.Mutex
	b.SetParallelism(32) // 64 searchers on 2 cores
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			q := queries[i%int64(len(queries))]
			i++
			mu.Unlock()
			if _, err := x.Search(context.Background(), q.kind, q.q, 0, 20, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

type benchQuery struct{ kind, q string }

func benchIndex(size int) (*search.Index, []benchQuery) {
	rng := mrand.New(mrand.NewPCG(7, 8))
	syl := func(n int) string {
		const cons, vow = "bcdfghklmnprstvz", "aeiou"
		var s strings.Builder
		for range n {
			s.WriteByte(cons[rng.IntN(len(cons))])
			s.WriteByte(vow[rng.IntN(len(vow))])
		}
		return s.String()
	}
	vocab := make([]string, 50_000)
	seen := map[string]bool{}
	for i := range vocab {
		for {
			w := syl(2 + rng.IntN(3))
			if !seen[w] {
				seen[w], vocab[i] = true, w
				break
			}
		}
	}
	zipf := mrand.NewZipf(rng, 1.07, 2, uint64(len(vocab)-1))
	handles := make([]string, 100_000)
	for i := range handles {
		handles[i] = fmt.Sprintf("%s_%s%d", vocab[rng.IntN(len(vocab))], vocab[rng.IntN(len(vocab))], i)
	}
	cat := catalog.NewIndex()
	x := search.New(cat)
	cat.BeginBulk()
	now := time.Now()
	for range size {
		n := 3 + rng.IntN(8)
		words := make([]string, n)
		for j := range words {
			words[j] = vocab[zipf.Uint64()]
		}
		tags := []string{vocab[zipf.Uint64()], vocab[rng.IntN(len(vocab))]}
		h := handles[rng.IntN(len(handles))]
		caption := strings.Join(words, " ") + " #" + strings.Join(tags, " #")
		cat.PutVideo(&catalog.PublicVideo{ID: kurz.NewID("eu"), OwnerID: "eu_" + h, Handle: h, Caption: caption,
			Hashtags: kurz.Hashtags(caption), CreatedAt: now.Add(-time.Duration(rng.Int64N(int64(720 * time.Hour))))})
	}
	for i, h := range handles {
		cat.PutProfile(&catalog.PublicProfile{ID: "eu_" + h, Handle: h, DisplayName: vocab[i%len(vocab)] + " " + vocab[(i*7)%len(vocab)]})
	}
	cat.EndBulk()
	x.Flush()
	queries := make([]benchQuery, 20_000)
	for i := range queries {
		w := vocab[zipf.Uint64()]
		switch i % 6 {
		case 0:
			queries[i].q = w[:min(len(w), 2+rng.IntN(3))]
		case 1:
			queries[i].q = w
		case 2:
			r := []rune(w)
			p := 1 + rng.IntN(len(r)-1)
			r[p] = rune('a' + rng.IntN(26))
			queries[i].q = string(r)
		case 3:
			queries[i].q = w + " " + vocab[zipf.Uint64()][:3]
		case 4:
			queries[i].q = "#" + w
			queries[i].kind = search.Tags
		case 5:
			h := handles[rng.IntN(len(handles))]
			queries[i].q = h[:len(h)/2]
			queries[i].kind = search.People
		}
		if queries[i].kind == "" {
			queries[i].kind = search.Videos
		}
	}
	return x, queries
}
