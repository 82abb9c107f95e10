package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"kurz/blob"
)

// read reads a Whole's file the way the fast core sends it: from
// explicit offsets, never its position.
func read(t *testing.T, w Whole) string {
	t.Helper()
	b, err := io.ReadAll(io.NewSectionReader(w.File, 0, w.Size))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func closed(f *os.File) bool {
	_, err := f.ReadAt(make([]byte, 1), 0)
	return errors.Is(err, os.ErrClosed)
}

// TestFilesKeptOpenNeverStale: a kept file is the store's at every
// request. Served twice from one open file; rewritten in the store (a
// new file renamed into place, same size): the new bytes at the next
// request and the old file closed; sealed at rest (Plain gives another
// reader): not handed out, nothing kept; deleted: not handed out, the
// kept file closed; Forget closes; a file whose send is in flight when
// it is evicted stays readable until that request is done.
func TestFilesKeptOpenNeverStale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := &blob.Dir{Root: t.TempDir()}
	key := "eu/media/eu_x/v0/seg_00000.ts"
	put := func(key, s string) {
		t.Helper()
		if err := dir.Put(ctx, key, strings.NewReader(s)); err != nil {
			t.Fatal(err)
		}
	}
	sealed := map[string]bool{}
	o := Options{Plain: func(ctx context.Context, key string, f blob.Object, size int64) (io.ReadSeeker, error) {
		if sealed[key] {
			return bytes.NewReader([]byte("plaintext")), nil
		}
		return f.(io.ReadSeeker), nil
	}}
	c := &Files{}
	get := func(key string) (Whole, bool) { return c.Whole(ctx, dir, "eu_x", key, o) }
	done := func(w Whole) {
		if err := w.Shared.Close(); err != nil {
			t.Fatal(err)
		}
	}

	put(key, "first-bytes")
	w1, ok := get(key)
	if !ok || w1.Shared == nil || read(t, w1) != "first-bytes" || !bytes.Contains(w1.Header, []byte("Content-Type: video/mp2t\r\n")) {
		t.Fatalf("first: %v %q", ok, w1.Header)
	}
	done(w1)
	w2, ok := get(key)
	if !ok || w2.File != w1.File || read(t, w2) != "first-bytes" || c.Len() != 1 {
		t.Fatalf("second request did not use the kept file (%v, %d kept)", ok, c.Len())
	}
	done(w2)

	// Rewritten in place (same size): never the old bytes.
	time.Sleep(10 * time.Millisecond)
	put(key, "other-bytes")
	w3, ok := get(key)
	if !ok || read(t, w3) != "other-bytes" {
		t.Fatalf("after a rewrite: %v %q", ok, read(t, w3))
	}
	if !closed(w1.File) {
		t.Error("the replaced file is still open")
	}
	done(w3)

	// Sealed at rest (rewritten sealed): not kept, not handed out.
	sealed[key] = true
	put(key, "sealed-bytes-on-disk")
	if _, ok := get(key); ok {
		t.Fatal("a file sealed at rest handed out")
	}
	if !closed(w3.File) || c.Len() != 0 {
		t.Errorf("after sealing: old file closed %v, %d kept", closed(w3.File), c.Len())
	}
	sealed[key] = false

	// Deleted: not handed out, the kept file closed (its inode freed).
	put(key, "again")
	w4, _ := get(key)
	done(w4)
	if err := dir.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, ok := get(key); ok {
		t.Fatal("a deleted file handed out")
	}
	if !closed(w4.File) || c.Len() != 0 {
		t.Error("a deleted file is still held open")
	}

	// Forget closes what no request sends.
	put(key, "forget-me")
	w5, _ := get(key)
	done(w5)
	c.Forget("eu_x")
	if !closed(w5.File) || c.Len() != 0 {
		t.Error("Forget left the file open")
	}

	// Evicted while a send is in flight: closed when that send is done.
	c.Max = 1
	put(key, "in-flight")
	other := "eu/media/eu_x/v1/seg_00000.ts"
	put(other, "newcomer")
	w6, _ := get(key) // being sent
	w7, ok := get(other)
	if !ok || c.Len() != 1 {
		t.Fatalf("eviction: %v, %d kept", ok, c.Len())
	}
	if closed(w6.File) || read(t, w6) != "in-flight" {
		t.Fatal("an evicted file was closed under its send")
	}
	done(w6)
	if !closed(w6.File) {
		t.Error("the evicted file stays open after its last send")
	}
	done(w7)
	c.Forget("eu_x")
	if !closed(w7.File) {
		t.Error("Forget left the file open")
	}
}

// TestFilesSweepClosesWhatIsNoLongerPublic: a video Keep no longer keeps
// has its files closed by the sweep, even if nobody asks for them.
func TestFilesSweepClosesWhatIsNoLongerPublic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := &blob.Dir{Root: t.TempDir()}
	key := "eu/media/eu_y/preview.mp4"
	if err := dir.Put(ctx, key, strings.NewReader("preview")); err != nil {
		t.Fatal(err)
	}
	public := make(chan bool, 1)
	public <- true
	c := &Files{Keep: func(string) bool { p := <-public; public <- p; return p }}
	w, ok := c.Whole(ctx, dir, "eu_y", key, Options{})
	if !ok {
		t.Fatal("not handed out")
	}
	w.Shared.Close()
	<-public
	public <- false
	// Asked all along (so only Keep's answer can close it).
	deadline := time.Now().Add(4 * SweepEvery)
	for !closed(w.File) {
		if time.Now().After(deadline) {
			t.Fatal("the sweep left a file of a video no longer public open")
		}
		if again, ok := c.Whole(ctx, dir, "eu_y", key, Options{}); ok {
			again.Shared.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
}
