package media

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"kurz/blob"
)

// TestValidName: the hand-written check accepts exactly what the
// regular expression it replaces accepts.
func TestValidName(t *testing.T) {
	re := regexp.MustCompile(`^(master\.m3u8|poster\.jpg|preview\.mp4|v[0-9]{1,2}/(index\.m3u8|seg_[0-9]{5}\.ts))$`)
	names := []string{"", "v", "v0", "v0/", "v/index.m3u8", "va/index.m3u8", "v100/index.m3u8", "v00/index.m3u8",
		"v9/seg_0000.ts", "v9/seg_000000.ts", "v9/seg_0000a.ts", "v9/seg_00000.tsx", "v9/seg_00000.t", "v9/seg-00000.ts",
		"../master.m3u8", "master.m3u8/", "master.m3u8\x00", "v1/../v0/index.m3u8", "V0/index.m3u8", "poster.jpeg",
		"preview.mp4", "poster.jpg", "master.m3u8", "v0/index.m3u8x", "v12/seg_99999.ts", "v1/seg_00000.ts"}
	for i := range 100 {
		names = append(names, fmt.Sprintf("v%d/seg_%05d.ts", i, i*997), fmt.Sprintf("v%d/index.m3u8", i))
	}
	for _, n := range names {
		if ValidName(n) != re.MatchString(n) {
			t.Errorf("%q: ValidName %v, the expression %v", n, ValidName(n), re.MatchString(n))
		}
	}
}

func cacheStore(t *testing.T) *blob.Dir {
	d := &blob.Dir{Root: t.TempDir()}
	for key, body := range map[string]string{
		"media/a/master.m3u8": "#EXTM3U\nv0/index.m3u8\n", "media/a/poster.jpg": "JPEG",
		"media/b/master.m3u8": "#EXTM3U\nother\n", "media/s/master.m3u8": "SEALED...",
	} {
		if err := d.Put(context.Background(), key, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// sealedPlain stands for the pipeline's OpenMedia: files whose content
// starts with SEALED are sealed at rest and come back as other bytes.
func sealedPlain(ctx context.Context, key string, f blob.Object, size int64) (io.ReadSeeker, error) {
	head := make([]byte, 6)
	io.ReadFull(f, head)
	if string(head) == "SEALED" {
		return bytes.NewReader([]byte("plaintext")), nil
	}
	_, err := f.Seek(0, io.SeekStart)
	return f, err
}

func get(t *testing.T, c *Cache, store blob.Store, video, key string, header ...string) (*httptest.ResponseRecorder, bool) {
	t.Helper()
	r := httptest.NewRequest("GET", "/"+key, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	ok := c.ServePublic(w, r, store, video, key, Options{Plain: sealedPlain})
	return w, ok
}

// TestCache: public files are held and served with their headers; sealed
// files are never held; a changed file is read again after Recheck;
// Forget and the sweep (Keep) drop a video's files.
func TestCache(t *testing.T) {
	store := cacheStore(t)
	public := map[string]bool{"a": true, "b": true}
	c := &Cache{Keep: func(v string) bool { return public[v] }}

	w, ok := get(t, c, store, "a", "media/a/master.m3u8")
	if !ok || w.Code != 200 || w.Body.String() != "#EXTM3U\nv0/index.m3u8\n" || w.Header().Get("Content-Type") != "application/vnd.apple.mpegurl" ||
		w.Header().Get("Cache-Control") != "public, max-age=10, must-revalidate" || w.Header().Get("Etag") == "" {
		t.Fatalf("first read: %v %d %q %v", ok, w.Code, w.Body, w.Header())
	}
	etag := w.Header().Get("Etag")
	if w, _ := get(t, c, store, "a", "media/a/master.m3u8", "If-None-Match", etag); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", w.Code)
	}
	get(t, c, store, "a", "media/a/poster.jpg")
	get(t, c, store, "b", "media/b/master.m3u8")
	if c.Len() != 3 {
		t.Fatalf("cached %d files, want 3", c.Len())
	}

	// Sealed at rest: served by the caller (Serve), never held.
	if _, ok := get(t, c, store, "s", "media/s/master.m3u8"); ok || c.Len() != 3 {
		t.Fatalf("a sealed file was cached (ok %v, %d files)", ok, c.Len())
	}

	// A file changed in the store is read again once Recheck has passed.
	store.Put(context.Background(), "media/a/master.m3u8", strings.NewReader("#EXTM3U\nv0/index.m3u8\nv1/index.m3u8\n"))
	c.mu.Lock()
	c.m["media/a/master.m3u8"].checked = time.Now().Add(-2 * Recheck)
	c.mu.Unlock()
	if w, _ := get(t, c, store, "a", "media/a/master.m3u8"); !strings.Contains(w.Body.String(), "v1/index.m3u8") || w.Header().Get("Etag") == etag {
		t.Fatalf("after a change: %q %q", w.Body, w.Header().Get("Etag"))
	}

	// Forget drops one video's files.
	c.Forget("b")
	if c.Len() != 2 {
		t.Fatalf("after Forget: %d files", c.Len())
	}
	// The sweep drops what Keep no longer keeps.
	get(t, c, store, "b", "media/b/master.m3u8")
	public["a"] = false
	c.sweep()
	c.mu.Lock()
	_, hasA := c.m["media/a/master.m3u8"]
	_, hasB := c.m["media/b/master.m3u8"]
	c.mu.Unlock()
	if hasA || !hasB {
		t.Fatalf("after the sweep: a %v (want gone), b %v", hasA, hasB)
	}
	// A file not served between two sweeps goes too.
	c.sweep()
	if c.Len() != 0 {
		t.Fatalf("idle files kept: %d", c.Len())
	}
}

// TestCacheBound: the bodies held stay under MaxBytes; larger files than
// MaxFile are not held.
func TestCacheBound(t *testing.T) {
	store := &blob.Dir{Root: t.TempDir()}
	for i := range 20 {
		store.Put(context.Background(), fmt.Sprintf("media/v%d/poster.jpg", i), bytes.NewReader(make([]byte, 100)))
	}
	store.Put(context.Background(), "media/big/poster.jpg", bytes.NewReader(make([]byte, 1000)))
	c := &Cache{MaxBytes: 550, MaxFile: 500}
	for i := range 20 {
		if w, ok := get(t, c, store, fmt.Sprint("v", i), fmt.Sprintf("media/v%d/poster.jpg", i)); !ok || w.Body.Len() != 100 {
			t.Fatalf("file %d: %v %d", i, ok, w.Body.Len())
		}
	}
	if _, ok := get(t, c, store, "big", "media/big/poster.jpg"); ok {
		t.Fatal("a file over MaxFile was cached")
	}
	if c.Len() != 5 || c.bytes != 500 {
		t.Fatalf("%d files, %d bytes held (max 550)", c.Len(), c.bytes)
	}
}
