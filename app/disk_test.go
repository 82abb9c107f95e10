package app_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"kurz"
	"kurz/app"
	"kurz/internal/mediatest"
)

// freeBytes is what the file system at dir has left for unprivileged writes.
func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// ballast fills dir's file system until leave bytes remain (roughly: to
// the block), as another tenant of the disk would.
func ballast(t *testing.T, dir string, leave int64) string {
	t.Helper()
	path := filepath.Join(dir, "ballast")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		free := freeBytes(t, dir)
		if free <= leave {
			return path
		}
		n := min(int64(len(chunk)), free-leave)
		if _, err := f.Write(chunk[:n]); err != nil {
			t.Fatalf("ballast: %v", err)
		}
	}
}

// TestDiskFull: on a small file system filled by uploads, uploads that
// would go below the free-space floor get 507 with a message, an upload
// that runs out of space mid-write is discarded whole, readiness is
// degraded with a reason, no response carries a server path, and once
// space returns uploads work again without a restart.
func TestDiskFull(t *testing.T) {
	requireRoot(t, "mounting a small tmpfs")
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Fatalf("cannot mount a tmpfs as root: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	const floor = 8 << 20
	s := newServer(t, func(c *app.Config) {
		c.DataDir = filepath.Join(mnt, "data")
		c.MinFreeBytes = floor
		c.DB = map[kurz.Region]string{} // the byte counts need SQLite in the folder
	})
	a := s.signUp("filler", "filler@example.org", "1990-01-01", "DE")
	s.login(&a)
	auth := []string{"Authorization", "Bearer " + a.Token, "Tus-Resumable", "1.0.0"}

	// Every response of the test is checked for server paths.
	var seen []*response
	do := func(method, path string, body any, hdr ...string) *response {
		r := s.do(method, path, body, append(append([]string{}, auth...), hdr...)...)
		seen = append(seen, r)
		return r
	}
	create := func(size int) *response {
		return do("POST", "/api/v1/uploads/", nil, "Upload-Length", strconv.Itoa(size))
	}
	patch := func(id string, offset int, data []byte) *response {
		return do("PATCH", "/api/v1/uploads/"+id, data, "Upload-Offset", strconv.Itoa(offset), "Content-Type", "application/offset+octet-stream")
	}
	insufficient := func(r *response, what string) {
		t.Helper()
		if r.Status != 507 || r.errorCode(t) != "insufficient_storage" {
			t.Fatalf("%s: %d %s", what, r.Status, r.Body)
		}
	}

	// 1. Uploads fill the disk (4 of 5 MiB sent each, so none completes)
	// until creating one would go below the floor: 507, nothing created.
	const size, sent = 5 << 20, 4 << 20
	var ids []string
	for i := 0; ; i++ {
		if i > 20 {
			t.Fatal("the disk never filled")
		}
		r := create(size)
		if r.Status == 507 {
			insufficient(r, "create near the floor")
			break
		}
		if r.Status != 201 {
			t.Fatalf("create %d: %d %s", i, r.Status, r.Body)
		}
		id := r.Header.Get("Kurz-Video-Id")
		ids = append(ids, id)
		if r := patch(id, 0, bytes.Repeat([]byte{byte(i)}, sent)); r.Status != 204 {
			t.Fatalf("patch %d: %d %s", i, r.Status, r.Body)
		}
	}
	videos := s.count("eu", "videos")
	if videos != len(ids) {
		t.Fatalf("%d video rows for %d uploads: the refused one left a row", videos, len(ids))
	}

	// 2. Below the floor: readiness degraded with a reason, and the
	// upload in progress cannot go on.
	bal := ballast(t, mnt, floor-(1<<20))
	r := do("GET", "/readyz", nil)
	var ready struct{ Regions map[string]string }
	r.json(t, &ready)
	if r.Status != 503 || !strings.Contains(ready.Regions["eu"], "low on storage space") {
		t.Fatalf("readyz below the floor: %d %s", r.Status, r.Body)
	}
	insufficient(patch(ids[0], sent, make([]byte, 1<<20)), "patch below the floor")
	insufficient(create(1000), "create below the floor")

	// 3. Out of space in the middle of a chunk: the upload is discarded
	// whole (files, video row, quota) and says so.
	os.Remove(bal)
	for _, id := range ids[1:] {
		if r := do("DELETE", "/api/v1/uploads/"+id, nil); r.Status != 204 {
			t.Fatalf("terminate: %d %s", r.Status, r.Body)
		}
	}
	r = create(16 << 20)
	if r.Status != 201 {
		t.Fatalf("create a big upload with room: %d %s", r.Status, r.Body)
	}
	big := r.Header.Get("Kurz-Video-Id")
	ballast(t, mnt, floor+(1<<20))
	junk := make([]byte, 16<<20)
	rand.Read(junk)
	r = patch(big, 0, junk)
	insufficient(r, "patch that runs out of space")
	if !strings.Contains(string(r.Body), "discarded") {
		t.Fatalf("message of the discarded upload: %s", r.Body)
	}
	if _, err := os.Stat(filepath.Join(mnt, "data", "eu", "uploads", big)); !os.IsNotExist(err) {
		t.Fatalf("the half-written upload is still on disk: %v", err)
	}
	if r := do("HEAD", "/api/v1/uploads/"+big, nil); r.Status != 404 {
		t.Fatalf("HEAD of the discarded upload: %d", r.Status)
	}
	if r := do("GET", "/api/v1/videos/"+big, nil); r.Status != 404 {
		t.Fatalf("the discarded upload's video: %d %s", r.Status, r.Body)
	}

	// 4. Space returns: ready again, and a real clip uploads and plays
	// without a restart.
	os.Remove(filepath.Join(mnt, "ballast"))
	do("DELETE", "/api/v1/uploads/"+ids[0], nil)
	if r := do("GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("readyz after space returned: %d %s", r.Status, r.Body)
	}
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 360, 640, 1, true)
	data, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	r = create(len(data))
	if r.Status != 201 {
		t.Fatalf("create after recovery: %d %s", r.Status, r.Body)
	}
	id := r.Header.Get("Kurz-Video-Id")
	if r := patch(id, 0, data); r.Status != 204 {
		t.Fatalf("patch after recovery: %d %s", r.Status, r.Body)
	}
	if v := s.waitVideo(a.Token, id); v.Status != "ready" {
		t.Fatalf("video after recovery: %+v", v)
	}

	for _, r := range seen {
		hdr, _ := json.Marshal(r.Header)
		for _, bad := range []string{mnt, "eu/uploads", ".info", ".lock", "no space left", "ENOSPC"} {
			if strings.Contains(string(r.Body), bad) || strings.Contains(string(hdr), bad) {
				t.Fatalf("a response carries %q: %d %s %s", bad, r.Status, hdr, r.Body)
			}
		}
	}
}
