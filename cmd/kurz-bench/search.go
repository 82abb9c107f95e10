package main

import (
	"context"
	"fmt"
	"log"
	mrand "math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/search"
)

// benchSearch measures the search index a region keeps of its catalogue:
// built in this process from a synthetic catalogue of captions drawn
// from a Zipf distribution over a 50,000-word vocabulary, hashtags and
// 100,000 creators; then 64 goroutines search at once for a fixed time,
// with a mix of what people type (a word being typed, a whole word, a
// word with a typo, two words, a hashtag, a partial handle). It measures
// the engine without HTTP (the API adds the catalogue look-ups of one
// page and JSON, as for a tag page).
func benchSearch() error {
	const sec = "13. Search (64 concurrent searchers)"
	sizes := o.sizes
	if o.quick {
		sizes = sizes[:1] // CI's smoke run: the smallest catalogue only
	}
	for _, size := range sizes {
		rng := mrand.New(mrand.NewPCG(7, 8))
		vocab := make([]string, 50_000)
		seen := map[string]bool{}
		for i := range vocab {
			for {
				w := syllables(rng, 2+rng.IntN(3))
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
		t0 := time.Now()
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
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		catHeap := ms.HeapAlloc
		t1 := time.Now()
		x.Flush()
		build := time.Since(t1).Seconds()
		log.Printf("search: catalogue made in %.1fs, heap %d MiB", t1.Sub(t0).Seconds(), catHeap>>20)
		runtime.GC()
		runtime.ReadMemStats(&ms)
		label := fmt.Sprintf("%dk videos", size/1000)
		if size >= 1_000_000 {
			label = fmt.Sprintf("%gM videos", float64(size)/1e6)
		}
		log.Printf("search: %s indexed in %.1fs, heap %d MiB", label, build, ms.HeapAlloc>>20)

		// The query mix.
		queries := make([]struct{ kind, q string }, 20_000)
		for i := range queries {
			w := vocab[zipf.Uint64()]
			switch i % 6 {
			case 0: // a word being typed
				queries[i].q = w[:min(len(w), 2+rng.IntN(3))]
			case 1:
				queries[i].q = w
			case 2: // one typo
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
		dur := o.wrkDur
		for round := 0; round < o.rounds; round++ {
			var mu sync.Mutex
			var lat []float64
			var wg sync.WaitGroup
			var failed error
			cpu0 := processCPU()
			end := time.Now().Add(dur)
			for g := range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var mine []float64
					for i := g; time.Now().Before(end); i += 64 {
						q := queries[i%len(queries)]
						t := time.Now()
						// Each search is a request of its own: it queues
						// behind the others (timed from here), as a request
						// woken from the network does, rather than the
						// searcher running search after search until
						// preempted (after 10 ms), which leaves a preempted
						// search waiting for every other searcher's run.
						runtime.Gosched()
						_, err := x.Search(context.Background(), q.kind, q.q, 0, 20, nil)
						mine = append(mine, float64(time.Since(t).Microseconds())/1000)
						if err != nil {
							mu.Lock()
							failed = err
							mu.Unlock()
							return
						}
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}()
			}
			wg.Wait()
			if failed != nil {
				return failed
			}
			cpu := processCPU() - cpu0
			slices.Sort(lat)
			cmd := fmt.Sprintf("go run ./cmd/kurz-bench -only search -sizes %d", size)
			record(sec, "kurz "+label, "searches/s", "/s", cmd, float64(len(lat))/dur.Seconds())
			record(sec, "kurz "+label, "p50", "ms", cmd, percentile(lat, 50))
			record(sec, "kurz "+label, "p99", "ms", cmd, percentile(lat, 99))
			// What a search cost, and how much of the two cores the
			// process got: on a loaded machine the latency is mostly
			// waiting for a core.
			record(sec, "kurz "+label, "CPU per search (process CPU / searches)", "ms", cmd, cpu.Seconds()*1000/float64(len(lat)))
			record(sec, "kurz "+label, "cores the process got", "", cmd, cpu.Seconds()/dur.Seconds())
			log.Printf("search: %s round %d: %d searches, p50 %.2f ms, p99 %.2f ms", label, round, len(lat), percentile(lat, 50), percentile(lat, 99))
		}
		record(sec, "kurz "+label, "index build (Flush of the loaded catalogue)", "s", "", build)
		record(sec, "kurz "+label, "heap of the catalogue alone", "MiB", "", float64(catHeap>>20))
		record(sec, "kurz "+label, "heap after build (catalogue + index)", "MiB", "", float64(ms.HeapAlloc>>20))
		x.Close()
	}
	note(sec, "The index is built in the benchmark's process from a synthetic catalogue (captions of 3-10 words drawn from a Zipf distribution over 50,000 invented words, two hashtags each, 100,000 creators with profiles), then 64 goroutines search for %s per round, each search a request of its own (it yields and queues behind the others, timed from before it queues), the first page (20) of a mix: a word being typed (prefix), a whole word, a word with one typo, two words, a hashtag (tags), half a handle (people). The engine alone, without HTTP; target p99 ≤ 30 ms at 1M videos.", o.wrkDur)
	return nil
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// syllables makes a pronounceable invented word.
func syllables(rng *mrand.Rand, n int) string {
	const cons, vow = "bcdfghklmnprstvz", "aeiou"
	var b strings.Builder
	for range n {
		b.WriteByte(cons[rng.IntN(len(cons))])
		b.WriteByte(vow[rng.IntN(len(vow))])
	}
	return b.String()
}
