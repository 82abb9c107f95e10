package media

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"kurz/blob"
)

// TestServeWholeFile: a plain GET or HEAD of a segment (answered without
// http.ServeContent) carries the same status, headers and body as
// http.ServeContent gives, and a range or a condition still gets
// ServeContent's answer (206, 304).
func TestServeWholeFile(t *testing.T) {
	t.Parallel()
	store := &blob.Dir{Root: t.TempDir()}
	body := bytes.Repeat([]byte("0123456789"), 10_000)
	key := "eu/media/eu_x/v0/seg_00000.ts"
	if err := store.Put(context.Background(), key, bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	serve := func(method string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/media/eu_x/v0/seg_00000.ts", nil)
		for i := 0; i < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		Serve(w, r, store, key, "", Options{})
		return w
	}
	want := func(method string) *httptest.ResponseRecorder {
		f, _ := store.Open(context.Background(), key)
		defer f.Close()
		fi, _ := f.Stat()
		w := httptest.NewRecorder()
		w.Header().Set("Content-Type", "video/mp2t")
		http.ServeContent(w, httptest.NewRequest(method, "/", nil), "", fi.ModTime(), f)
		return w
	}
	for _, m := range []string{"GET", "HEAD"} {
		got, exp := serve(m), want(m)
		if got.Code != 200 || !bytes.Equal(got.Body.Bytes(), exp.Body.Bytes()) {
			t.Fatalf("%s: %d, %d bytes; want 200 and ServeContent's %d", m, got.Code, got.Body.Len(), exp.Body.Len())
		}
		for _, h := range []string{"Content-Length", "Last-Modified", "Accept-Ranges", "Content-Type"} {
			if got.Header().Get(h) != exp.Header().Get(h) {
				t.Errorf("%s %s: %q, ServeContent gives %q", m, h, got.Header().Get(h), exp.Header().Get(h))
			}
		}
		if got.Header().Get("X-Content-Type-Options") != "nosniff" || got.Header().Get("Cache-Control") == "" {
			t.Errorf("%s: the media headers are missing", m)
		}
	}
	if r := serve("GET", "Range", "bytes=10-19"); r.Code != 206 || r.Body.String() != "0123456789" {
		t.Errorf("a range: %d %q", r.Code, r.Body.String())
	}
	lm := serve("GET").Header().Get("Last-Modified")
	if r := serve("GET", "If-Modified-Since", lm); r.Code != 304 {
		t.Errorf("a condition met: %d, want 304", r.Code)
	}
	if r := serve("GET", "If-Modified-Since", time.Unix(0, 0).UTC().Format(http.TimeFormat)); r.Code != 200 || r.Body.Len() != len(body) {
		t.Errorf("a condition not met: %d", r.Code)
	}
}
