// Package blobtest is the contract every blob.Store passes: the folder
// store here, an object store wherever it is added.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kurz/blob"
)

// Run runs the contract against a fresh, empty store from newStore.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	ctx := context.Background()
	t.Run("PutOpenRanges", func(t *testing.T) {
		s := newStore(t)
		data := bytes.Repeat([]byte("0123456789"), 1000)
		if err := s.Put(ctx, "media/v1/seg_00000.ts", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		o, err := s.Open(ctx, "media/v1/seg_00000.ts")
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		fi, err := o.Stat()
		if err != nil || fi.Size() != int64(len(data)) {
			t.Fatalf("stat: %v %v", fi, err)
		}
		if _, err := o.Seek(5005, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 10)
		if _, err := io.ReadFull(o, buf); err != nil || string(buf) != "5678901234" {
			t.Fatalf("range read %q %v", buf, err)
		}
		info, err := s.Stat(ctx, "media/v1/seg_00000.ts")
		if err != nil || info.Size != int64(len(data)) {
			t.Fatalf("Stat = %+v, %v", info, err)
		}
	})
	t.Run("PutReplaces", func(t *testing.T) {
		s := newStore(t)
		s.Put(ctx, "exports/a", strings.NewReader("old"))
		if err := s.Put(ctx, "exports/a", strings.NewReader("new")); err != nil {
			t.Fatal(err)
		}
		if b, err := blob.Read(ctx, s, "exports/a"); err != nil || string(b) != "new" {
			t.Fatalf("read %q %v", b, err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Open(ctx, "media/none/master.m3u8"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Open missing: %v", err)
		}
		if _, err := s.Stat(ctx, "media/none"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Stat missing: %v", err)
		}
		if err := s.Delete(ctx, "media/none"); err != nil {
			t.Fatalf("Delete missing: %v", err)
		}
		if err := s.DeletePrefix(ctx, "media/none"); err != nil {
			t.Fatalf("DeletePrefix missing: %v", err)
		}
		if l, err := s.List(ctx, "media/none"); err != nil || len(l) != 0 {
			t.Fatalf("List missing: %v %v", l, err)
		}
	})
	t.Run("BadKeys", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a\\b", "a\x00b"} {
			if err := s.Put(ctx, k, strings.NewReader("x")); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("Put(%q) = %v, want ErrBadKey", k, err)
			}
			if _, err := s.Open(ctx, k); !errors.Is(err, blob.ErrBadKey) {
				t.Errorf("Open(%q) = %v, want ErrBadKey", k, err)
			}
		}
	})
	t.Run("ListAndDeletePrefix", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"media/a/master.m3u8", "media/a/v0/index.m3u8", "media/ab/master.m3u8", "exports/x"} {
			s.Put(ctx, k, strings.NewReader(k))
		}
		l, err := s.List(ctx, "media/a")
		if err != nil || len(l) != 2 || l[0].Key != "media/a/master.m3u8" || l[1].Key != "media/a/v0/index.m3u8" {
			t.Fatalf("List(media/a) = %+v, %v", l, err)
		}
		if err := s.DeletePrefix(ctx, "media/a"); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.List(ctx, "media"); len(l) != 1 || l[0].Key != "media/ab/master.m3u8" {
			t.Fatalf("after DeletePrefix(media/a): %+v (media/ab must stay)", l)
		}
		if l, _ := s.List(ctx, ""); len(l) != 2 {
			t.Fatalf("List all: %+v", l)
		}
	})
	t.Run("StagePublish", func(t *testing.T) {
		s := newStore(t)
		s.Put(ctx, "media/v/old.ts", strings.NewReader("old"))
		dir, cleanup, err := s.Stage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		os.MkdirAll(filepath.Join(dir, "v0"), 0o700)
		os.WriteFile(filepath.Join(dir, "master.m3u8"), []byte("#EXTM3U\n"), 0o600)
		os.WriteFile(filepath.Join(dir, "v0", "seg_00000.ts"), []byte("seg"), 0o600)
		// Staged files are not objects until published.
		if l, _ := s.List(ctx, ""); len(l) != 1 {
			t.Fatalf("staged files visible: %+v", l)
		}
		if err := s.Publish(ctx, dir, "media/v"); err != nil {
			t.Fatal(err)
		}
		l, _ := s.List(ctx, "media/v")
		if len(l) != 2 || l[0].Key != "media/v/master.m3u8" || l[1].Key != "media/v/v0/seg_00000.ts" {
			t.Fatalf("published set: %+v (the old object must be gone)", l)
		}
		out := t.TempDir()
		if err := blob.Fetch(ctx, s, "media/v", out); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(out, "v0", "seg_00000.ts")); string(b) != "seg" {
			t.Fatalf("fetched %q", b)
		}
	})
	t.Run("StageJoin", func(t *testing.T) {
		s := newStore(t)
		s.Put(ctx, "media/v/master.m3u8", strings.NewReader("old master"))
		s.Put(ctx, "media/v/v0/seg_00000.ts", strings.NewReader("first"))
		dir, cleanup, err := s.Stage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		os.MkdirAll(filepath.Join(dir, "v1"), 0o755)
		os.WriteFile(filepath.Join(dir, "master.m3u8"), []byte("new master"), 0o644)
		os.WriteFile(filepath.Join(dir, "v1", "seg_00000.ts"), []byte("second"), 0o644)
		if err := blob.JoinDir(ctx, s, dir, "media/v"); err != nil {
			t.Fatal(err)
		}
		// The set grows: what was there stays, the master is replaced.
		want := map[string]string{"media/v/master.m3u8": "new master", "media/v/v0/seg_00000.ts": "first", "media/v/v1/seg_00000.ts": "second"}
		l, _ := s.List(ctx, "media/v")
		if len(l) != len(want) {
			t.Fatalf("joined set: %+v", l)
		}
		for k, v := range want {
			if b, err := blob.Read(ctx, s, k); err != nil || string(b) != v {
				t.Fatalf("%s: %q, %v (want %q)", k, b, err, v)
			}
		}
		if err := blob.JoinDir(ctx, s, t.TempDir(), "../escape"); err == nil {
			t.Fatal("a bad prefix was accepted")
		}
	})
}
