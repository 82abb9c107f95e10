package edge

import (
	"errors"
	"fmt"
	"io/fs"
	"kurz/blob"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kurz"
)

// origin is a region serving a small ladder for every video: a master
// playlist naming v0/index.m3u8, which names three segments of 1000 bytes.
// Posters are missing. It counts the requests per path.
type origin struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
	// hold, when set, keeps segment answers until it is closed.
	hold chan struct{}
}

func newOrigin(t *testing.T) *origin {
	o := &origin{hits: map[string]int{}}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits[r.URL.Path]++
		hold := o.hold
		o.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/master.m3u8"):
			w.Write([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv0/index.m3u8\n"))
		case strings.HasSuffix(r.URL.Path, "/v0/index.m3u8"):
			w.Write([]byte("#EXTM3U\n#EXTINF:2,\nseg_00000.ts\n#EXTINF:2,\nseg_00001.ts\n#EXTINF:2,\nseg_00002.ts\n#EXT-X-ENDLIST\n"))
		case strings.Contains(r.URL.Path, "/v0/seg_0000"):
			if hold != nil {
				<-hold
			}
			w.Write([]byte(strings.Repeat("x", 1000)))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(o.Close)
	return o
}

// count returns the requests for paths ending in suffix.
func (o *origin) count(suffix string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for p, c := range o.hits {
		if strings.HasSuffix(p, suffix) {
			n += c
		}
	}
	return n
}

func newCache(t *testing.T, o *origin) *Cache {
	return &Cache{Store: &blob.Dir{Root: t.TempDir()}, MaxBytes: 1 << 20, Client: o.Client()}
}

// TestEdgeCache: files are fetched from origin once, the cache stays within
// its size by dropping the least recently used, and a purge removes a
// video's files.
func TestEdgeCache(t *testing.T) {
	o := newOrigin(t)
	e := newCache(t, o)
	e.MaxBytes = 3500
	get := func(video, file string) string {
		t.Helper()
		p, err := e.Get(t.Context(), o.URL, video, file)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := get("us_a", "v0/seg_00000.ts")
	get("us_a", "v0/seg_00000.ts")
	if n := o.count("seg_00000.ts"); n != 1 {
		t.Fatalf("%d fetches for one file", n)
	}
	get("us_a", "v0/seg_00001.ts")
	get("us_a", "v0/seg_00000.ts") // used again: now the newest
	get("us_b", "v0/seg_00000.ts")
	get("us_b", "v0/seg_00001.ts") // past 3500 bytes: the oldest go
	if e.size > e.MaxBytes {
		t.Fatalf("cache holds %d bytes, limit %d", e.size, e.MaxBytes)
	}
	if _, err := e.Store.Stat(t.Context(), "us_a/v0/seg_00001.ts"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("the least recently used segment was not evicted")
	}
	if _, err := e.Store.Stat(t.Context(), first); err != nil {
		t.Fatal("a recently used file was evicted")
	}
	e.Purge("us_b")
	if l, _ := e.Store.List(t.Context(), "us_b"); len(l) != 0 {
		t.Fatal("purge left files")
	}
	before := o.count("us_b/v0/seg_00000.ts")
	get("us_b", "v0/seg_00000.ts")
	if o.count("us_b/v0/seg_00000.ts") != before+1 {
		t.Fatal("a purged file was served from cache")
	}
}

// TestMadeUpNamesStayHere: segment and variant names the video's
// playlists do not list are answered 404 without asking the origin, and a
// file the origin lacks is asked for once while it is remembered missing.
func TestMadeUpNamesStayHere(t *testing.T) {
	o := newOrigin(t)
	e := newCache(t, o)
	for i := range 200 {
		for _, file := range []string{fmt.Sprintf("v0/seg_%05d.ts", 100+i), fmt.Sprintf("v%d/index.m3u8", 1+i%99),
			fmt.Sprintf("v%d/seg_00000.ts", 1+i%99)} {
			if _, err := e.Get(t.Context(), o.URL, "us_a", file); kurz.ErrorCode(err) != kurz.ENotFound {
				t.Fatalf("%s: %v", file, err)
			}
		}
	}
	if n := o.count(".ts"); n != 0 {
		t.Fatalf("made-up segment names reached the origin %d times", n)
	}
	if n, m := o.count("/index.m3u8"), o.count("/master.m3u8"); n != 1 || m != 1 {
		t.Fatalf("the playlists were fetched %d and %d times, want once each", n, m)
	}
	// A listed segment is fetched.
	if _, err := e.Get(t.Context(), o.URL, "us_a", "v0/seg_00002.ts"); err != nil {
		t.Fatal(err)
	}
	// A missing poster is asked for once while it is remembered.
	for range 50 {
		if _, err := e.Get(t.Context(), o.URL, "us_a", "poster.jpg"); kurz.ErrorCode(err) != kurz.ENotFound {
			t.Fatalf("missing poster: %v", err)
		}
	}
	if n := o.count("/poster.jpg"); n != 1 {
		t.Fatalf("a missing poster was asked for %d times", n)
	}
	// The memory of misses is bounded, and a purge forgets the video's.
	e.MaxMisses = 10
	for i := range 100 {
		e.Get(t.Context(), o.URL, fmt.Sprintf("us_v%d", i), "poster.jpg")
	}
	if n := len(e.missing); n > 10 {
		t.Fatalf("%d misses remembered, limit 10", n)
	}
	e.Purge("us_v99")
	if _, ok := e.missing["us_v99/poster.jpg"]; ok {
		t.Fatal("a purge kept the video's misses")
	}
	// Misses expire.
	e.MissTTL = time.Nanosecond
	e.Get(t.Context(), o.URL, "us_b", "poster.jpg")
	time.Sleep(time.Millisecond)
	e.Get(t.Context(), o.URL, "us_b", "poster.jpg")
	if n := o.count("us_b/poster.jpg"); n != 2 {
		t.Fatalf("an expired miss was not asked again: %d requests", n)
	}
}

// TestInFlightIsBounded: one fetch per file however many ask, at most
// MaxInFlight fetches at once, and nothing left behind once they end.
func TestInFlightIsBounded(t *testing.T) {
	o := newOrigin(t)
	e := newCache(t, o)
	e.MaxInFlight = 2
	// Warm the playlists so only segments are in flight below.
	if _, err := e.Get(t.Context(), o.URL, "us_a", "v0/index.m3u8"); err != nil {
		t.Fatal(err)
	}
	o.mu.Lock()
	o.hold = make(chan struct{})
	o.mu.Unlock()
	var wg sync.WaitGroup
	var failed atomic.Int32
	get := func(file string) {
		defer wg.Done()
		if _, err := e.Get(t.Context(), o.URL, "us_a", file); err != nil {
			failed.Add(1)
		}
	}
	for range 5 {
		wg.Add(2)
		go get("v0/seg_00000.ts")
		go get("v0/seg_00001.ts")
	}
	for e.InFlight() < 2 || o.count(".ts") < 2 {
		time.Sleep(time.Millisecond)
	}
	_, err := e.Get(t.Context(), o.URL, "us_a", "v0/seg_00002.ts")
	if kurz.ErrorCode(err) != kurz.EUnavailable || kurz.AsError(err).RetryAfter == 0 {
		t.Fatalf("a third fetch past MaxInFlight 2: %v", err)
	}
	close(o.hold)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d waiting requests failed", failed.Load())
	}
	if n := o.count(".ts"); n != 2 {
		t.Fatalf("10 requests for 2 files fetched %d times", n)
	}
	e.Purge("us_z")
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.inflight) != 0 {
		t.Fatalf("%d fetches left in flight", len(e.inflight))
	}
}

// TestPurgeDuringFetch: a file whose video is purged while it is being
// fetched is dropped, not cached.
func TestPurgeDuringFetch(t *testing.T) {
	o := newOrigin(t)
	e := newCache(t, o)
	if _, err := e.Get(t.Context(), o.URL, "us_a", "v0/index.m3u8"); err != nil {
		t.Fatal(err)
	}
	o.mu.Lock()
	o.hold = make(chan struct{})
	o.mu.Unlock()
	done := make(chan error)
	go func() {
		_, err := e.Get(t.Context(), o.URL, "us_a", "v0/seg_00000.ts")
		done <- err
	}()
	for o.count(".ts") < 1 {
		time.Sleep(time.Millisecond)
	}
	e.Purge("us_a")
	close(o.hold)
	if err := <-done; kurz.ErrorCode(err) != kurz.ENotFound {
		t.Fatalf("a fetch that a purge overtook: %v", err)
	}
	if l, _ := e.Store.List(t.Context(), "us_a"); len(l) != 0 {
		t.Fatalf("the purged video's files: %v", l)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.purgedAt) != 0 {
		t.Fatalf("purge records kept after every fetch ended: %v", e.purgedAt)
	}
}
