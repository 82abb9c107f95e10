package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"kurz"
	"kurz/app"
	"kurz/internal/pgtest"
	"kurz/region"
	"kurz/sqlstore"
)

// logBuffer collects a server's log lines for leak checks.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a kurz under test: in-process (Main set) or a real process
// reached at base.
type server struct {
	*app.Main
	logs *logBuffer
	t    *testing.T
	base string
	// recovery holds the unused recovery codes of accounts with two-factor
	// sign-in on (by handle), for later sign-ins.
	recovery sync.Map
}

// URL is the server's base URL.
func (s *server) URL() string {
	if s.base != "" {
		return s.base
	}
	return s.Main.URL()
}

// newServer starts the embedded default (eu, us, sg) on a free port. With
// KURZ_TEST_STORE=postgres every region uses its own PostgreSQL database.
func newServer(t *testing.T, edit ...func(*app.Config)) *server {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Limits.SignupsPerIP = 1000
	if os.Getenv("KURZ_TEST_STORE") == "postgres" {
		for _, r := range cfg.Regions {
			cfg.DB[r] = pgtest.NewDatabase(t)
		}
	}
	for _, e := range edit {
		e(&cfg)
	}
	logs := &logBuffer{}
	m := &app.Main{Config: cfg, Log: app.NewLogger(logs, slog.LevelInfo)}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &server{Main: m, logs: logs, t: t}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response %d is not JSON: %v: %s", r.Status, err, r.Body)
	}
}

// errorCode checks the one error shape and returns its code.
func (r *response) errorCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	r.json(t, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("error response without code and message: %s", r.Body)
	}
	return e.Error.Code
}

// do sends a request; body may be a string (sent as is) or a value
// (marshalled). Extra headers come in pairs.
func (s *server) do(method, path string, body any, headers ...string) *response {
	s.t.Helper()
	var sent []byte // checked against the OpenAPI document (checkAPI)
	switch b := body.(type) {
	case nil:
	case string:
		sent = []byte(b)
	case []byte:
		sent = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		sent = data
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(sent)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	s.checkAPI(req, sent, resp, data)
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

type account struct {
	ID, Handle, Region, Email, Password, Token string
}

func (s *server) signUp(handle, email, birth, country string) account {
	s.t.Helper()
	a := account{Handle: handle, Email: email, Password: "a good long passphrase"}
	r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": handle, "email": email, "password": a.Password,
		"birth_date": birth, "country": country})
	if r.Status != http.StatusCreated {
		s.t.Fatalf("sign-up %s: %d %s", handle, r.Status, r.Body)
	}
	var out struct{ ID, Handle, Region string }
	r.json(s.t, &out)
	a.ID, a.Region = out.ID, out.Region
	return a
}

func (s *server) login(a *account) { s.t.Helper(); s.loginFrom(a, "") }

// loginFrom signs in with X-Forwarded-For set to ip (when not "").
func (s *server) loginFrom(a *account, ip string) {
	s.t.Helper()
	var hdr []string
	if ip != "" {
		hdr = []string{"X-Forwarded-For", ip}
	}
	body := map[string]string{"login": a.Handle, "password": a.Password}
	if v, ok := s.recovery.Load(a.Handle); ok {
		codes := v.([]string)
		body["code"] = codes[0]
		s.recovery.Store(a.Handle, codes[1:])
	}
	r := s.do("POST", "/api/v1/sessions", body, hdr...)
	if r.Status != http.StatusCreated {
		s.t.Fatalf("login %s: %d %s", a.Handle, r.Status, r.Body)
	}
	var out struct{ Token string }
	r.json(s.t, &out)
	a.Token = out.Token
}

// count returns the number of rows in a table of a region's database.
func (s *server) count(region kurz.Region, table string) int {
	s.t.Helper()
	var n int
	if err := rawSQL(s.Cell(region)).QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

func kurzRegion(s string) kurz.Region { return kurz.Region(s) }

// waitFor polls cond until it holds, failing after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// A minute: what a test waits for arrives in well under a second on a
	// quiet machine, but CI runs the race detector beside a whole suite
	// on two cores. The polls slow down after the first second, as some
	// conditions cost a request (a sign-up hashes a password).
	start := time.Now()
	for !cond() {
		if time.Since(start) > time.Minute {
			t.Fatalf("timed out waiting for %s", what)
		}
		pause := 20 * time.Millisecond
		if time.Since(start) > time.Second {
			pause = 100 * time.Millisecond
		}
		time.Sleep(pause)
	}
}

// rawSQL is a region's database handle, for tests that read or tamper
// with rows directly.
func rawSQL(r *region.Region) *sql.DB { return r.Store.(*sqlstore.DB).SQL() }

// requireTool returns the path of a program a test needs. scripts/setup.sh
// installs every one of them, so in CI a missing tool fails the test
// instead of skipping it; elsewhere the test is skipped with the package
// to install.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	for _, p := range []string{name, "/usr/sbin/" + name} {
		if b, err := exec.LookPath(p); err == nil {
			return b
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required in CI (scripts/setup.sh test installs %s)", name, pkg)
	}
	t.Skipf("%s is not installed (apt-get install %s)", name, pkg)
	return ""
}

// requireRoot is for tests that mount file systems or make namespaces;
// CI runs as root.
func requireRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s needs root, and CI runs as root", why)
	}
	t.Skipf("%s needs root", why)
}

// waitExport asks for an export (with body, which may be nil) and waits
// for the export-ready notification; it returns the download URL.
func (s *server) waitExport(body any, auth ...string) string {
	s.t.Helper()
	if r := s.do("POST", "/api/v1/me/export", body, auth...); r.Status != 202 {
		s.t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	var url string
	waitFor(s.t, "the export-ready notification", func() bool {
		var n struct {
			Items []struct {
				Kind string
				Data struct{ URL string }
			}
		}
		s.do("GET", "/api/v1/me/notifications", nil, auth...).json(s.t, &n)
		for _, it := range n.Items {
			if it.Kind == "export_ready" {
				url = it.Data.URL
				return true
			}
		}
		return false
	})
	return url
}

// grantStaff grants a role and, for a signed-in account, turns two-factor
// sign-in on with that session (staff actions need it); later sign-ins of
// the account use its recovery codes.
func (s *server) grantStaff(region kurz.Region, a account, role string) error {
	s.t.Helper()
	if err := s.Cell(region).Staff.Grant(s.t.Context(), "cli", a.ID, role); err != nil {
		return err
	}
	if _, on := s.recovery.Load(a.Handle); a.Token != "" && !on {
		_, codes := s.enrolTOTP(&a)
		s.recovery.Store(a.Handle, codes)
	}
	return nil
}
