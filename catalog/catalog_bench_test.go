package catalog_test

import (
	"bytes"
	"fmt"
	"kurz/catalog"
	"kurz/catalog/catalogtest"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"kurz"
)

// Micro-benchmarks of the catalogue and For You ranking.
// Run: go test -run '^$' -bench . -benchmem -count 6 ./cell | benchstat -

var benchSizes = []int{10_000, 100_000, 1_000_000}

// BenchmarkHotRecompute is the cost of the first For You request after
// any catalogue change (a publish, a takedown, a counter update): the
// whole catalogue is scored and sorted under the index's write lock.
func BenchmarkHotRecompute(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x := catalogtest.Synthetic(n)
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				x.Rank(now) // the full re-rank, wherever it runs
			}
		})
	}
}

// BenchmarkPutVideo adds a video to a catalogue of n (as the log follower
// does for every publish, takedown and counter update of any region).
func BenchmarkPutVideo(b *testing.B) {
	for _, n := range benchSizes[:2] {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x := catalogtest.Synthetic(n)
			rng := rand.New(rand.NewPCG(3, 4))
			owners := []string{kurz.NewID("eu")}
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				v := catalogtest.Video(rng, 0, now, owners)
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
			vids := make([]*catalog.PublicVideo, n)
			for i := range vids {
				vids[i] = catalogtest.Video(rng, i, now, owners)
			}
			b.ReportAllocs()
			for b.Loop() {
				x := catalog.NewIndex()
				for _, v := range vids {
					x.PutVideo(v)
				}
			}
		})
	}
}

// BenchmarkLoadSnapshot is a start from the catalogue snapshot: read and
// index n videos (the file already in memory).
func BenchmarkLoadSnapshot(b *testing.B) {
	for _, n := range []int{1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 6))
			owners := make([]string, 1000)
			for i := range owners {
				owners[i] = kurz.NewID("eu")
			}
			x := catalog.NewIndex()
			x.BeginBulk()
			now := time.Now()
			for i := range n {
				x.PutVideo(catalogtest.Video(rng, i, now, owners))
			}
			x.EndBulk()
			var buf bytes.Buffer
			if err := x.WriteSnapshot(&buf, catalog.SnapshotMeta{Region: "eu"}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			defer func() {
				syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
				cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op") // what the process used, whatever else runs
			}()
			for b.Loop() {
				x := catalog.NewIndex()
				x.BeginBulk()
				if _, err := x.LoadSnapshot(buf.Bytes(), func(string) bool { return true }); err != nil {
					b.Fatal(err)
				}
				x.EndBulk()
			}
		})
	}
}

// BenchmarkHeap is the memory a catalogue of a million videos holds once
// loaded from its snapshot (as at a region's start), in MiB of live heap
// (heap-MiB), with the videos of the feed benchmark (1,000 creators with
// handles, 1-2 hashtags of 20,000, captions naming them). A heap profile
// of it: add -memprofile.
func BenchmarkHeap(b *testing.B) {
	const n = 1_000_000
	rng := rand.New(rand.NewPCG(1, 2))
	owners, handles := make([]string, 1000), make([]string, 1000)
	for i := range owners {
		owners[i], handles[i] = kurz.NewID("eu"), fmt.Sprintf("creator%d", i)
	}
	now := time.Now()
	x := catalog.NewIndex()
	x.BeginBulk()
	for i := range n {
		v := catalogtest.Video(rng, i, now, owners)
		v.Handle = handles[slices.Index(owners, v.OwnerID)]
		v.Caption = fmt.Sprintf("clip %d #%s", i, strings.Join(v.Hashtags, " #"))
		x.PutVideo(v)
	}
	x.EndBulk()
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf, catalog.SnapshotMeta{Region: "eu"}); err != nil {
		b.Fatal(err)
	}
	x = nil
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		y := catalog.NewIndex()
		y.BeginBulk()
		if _, err := y.LoadSnapshot(buf.Bytes(), func(string) bool { return true }); err != nil {
			b.Fatal(err)
		}
		y.EndBulk()
		y.Hot(now)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "alloc-MiB")
		runtime.KeepAlive(y)
	}
}
