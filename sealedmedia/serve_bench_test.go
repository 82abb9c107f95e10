package sealedmedia_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"kurz/blob"
	"kurz/media"
	"kurz/sealedmedia"
)

// BenchmarkServe serves one 600 KiB segment through media.Serve from a
// folder store, plain and sealed (the owner's key already open), whole
// and as a 64 KiB range: the cost of the cipher alone. The databases'
// part of the private path (video row, wrapped key) is in kurz-bench's
// "sealed" comparison.
func BenchmarkServe(b *testing.B) {
	dir := b.TempDir()
	seg := make([]byte, 600<<10)
	rand.Read(seg)
	k := dataKey(b, "eu_a")
	const plainKey, sealedKey = "media/eu_p/v0/seg_00000.ts", "media/eu_s/v0/seg_00000.ts"
	for key, data := range map[string][]byte{plainKey: seg, sealedKey: sealed(b, seg, k, sealedKey)} {
		p := filepath.Join(dir, filepath.FromSlash(key))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, data, 0o644)
	}
	store := &blob.Dir{Root: dir}
	opts := media.Options{Plain: func(ctx context.Context, key string, f blob.Object, size int64) (io.ReadSeeker, error) {
		r, _, err := sealedmedia.Plain(f, size, key, func() (sealedmedia.Key, error) { return k, nil })
		return r, err
	}}
	for _, c := range []struct{ name, key, rng string }{
		{"plain/whole", plainKey, ""}, {"sealed/whole", sealedKey, ""},
		{"plain/range64k", plainKey, "bytes=300000-365535"}, {"sealed/range64k", sealedKey, "bytes=300000-365535"},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/media/x", nil)
			if c.rng != "" {
				r.Header.Set("Range", c.rng)
			}
			want := seg
			if c.rng != "" {
				want = seg[300000:365536]
			}
			b.SetBytes(int64(len(want)))
			for b.Loop() {
				w := httptest.NewRecorder()
				w.Body = bytes.NewBuffer(make([]byte, 0, len(seg)))
				media.Serve(w, r, store, c.key, "t", opts)
				if w.Code != http.StatusOK && w.Code != http.StatusPartialContent || w.Body.Len() != len(want) {
					b.Fatalf("%d, %d bytes", w.Code, w.Body.Len())
				}
			}
		})
	}
}
