package app_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kurz/cell"
	"kurz/internal/leak"
	"kurz/internal/mediatest"
	"kurz/sealedmedia"
)

// TestNonPublicVideosAreHidden: private and followers-only videos answer
// 404 to everyone but the owner, for the API record and every media file;
// their captions are sealed at rest; the owner can publish and delete.
func TestNonPublicVideosAreHidden(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	owner := s.signUp("owner", "owner@example.org", "1990-01-01", "DE")
	s.login(&owner)
	other := s.signUp("stranger", "stranger@example.org", "1990-01-01", "US")
	s.login(&other)
	clip := filepath.Join(t.TempDir(), "c.mp4")
	mediatest.Clip(t, clip, 360, 640, 2, true)

	secret := canary("secret caption ")
	ids := map[string]string{}
	for _, vis := range []string{"private", "followers"} {
		res := s.tusUpload(owner.Token, clip, map[string]string{"caption": secret + " #hidden" + vis, "visibility": vis}, 1, "")
		if !res.Done {
			t.Fatalf("upload %s: %+v", vis, res)
		}
		ids[vis] = res.VideoID
	}
	for vis, id := range ids {
		v := s.waitVideo(owner.Token, id)
		if v.Status != "ready" || v.Visibility != vis || !strings.Contains(v.Caption, secret) || !strings.Contains(v.HLSURL, "?t=") {
			t.Fatalf("%s video for its owner: %+v", vis, v)
		}
		base := "/media/" + id + "/"
		files := []string{"master.m3u8", "v0/index.m3u8", "v0/seg_00000.ts", "poster.jpg", "preview.mp4"}
		for _, f := range files {
			if r := s.do("GET", base+f, nil); r.Status != 404 {
				t.Errorf("%s %s without a token: %d", vis, f, r.Status)
			}
			if r := s.do("GET", base+f, nil, "Authorization", "Bearer "+other.Token); r.Status != 404 {
				t.Errorf("%s %s for a stranger: %d", vis, f, r.Status)
			}
		}
		if r := s.do("GET", "/api/v1/videos/"+id, nil); r.Status != 404 || r.errorCode(t) != "not_found" {
			t.Errorf("%s record, anonymous: %d", vis, r.Status)
		}
		if r := s.do("GET", "/api/v1/videos/"+id, nil, "Authorization", "Bearer "+other.Token); r.Status != 404 {
			t.Errorf("%s record, stranger: %d", vis, r.Status)
		}
		// The owner's token works, and the playlist passes it on.
		tok := v.HLSURL[strings.Index(v.HLSURL, "?t="):]
		master := s.do("GET", v.HLSURL, nil)
		if master.Status != 200 || !strings.Contains(string(master.Body), "v0/index.m3u8"+tok) {
			t.Fatalf("%s master with token: %d\n%s", vis, master.Status, master.Body)
		}
		variant := s.do("GET", base+"v0/index.m3u8"+tok, nil)
		if variant.Status != 200 || !strings.Contains(string(variant.Body), "seg_00000.ts"+tok) {
			t.Fatalf("%s variant with token: %d\n%s", vis, variant.Status, variant.Body)
		}
		if r := s.do("GET", base+"v0/seg_00000.ts"+tok, nil); r.Status != 200 {
			t.Fatalf("%s segment with token: %d", vis, r.Status)
		}
		// A token is scoped to its video and cannot be forged.
		for otherVis, otherID := range ids {
			if otherVis != vis {
				if r := s.do("GET", "/media/"+otherID+"/master.m3u8"+tok, nil); r.Status != 404 {
					t.Errorf("token of %s opened %s: %d", vis, otherVis, r.Status)
				}
			}
		}
		forged := tok[:len(tok)-2] + "AA"
		if r := s.do("GET", base+"poster.jpg"+forged, nil); r.Status != 404 {
			t.Errorf("forged token: %d", r.Status)
		}
	}

	// The caption of a non-public video is personal: sealed at rest.
	hits, err := leak.ScanDir(filepath.Join(s.Config.DataDir, "eu"), secret)
	if err != nil {
		t.Fatal(err)
	}
	if s.Config.DB["eu"] == "" && len(hits) > 0 {
		t.Fatalf("private caption in plaintext: %v", hits)
	}

	// Only the owner may change or delete; others get 404.
	id := ids["private"]
	if r := s.do("PATCH", "/api/v1/videos/"+id, map[string]string{"visibility": "public"}, "Authorization", "Bearer "+other.Token); r.Status != 404 {
		t.Fatalf("stranger's PATCH: %d", r.Status)
	}
	if r := s.do("DELETE", "/api/v1/videos/"+id, nil, "Authorization", "Bearer "+other.Token); r.Status != 404 {
		t.Fatalf("stranger's DELETE: %d", r.Status)
	}
	if r := s.do("PATCH", "/api/v1/videos/"+id, map[string]string{"visibility": "everyone"}, "Authorization", "Bearer "+owner.Token); r.Status != 400 {
		t.Fatalf("bad visibility: %d", r.Status)
	}
	r := s.do("PATCH", "/api/v1/videos/"+id, map[string]string{"visibility": "public", "caption": "now public #Launch"}, "Authorization", "Bearer "+owner.Token)
	if r.Status != 200 {
		t.Fatalf("owner's PATCH: %d %s", r.Status, r.Body)
	}
	var pub videoJSON
	s.do("GET", "/api/v1/videos/"+id, nil).json(t, &pub)
	if pub.Visibility != "public" || pub.Caption != "now public #Launch" || strings.Join(pub.Hashtags, ",") != "launch" || strings.Contains(pub.HLSURL, "?t=") {
		t.Fatalf("published video for anonymous: %+v", pub)
	}
	if r := s.do("GET", pub.PosterURL, nil); r.Status != 200 {
		t.Fatalf("public poster: %d", r.Status)
	}
	if r := s.do("DELETE", "/api/v1/videos/"+id, nil, "Authorization", "Bearer "+owner.Token); r.Status != http.StatusNoContent {
		t.Fatalf("owner's DELETE: %d", r.Status)
	}
	if r := s.do("GET", pub.PosterURL, nil); r.Status != 404 {
		t.Fatalf("deleted video's poster: %d", r.Status)
	}
	if _, err := os.Stat(filepath.Join(s.Config.DataDir, "eu", "media", id)); !os.IsNotExist(err) {
		t.Fatalf("deleted video's media folder: %v", err)
	}
}

// TestMinorsUploadPrivately: a 13-15 year old's upload is private unless
// they choose otherwise.
func TestMinorsUploadPrivately(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	teen := s.signUp("teen", "teen@example.org", time.Now().AddDate(-14, 0, 0).Format(time.DateOnly), "DE")
	s.login(&teen)
	clip := filepath.Join(t.TempDir(), "c.mp4")
	mediatest.Clip(t, clip, 64, 114, 1, false)
	res := s.tusUpload(teen.Token, clip, map[string]string{"caption": "hi"}, 1, "")
	v := s.waitVideo(teen.Token, res.VideoID)
	if v.Visibility != "private" {
		t.Fatalf("a minor's default visibility is %q", v.Visibility)
	}
	if r := s.do("GET", "/api/v1/videos/"+res.VideoID, nil); r.Status != 404 {
		t.Fatalf("minor's default upload visible to anonymous: %d", r.Status)
	}
}

// TestUploadNeedsSignIn: tus creation without a session is refused.
func TestUploadNeedsSignIn(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	r := s.do("POST", "/api/v1/uploads/", nil, "Tus-Resumable", "1.0.0", "Upload-Length", "10")
	if r.Status != 401 {
		t.Fatalf("anonymous upload: %d %s", r.Status, r.Body)
	}
	if r := s.do("OPTIONS", "/api/v1/uploads/", nil); r.Status != 204 && r.Status != 200 || r.Header.Get("Tus-Version") == "" {
		t.Fatalf("tus discovery: %d %v", r.Status, r.Header)
	}
}

// TestTusProtocolAbuse: wrong offsets and bytes past the declared length
// get tus errors and never corrupt the stored bytes.
func TestTusProtocolAbuse(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	a := s.signUp("abuser", "abuser@example.org", "1990-01-01", "DE")
	s.login(&a)
	auth := []string{"Authorization", "Bearer " + a.Token, "Tus-Resumable", "1.0.0"}
	r := s.do("POST", "/api/v1/uploads/", nil, append(auth, "Upload-Length", "10")...)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.Header.Get("Kurz-Video-Id")
	patch := func(offset string, body string) *response {
		return s.do("PATCH", "/api/v1/uploads/"+id, []byte(body), append(auth, "Upload-Offset", offset, "Content-Type", "application/offset+octet-stream")...)
	}
	if r := patch("3", "abc"); r.Status != 409 {
		t.Fatalf("wrong offset: %d %s", r.Status, r.Body)
	}
	if r := patch("0", "0123456789ABCDEF"); r.Status != 413 && r.Status != 400 {
		t.Fatalf("bytes past Upload-Length: %d %s", r.Status, r.Body)
	}
	if r := patch("-1", "x"); r.Status != 400 {
		t.Fatalf("negative offset: %d %s", r.Status, r.Body)
	}
	if r := patch("0", "01234"); r.Status != 204 || r.Header.Get("Upload-Offset") != "5" {
		t.Fatalf("good patch: %d %v", r.Status, r.Header)
	}
	for _, l := range []string{"-5", "abc", "99999999999999999999"} {
		if r := s.do("POST", "/api/v1/uploads/", nil, append(auth, "Upload-Length", l)...); r.Status < 400 || r.Status >= 500 {
			t.Errorf("Upload-Length %q: %d", l, r.Status)
		}
	}
	head := s.do("HEAD", "/api/v1/uploads/"+id, nil, auth...)
	if head.Header.Get("Upload-Offset") != "5" {
		t.Fatalf("offset after abuse: %q", head.Header.Get("Upload-Offset"))
	}
	// The bytes are sealed on disk and read back exactly, nothing
	// interleaved.
	stored := filepath.Join(s.Config.DataDir, "eu", "uploads", id)
	data, err := os.ReadFile(stored)
	if err != nil || bytes.Contains(data, []byte("01234")) {
		t.Fatalf("stored bytes in plaintext: %q, %v", data, err)
	}
	eu := s.Cell("eu")
	wrapped, err := eu.KeyStore.PersonKey(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	dk, err := eu.Keys.Unwrap(a.ID, wrapped)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(stored)
	if err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	err = sealedmedia.ReadUpload(t.Context(), eu.Blobs, cell.UploadIndexKey(id), id, f, dk, &plain)
	f.Close()
	if err != nil || plain.String() != "01234" {
		t.Fatalf("stored bytes %q, %v", plain.String(), err)
	}
	if r := s.do("DELETE", "/api/v1/uploads/"+id, nil, auth...); r.Status != 204 {
		t.Fatalf("terminate: %d", r.Status)
	}
	if n := s.count("eu", "videos"); n != 0 {
		t.Fatalf("terminated upload left %d video rows", n)
	}
}
