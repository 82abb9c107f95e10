package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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
	if r := s.do("GET", "/api/v1/videos/"+vid, nil); r.Status != 404 {
		t.Fatalf("removed video for the public: %d", r.Status)
	}
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
