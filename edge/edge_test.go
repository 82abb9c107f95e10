package edge

import (
	"errors"
	"io/fs"
	"kurz/blob"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"kurz"
)

// TestEdgeCache: files are fetched from origin once, the cache stays within
// its size by dropping the least recently used, a missing file is 404, and
// a purge removes a video's files.
func TestEdgeCache(t *testing.T) {
	var fetches atomic.Int32
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/missing.ts") {
			http.NotFound(w, r)
			return
		}
		fetches.Add(1)
		w.Write([]byte(strings.Repeat("x", 1000)))
	}))
	defer origin.Close()
	e := &Cache{Store: &blob.Dir{Root: t.TempDir()}, MaxBytes: 3500, Client: origin.Client()}
	get := func(video, file string) string {
		t.Helper()
		p, err := e.Get(t.Context(), origin.URL, video, file)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := get("us_a", "v0/seg_00000.ts")
	get("us_a", "v0/seg_00000.ts")
	if fetches.Load() != 1 {
		t.Fatalf("%d fetches for one file", fetches.Load())
	}
	get("us_a", "v0/seg_00001.ts")
	get("us_a", "v0/seg_00000.ts") // used again: now the newest
	get("us_b", "v0/seg_00000.ts")
	get("us_b", "v0/seg_00001.ts") // 4000 bytes > 3500: the oldest goes
	if e.size > e.MaxBytes {
		t.Fatalf("cache holds %d bytes, limit %d", e.size, e.MaxBytes)
	}
	if _, err := e.Store.Stat(t.Context(), "us_a/v0/seg_00001.ts"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("the least recently used file was not evicted")
	}
	if _, err := e.Store.Stat(t.Context(), first); err != nil {
		t.Fatal("a recently used file was evicted")
	}
	if _, err := e.Get(t.Context(), origin.URL, "us_c", "missing.ts"); kurz.ErrorCode(err) != kurz.ENotFound {
		t.Fatalf("missing at origin: %v", err)
	}
	e.Purge("us_b")
	if l, _ := e.Store.List(t.Context(), "us_b"); len(l) != 0 {
		t.Fatal("purge left files")
	}
	before := fetches.Load()
	get("us_b", "v0/seg_00000.ts")
	if fetches.Load() != before+1 {
		t.Fatal("a purged file was served from cache")
	}
}
