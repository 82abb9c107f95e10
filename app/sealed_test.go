package app_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/app"
	"kurz/blob"
	"kurz/blob/s3blob"
	"kurz/cell"
	"kurz/internal/leak"
	"kurz/internal/mediatest"
	"kurz/internal/s3test"
	"kurz/sealedmedia"
)

// TestSealedMediaFolder: a private video's files and an interrupted
// upload's chunks in the region's folder hold no decodable media, while
// the owner plays it; after erasure a copy of its files taken before
// cannot be opened.
func TestSealedMediaFolder(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.KeepOriginals = true })
	eu := filepath.Join(s.Config.DataDir, "eu")
	sealedAtRest(t, s, &blob.Dir{Root: eu}, []string{filepath.Join(eu, "uploads"), filepath.Join(eu, "media"), filepath.Join(eu, "originals")})
}

// TestSealedMediaS3 is TestSealedMediaFolder with eu's media and uploads
// on a real S3 server (versitygw): the files it keeps on disk (objects
// and multipart parts) are scanned.
func TestSealedMediaS3(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.Bucket(t, "kurz/eu")
	t.Setenv("AWS_ACCESS_KEY_ID", srv.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Secret)
	s := newServer(t, func(c *app.Config) {
		c.Blobs[kurz.Region("eu")] = srv.URL(bucket)
		c.MediaRedirect = true
	})
	sealedAtRest(t, s, s3blob.New(bucket), []string{srv.Dir})
}

// probes reports whether ffprobe decodes at least one frame of the file
// (a stream guessed from the file name alone, as for a .jpg, does not
// count).
func probes(t *testing.T, path string) bool {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "quiet", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).Output()
	if err != nil {
		return false
	}
	for _, f := range strings.Fields(strings.ReplaceAll(string(out), ",", " ")) {
		if n, err := strconv.Atoi(f); err == nil && n > 0 {
			return true
		}
	}
	return false
}

// undecodable checks every file under roots: none is media ffprobe can
// read, none holds the canary in any encoding. It returns the bytes seen.
func undecodable(t *testing.T, what string, roots []string, canaries ...string) int64 {
	t.Helper()
	var total int64
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return nil
			}
			total += fi.Size()
			if probes(t, p) {
				t.Errorf("%s: ffprobe reads %s", what, p)
			}
			return nil
		})
		hits, err := leak.ScanDir(root, canaries...)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		for _, h := range hits {
			t.Errorf("%s: %s", what, h)
		}
	}
	return total
}

func sealedAtRest(t *testing.T, s *server, objects blob.Store, roots []string) {
	ctx := t.Context()
	title := canary("sealed-title-")
	src := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, src, 360, 640, 4, true, "-metadata", "title="+title, "-movflags", "+faststart")
	data, _ := os.ReadFile(src)
	if i := bytes.Index(data, []byte(title)); i < 0 || i > len(data)/3 || !probes(t, src) {
		t.Fatal("the source does not carry the title early on; the test would prove nothing")
	}
	owner := s.signUp("sealer", "sealer@example.org", "1990-01-01", "DE")
	s.login(&owner)
	auth := []string{"Authorization", "Bearer " + owner.Token}

	// Deferred lengths are refused with kurz's message, as before sealing.
	if r := s.do("POST", "/api/v1/uploads/", nil, "Authorization", "Bearer "+owner.Token, "Tus-Resumable", "1.0.0", "Upload-Defer-Length", "1"); r.Status != 400 || r.errorCode(t) != "invalid" {
		t.Fatalf("deferred length: %d %s", r.Status, r.Body)
	}

	// An upload cut off halfway: what arrived is on disk, sealed.
	meta := map[string]string{"caption": "sealed #private", "visibility": "private"}
	half := s.tusUpload(owner.Token, src, meta, 0.5, "")
	if half.Done || half.URL == "" {
		t.Fatalf("interrupted upload: %+v", half)
	}
	if n := undecodable(t, "interrupted upload", roots, title); n < int64(len(data))/3 {
		t.Fatalf("only %d bytes of the %d-byte upload are stored; the scan saw nothing", n, len(data))
	}
	done := s.tusUpload(owner.Token, src, meta, 1, half.URL)
	if !done.Done {
		t.Fatalf("resumed upload: %+v", done)
	}
	v := s.waitVideo(owner.Token, done.VideoID)
	if v.Status != "ready" || v.Visibility != "private" {
		t.Fatalf("video: %+v", v)
	}
	waitFor(t, "the processed upload to be removed", func() bool {
		l, _ := objects.List(ctx, "uploads")
		_, err := os.Stat(filepath.Join(s.Config.DataDir, "eu", "uploads", v.ID))
		return len(l) == 0 && os.IsNotExist(err)
	})
	prefix := cell.MediaKey(v.ID)
	keys, err := objects.List(ctx, prefix)
	if err != nil || len(keys) < 5 {
		t.Fatalf("media objects: %v %v", keys, err)
	}
	if n := undecodable(t, "private video", roots, title); n == 0 {
		t.Fatal("no media on disk")
	}
	openKey := func() (sealedmedia.Key, error) {
		w, err := s.Cell("eu").KeyStore.PersonKey(ctx, owner.ID)
		if err != nil {
			return nil, err
		}
		return s.Cell("eu").Keys.Unwrap(owner.ID, w)
	}
	if s.Config.KeepOriginals {
		// The kept original is sealed too, and is the upload, byte for byte.
		orig, err := blob.Read(ctx, objects, cell.OriginalKey(v.ID))
		if err != nil || !bytes.HasPrefix(orig, []byte(sealedmedia.Magic)) {
			t.Fatalf("kept original: %v", err)
		}
		k, err := openKey()
		if err != nil {
			t.Fatal(err)
		}
		r, err := sealedmedia.Open(bytes.NewReader(orig), int64(len(orig)), k, cell.OriginalKey(v.ID))
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, r.Size())
		if n, err := r.ReadAt(got, 0); (err != nil && err != io.EOF) || n != len(data) || !bytes.Equal(got, data) {
			t.Fatalf("kept original differs from the upload: %d bytes, %v", n, err)
		}
	}

	// The owner plays it: playlists, a segment with a byte range, the poster.
	tok := v.HLSURL[strings.Index(v.HLSURL, "?t="):]
	base := "/media/" + v.ID + "/"
	master := s.do("GET", v.HLSURL, nil)
	if master.Status != 200 || !strings.HasPrefix(string(master.Body), "#EXTM3U") || !strings.Contains(string(master.Body), "v0/index.m3u8"+tok) {
		t.Fatalf("master playlist: %d %q", master.Status, master.Body)
	}
	if r := s.do("GET", base+"v0/index.m3u8"+tok, nil); r.Status != 200 || !strings.Contains(string(r.Body), "seg_00000.ts"+tok) {
		t.Fatalf("variant playlist: %d %q", r.Status, r.Body)
	}
	seg := s.do("GET", base+"v0/seg_00000.ts"+tok, nil)
	if seg.Status != 200 || len(seg.Body) < 70_000 || seg.Body[0] != 0x47 {
		t.Fatalf("segment: %d, %d bytes", seg.Status, len(seg.Body))
	}
	plainSeg := filepath.Join(t.TempDir(), "seg.ts")
	os.WriteFile(plainSeg, seg.Body, 0o600)
	if !probes(t, plainSeg) {
		t.Fatal("the served segment is not media")
	}
	// A range across a 64 KiB package boundary.
	rng := s.do("GET", base+"v0/seg_00000.ts"+tok, nil, "Range", "bytes=65000-66999")
	if rng.Status != 206 || !bytes.Equal(rng.Body, seg.Body[65000:67000]) ||
		!strings.HasPrefix(rng.Header.Get("Content-Range"), "bytes 65000-66999/") {
		t.Fatalf("range: %d %q, %d bytes", rng.Status, rng.Header.Get("Content-Range"), len(rng.Body))
	}
	poster := s.do("GET", base+"poster.jpg"+tok, nil)
	plainPoster := filepath.Join(t.TempDir(), "poster.jpg")
	os.WriteFile(plainPoster, poster.Body, 0o600)
	if poster.Status != 200 || !probes(t, plainPoster) {
		t.Fatalf("poster: %d", poster.Status)
	}
	segKey := prefix + "/v0/seg_00000.ts"
	// stored is the segment as the bucket holds it, or nil while a reseal
	// replaces it under the read (a read pinned to the version it opened
	// fails then, by design) or it is missing: the waits below poll again.
	stored := func() []byte {
		b, err := blob.Read(ctx, objects, segKey)
		if err != nil {
			t.Logf("reading the stored segment: %v", err)
			return nil
		}
		return b
	}

	// Made public, the files are unsealed (served plain to anyone); made
	// private again, sealed again.
	if r := s.do("PATCH", "/api/v1/videos/"+v.ID, map[string]string{"visibility": "public"}, auth...); r.Status != 200 {
		t.Fatalf("make public: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the media to be unsealed", func() bool { return bytes.Equal(stored(), seg.Body) })
	if r := s.do("GET", base+"poster.jpg", nil); r.Status != 200 && r.Status != 302 {
		t.Fatalf("public poster: %d", r.Status)
	}
	if r := s.do("PATCH", "/api/v1/videos/"+v.ID, map[string]string{"visibility": "followers"}, auth...); r.Status != 200 {
		t.Fatalf("make followers-only: %d %s", r.Status, r.Body)
	}
	// The reseal job goes file by file: wait for the last of them.
	waitFor(t, "the media to be sealed again", func() bool {
		keys, err := objects.List(ctx, prefix)
		if err != nil || len(keys) < 5 {
			return false
		}
		for _, k := range keys {
			if b, err := blob.Read(ctx, objects, k.Key); err != nil || !bytes.HasPrefix(b, []byte(sealedmedia.Magic)) {
				return false
			}
		}
		return true
	})
	undecodable(t, "followers-only video", roots, title)
	var v2 videoJSON
	s.do("GET", "/api/v1/videos/"+v.ID, nil, auth...).json(t, &v2)
	tok = v2.HLSURL[strings.Index(v2.HLSURL, "?t="):]
	if r := s.do("GET", base+"v0/seg_00000.ts"+tok, nil); r.Status != 200 || !bytes.Equal(r.Body, seg.Body) {
		t.Fatalf("segment after resealing: %d, %d bytes (want %d) %q", r.Status, len(r.Body), len(seg.Body), r.Body[:min(40, len(r.Body))])
	}

	// Media written plain before sealing existed (an upgraded region) is
	// sealed once when the region starts.
	var plainMaster bytes.Buffer
	mo, _ := objects.Open(ctx, prefix+"/master.m3u8")
	mi, _ := mo.Stat()
	mr, _, err := sealedmedia.Plain(mo, mi.Size(), prefix+"/master.m3u8", openKey)
	if err != nil {
		t.Fatal(err)
	}
	plainMaster.ReadFrom(mr)
	mo.Close()
	if err := objects.Put(ctx, prefix+"/master.m3u8", &plainMaster); err != nil {
		t.Fatal(err)
	}
	if err := objects.Delete(ctx, "media/sealed-at-rest-v1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Cell("eu").Pipeline.SealExisting(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "old plain media to be sealed", func() bool {
		b, err := blob.Read(ctx, objects, prefix+"/master.m3u8")
		return err == nil && bytes.HasPrefix(b, []byte(sealedmedia.Magic))
	})

	// A backup of the files, taken before erasure; with the data key (KEK
	// and key store) it opens, which shows the check below can tell.
	backup := map[string][]byte{}
	for _, info := range keys {
		b, err := blob.Read(ctx, objects, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		backup[info.Key] = b
	}
	if s.Config.KeepOriginals {
		backup[cell.OriginalKey(v.ID)], _ = blob.Read(ctx, objects, cell.OriginalKey(v.ID))
	}
	eu := s.Cell("eu")
	wrapped, err := eu.KeyStore.PersonKey(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	dk, err := eu.Keys.Unwrap(owner.ID, wrapped)
	if err != nil {
		t.Fatal(err)
	}
	b := backup[segKey]
	sr, err := sealedmedia.Open(bytes.NewReader(b), int64(len(b)), dk, segKey)
	if err != nil {
		t.Fatalf("the backup does not open with the person's key: %v", err)
	}
	if got := make([]byte, len(seg.Body)); sr.Size() != int64(len(seg.Body)) {
		t.Fatalf("backup plaintext size %d, served %d", sr.Size(), len(seg.Body))
	} else if _, err := sr.ReadAt(got, 0); err != nil || !bytes.Equal(got, seg.Body) {
		t.Fatalf("backup plaintext differs: %v", err)
	}

	// Erasure destroys the data key: the backup cannot be opened with
	// what the region keeps (its KEK and key store).
	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": owner.Password}, auth...); r.Status != 202 {
		t.Fatalf("erasure: %d %s", r.Status, r.Body)
	}
	if err := eu.Store.PutErasure(ctx, owner.ID, time.Now(), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	eu.Privacy.SweepPrivacy(ctx)
	if _, err := eu.KeyStore.PersonKey(ctx, owner.ID); !errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("the data key survived erasure: %v", err)
	}
	if l, _ := objects.List(ctx, prefix); len(l) != 0 {
		t.Fatalf("media left after erasure: %v", l)
	}
	if _, err := objects.Stat(ctx, cell.OriginalKey(v.ID)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("original left after erasure: %v", err)
	}
	other, _, err := eu.Keys.NewDataKey(owner.ID) // any key the KEK can make
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for key, b := range backup {
		if _, err := sealedmedia.Open(bytes.NewReader(b), int64(len(b)), other, key); !errors.Is(err, sealedmedia.ErrDecrypt) {
			t.Errorf("backup %s opened without the person's key: %v", key, err)
		}
		p := filepath.Join(tmp, strings.ReplaceAll(key, "/", "_"))
		os.WriteFile(p, b, 0o600)
	}
	undecodable(t, "backup after erasure", []string{tmp}, title)
}
