package media

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"kurz/blob"
)

// wrapped is a store whose objects are not the files themselves (as an
// object store's are).
type wrapped struct{ *blob.Dir }

type object struct{ blob.Object }

func (w wrapped) Open(ctx context.Context, key string) (blob.Object, error) {
	o, err := w.Dir.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	return object{o}, nil
}

// TestOpenWholeOnlyPlainLocalFiles: a file is handed out for sending
// whole only from the local folder store and in plaintext, with the
// header lines Serve sends; a file sealed at rest (Plain gives another
// reader), a store whose objects are not files, a missing file: false.
func TestOpenWholeOnlyPlainLocalFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := &blob.Dir{Root: t.TempDir()}
	body := bytes.Repeat([]byte("0123456789"), 10_000)
	key := "eu/media/eu_x/v0/seg_00000.ts"
	if err := dir.Put(ctx, key, bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	plain := Options{Plain: func(_ context.Context, _ string, f blob.Object, _ int64) (io.ReadSeeker, error) { return f, nil }}
	w, ok := OpenWhole(ctx, dir, key, plain)
	if !ok || w.File == nil || w.Size != int64(len(body)) {
		t.Fatalf("plain local file: %v %+v", ok, w)
	}
	w.File.Close()
	rec := httptest.NewRecorder()
	Serve(rec, httptest.NewRequest("GET", "/", nil), dir, key, "", plain)
	for k, v := range rec.Header() {
		if k == "Content-Length" {
			continue
		}
		if line := k + ": " + v[0] + "\r\n"; !strings.Contains(string(w.Header), line) {
			t.Errorf("Serve sends %q, OpenWhole's header lines lack it: %q", line, w.Header)
		}
	}
	if n := strings.Count(string(w.Header), "\r\n"); n != len(rec.Header())-1 {
		t.Errorf("%d header lines, Serve sends %d headers (Content-Length apart)", n, len(rec.Header())-1)
	}

	sealed := Options{Plain: func(context.Context, string, blob.Object, int64) (io.ReadSeeker, error) {
		return bytes.NewReader([]byte("decrypted")), nil
	}}
	if _, ok := OpenWhole(ctx, dir, key, sealed); ok {
		t.Error("a file sealed at rest was handed out whole")
	}
	if _, ok := OpenWhole(ctx, wrapped{dir}, key, plain); ok {
		t.Error("an object that is not a local file was handed out whole")
	}
	if _, ok := OpenWhole(ctx, dir, "eu/media/eu_x/v0/seg_00001.ts", plain); ok {
		t.Error("a missing file was handed out")
	}
}
