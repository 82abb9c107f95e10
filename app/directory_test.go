package app_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"

	"kurz/app"
	"kurz/internal/leak"
	"kurz/internal/mediatest"
	"kurz/internal/s3test"
	"kurz/regionarchive"
	"kurz/sqlstore"
)

// signUpStatus tries a sign-up and returns the answer's status.
func signUpStatus(s *server, handle, email, country string) int {
	return s.do("POST", "/api/v1/accounts", map[string]string{"handle": handle, "email": email, "password": "a good long passphrase",
		"birth_date": "1990-01-01", "country": country}).Status
}

// TestDirectorySplitOffS3: us is the handle directory and is split off
// through an S3 bucket, with three real processes and a real S3 server.
// The directory moves first: us's directory is frozen (sign-ups answer
// 503 everywhere, nothing is claimed), its claims are imported into eu,
// every region restarts with --directory eu, and handles stay unique
// across the regions: an old one cannot be taken again, of two sign-ups
// racing for a new one in eu and sg exactly one wins. Then us is exported
// to s3://, the bucket's bytes show none of us's data (sealed), the
// archive is imported from s3:// into a fresh data folder, and the new us
// serves its people and takes part in the unique handles. (The new us
// keeps the shared link secret here: re-peering under new secrets is
// TestRegionSplitOff's.)
func TestDirectorySplitOffS3(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	bucket := srv.URL(srv.Bucket(t, "handover"))
	s3env := []string{"AWS_ACCESS_KEY_ID=" + srv.Access, "AWS_SECRET_ACCESS_KEY=" + srv.Secret}
	c := startSplitCluster(t, "us")
	eu, us, sg := c.at("eu"), c.at("us"), c.at("sg")
	beaEmail := canary("bea.") + "@example.com"
	bea := us.signUp(canary("bea"), beaEmail, "1990-01-01", "US")
	anna := eu.signUp(canary("anna"), canary("anna.")+"@example.org", "1990-01-01", "DE")
	dara := sg.signUp(canary("dara"), canary("dara.")+"@example.sg", "1990-01-01", "SG")
	us.login(&bea)
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 360, 640, 1, true)
	caption := canary("us-caption-")
	video := us.tusUpload(bea.Token, clip, map[string]string{"caption": caption, "visibility": "public"}, 1, "").VideoID
	if v := us.waitVideo(bea.Token, video); v.Status != "ready" {
		t.Fatalf("bea's video: %+v", v)
	}

	idFile := filepath.Join(t.TempDir(), "new-operator.age")
	recipient, err := runKurz(t, "region", "keygen", "--out", idFile)
	if err != nil {
		t.Fatalf("keygen: %v\n%s", err, recipient)
	}
	recipient = strings.TrimSpace(recipient)

	// The directory cannot leave with its region: export refuses.
	refused := t.TempDir()
	if out, err := runKurz(t, "region", "export", "--region", "us", "--data", c.dirs["us"], "--out", refused, "--recipient",
		recipient); err == nil || !strings.Contains(out, "handle directory") {
		t.Fatalf("export of the directory region: %v\n%s", err, out)
	}
	if entries, _ := os.ReadDir(refused); len(entries) > 0 {
		t.Fatalf("a refused export wrote %d files", len(entries))
	}

	// 1. The directory moves to eu: frozen at us, imported into eu (both
	// beside their serving processes).
	dirArchive := t.TempDir()
	if out, err := runKurz(t, "directory", "export", "--region", "us", "--to", "eu", "--data", c.dirs["us"], "--out", dirArchive); err != nil {
		t.Fatalf("directory export: %v\n%s", err, out)
	}
	// During the move nobody can claim anything, at any door.
	for _, s := range []*server{us, sg, eu} {
		if st := signUpStatus(s, "during_move", "during@example.org", "SG"); st != 503 {
			t.Fatalf("a sign-up during the move: %d, want 503", st)
		}
	}
	if out, err := runKurz(t, "directory", "import", "--region", "sg", "--data", c.dirs["sg"], "--in", dirArchive); err == nil ||
		!strings.Contains(out, "for region eu") {
		t.Fatalf("directory import into the wrong region: %v\n%s", err, out)
	}
	if out, err := runKurz(t, "directory", "import", "--region", "eu", "--data", c.dirs["eu"], "--in", dirArchive); err != nil ||
		!strings.Contains(out, "3 handle claims") {
		t.Fatalf("directory import: %v\n%s", err, out)
	}
	// Every region restarts with --directory eu, eu first.
	c.directory = "eu"
	c.stop("eu")
	c.start("eu")
	// sg, back with the new directory, cannot sign anyone up while us
	// still names the old one (they refuse each other's calls) ...
	c.stop("sg")
	c.start("sg")
	eu, sg = c.at("eu"), c.at("sg")
	if st := signUpStatus(sg, "mid_restart", "mid@example.sg", "SG"); st != 503 {
		t.Fatalf("a sign-up while us still names the old directory: %d, want 503", st)
	}
	c.stop("us")
	c.start("us")
	us = c.at("us")
	// ... and once all three agree, handles claimed before the move stay
	// taken, in every region.
	for _, try := range []struct {
		s       *server
		handle  string
		country string
	}{{sg, bea.Handle, "SG"}, {us, anna.Handle, "US"}, {eu, dara.Handle, "DE"}} {
		if st := signUpStatus(try.s, try.handle, canary("x.")+"@example.org", try.country); st != 409 {
			t.Fatalf("sign-up with the taken handle %s after the move: %d, want 409", try.handle, st)
		}
	}
	// Two sign-ups racing for one new handle in two regions: one wins.
	twin := canary("twin")
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, door := range []struct {
		s       *server
		country string
	}{{eu, "DE"}, {sg, "SG"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = signUpStatus(door.s, twin, canary("twin.")+"@example.org", door.country)
		}()
	}
	wg.Wait()
	if !(statuses[0] == 201 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 201) {
		t.Fatalf("two sign-ups racing for one handle: %v, want one 201 and one 409", statuses)
	}

	// 2. us leaves through the bucket.
	export := []string{"region", "export", "--region", "us", "--data", c.dirs["us"], "--out", bucket, "--recipient", recipient}
	out, err := runKurzEnv(t, s3env, export...)
	if err != nil || !strings.Contains(out, "s3://") || strings.Contains(out, "endpoint=") {
		t.Fatalf("export to S3: %v\n%s", err, out)
	}
	if out, err := runKurzEnv(t, s3env, export...); err == nil || !strings.Contains(out, "exists already") {
		t.Fatalf("a second export to the same target: %v\n%s", err, out)
	}
	// The bucket's bytes (the S3 server keeps objects as files) show
	// nothing of us: sealed.
	hits, err := leak.ScanDir(srv.Dir, bea.ID, bea.Handle, beaEmail, caption, video)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) > 0 {
		t.Fatalf("the bucket shows us data: %v", hits)
	}
	if b, _ := filepath.Glob(filepath.Join(srv.Dir, "*", "handover", "kurz-region-us.age")); len(b) != 1 {
		t.Fatalf("the archive in the bucket: %v", b)
	}

	c.stop("us")
	c.dirs["us"] = t.TempDir()
	if out, err := runKurzEnv(t, s3env, "region", "import", "--region", "us", "--in", bucket, "--identity-file", idFile,
		"--data", c.dirs["us"]); err != nil {
		t.Fatalf("import from S3: %v\n%s", err, out)
	}
	c.start("us")
	us = c.at("us")
	if r := us.do("GET", "/api/v1/me", nil, bearer(bea)...); r.Status != 200 || !bytes.Contains(r.Body, []byte(bea.Handle)) {
		t.Fatalf("bea's session at the new us: %d %s", r.Status, r.Body)
	}
	if r := us.do("GET", "/api/v1/videos/"+video, nil); r.Status != 200 || !bytes.Contains(r.Body, []byte(caption)) {
		t.Fatalf("bea's video at the new us: %d %s", r.Status, r.Body)
	}
	// The new us claims its new people's handles at eu's directory too.
	if st := signUpStatus(us, anna.Handle, canary("y.")+"@example.com", "US"); st != 409 {
		t.Fatalf("anna's handle at the new us: %d, want 409", st)
	}
	uma := us.signUp(canary("uma"), canary("uma.")+"@example.com", "1990-01-01", "US")
	if st := signUpStatus(sg, uma.Handle, canary("z.")+"@example.sg", "SG"); st != 409 {
		t.Fatalf("the new us person's handle at sg: %d, want 409", st)
	}
}

// TestDirectoryMoveRefusals: the commands' checks, in process (both
// stores): only the directory exports its claims, never to itself; once
// exported it refuses sign-ups but still answers who holds a handle; an
// archive that was damaged, or is meant for another region, is refused
// before anything changes; an import cut short may run again, a
// finished one not (the directory is live); the region holding
// the claims now cannot be exported as a region.
func TestDirectoryMoveRefusals(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := t.Context()
	s.signUp("dirholder", "dirholder@example.org", "1990-01-01", "DE")
	cfg := s.Main.Config
	eu, us, sg := s.Cell("eu"), s.Cell("us"), s.Cell("sg")
	if _, err := app.ExportDirectory(ctx, cfg, us, "sg", t.TempDir()); err == nil || !strings.Contains(err.Error(), "not the handle directory") {
		t.Fatalf("directory export of a region that is not the directory: %v", err)
	}
	if _, err := app.ExportDirectory(ctx, cfg, eu, "eu", t.TempDir()); err == nil {
		t.Fatal("the directory moved to itself")
	}
	if st := signUpStatus(s, "before_move", "before@example.org", "DE"); st != 201 {
		t.Fatalf("sign-up before the move: %d", st)
	}
	out := t.TempDir()
	m, err := app.ExportDirectory(ctx, cfg, eu, "us", out)
	if err != nil || m.Rows["handle_claims"] != 2 {
		t.Fatalf("directory export: %+v %v", m, err)
	}
	if st := signUpStatus(s, "after_freeze", "after@example.org", "DE"); st != 503 {
		t.Fatalf("sign-up at a frozen directory: %d, want 503", st)
	}
	waitFor(t, "a profile at the frozen directory", func() bool { return s.do("GET", "/api/v1/users/dirholder", nil).Status == 200 })
	if _, err := app.ExportDirectory(ctx, cfg, eu, "us", out); err == nil {
		t.Fatal("a second export into a target that holds one")
	}
	if _, err := app.ExportDirectory(ctx, cfg, eu, "sg", t.TempDir()); err == nil || !strings.Contains(err.Error(), "moved to us already") {
		t.Fatalf("the frozen directory exported for another region: %v", err)
	}

	parts, _ := filepath.Glob(filepath.Join(out, "db", "handle_claims.*.jsonl"))
	if len(parts) != 1 {
		t.Fatalf("parts: %v", parts)
	}
	good, _ := os.ReadFile(parts[0])
	bad := bytes.Replace(good, []byte("dirholder"), []byte("dirhijack"), 1)
	os.WriteFile(parts[0], bad, 0o600)
	if _, err := app.ImportDirectory(ctx, cfg, us, out); !errors.Is(err, regionarchive.ErrVerify) {
		t.Fatalf("import of a damaged directory archive: %v", err)
	}
	os.WriteFile(parts[0], good, 0o600)
	if _, err := app.ImportDirectory(ctx, cfg, sg, out); err == nil || !strings.Contains(err.Error(), "for region us") {
		t.Fatalf("import into the wrong region: %v", err)
	}
	if n := s.count("us", "handle_claims"); n != 0 {
		t.Fatalf("refused imports left %d claims in us", n)
	}
	// An import cut short after its first step runs again.
	if err := us.Store.(*sqlstore.DB).ReceiveDirectory(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := app.ImportDirectory(ctx, cfg, us, out); err != nil {
		t.Fatalf("directory import: %v", err)
	}
	if n := s.count("us", "handle_claims"); n != 2 {
		t.Fatalf("us holds %d claims after the import, want 2", n)
	}
	// Once the import finished, us is the live directory: the same
	// archive again would drop the claims made since, and is refused.
	if _, err := app.ImportDirectory(ctx, cfg, us, out); err == nil || !strings.Contains(err.Error(), "live handle directory") {
		t.Fatalf("a second import into the live directory: %v", err)
	}
	if n := s.count("us", "handle_claims"); n != 2 {
		t.Fatalf("us holds %d claims after a refused import, want 2", n)
	}
	id, _ := age.GenerateX25519Identity()
	if _, _, err := app.ExportRegionTo(ctx, cfg, us, t.TempDir(), id.Recipient().String()); err == nil || !strings.Contains(err.Error(), "handle directory") {
		t.Fatalf("region export of the region holding the claims now: %v", err)
	}
}
