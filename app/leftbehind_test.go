package app_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"kurz/internal/leak"
	"kurz/internal/mediatest"
)

// TestNothingLeftBehind: a caption that was public and is made private
// leaves no plaintext copy in any region's files (write-ahead logs
// included) nor in the public log; a person whose erasure is pending has
// their media hidden; an export holds the notices the person filed and
// refuses fields it does not take.
func TestNothingLeftBehind(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	a := s.signUp("leftbehind", "leftbehind@example.org", "1990-01-01", "DE")
	s.login(&a)
	auth := []string{"Authorization", "Bearer " + a.Token}
	caption := canary("caption-once-public-")
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 360, 640, 1, true)
	up := s.tusUpload(a.Token, clip, map[string]string{"caption": caption}, 1, "")
	v := s.waitVideo(a.Token, up.VideoID)
	if v.Status != "ready" {
		t.Fatalf("video %q", v.Status)
	}
	waitFor(t, "the video in the other regions", func() bool {
		_, us := s.Cell("us").Index.Video(v.ID)
		_, sg := s.Cell("sg").Index.Video(v.ID)
		return us && sg
	})
	if r := s.do("PATCH", "/api/v1/videos/"+v.ID, map[string]string{"visibility": "private"}, auth...); r.Status != 200 {
		t.Fatalf("make private: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the video to leave the other regions", func() bool {
		_, us := s.Cell("us").Index.Video(v.ID)
		_, sg := s.Cell("sg").Index.Video(v.ID)
		return !us && !sg
	})
	// The peers checkpoint after dropping a replica; give them the same
	// moment the catalogue took.
	waitFor(t, "no plaintext caption in any region's files", func() bool {
		hits, err := leak.ScanDir(s.Config.DataDir, caption)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) > 0 {
			t.Logf("caption still in %v", hits)
		}
		return len(hits) == 0
	})
	var entries int
	rawSQL(s.Cell("eu")).QueryRow(`SELECT count(*) FROM public_log WHERE object_id = $1 AND kind = 'video'`, v.ID).Scan(&entries)
	if entries != 0 {
		t.Fatalf("%d public log entries still carry the private video", entries)
	}
	// The owner still sees the caption.
	var back videoJSON
	s.do("GET", "/api/v1/videos/"+v.ID, nil, auth...).json(t, &back)
	if back.Caption != caption {
		t.Fatalf("the owner's caption: %q", back.Caption)
	}

	// Export: a notice the person filed is in it; unknown fields refused.
	other := s.signUp("reported", "reported@example.org", "1990-01-01", "DE")
	s.login(&other)
	up2 := s.tusUpload(other.Token, clip, map[string]string{"caption": "reported clip"}, 1, "")
	if v2 := s.waitVideo(other.Token, up2.VideoID); v2.Status != "ready" {
		t.Fatalf("video %q", v2.Status)
	}
	if r := s.do("POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": up2.VideoID,
		"category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "explanation": "this is a scam, says leftbehind"}, auth...); r.Status >= 300 {
		t.Fatalf("notice: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/me/export", map[string]any{"format": "csv"}, auth...); r.Status != 400 {
		t.Fatalf("export with an unknown field: %d %s", r.Status, r.Body)
	}
	url := s.waitExport(map[string]any{}, auth...)
	dl := s.do("GET", url, nil, auth...)
	zr, err := zip.NewReader(bytes.NewReader(dl.Body), int64(len(dl.Body)))
	if err != nil {
		t.Fatalf("export: %d %v", dl.Status, err)
	}
	var data struct {
		Reports []struct{ TargetID, Explanation string } `json:"reports_filed"`
	}
	for _, f := range zr.File {
		if f.Name == "data.json" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if err := json.Unmarshal(b, &data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(data.Reports) != 1 || !strings.Contains(data.Reports[0].Explanation, "says leftbehind") {
		t.Fatalf("reports_filed in the export: %+v", data.Reports)
	}

	// Erasure pending: the person's media is hidden, not only their API
	// records.
	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": other.Password}, "Authorization", "Bearer "+other.Token); r.Status != 202 {
		t.Fatalf("erasure: %d %s", r.Status, r.Body)
	}
	// The catalogue, which answers public media without a database read,
	// drops the videos as it follows the region's log (within a second).
	waitFor(t, "the media of a person pending erasure to be hidden", func() bool {
		return s.do("GET", "/media/"+up2.VideoID+"/master.m3u8", nil).Status == 404
	})
}
