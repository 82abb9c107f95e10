package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Memory of a serving process. Most of a large region's heap is its
// catalogue, which lives as long as the process; with Go's default GC
// target (the heap may grow to twice what is live before a collection)
// the process would hold about as much garbage again. Unless GOMEMLIMIT
// is set (then Go's own limit applies and kurz leaves it alone), kurz
// keeps a soft memory limit of what is live plus a half (at least
// minHeadroom above it), recomputed as the catalogue grows. A collection
// then starts when the heap reaches that limit, not twice the live heap.
// Each collection marks the whole catalogue, so less headroom costs CPU
// on the request path: with a quarter, For You at 1M videos answered
// 0.3-0.6× the requests of no limit (BENCHMARKS.md, Memory).
// GOGC still applies below it (small regions are unaffected). The limit
// is set once the regions serve (the catalogue's load runs without
// collections, on purpose) and moves only after a collection has
// measured what is live again (a stale measure would set it below what
// is live, and the collector would run without pause).
const (
	headroomShare = 2 // live/headroomShare of headroom
	minHeadroom   = 128 << 20
)

// governMemory sets the soft memory limit until ctx ends.
func governMemory(ctx context.Context, log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	var last int64
	var cycles uint64
	set := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 || sample[1].Value.Kind() != metrics.KindUint64 {
			return
		}
		if c := sample[1].Value.Uint64(); c == cycles {
			return // no collection since: what is live is not known anew
		} else {
			cycles = c
		}
		live := int64(sample[0].Value.Uint64())
		limit := live + max(live/headroomShare, minHeadroom)
		// Only a change by more than an eighth is worth a log line.
		if d := limit - last; d > last/8 || -d > last/8 {
			log.Debug("memory limit", "live_mib", live>>20, "limit_mib", limit>>20)
			last = limit
		}
		debug.SetMemoryLimit(limit)
	}
	go func() {
		// What the catalogue's load left live (on this goroutine: a stop
		// asked for meanwhile does not wait for it).
		runtime.GC()
		set()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				set()
			}
		}
	}()
}

// servePprof serves the runtime's profiles (heap, allocations, CPU,
// goroutines, an execution trace) on KURZ_PPROF, an address of the
// loopback interface, for measuring; off unless set.
func servePprof(log *slog.Logger) error {
	addr := os.Getenv("KURZ_PPROF")
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("KURZ_PPROF=%q: a loopback address and port, e.g. 127.0.0.1:6060", addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Info("profiles served", "addr", addr)
	go http.Serve(l, mux)
	return nil
}
