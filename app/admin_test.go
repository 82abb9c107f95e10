package app_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"kurz"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kurz/auth"
	"kurz/internal/mediatest"
)

// TestAdminCommands: the operator's commands, run as the real binary
// beside a running server on the same data: grant, roles, revoke,
// accounts, videos, suspend, terminate, remove-video (each decision with a
// statement of reasons the person receives) and queue.
func TestAdminCommands(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr := freeAddr(t)
	p := startProcess(t, addr, "--data", data)
	s := &server{t: t, logs: p.logs, base: "http://" + addr}
	kurzOK := func(args ...string) string {
		t.Helper()
		out, err := runKurz(t, append(args, "--data", data)...)
		if err != nil {
			t.Fatalf("kurz %v: %v\n%s", args, err, out)
		}
		return out
	}
	kurzFails := func(want string, args ...string) {
		t.Helper()
		out, err := runKurz(t, append(args, "--data", data)...)
		if err == nil || !strings.Contains(out, want) {
			t.Fatalf("kurz %v: %v, want an error with %q\n%s", args, err, want, out)
		}
	}

	alice := s.signUp("alice", "alice@example.org", "1990-01-01", "DE")
	bob := s.signUp("bob", "bob@example.org", "1990-01-01", "FR")
	carol := s.signUp("carol", "carol@example.org", "1990-01-01", "AT")
	s.login(&bob)
	s.login(&carol)

	// Roles.
	kurzOK("admin", "grant", "--region", "eu", "--handle", "alice", "--role", "moderator")
	if out := kurzOK("admin", "roles", "--region", "eu"); !strings.Contains(out, "@alice") || !strings.Contains(out, "moderator") {
		t.Fatalf("roles:\n%s", out)
	}
	kurzOK("admin", "revoke", "--region", "eu", "--handle", "alice", "--role", "moderator")
	if out := kurzOK("admin", "roles", "--region", "eu"); strings.Contains(out, "@alice") {
		t.Fatalf("roles after revoking:\n%s", out)
	}
	kurzFails("does not hold moderator", "admin", "revoke", "--region", "eu", "--handle", "alice", "--role", "moderator")
	if out := kurzOK("privacy", "verify-audit", "--region", "eu"); !strings.Contains(out, "2 entries, chain intact") {
		t.Fatalf("grant and revoke not audited: %s", out)
	}

	// Accounts: everyone of the region, no personal fields.
	var accounts []struct {
		UserID string `json:"user_id"`
		Handle string `json:"handle"`
	}
	if err := json.Unmarshal([]byte(kurzOK("admin", "accounts", "--region", "eu", "--json")), &accounts); err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 3 || accounts[0].Handle != "alice" || accounts[2].UserID != carol.ID {
		t.Fatalf("accounts: %+v", accounts)
	}
	out := kurzOK("admin", "accounts", "--region", "eu")
	for _, personal := range []string{"alice@example.org", "1990-01-01"} {
		if strings.Contains(out, personal) {
			t.Fatalf("accounts list shows %q:\n%s", personal, out)
		}
	}

	// Videos: carol's clip, listed and taken down with a statement.
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 360, 640, 1, true)
	body, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	auth := []string{"Authorization", "Bearer " + carol.Token, "Tus-Resumable", "1.0.0"}
	r := s.do("POST", "/api/v1/uploads/", nil, append(auth, "Upload-Length", strconv.Itoa(len(body)))...)
	vid := r.Header.Get("Kurz-Video-Id")
	if r := s.do("PATCH", "/api/v1/uploads/"+vid, body, append(auth, "Upload-Offset", "0", "Content-Type", "application/offset+octet-stream")...); r.Status != 204 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	if v := s.waitVideo(carol.Token, vid); v.Status != "ready" {
		t.Fatalf("video: %+v", v)
	}
	if out := kurzOK("admin", "videos", "--region", "eu", "--handle", "carol"); !strings.Contains(out, vid) || !strings.Contains(out, "ready") {
		t.Fatalf("videos of carol:\n%s", out)
	}
	if out := kurzOK("admin", "videos", "--region", "eu"); !strings.Contains(out, vid) {
		t.Fatalf("ready videos:\n%s", out)
	}
	kurzFails("explanation", "admin", "remove-video", "--region", "eu", "--id", vid)
	out = kurzOK("admin", "remove-video", "--region", "eu", "--id", vid, "--reason", "spam links in the video",
		"--category", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD")
	if !strings.Contains(out, "DECISION_VISIBILITY_CONTENT_REMOVED") || !strings.Contains(out, "SOURCE_VOLUNTARY") {
		t.Fatalf("remove-video statement:\n%s", out)
	}
	// The command is another process writing the region's database: the
	// server's catalogue (which answers public records) takes the removal
	// in on its next read of the region's log, within about a second, as
	// for a write by another node of the region.
	waitFor(t, "the removed video gone for the public", func() bool {
		return s.do("GET", "/api/v1/videos/"+vid, nil).Status == 404
	})
	if r := s.do("GET", "/api/v1/me/notifications", nil, "Authorization", "Bearer "+carol.Token); !strings.Contains(string(r.Body), "statement_of_reasons") ||
		!strings.Contains(string(r.Body), "spam links in the video") {
		t.Fatalf("carol's notifications: %d %s", r.Status, r.Body)
	}

	// Suspend bob until a date: his session ends, sign-in is refused, and
	// he has the statement of reasons.
	kurzFails("a date like", "admin", "suspend", "--region", "eu", "--handle", "bob", "--reason", "x", "--until", "soon")
	kurzFails("no person with handle", "admin", "suspend", "--region", "eu", "--handle", "nobody", "--reason", "x")
	kurzFails("end date", "admin", "suspend", "--region", "eu", "--handle", "bob", "--reason", "x")
	until := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	out = kurzOK("admin", "suspend", "--region", "eu", "--handle", "bob", "--reason", "harassment in comments", "--until", until)
	if !strings.Contains(out, "DECISION_ACCOUNT_SUSPENDED") || !strings.Contains(out, until) {
		t.Fatalf("suspend statement:\n%s", out)
	}
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+bob.Token); r.Status != 401 {
		t.Fatalf("bob's session after suspension: %d", r.Status)
	}
	r = s.do("POST", "/api/v1/sessions", map[string]string{"login": "bob", "password": bob.Password})
	if r.Status != 403 || !strings.Contains(string(r.Body), "suspended until "+until) {
		t.Fatalf("bob's sign-in while suspended: %d %s", r.Status, r.Body)
	}
	if out := kurzOK("admin", "accounts", "--region", "eu"); !strings.Contains(out, until) {
		t.Fatalf("accounts do not show the suspension:\n%s", out)
	}
	// Terminate alice for good.
	out = kurzOK("admin", "terminate", "--region", "eu", "--handle", "alice", "--reason", "repeated infringements",
		"--law", "UrhG §97")
	if !strings.Contains(out, "DECISION_ACCOUNT_TERMINATED") || !strings.Contains(out, "DECISION_GROUND_ILLEGAL_CONTENT") {
		t.Fatalf("terminate statement:\n%s", out)
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "alice", "password": alice.Password}); r.Status != 403 {
		t.Fatalf("alice's sign-in after termination: %d %s", r.Status, r.Body)
	}
	// The statements are in the transparency record.
	var tr struct {
		Statements []struct {
			SourceType string `json:"source_type"`
		} `json:"statements"`
	}
	s.do("GET", "/api/v1/transparency/statements", nil).json(t, &tr)
	if len(tr.Statements) != 3 || tr.Statements[0].SourceType != "SOURCE_VOLUNTARY" {
		t.Fatalf("transparency record: %+v, want 3 statements on own initiative", tr)
	}

	// Queue statistics.
	out = kurzOK("admin", "queue", "--region", "eu")
	if !strings.Contains(out, "media") || !strings.Contains(out, "completed") {
		t.Fatalf("queue:\n%s", out)
	}
	kurzFails("unknown admin command", "admin", "frobnicate", "--region", "eu")
}

// TestResetPassword: kurz admin reset-password prints a one-time link;
// the page behind it sets a new password once, ends the person's
// sessions, and the link then no longer works; an expired link is refused
// and used up; the API takes the same tokens.
func TestResetPassword(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr := freeAddr(t)
	p := startProcess(t, addr, "--data", data)
	s := &server{t: t, logs: p.logs, base: "http://" + addr}
	dave := s.signUp("dave", "dave@example.org", "1990-01-01", "DE")
	s.login(&dave)

	if out, err := runKurz(t, "admin", "reset-password", "--region", "eu", "--handle", "dave", "--ttl", "200h", "--data", data); err == nil {
		t.Fatalf("a link for 200 hours: %s", out)
	}
	out, err := runKurz(t, "admin", "reset-password", "--region", "eu", "--handle", "dave", "--url", "http://"+addr, "--data", data)
	if err != nil {
		t.Fatalf("reset-password: %v\n%s", err, out)
	}
	link := regexp.MustCompile(`http://\S+/reset-password\?token=\S+`).FindString(out)
	if link == "" {
		t.Fatalf("no link in:\n%s", out)
	}
	u, _ := url.Parse(link)
	token := u.Query().Get("token")
	if !strings.HasPrefix(token, "eu.") {
		t.Fatalf("token %q", token)
	}
	// Only a hash is stored.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "eu", "kurz.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored []byte
	if err := db.QueryRow(`SELECT token_hash FROM password_resets`).Scan(&stored); err != nil || bytes.Contains(stored, []byte(token)) || len(stored) != 32 {
		t.Fatalf("stored token: %x %v", stored, err)
	}

	page := s.do("GET", u.RequestURI(), nil)
	if page.Status != 200 || !strings.Contains(string(page.Body), `name="token" value="`+token+`"`) || page.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("reset page: %d %s", page.Status, page.Header)
	}
	form := func(tok, pw string) *response {
		return s.do("POST", "/reset-password", url.Values{"token": {tok}, "password": {pw}}.Encode(),
			"Content-Type", "application/x-www-form-urlencoded", "Origin", s.base)
	}
	if r := form(token, "short"); r.Status != 400 || !strings.Contains(string(r.Body), "form-error") {
		t.Fatalf("a too short password: %d %s", r.Status, r.Body)
	}
	newPassword := "a brand new passphrase"
	if r := form(token, newPassword); r.Status != 200 || !strings.Contains(string(r.Body), "new password is set") {
		t.Fatalf("setting the password: %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+dave.Token); r.Status != 401 {
		t.Fatalf("the old session after the reset: %d", r.Status)
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "dave", "password": dave.Password}); r.Status != 401 {
		t.Fatalf("the old password after the reset: %d", r.Status)
	}
	dave.Password = newPassword
	s.login(&dave)
	if r := form(token, "another good passphrase"); r.Status != 404 || !strings.Contains(string(r.Body), "not valid") {
		t.Fatalf("the link used twice: %d %s", r.Status, r.Body)
	}

	// The API, with a second link.
	out, _ = runKurz(t, "admin", "reset-password", "--region", "eu", "--handle", "dave", "--data", data)
	u, _ = url.Parse(regexp.MustCompile(`http://\S+`).FindString(out))
	api := map[string]string{"token": u.Query().Get("token"), "password": "third passphrase here"}
	if r := s.do("POST", "/api/v1/password-resets", api); r.Status != 204 {
		t.Fatalf("API reset: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/password-resets", api); r.Status != 404 || r.errorCode(t) != "not_found" {
		t.Fatalf("API reset twice: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/password-resets", map[string]string{"token": "nonsense", "password": "third passphrase here"}); r.Status != 404 {
		t.Fatalf("API reset with a malformed token: %d %s", r.Status, r.Body)
	}
	if out, _ := runKurz(t, "privacy", "verify-audit", "--region", "eu", "--data", data); !strings.Contains(out, "2 entries, chain intact") {
		t.Fatalf("link issues not audited: %s", out)
	}
}

// TestExpiredResetLink: a link past its time is refused like an unknown
// one, and used up.
func TestExpiredResetLink(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	a := s.signUp("erin", "erin@example.org", "1990-01-01", "DE")
	c := s.Cell("eu")
	token := auth.NewToken("eu")
	past := time.Now().Add(-time.Minute)
	if err := c.Store.PutPasswordReset(t.Context(), &kurz.PasswordReset{TokenHash: auth.HashToken(token), UserID: a.ID,
		CreatedAt: past.Add(-time.Hour), ExpiresAt: past}); err != nil {
		t.Fatal(err)
	}
	body := map[string]string{"token": token, "password": "a fresh passphrase"}
	if r := s.do("POST", "/api/v1/password-resets", body); r.Status != 404 {
		t.Fatalf("an expired link: %d %s", r.Status, r.Body)
	}
	if _, err := c.Store.TakePasswordReset(t.Context(), auth.HashToken(token)); kurz.ErrorCode(err) != kurz.ENotFound {
		t.Fatalf("the expired link is still stored: %v", err)
	}
	s.login(&a) // the old password still works
}

// TestCreateAdmin: kurz admin create-admin signs the first admin up
// through the running server, grants admin and prints a one-time link;
// with the password set there, the admin reaches the region's staff API.
func TestCreateAdmin(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr := freeAddr(t)
	p := startProcess(t, addr, "--data", data)
	s := &server{t: t, logs: p.logs, base: "http://" + addr}
	args := []string{"admin", "create-admin", "--region", "eu", "--handle", "root", "--email", "root@example.org",
		"--birth-date", "1980-05-05", "--url", s.base, "--data", data}
	out, err := runKurz(t, append(args, "--country", "US")...)
	if err == nil || !strings.Contains(out, "lives in region us") {
		t.Fatalf("an admin of eu living in us: %v\n%s", err, out)
	}
	out, err = runKurz(t, append(append([]string{}, args...), "--country", "DE")...)
	if err == nil || !strings.Contains(out, "sign-up refused (409)") {
		t.Fatalf("the same handle again: %v\n%s", err, out)
	}
	args[5] = "rootadmin"
	args[7] = "rootadmin@example.org"
	out, err = runKurz(t, append(args, "--country", "DE")...)
	if err != nil || !strings.Contains(out, "created @rootadmin, admin in eu") {
		t.Fatalf("create-admin: %v\n%s", err, out)
	}
	u, _ := url.Parse(regexp.MustCompile(`http://\S+/reset-password\?token=\S+`).FindString(out))
	pw := "the admin's own passphrase"
	if r := s.do("POST", "/api/v1/password-resets", map[string]string{"token": u.Query().Get("token"), "password": pw}); r.Status != 204 {
		t.Fatalf("setting the admin's password: %d %s", r.Status, r.Body)
	}
	a := account{Handle: "rootadmin", Password: pw}
	s.login(&a)
	s.enrolTOTP(&a) // staff act with a second factor
	if r := s.do("GET", "/api/v1/admin/regions/eu/audit", nil, "Authorization", "Bearer "+a.Token); r.Status != 200 {
		t.Fatalf("the admin's audit view: %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/admin/regions/us/audit", nil, "Authorization", "Bearer "+a.Token); r.Status != 403 {
		t.Fatalf("the eu admin in us: %d", r.Status)
	}
}
