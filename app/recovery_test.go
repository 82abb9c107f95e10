package app_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kurz/app"
	"kurz/internal/mediatest"
)

// TestCrashBetweenUploadAndEnqueue: the process dies after the last byte
// was stored but before the upload became a job (the state is recreated
// in the database, as a crash at that point leaves it). On restart the
// upload is found complete on disk and processed: exactly one job, one
// ready video.
func TestCrashBetweenUploadAndEnqueue(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	at := func(c *app.Config) {
		c.DataDir = dir
		c.DB = nil
	}
	s := newServer(t, at)
	a := s.signUp("crasher", "crasher@example.org", "1990-01-01", "DE")
	s.login(&a)
	jobs := s.Cell("eu").Jobs
	if err := jobs.QueuePause(t.Context(), "media", nil); err != nil {
		t.Fatal(err)
	}
	clip := filepath.Join(t.TempDir(), "c.mp4")
	mediatest.Clip(t, clip, 360, 640, 1, true)
	res := s.tusUpload(a.Token, clip, map[string]string{"caption": "lost in a crash?"}, 1, "")
	if !res.Done {
		t.Fatalf("upload: %+v", res)
	}
	s.Close()

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "eu", "kurz.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE videos SET status = 'uploading', job_gen = 0 WHERE id = '` + res.VideoID + `'`,
		`DELETE FROM river_job`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s2 := newServer(t, at)
	if err := s2.Cell("eu").Jobs.QueueResume(t.Context(), "media", nil); err != nil { // paused above, and a pause outlives restarts
		t.Fatal(err)
	}
	s2.login(&a)
	if v := s2.waitVideo(a.Token, res.VideoID); v.Status != "ready" {
		t.Fatalf("after the restart: %+v", v)
	}
	var jobsFor, videos int
	rawSQL(s2.Cell("eu")).QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'process_video'`).Scan(&jobsFor)
	rawSQL(s2.Cell("eu")).QueryRow(`SELECT count(*) FROM videos`).Scan(&videos)
	if jobsFor != 1 || videos != 1 {
		t.Fatalf("%d jobs and %d videos, want one each", jobsFor, videos)
	}
}

// TestAbandonedUploadsAreCleaned: an upload left unfinished past its TTL is
// deleted with its bytes, and the day's quota comes back.
func TestAbandonedUploadsAreCleaned(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	at := func(c *app.Config) {
		c.DataDir = dir
		c.DB = nil
		c.DailyUploads = 1
		c.UploadTTL = time.Millisecond
	}
	s := newServer(t, at)
	a := s.signUp("abandoner", "abandoner@example.org", "1990-01-01", "DE")
	s.login(&a)
	auth := []string{"Authorization", "Bearer " + a.Token, "Tus-Resumable", "1.0.0"}
	r := s.do("POST", "/api/v1/uploads/", nil, append(auth, "Upload-Length", "1000")...)
	id := r.Header.Get("Kurz-Video-Id")
	s.do("PATCH", "/api/v1/uploads/"+id, []byte(strings.Repeat("x", 100)), append(auth, "Upload-Offset", "0", "Content-Type", "application/offset+octet-stream")...)
	if r := s.do("POST", "/api/v1/uploads/", nil, append(auth, "Upload-Length", "1000")...); r.Status != 429 {
		t.Fatalf("quota while the abandoned upload lives: %d", r.Status)
	}
	s.Close()
	s2 := newServer(t, at)
	// The sweep at start takes uploads last touched more than a minute ago;
	// this one is younger, so move its clock back as a day of idling would.
	db := rawSQL(s2.Cell("eu"))
	if _, err := db.Exec(`UPDATE videos SET updated_at = updated_at - 120000 WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	s3 := newServer(t, at)
	s3.login(&a)
	if n := s3.count("eu", "videos"); n != 0 {
		t.Fatalf("%d video rows after the sweep", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "eu", "uploads", id)); !os.IsNotExist(err) {
		t.Fatalf("abandoned bytes still on disk: %v", err)
	}
	if r := s3.do("POST", "/api/v1/uploads/", nil, "Authorization", "Bearer "+a.Token, "Tus-Resumable", "1.0.0", "Upload-Length", "1000"); r.Status != 201 {
		t.Fatalf("quota not given back: %d %s", r.Status, r.Body)
	}
}
