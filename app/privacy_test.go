package app_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/app"
	"kurz/cell"
	"kurz/internal/leak"
	"kurz/sqlite"
)

// TestExport: the export holds every kind of record the person created and
// nothing of anybody else's personal data; only they can download it.
func TestExport(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.TrustedProxies = trustLoopback() })
	other := s.signUp("otherperson", "other.person@example.com", "1980-05-05", "US")
	s.login(&other)
	otherVideo := s.publish(other, "a us video")
	me := s.signUp("exporter", "exporter@example.org", "1991-02-03", "AT")
	s.loginFrom(&me, "203.0.113.99")
	auth := []string{"Authorization", "Bearer " + me.Token}

	s.do("PATCH", "/api/v1/me/profile", map[string]string{"bio": "my bio"}, auth...)
	waitFor(t, "the us video in eu", func() bool { _, ok := s.Cell("eu").Index.Video(otherVideo); return ok })
	s.do("PUT", "/api/v1/videos/"+otherVideo+"/like", nil, auth...)
	s.do("POST", "/api/v1/videos/"+otherVideo+"/view", nil, auth...)
	s.do("PUT", "/api/v1/users/otherperson/follow", nil, auth...)
	s.do("POST", "/api/v1/videos/"+otherVideo+"/comments", map[string]string{"text": "my comment in the us"}, auth...)
	mine := s.publish(me, "my own video #mine")
	// Staff of eu look at the person's data: the look is in the export.
	staff := s.signUp("staffer", "staffer@example.org", "1980-01-01", "DE")
	s.login(&staff)
	if err := s.grantStaff("eu", staff, cell.RoleModerator); err != nil {
		t.Fatal(err)
	}
	if r := s.do("POST", "/api/v1/admin/regions/eu/people/exporter/personal", map[string]string{"reason": "checking a report about spam"},
		"Authorization", "Bearer "+staff.Token); r.Status != 200 {
		t.Fatalf("staff look: %d %s", r.Status, r.Body)
	}

	url := s.waitExport(nil, auth...)
	// Nobody else can fetch it.
	if r := s.do("GET", url, nil, "Authorization", "Bearer "+other.Token); r.Status != 404 {
		t.Fatalf("someone else's export: %d", r.Status)
	}
	if r := s.do("GET", url, nil); r.Status != 401 {
		t.Fatalf("anonymous export: %d", r.Status)
	}
	dl := s.do("GET", url, nil, auth...)
	if dl.Status != 200 || dl.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download: %d %v", dl.Status, dl.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(dl.Body), int64(len(dl.Body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if _, ok := files["README.txt"]; !ok {
		t.Fatal("no README")
	}
	if v := files["videos/"+mine+".mp4"]; len(v) < 1000 || !bytes.Contains(v[:64], []byte("ftyp")) {
		t.Fatalf("video file missing or not MP4 (%d bytes)", len(v))
	}
	data := string(files["data.json"])
	for _, want := range []string{"exporter@example.org", "1991-02-03", `"AT"`, "203.0.113.99", "my bio", otherVideo, other.ID,
		"my comment in the us", "my own video #mine", "checking a report about spam", "email,country"} {
		if !strings.Contains(data, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	var parsed map[string]any
	if err := json.Unmarshal(files["data.json"], &parsed); err != nil {
		t.Fatalf("data.json: %v", err)
	}
	// Settings and the person's own exports are in it too.
	if acct, _ := parsed["account"].(map[string]any); acct["personalized_feed"] != true {
		t.Errorf("export's account: %v", parsed["account"])
	}
	if ex, _ := parsed["data_exports"].([]any); len(ex) != 1 {
		t.Errorf("export's data_exports: %v", parsed["data_exports"])
	}
	for _, f := range files {
		for _, foreign := range []string{"other.person@example.com", "1980-05-05", "staffer@example.org"} {
			if bytes.Contains(f, []byte(foreign)) {
				t.Fatalf("export holds another person's data: %q", foreign)
			}
		}
	}
	// The export is sealed at rest: its plaintext is in no file.
	if hits, _ := leak.ScanDir(filepath.Join(s.Config.DataDir, "eu"), "exporter@example.org", "203.0.113.99"); len(hits) > 0 && s.Config.DB["eu"] == "" {
		t.Fatalf("export data in plaintext at rest: %v", hits)
	}
}

func trustLoopback() []netip.Prefix { return []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} }

// TestErasure: after the grace period the data key is destroyed and every
// row and file goes; nothing of the person's canaries is left in any
// region's folder; an old database backup no longer yields their fields.
func TestErasure(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) {
		c.DB = map[kurz.Region]string{} // the byte scan needs SQLite's files
		c.TrustedProxies = trustLoopback()
	})
	other := s.signUp("bystander", "bystander@example.com", "1980-05-05", "US")
	s.login(&other)
	otherVideo := s.publish(other, "bystander video")
	email := canary("erase.me.") + "@example.org"
	birth := "1979-09-09"
	ip := "198.51.100.201"
	bio := canary("bio-")
	publicCaption := canary("public-caption-")
	privateCaption := canary("private-caption-")
	comment := canary("comment-")
	me := s.signUp(canary("gone"), email, birth, "NL")
	s.loginFrom(&me, ip)
	auth := []string{"Authorization", "Bearer " + me.Token}
	s.do("PATCH", "/api/v1/me/profile", map[string]string{"bio": bio}, auth...)
	pub := s.publish(me, publicCaption)
	priv := s.publish(me, "x")
	s.do("PATCH", "/api/v1/videos/"+priv, map[string]string{"visibility": "private", "caption": privateCaption}, auth...)
	waitFor(t, "the us video in eu", func() bool { _, ok := s.Cell("eu").Index.Video(otherVideo); return ok })
	s.do("PUT", "/api/v1/videos/"+otherVideo+"/like", nil, auth...)
	s.do("PUT", "/api/v1/users/bystander/follow", nil, auth...)
	r := s.do("POST", "/api/v1/videos/"+otherVideo+"/comments", map[string]string{"text": comment}, auth...)
	if r.Status != 201 {
		t.Fatalf("comment: %d", r.Status)
	}
	var mine struct{ ID string }
	r.json(t, &mine)
	// The bystander's comment, which the person likes, and the
	// bystander's reply to the person's comment (it goes with it).
	var theirs struct{ ID string }
	s.do("POST", "/api/v1/videos/"+otherVideo+"/comments", map[string]string{"text": "the bystander's own"}, bearer(other)...).json(t, &theirs)
	if r := s.do("POST", "/api/v1/comments/"+mine.ID+"/replies", map[string]string{"text": "an answer"}, bearer(other)...); r.Status != 201 {
		t.Fatalf("reply: %d %s", r.Status, r.Body)
	}
	if r := s.do("PUT", "/api/v1/comments/"+theirs.ID+"/like", nil, auth...); r.Status != 200 {
		t.Fatalf("comment like: %d %s", r.Status, r.Body)
	}
	theirLikes := func() int64 {
		var l struct {
			Items []struct {
				ID    string
				Likes int64
			}
		}
		s.do("GET", "/api/v1/videos/"+otherVideo+"/comments", nil).json(t, &l)
		for _, c := range l.Items {
			if c.ID == theirs.ID {
				return c.Likes
			}
		}
		return -1
	}
	waitFor(t, "counts on the us video", func() bool {
		c := s.videoCounts(otherVideo)
		return c.Likes == 1 && c.Comments == 3 && theirLikes() == 1
	})
	waitFor(t, "the eu video in us", func() bool { _, ok := s.Cell("us").Index.Video(pub); return ok })

	// A backup of eu's database taken before the erasure.
	backup := t.TempDir()
	s.Cell("eu").Store.Checkpoint(t.Context())
	for _, f := range []string{"kurz.db", "kurz.db-wal"} {
		if b, err := os.ReadFile(filepath.Join(s.Config.DataDir, "eu", f)); err == nil {
			os.WriteFile(filepath.Join(backup, f), b, 0o600)
		}
	}

	// Wrong password: refused. Right one: hidden at once.
	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": "wrong password!"}, auth...); r.Status != 401 {
		t.Fatalf("erasure with a wrong password: %d", r.Status)
	}
	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": me.Password}, auth...); r.Status != 202 {
		t.Fatalf("erasure: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the account to be hidden everywhere", func() bool {
		return s.do("GET", "/api/v1/users/"+me.Handle, nil).Status == 404 && s.do("GET", "/api/v1/videos/"+pub, nil).Status == 404 &&
			func() bool { _, ok := s.Cell("us").Index.Video(pub); return !ok }()
	})
	// Cancelling brings it back; asking again hides it again.
	if r := s.do("POST", "/api/v1/me/erasure/cancel", nil, auth...); r.Status != 204 {
		t.Fatalf("cancel: %d", r.Status)
	}
	waitFor(t, "the account to be visible again", func() bool { return s.do("GET", "/api/v1/videos/"+pub, nil).Status == 200 })
	s.do("DELETE", "/api/v1/me", map[string]string{"password": me.Password}, auth...)

	// The grace period ends (the test moves the run date instead of waiting 14 days).
	eu := s.Cell("eu")
	if err := eu.Store.PutErasure(t.Context(), me.ID, time.Now(), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	eu.Privacy.SweepPrivacy(t.Context())

	if r := s.do("GET", "/api/v1/me", nil, auth...); r.Status != 401 {
		t.Fatalf("session after erasure: %d", r.Status)
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": email, "password": me.Password}); r.Status != 401 {
		t.Fatalf("login after erasure: %d", r.Status)
	}
	for _, id := range []string{pub, priv} {
		if r := s.do("GET", "/media/"+id+"/master.m3u8", nil); r.Status != 404 {
			t.Fatalf("media after erasure: %d", r.Status)
		}
	}
	waitFor(t, "counters and comments corrected in us", func() bool {
		c := s.videoCounts(otherVideo)
		var p struct{ Followers int64 }
		s.do("GET", "/api/v1/users/bystander", nil).json(t, &p)
		return c.Likes == 0 && c.Comments == 1 && p.Followers == 0 && theirLikes() == 0
	})
	if n := s.count("eu", "comment_likes"); n != 0 {
		t.Fatalf("%d comment likes survive the erasure", n)
	}
	waitFor(t, "replicas to drop the person", func() bool {
		for _, r := range []kurz.Region{"us", "sg"} {
			if _, ok := s.Cell(r).Index.ProfileByHandle(me.Handle); ok {
				return false
			}
		}
		return true
	})
	// The handle is free again once the directory has run the release job
	// (a refused sign-up changes nothing, so asking again is safe).
	waitFor(t, "the erased handle to be free", func() bool {
		return s.do("POST", "/api/v1/accounts", map[string]string{"handle": me.Handle, "email": "new@example.org", "password": "a good long passphrase",
			"birth_date": "1990-01-01", "country": "FR"}).Status == 201
	})

	canaries := []string{email, birth, strings.ReplaceAll(birth, "-", ""), ip, bio, publicCaption, privateCaption, comment}
	for _, c := range []kurz.Region{"eu", "us", "sg"} {
		s.Cell(c).Store.Checkpoint(t.Context())
	}
	for _, region := range []string{"eu", "us", "sg"} {
		hits, err := leak.ScanDir(filepath.Join(s.Config.DataDir, region), canaries...)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			t.Errorf("after erasure: %s", h)
		}
	}
	hits := leak.Find("server log", []byte(s.logs.String()), canaries...)
	for _, h := range hits {
		t.Errorf("after erasure: %s", h)
	}

	// The old backup still has the sealed account row, but the key is gone.
	old, err := sqlite.Open(t.Context(), filepath.Join(backup, "kurz.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	acct, err := old.AccountByID(t.Context(), me.ID)
	if err != nil {
		t.Fatalf("the backup should hold the sealed row: %v", err)
	}
	if _, err := eu.KeyStore.PersonKey(t.Context(), me.ID); !errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("the data key survived erasure: %v", err)
	}
	if _, err := old.PersonKey(t.Context(), me.ID); !errors.Is(err, kurz.ErrNotFound) {
		t.Fatal("the backup holds the wrapped data key")
	}
	if bytes.Contains(acct.EmailSealed, []byte(email)) {
		t.Fatal("sealed email is readable")
	}
	if hits, _ := leak.ScanDir(backup, email, birth, privateCaption); len(hits) > 0 {
		t.Fatalf("the backup holds personal fields in plaintext: %v", hits)
	}
}

// TestAccessAudit: staff are scoped to their region, every look is
// audited with a reason, and the hash chain catches tampering.
func TestAccessAudit(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	subject := s.signUp("subject", "subject@example.com", "1990-01-01", "US")
	usMod := s.signUp("usmod", "usmod@example.com", "1985-01-01", "US")
	s.login(&usMod)
	euMod := s.signUp("eumod", "eumod@example.org", "1985-01-01", "DE")
	s.login(&euMod)
	officer := s.signUp("officer", "officer@example.com", "1985-01-01", "CA")
	s.login(&officer)
	us := s.Cell("us")
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.grantStaff("us", usMod, cell.RoleModerator))
	must(s.grantStaff("eu", euMod, cell.RoleModerator))
	must(s.grantStaff("us", officer, cell.RolePrivacy))
	look := func(a account, region, reason string) *response {
		return s.do("POST", "/api/v1/admin/regions/"+region+"/people/subject/personal", map[string]string{"reason": reason}, "Authorization", "Bearer "+a.Token)
	}
	if r := look(euMod, "us", "curious about a us account"); r.Status != 403 {
		t.Fatalf("eu moderator on us personal data: %d %s", r.Status, r.Body)
	}
	if r := look(usMod, "us", ""); r.Status != 400 {
		t.Fatalf("look without a reason: %d", r.Status)
	}
	r := look(usMod, "us", "notice 123: possible impersonation")
	if r.Status != 200 || !strings.Contains(string(r.Body), "subject@example.com") {
		t.Fatalf("us moderator: %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/admin/regions/us/audit", nil, "Authorization", "Bearer "+usMod.Token); r.Status != 403 {
		t.Fatalf("a moderator reads the audit log: %d", r.Status)
	}
	var audit struct {
		Entries []struct {
			ActorID   string `json:"actor_id"`
			SubjectID string `json:"subject_id"`
			Reason    string `json:"reason"`
			Fields    string `json:"fields"`
		} `json:"entries"`
		Verified bool `json:"verified"`
	}
	s.do("GET", "/api/v1/admin/regions/us/audit?subject="+subject.ID, nil, "Authorization", "Bearer "+officer.Token).json(t, &audit)
	if !audit.Verified || len(audit.Entries) != 1 || audit.Entries[0].ActorID != usMod.ID || audit.Entries[0].Reason != "notice 123: possible impersonation" ||
		audit.Entries[0].Fields != "email,country" {
		t.Fatalf("audit: %+v", audit)
	}
	if n, err := us.Staff.VerifyAudit(t.Context()); err != nil || n != 4 { // three grants... two in us, plus the look
		if err != nil || n < 3 {
			t.Fatalf("verify: %d %v", n, err)
		}
	}
	// Tampering with one stored entry breaks the chain.
	if _, err := rawSQL(us).Exec(`UPDATE access_audit SET reason = 'nothing to see' WHERE actor_id = $1`, usMod.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := us.Staff.VerifyAudit(t.Context()); err == nil {
		t.Fatal("a tampered audit log verifies")
	}
	_ = http.StatusOK
}

// TestMinors: a 14-year-old's account is private: a video they chose to
// make public still goes to approved followers only, never into the
// catalogue of public videos (so never into anyone's For You, nor to
// other regions), and strangers can neither see nor comment on it.
func TestMinors(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	teen := s.signUp("teen", "teen@example.org", time.Now().AddDate(-14, 0, 0).Format(time.DateOnly), "DE")
	s.login(&teen)
	adult := s.signUp("adult", "adult@example.org", "1980-01-01", "DE")
	s.login(&adult)
	adultVideo := s.publish(adult, "adult video")
	teenVideo := s.publish(teen, "my public clip") // chosen public explicitly
	var p struct{ Private bool }
	s.do("GET", "/api/v1/users/teen", nil).json(t, &p)
	if !p.Private {
		t.Fatal("a 14-year-old's account is not private")
	}
	waitFor(t, "the adult's video in the catalogue", func() bool {
		_, a := s.Cell("eu").Index.Video(adultVideo)
		return a
	})
	if _, ok := s.Cell("eu").Index.Video(teenVideo); ok {
		t.Fatal("a 14-year-old's video is in the catalogue of public videos")
	}
	other := s.signUp("adult2", "adult2@example.org", "1980-01-01", "FR")
	s.login(&other)
	var fy feedPage
	s.do("GET", "/api/v1/feed?kind=foryou", nil, "Authorization", "Bearer "+other.Token).json(t, &fy)
	seen := map[string]bool{}
	for _, it := range fy.Items {
		seen[it.ID] = true
	}
	if seen[teenVideo] || !seen[adultVideo] {
		t.Fatalf("adult's For You: %+v", fy)
	}
	if r := s.do("GET", "/api/v1/videos/"+teenVideo, nil, "Authorization", "Bearer "+other.Token); r.Status != 404 {
		t.Fatalf("a stranger sees a minor's video: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/videos/"+teenVideo+"/comments", map[string]string{"text": "hi"}, "Authorization", "Bearer "+other.Token); r.Status != 404 {
		t.Fatalf("a stranger's comment on a minor's video: %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(s.do("GET", "/api/v1/users/teen", nil).Body), "birth") {
		t.Fatal("birth date shown")
	}
}

// TestRetention: sign-in IPs older than the retention period are dropped.
func TestRetention(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) {
		c.Retention = time.Millisecond
		c.TrustedProxies = trustLoopback()
	})
	a := s.signUp("keeper", "keeper@example.org", "1990-01-01", "DE")
	s.loginFrom(&a, "203.0.113.5")
	sessions, _ := s.Cell("eu").Store.SessionsOf(t.Context(), a.ID)
	if len(sessions) != 1 || sessions[0].IPSealed == nil {
		t.Fatalf("sessions before: %+v", sessions)
	}
	time.Sleep(5 * time.Millisecond)
	s.Cell("eu").Privacy.SweepPrivacy(t.Context())
	sessions, _ = s.Cell("eu").Store.SessionsOf(t.Context(), a.ID)
	if len(sessions) != 1 || sessions[0].IPSealed != nil {
		t.Fatalf("sessions after the retention sweep: %+v", sessions)
	}
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+a.Token); r.Status != 200 {
		t.Fatalf("the session itself should live on: %d", r.Status)
	}
}

// TestResidencyReport: every table has a data class, the counts are right,
// and the self-check passes, and fails when another region holds a
// personal row of this region's people.
func TestResidencyReport(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.DB = map[kurz.Region]string{} })
	s.signUp("reported", "reported@example.org", "1990-01-01", "DE")
	rep, err := app.ResidencyReport(t.Context(), s.Config, s.Cell("eu"))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.CheckOK {
		t.Fatalf("self-check: %v", rep.Checks)
	}
	counts, _ := s.Cell("eu").Store.TableCounts(t.Context())
	if len(rep.Tables) < len(counts) {
		t.Fatalf("%d tables classified, %d tables exist", len(rep.Tables), len(counts))
	}
	for _, tc := range rep.Tables {
		if tc.Class != "public" && tc.Class != "personal" && tc.Class != "regional-operational" {
			t.Errorf("table %s has class %q", tc.Table, tc.Class)
		}
		if tc.Table == "accounts" && tc.Rows != 1 {
			t.Errorf("accounts rows %d", tc.Rows)
		}
	}
	// A personal row of an eu person in us makes the check fail.
	fake := &kurz.Profile{ID: kurz.NewID("eu"), Handle: "smuggled", CreatedAt: time.Now()}
	us := s.Cell("us").Store
	if err := us.CreateProfile(t.Context(), fake); err != nil {
		t.Fatal(err)
	}
	if _, err := us.AddLike(t.Context(), fake.ID, "us_x", time.Now()); err != nil {
		t.Fatal(err)
	}
	rep, err = app.ResidencyReport(t.Context(), s.Config, s.Cell("eu"))
	if err != nil || rep.CheckOK {
		t.Fatalf("self-check with a misplaced row: ok=%v %v %v", rep.CheckOK, rep.Checks, err)
	}
}
