package app_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kurz"
	"kurz/app"
	"kurz/blob/s3blob"
	"kurz/internal/leak"
	"kurz/internal/mediatest"
	"kurz/internal/s3test"
)

// TestObjectStorage runs eu's media, originals and exports on a real S3
// server (versitygw) and us on the folder store: uploads become playable
// from the bucket, byte ranges work, public segments can be redirected to
// presigned URLs while non-public media is only streamed with kurz's
// token, exports live in the bucket, and no other region's data lands in
// eu's bucket.
func TestObjectStorage(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.Bucket(t, "kurz/eu")
	t.Setenv("AWS_ACCESS_KEY_ID", srv.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Secret)
	s := newServer(t, func(c *app.Config) {
		c.Blobs[kurz.Region("eu")] = srv.URL(bucket)
		c.MediaRedirect = true
	})
	store := s3blob.New(bucket)
	if r := s.do("GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("readyz with the bucket up: %d %s", r.Status, r.Body)
	}

	a := s.signUp("bucketeer", "bucketeer@example.org", "1990-01-01", "DE")
	s.login(&a)
	other := s.signUp("usviewer", "usviewer-canary@example.org", "1990-01-01", "US")
	s.login(&other)
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 720, 1280, 2, true)
	// The upload goes to the bucket (tusd's S3 store), interrupted and
	// resumed.
	half := s.tusUpload(a.Token, clip, map[string]string{"caption": "from the bucket #s3"}, 0.5, "")
	if half.Done || !strings.Contains(half.URL, "+") {
		t.Fatalf("interrupted upload to the bucket: %+v", half)
	}
	pub := s.tusUpload(a.Token, clip, map[string]string{"caption": "from the bucket #s3"}, 1, half.URL)
	priv := s.tusUpload(a.Token, clip, map[string]string{"caption": "followers only", "visibility": "private"}, 1, "")
	if !pub.Done || !priv.Done {
		t.Fatalf("uploads: %+v %+v", pub, priv)
	}
	v := s.waitVideo(a.Token, pub.VideoID)
	pv := s.waitVideo(a.Token, priv.VideoID)
	if v.Status != "ready" || pv.Status != "ready" {
		t.Fatalf("videos: %q %q %s %s", v.Status, pv.Status, v.Error, pv.Error)
	}
	// The ladder is in the bucket, not in eu's folder; the raw upload is
	// gone from the bucket once processed (removed just after the video
	// is marked ready, so that a crash in between keeps it).
	waitFor(t, "the processed uploads gone from the bucket", func() bool {
		l, err := store.List(t.Context(), "uploads")
		return err == nil && len(l) == 0
	})
	objs, err := store.List(t.Context(), "media/"+v.ID)
	if err != nil || len(objs) < 5 {
		t.Fatalf("objects of the video in the bucket: %v %v", objs, err)
	}
	if _, err := os.Stat(filepath.Join(s.Config.DataDir, "eu", "media", v.ID)); !os.IsNotExist(err) {
		t.Fatalf("media written to the folder too: %v", err)
	}

	// Playlists come from kurz; a segment is redirected to a presigned URL
	// that serves it, byte ranges included.
	master := s.do("GET", v.HLSURL, nil)
	if master.Status != 200 || !bytes.HasPrefix(master.Body, []byte("#EXTM3U")) {
		t.Fatalf("master: %d %.100s", master.Status, master.Body)
	}
	var seg string
	for _, o := range objs {
		if strings.HasSuffix(o.Key, ".ts") || strings.HasSuffix(o.Key, ".m4s") {
			seg = strings.TrimPrefix(o.Key, "media/"+v.ID+"/")
			break
		}
	}
	if seg == "" {
		t.Fatalf("no segment among %v", objs)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(s.URL() + "/media/" + v.ID + "/" + seg)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, srv.Endpoint) || !strings.Contains(loc, "X-Amz-Signature") {
		t.Fatalf("public segment: %d Location %q", resp.StatusCode, loc)
	}
	req, _ := http.NewRequest("GET", loc, nil)
	req.Header.Set("Range", "bytes=10-19")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	whole, _ := store.Open(t.Context(), "media/"+v.ID+"/"+seg)
	all, _ := io.ReadAll(whole)
	whole.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, all[10:20]) {
		t.Fatalf("ranged presigned read: %d %x want %x", resp.StatusCode, part, all[10:20])
	}

	// Non-public media: streamed through kurz with the token (ranges work),
	// refused without it, never redirected.
	tokSeg := "/media/" + pv.ID + "/" + seg + pv.HLSURL[strings.Index(pv.HLSURL, "?"):]
	r := s.do("GET", tokSeg, nil, "Range", "bytes=0-9")
	if r.Status != http.StatusPartialContent || len(r.Body) != 10 || r.Header.Get("Location") != "" {
		t.Fatalf("private segment with token: %d %d bytes", r.Status, len(r.Body))
	}
	if r := s.do("GET", "/media/"+pv.ID+"/"+seg, nil); r.Status != 404 {
		t.Fatalf("private segment without token: %d", r.Status)
	}

	// The export is built into the bucket and downloads whole.
	auth := []string{"Authorization", "Bearer " + a.Token}
	url := s.waitExport(nil, auth...)
	if l, _ := store.List(t.Context(), "exports"); len(l) != 1 {
		t.Fatalf("exports in the bucket: %v", l)
	}
	dl := s.do("GET", url, nil, auth...)
	if _, err := zip.NewReader(bytes.NewReader(dl.Body), int64(len(dl.Body))); dl.Status != 200 || err != nil {
		t.Fatalf("download: %d %v", dl.Status, err)
	}

	// Deleting the video removes its objects.
	if r := s.do("DELETE", "/api/v1/videos/"+v.ID, nil, auth...); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if l, _ := store.List(t.Context(), "media/"+v.ID); len(l) != 0 {
		t.Fatalf("objects left after delete: %v", l)
	}

	// A dead object store makes the node unready.
	srv.Stop()
	if r := s.do("GET", "/readyz", nil); r.Status != 503 || !strings.Contains(string(r.Body), "object storage unreachable") {
		t.Fatalf("readyz with the bucket down: %d %s", r.Status, r.Body)
	}

	// Residency: the us person's email is nowhere in eu's bucket.
	hits, err := leak.ScanDir(srv.Dir, "usviewer-canary@example.org")
	if err != nil || len(hits) > 0 {
		t.Fatalf("us canary in the object store: %v %v", hits, err)
	}
}
