package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kurz"
	"kurz/app"
	"kurz/blob/s3blob"
	"kurz/internal/mediatest"
	"kurz/internal/pgtest"
	"kurz/internal/s3test"
	"kurz/regionarchive"
	"kurz/sqlite"
	"kurz/sqlstore"
)

// TestBackupWhileWriting: a backup taken while people sign up, upload and
// like is one consistent state: restored into fresh stores it passes the
// store's integrity checks, every like is counted or on its way to the
// counter (nothing torn between the likes table, the counters and the
// queued deltas), every person has a data key, and the region comes back
// with a new log generation. The keys target must be named and kept apart.
func TestBackupWhileWriting(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := context.Background()
	creator := s.signUp("backer", "backer@example.org", "1990-01-01", "DE")
	s.login(&creator)
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 240, 426, 1, true)
	id := s.tusUpload(creator.Token, clip, map[string]string{"caption": "backed up", "visibility": "public"}, 1, "").VideoID
	if v := s.waitVideo(creator.Token, id); v.Status != "ready" {
		t.Fatalf("video: %+v", v)
	}
	eu := s.Cell("eu")

	// The keys target must be named, and apart from the data.
	base := t.TempDir()
	for _, tc := range []struct{ out, keys, want string }{
		{filepath.Join(base, "a"), "", "--keys-out: name a target"},
		{filepath.Join(base, "b"), filepath.Join(base, "b"), "--keys-out must be a target of its own"},
		{filepath.Join(base, "c"), filepath.Join(base, "c", "keys"), "--keys-out must be a target of its own"},
		{filepath.Join(base, "d", "data"), filepath.Join(base, "d"), "--keys-out must be a target of its own"},
		{filepath.Join(base, "e"), filepath.Join(s.Config.DataDir, "eu", "keys"), "data folder"},
	} {
		_, err := app.BackupRegion(ctx, s.Config, eu, tc.out, tc.keys)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("backup to %s with keys in %q: %v, want %q", tc.out, tc.keys, err, tc.want)
		}
		if _, err := os.Stat(filepath.Join(tc.out, regionarchive.ManifestName)); err == nil {
			t.Fatalf("a refused backup wrote %s", tc.out)
		}
	}

	// Writers: sign-ups, likes and unlikes, uploads begun.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writes atomic.Int64
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a := s.signUp(fmt.Sprintf("writer%d_%d", w, i), fmt.Sprintf("writer%d.%d@example.org", w, i), "1990-01-01", "DE")
				s.login(&a)
				auth := []string{"Authorization", "Bearer " + a.Token}
				for range 3 {
					s.do("PUT", "/api/v1/videos/"+id+"/like", nil, auth...)
					s.do("DELETE", "/api/v1/videos/"+id+"/like", nil, auth...)
				}
				s.do("PUT", "/api/v1/videos/"+id+"/like", nil, auth...)
				s.do("POST", "/api/v1/uploads/", nil, append(auth, "Tus-Resumable", "1.0.0", "Upload-Length", "1000")...)
				writes.Add(1)
			}
		}()
	}
	waitFor(t, "writers at work", func() bool { return writes.Load() >= 3 })
	out, keysOut := filepath.Join(t.TempDir(), "backup"), filepath.Join(t.TempDir(), "backup-keys")
	res, err := app.BackupRegion(ctx, s.Config, eu, out, keysOut)
	before := writes.Load()
	waitFor(t, "writes after the backup", func() bool { return writes.Load() > before+1 })
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if res.Data.Rows["profiles"] < 4 || res.Keys.KeyRows < res.Data.Rows["profiles"] || res.Data.Blobs == 0 {
		t.Fatalf("backup: %d profiles, %d keys, %d blobs", res.Data.Rows["profiles"], res.Keys.KeyRows, res.Data.Blobs)
	}
	// Nothing of the keys beside the data.
	if _, err := os.Stat(filepath.Join(out, "kek")); err == nil {
		t.Fatal("the KEK is in the data target")
	}
	if _, err := app.BackupRegion(ctx, s.Config, eu, out, filepath.Join(t.TempDir(), "k2")); err == nil || !strings.Contains(err.Error(), "holds a backup already") {
		t.Fatalf("a second backup into the same target: %v", err)
	}
	// A running region is never overwritten.
	if _, err := app.RestoreRegion(ctx, s.Config, "eu", out, keysOut); err == nil || !strings.Contains(err.Error(), "stop it before restoring") {
		t.Fatalf("restore over the running region: %v", err)
	}

	// Restore into fresh stores and look.
	cfg := s.Config
	cfg.DataDir, cfg.KeysDir = t.TempDir(), ""
	cfg.DB = map[kurz.Region]string{}
	if os.Getenv("KURZ_TEST_STORE") == "postgres" {
		cfg.DB["eu"] = pgtest.NewDatabase(t)
	}
	// Keys of another backup do not fit.
	other := filepath.Join(t.TempDir(), "other")
	otherKeys := filepath.Join(t.TempDir(), "other-keys")
	if _, err := app.BackupRegion(ctx, s.Config, eu, other, otherKeys); err != nil {
		t.Fatal(err)
	}
	if _, err := app.RestoreRegion(ctx, cfg, "eu", out, otherKeys); err == nil || !strings.Contains(err.Error(), "another backup") {
		t.Fatalf("restore with another backup's keys: %v", err)
	}
	rr, err := app.RestoreRegion(ctx, cfg, "eu", out, keysOut)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if rr.Generation == "" || rr.Generation == res.Data.Generation {
		t.Fatalf("generation after the restore %q, before %q", rr.Generation, res.Data.Generation)
	}
	c, err := app.OpenRegion(ctx, cfg, "eu")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	db := c.Store.(*sqlstore.DB)
	if db.Dialect() == "sqlite" {
		if err := sqlite.Check(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	if g, _ := db.LogGeneration(ctx); g != rr.Generation {
		t.Fatalf("restored generation %q, want %q", g, rr.Generation)
	}
	q := db.SQL()
	var likes, counter, pending int64
	if err := q.QueryRow(`SELECT count(*) FROM likes WHERE video_id = $1`, id).Scan(&likes); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRow(`SELECT likes FROM videos WHERE id = $1`, id).Scan(&counter); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRow(`SELECT COALESCE(sum(delta), 0) FROM deltas_out WHERE object_id = $1 AND field = 'likes'
		AND key NOT IN (SELECT key FROM deltas_in)`, id).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if likes != counter+pending || likes < 2 {
		t.Fatalf("restored: %d likes, counter %d, %d on their way", likes, counter, pending)
	}
	var people, withKeys int64
	q.QueryRow(`SELECT count(*) FROM profiles`).Scan(&people)
	keyIDs := map[string]bool{}
	rows, err := c.KeyStore.(*sqlstore.DB).SQL().Query(`SELECT user_id FROM person_keys`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var uid string
		rows.Scan(&uid)
		keyIDs[uid] = true
	}
	rows.Close()
	prow, _ := q.Query(`SELECT id FROM profiles`)
	for prow.Next() {
		var uid string
		prow.Scan(&uid)
		if keyIDs[uid] {
			withKeys++
		}
	}
	prow.Close()
	if people != res.Data.Rows["profiles"] || withKeys != people {
		t.Fatalf("restored: %d people (backup: %d), %d with a data key", people, res.Data.Rows["profiles"], withKeys)
	}
	// The restored keys open the restored people's sealed fields: the
	// creator signs in on a server started on the restored stores.
	c.Close()
	cfg.Addr = "127.0.0.1:0"
	// The link secret (from which the email locator is derived) is the
	// process's configuration, kept with it, not in a region's backup.
	secret, err := os.ReadFile(filepath.Join(s.Config.DataDir, "link.secret"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.DataDir, "link.secret"), secret, 0o600); err != nil {
		t.Fatal(err)
	}
	m := &app.Main{Config: cfg, Log: app.NewLogger(&logBuffer{}, slog.LevelInfo)}
	if err := m.Run(ctx); err != nil {
		m.Close()
		t.Fatal(err)
	}
	defer m.Close()
	back := &server{Main: m, t: t, logs: &logBuffer{}}
	back.login(&creator)
	// Signing in by email needs the blind-index key the KEK carries.
	if r := back.do("POST", "/api/v1/sessions", map[string]string{"login": "backer@example.org", "password": creator.Password}); r.Status != 201 {
		t.Fatalf("sign-in by email on the restored region: %d %s", r.Status, r.Body)
	}
	if v := back.waitVideo(creator.Token, id); v.Status != "ready" {
		t.Fatalf("restored video: %+v", v)
	}
	if r := back.do("GET", "/media/"+id+"/master.m3u8", nil); r.Status != 200 {
		t.Fatalf("restored media: %d", r.Status)
	}
}

// TestBackupRestoreDrill is the operator's drill with three processes:
// back us up while it serves, keep working (a new video, likes), stop us
// and restore the older backup. eu and sg see us's log generation change
// (a WARN naming both), drop what they held of us and read its log again:
// the video lost in the restore leaves their catalogue and feeds, what
// the backup held stays, a like sg's viewer gave after the backup is
// counted again (sg sends its delivered deltas again), and videos made
// after the restore arrive.
func TestBackupRestoreDrill(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	eu, us, sg := c.at("eu"), c.at("us"), c.at("sg")
	creator := us.signUp("drillmaker", "drillmaker@example.com", "1990-01-01", "US")
	us.login(&creator)
	fan := eu.signUp("drillfan", "drillfan@example.org", "1990-01-01", "DE")
	eu.login(&fan)
	viewer := sg.signUp("drillviewer", "drillviewer@example.sg", "1990-01-01", "SG")
	sg.login(&viewer)
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 240, 426, 1, true)
	upload := func(caption string) string {
		t.Helper()
		us := c.at("us")
		id := us.tusUpload(creator.Token, clip, map[string]string{"caption": caption, "visibility": "public"}, 1, "").VideoID
		if v := us.waitVideo(creator.Token, id); v.Status != "ready" {
			t.Fatalf("video %q: %+v", caption, v)
		}
		return id
	}
	inFeed := func(door *server, id string) bool {
		var page feedPage
		door.do("GET", "/api/v1/feed?kind=newest", nil).json(t, &page)
		for _, it := range page.Items {
			if it.ID == id {
				return true
			}
		}
		return false
	}
	shown := func(door *server, id string) bool {
		return door.do("GET", "/api/v1/videos/"+id, nil).Status == 200 && inFeed(door, id)
	}
	kept := upload("kept by the backup #drill")
	for name, door := range map[string]*server{"eu": eu, "sg": sg} {
		waitFor(t, "the first video in "+name, func() bool { return shown(door, kept) })
	}
	if r := eu.do("PUT", "/api/v1/videos/"+kept+"/like", nil, "Authorization", "Bearer "+fan.Token); r.Status >= 300 {
		t.Fatalf("like: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the like counted in us", func() bool { return us.videoCounts(kept).Likes == 1 })

	// Back us up while it serves.
	out, keysOut := filepath.Join(t.TempDir(), "us-backup"), filepath.Join(t.TempDir(), "us-keys")
	kurzCmd := func(args ...string) (string, error) {
		b, err := exec.Command(kurzBinary(t), args...).CombinedOutput()
		return string(b), err
	}
	if o, err := kurzCmd("backup", "--region", "us", "--data", c.dirs["us"], "--out", out, "--keys-out", filepath.Join(out, "keys")); err == nil ||
		!strings.Contains(o, "--keys-out must be a target of its own") {
		t.Fatalf("backup with the keys inside --out: %v\n%s", err, o)
	}
	if o, err := kurzCmd("backup", "--region", "us", "--data", c.dirs["us"], "--out", out, "--keys-out", keysOut); err != nil {
		t.Fatalf("backup: %v\n%s", err, o)
	}
	var man regionarchive.BackupManifest
	if b, err := os.ReadFile(filepath.Join(out, regionarchive.ManifestName)); err != nil || json.Unmarshal(b, &man) != nil || man.Generation == "" {
		t.Fatalf("manifest: %v %+v", err, man)
	}

	// Keep working: a new video and likes after the backup.
	lost := upload("made after the backup #drill")
	for name, door := range map[string]*server{"eu": eu, "sg": sg} {
		waitFor(t, "the second video in "+name, func() bool { return shown(door, lost) })
	}
	if r := eu.do("PUT", "/api/v1/videos/"+lost+"/like", nil, "Authorization", "Bearer "+fan.Token); r.Status >= 300 {
		t.Fatalf("like: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the second like counted in us", func() bool { return us.videoCounts(lost).Likes == 1 })
	if r := sg.do("PUT", "/api/v1/videos/"+kept+"/like", nil, "Authorization", "Bearer "+viewer.Token); r.Status >= 300 {
		t.Fatalf("like: %d %s", r.Status, r.Body)
	}
	waitFor(t, "sg's like counted in us", func() bool { return us.videoCounts(kept).Likes == 2 })

	// A running region is not overwritten; a stopped one is restored.
	if o, err := kurzCmd("restore", "--region", "us", "--data", c.dirs["us"], "--from", out, "--keys-from", keysOut); err == nil ||
		!strings.Contains(o, "stop it before restoring") {
		t.Fatalf("restore while us runs: %v\n%s", err, o)
	}
	c.procs["us"].stop()
	o, err := kurzCmd("restore", "--region", "us", "--data", c.dirs["us"], "--from", out, "--keys-from", keysOut)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, o)
	}
	_, after, _ := strings.Cut(o, "new log generation ")
	newGen, _, _ := strings.Cut(after, " ")
	if newGen == "" || newGen == man.Generation {
		t.Fatalf("restore output: %s", o)
	}
	c.start("us")
	us = c.at("us")

	// Every region converges on the restored us.
	waitFor(t, "eu's WARN naming the generation change", func() bool {
		return hasLogLine(c.procs["eu"].logs.String(), `"level":"WARN"`, `"peer":"us"`, `"old_generation":"`+man.Generation+`"`, `"new_generation":"`+newGen+`"`)
	})
	for name, door := range map[string]*server{"eu": eu, "sg": sg, "us": us} {
		waitFor(t, "the lost video gone from "+name, func() bool {
			return door.do("GET", "/api/v1/videos/"+lost, nil).Status == 404 && !inFeed(door, lost)
		})
		// sg's like came after the backup: sg sends it again and us
		// counts it once.
		waitFor(t, "the kept video, both likes counted, in "+name, func() bool { return shown(door, kept) && door.videoCounts(kept).Likes == 2 })
	}
	fresh := upload("made after the restore #drill")
	for name, door := range map[string]*server{"eu": eu, "sg": sg} {
		waitFor(t, "the video made after the restore in "+name, func() bool { return shown(door, fresh) })
	}
	var regions struct {
		Regions map[string]struct {
			Generation string
			Peers      map[string]struct {
				Generation string
				LagEvents  int64 `json:"lag_events"`
			}
		}
	}
	us.do("GET", "/api/v1/regions", nil).json(t, &regions)
	if g := regions.Regions["us"].Generation; g != newGen {
		t.Fatalf("us's own generation in /api/v1/regions: %q, want %q", g, newGen)
	}
	waitFor(t, "eu's view of us's generation", func() bool {
		eu.do("GET", "/api/v1/regions", nil).json(t, &regions)
		p := regions.Regions["eu"].Peers["us"]
		return p.Generation == newGen && p.LagEvents == 0
	})
}

// TestRestoreKeepsErasures: a person erased after the backup stays
// erased when the backup is restored in place: their restored data key is
// destroyed again (their sealed fields open no more), they are hidden at
// once and erased again when the region starts; the others come back.
func TestRestoreKeepsErasures(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := context.Background()
	stay := s.signUp("staying", "staying@example.org", "1990-01-01", "DE")
	gone := s.signUp("leaving", "leaving@example.org", "1990-01-01", "DE")
	out, keysOut := filepath.Join(t.TempDir(), "b"), filepath.Join(t.TempDir(), "k")
	if _, err := app.BackupRegion(ctx, s.Config, s.Cell("eu"), out, keysOut); err != nil {
		t.Fatal(err)
	}
	s.login(&gone)
	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": gone.Password}, "Authorization", "Bearer "+gone.Token); r.Status != 202 {
		t.Fatalf("erasure: %d %s", r.Status, r.Body)
	}
	eu := s.Cell("eu")
	if err := eu.Store.PutErasure(ctx, gone.ID, time.Now(), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	eu.Privacy.SweepPrivacy(ctx)
	if _, err := eu.KeyStore.PersonKey(ctx, gone.ID); err == nil {
		t.Fatal("the erased person's key is still there")
	}
	cfg := s.Config
	if err := s.Main.Close(); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("KURZ_TEST_STORE") == "postgres" {
		// PostgreSQL is restored into a fresh database (README).
		if _, err := app.RestoreRegion(ctx, cfg, "eu", out, keysOut); err == nil || !strings.Contains(err.Error(), "restore into a fresh database") {
			t.Fatalf("restore into the used database: %v", err)
		}
		cfg.DB = map[kurz.Region]string{"eu": pgtest.NewDatabase(t), "us": cfg.DB["us"], "sg": cfg.DB["sg"]}
	}
	res, err := app.RestoreRegion(ctx, cfg, "eu", out, keysOut)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Erased) != 1 || res.Erased[0] != gone.ID || res.KeysUnknown {
		t.Fatalf("restore: erased %v, keys unknown %v", res.Erased, res.KeysUnknown)
	}
	m := &app.Main{Config: cfg, Log: app.NewLogger(&logBuffer{}, slog.LevelInfo)}
	if err := m.Run(ctx); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	back := &server{Main: m, t: t, logs: &logBuffer{}}
	if _, err := m.Cell("eu").KeyStore.PersonKey(ctx, gone.ID); err == nil {
		t.Fatal("the restore brought the erased person's key back")
	}
	waitFor(t, "the erased person erased again", func() bool {
		_, err := m.Cell("eu").Store.ProfileByID(ctx, gone.ID)
		return errors.Is(err, kurz.ErrNotFound)
	})
	if r := back.do("GET", "/api/v1/users/leaving", nil); r.Status != 404 {
		t.Fatalf("the erased person's profile: %d", r.Status)
	}
	if r := back.do("POST", "/api/v1/sessions", map[string]string{"login": "leaving", "password": gone.Password}); r.Status != 401 {
		t.Fatalf("the erased person signs in: %d", r.Status)
	}
	back.login(&stay)
}

// TestBackupToObjectStorage: a backup's two targets may be S3 prefixes (a
// real S3 server); the keys prefix may not lie under the data prefix of
// the same bucket; a restore reads both back into fresh stores.
func TestBackupToObjectStorage(t *testing.T) {
	srv := s3test.Start(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Secret)
	s := newServer(t)
	ctx := context.Background()
	a := s.signUp("objectstored", "objectstored@example.org", "1990-01-01", "DE")
	data, keys := srv.Bucket(t, "backups/eu"), srv.Bucket(t, "keys/eu")
	inside := data
	inside.Prefix = "backups/eu/keys"
	if _, err := app.BackupRegion(ctx, s.Config, s.Cell("eu"), srv.URL(data), srv.URL(inside)); err == nil || !strings.Contains(err.Error(), "--keys-out must be a target of its own") {
		t.Fatalf("keys under the data prefix: %v", err)
	}
	res, err := app.BackupRegion(ctx, s.Config, s.Cell("eu"), srv.URL(data), srv.URL(keys))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3blob.New(data).Stat(ctx, "kek"); err == nil {
		t.Fatal("the KEK is in the data bucket")
	}
	cfg := s.Config
	cfg.DataDir, cfg.KeysDir = t.TempDir(), ""
	cfg.DB = map[kurz.Region]string{}
	if os.Getenv("KURZ_TEST_STORE") == "postgres" {
		cfg.DB["eu"] = pgtest.NewDatabase(t)
	}
	rr, err := app.RestoreRegion(ctx, cfg, "eu", srv.URL(data), srv.URL(keys))
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.OpenRegion(ctx, cfg, "eu")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if p, err := c.Store.ProfileByID(ctx, a.ID); err != nil || p.Handle != "objectstored" || rr.Backup.ID != res.Data.ID {
		t.Fatalf("restored from object storage: %+v %v", p, err)
	}
}
