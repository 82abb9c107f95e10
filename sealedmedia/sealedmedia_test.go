package sealedmedia_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"

	"kurz/blob"
	"kurz/keyring"
	"kurz/sealedmedia"
)

func dataKey(t testing.TB, user string) *keyring.DataKey {
	t.Helper()
	kek := make([]byte, keyring.KeySize)
	rand.Read(kek)
	k, err := keyring.New(kek)
	if err != nil {
		t.Fatal(err)
	}
	dk, _, err := k.NewDataKey(user)
	if err != nil {
		t.Fatal(err)
	}
	return dk
}

func sealed(t testing.TB, plain []byte, k sealedmedia.Key, scope string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := sealedmedia.Seal(&buf, bytes.NewReader(plain), k, scope); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRanges: any byte range of a sealed file reads back exactly,
// across package boundaries, through a file or seeks on an object.
func TestRanges(t *testing.T) {
	t.Parallel()
	plain := make([]byte, 300_000)
	rand.Read(plain)
	k := dataKey(t, "eu_a")
	const scope = "media/eu_v/v0/seg_00000.ts"
	ct := sealed(t, plain, k, scope)
	if bytes.Contains(ct, plain[1000:1064]) || !bytes.HasPrefix(ct, []byte(sealedmedia.Magic)) {
		t.Fatal("the sealed file holds plaintext or lacks the header")
	}
	for name, ra := range map[string]io.ReaderAt{"readerat": bytes.NewReader(ct), "seeks": sealedmedia.ReaderAt(struct{ io.ReadSeeker }{bytes.NewReader(ct)})} {
		sr, err := sealedmedia.Open(ra, int64(len(ct)), k, scope)
		if err != nil {
			t.Fatal(name, err)
		}
		if sr.Size() != int64(len(plain)) {
			t.Fatalf("%s: size %d, want %d", name, sr.Size(), len(plain))
		}
		for _, r := range [][2]int{{0, 10}, {65530, 65550}, {65536, 131072}, {299_990, 300_000}, {1, 299_999}} {
			got := make([]byte, r[1]-r[0])
			if _, err := sr.ReadAt(got, int64(r[0])); err != nil && err != io.EOF {
				t.Fatalf("%s: range %v: %v", name, r, err)
			}
			if !bytes.Equal(got, plain[r[0]:r[1]]) {
				t.Fatalf("%s: range %v differs", name, r)
			}
		}
	}
}

// TestWrongKeyOrPlace: another person's key, another place, or a changed
// byte open nothing.
func TestWrongKeyOrPlace(t *testing.T) {
	t.Parallel()
	plain := bytes.Repeat([]byte("kurz"), 40_000)
	k := dataKey(t, "eu_a")
	ct := sealed(t, plain, k, "media/eu_v/poster.jpg")
	if _, err := sealedmedia.Open(bytes.NewReader(ct), int64(len(ct)), dataKey(t, "eu_a"), "media/eu_v/poster.jpg"); !errors.Is(err, sealedmedia.ErrDecrypt) {
		t.Fatalf("another key: %v", err)
	}
	if _, err := sealedmedia.Open(bytes.NewReader(ct), int64(len(ct)), k, "media/eu_w/poster.jpg"); !errors.Is(err, sealedmedia.ErrDecrypt) {
		t.Fatalf("another place: %v", err)
	}
	bad := bytes.Clone(ct)
	bad[len(bad)-100] ^= 1
	sr, err := sealedmedia.Open(bytes.NewReader(bad), int64(len(bad)), k, "media/eu_v/poster.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(io.NewSectionReader(sr, 0, sr.Size())); err == nil {
		t.Fatal("a changed byte went unnoticed")
	}
	// Plain files pass through Plain untouched, sealed ones are opened.
	r, n, err := sealedmedia.Plain(bytes.NewReader(plain), int64(len(plain)), "x", func() (sealedmedia.Key, error) { return nil, errors.New("no key needed") })
	if b, _ := io.ReadAll(r); err != nil || n != int64(len(plain)) || !bytes.Equal(b, plain) {
		t.Fatalf("plain file: %v", err)
	}
}

// cutReader yields n bytes of r, then fails as a dropped connection does.
type cutReader struct {
	r io.Reader
	n int
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errors.New("connection reset")
	}
	p = p[:min(len(p), c.n)]
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

// TestUploads: an upload written through the sealing store, cut off
// mid-PATCH and resumed from the offset it reports, reads back whole;
// the folder never holds its plaintext.
func TestUploads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	k := dataKey(t, "eu_a")
	composer := handler.NewStoreComposer()
	filestore.New(filepath.Join(dir, "uploads")).UseIn(composer)
	os.MkdirAll(filepath.Join(dir, "uploads"), 0o700)
	u := &sealedmedia.Uploads{Index: &blob.Dir{Root: dir}, IndexKey: func(id string) string { return "uploads/" + id + ".seal" },
		VideoOf: func(id string) string { return id }, Key: func(context.Context, string) (sealedmedia.Key, error) { return k, nil }}
	u.UseIn(composer)

	plain := make([]byte, 3*sealedmedia.FrameSize+12345)
	rand.Read(plain)
	up, err := composer.Core.NewUpload(ctx, handler.FileInfo{ID: "eu_v", Size: int64(len(plain))})
	if err != nil {
		t.Fatal(err)
	}
	n, err := up.WriteChunk(ctx, 0, &cutReader{r: bytes.NewReader(plain), n: 1_500_000})
	if err == nil || n != 1_500_000 {
		t.Fatalf("cut PATCH: %d %v", n, err)
	}
	// A frame cut off by a killed process: bytes on disk the index does
	// not count, skipped when the upload is read.
	bin, _ := os.OpenFile(filepath.Join(dir, "uploads", "eu_v"), os.O_WRONLY|os.O_APPEND, 0)
	bin.Write(make([]byte, 1000))
	bin.Close()
	up, err = composer.Core.GetUpload(ctx, "eu_v")
	if err != nil {
		t.Fatal(err)
	}
	info, err := up.GetInfo(ctx)
	if err != nil || info.Offset != n || info.Size != int64(len(plain)) {
		t.Fatalf("after the cut: %+v %v", info, err)
	}
	if _, err := up.WriteChunk(ctx, 5, bytes.NewReader(plain[5:])); err == nil {
		t.Fatal("a write at the wrong offset was taken")
	}
	if m, err := up.WriteChunk(ctx, n, bytes.NewReader(plain[n:])); err != nil || n+m != int64(len(plain)) {
		t.Fatalf("resumed PATCH: %d %v", m, err)
	}
	if size, err := u.UploadSize(ctx, "eu_v"); err != nil || size != int64(len(plain)) {
		t.Fatalf("upload size: %d %v", size, err)
	}
	stored, err := os.ReadFile(filepath.Join(dir, "uploads", "eu_v"))
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int{0, 1 << 20, len(plain) - 64} {
		if bytes.Contains(stored, plain[off:off+64]) {
			t.Fatalf("plaintext at %d is on disk", off)
		}
	}
	var out bytes.Buffer
	f, _ := os.Open(filepath.Join(dir, "uploads", "eu_v"))
	defer f.Close()
	if err := sealedmedia.ReadUpload(ctx, &blob.Dir{Root: dir}, "uploads/eu_v.seal", "eu_v", f, k, &out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), plain) {
		t.Fatal("the upload reads back different")
	}
	// Without the owner's key (erased), nothing opens.
	err = sealedmedia.ReadUpload(ctx, &blob.Dir{Root: dir}, "uploads/eu_v.seal", "eu_v", f, dataKey(t, "eu_a"), io.Discard)
	if !errors.Is(err, sealedmedia.ErrDecrypt) {
		t.Fatalf("another key: %v", err)
	}
	if err := composer.Terminater.AsTerminatableUpload(up).Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(filepath.Join(dir, "uploads"))
	for _, e := range left {
		if !strings.HasSuffix(e.Name(), ".lock") {
			t.Errorf("left after terminate: %s", e.Name())
		}
	}
}
