package app_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"kurz"
	"kurz/app"
	"kurz/sqlite"
	"kurz/sqlstore"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"
)

// TestSecondServeRefused: a second kurz serve on the same data folder
// refuses to start with a message naming the folder and the first
// process, binds nothing, and the first keeps serving.
func TestSecondServeRefused(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr := freeAddr(t)
	first := startProcess(t, addr, "--data", data)
	s := &server{t: t, logs: first.logs, base: "http://" + addr}

	addr2 := freeAddr(t)
	cmd := exec.Command(kurzBinary(t), "serve", "--data", data, "--addr", addr2)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the second process did not stop: %s", out)
	}
	if err == nil {
		t.Fatalf("the second process started on the same data folder:\n%s", out)
	}
	msg := string(out)
	if !strings.Contains(msg, "in use by another kurz process") || !strings.Contains(msg, filepath.Join(data, "eu")) ||
		!strings.Contains(msg, "pid ") {
		t.Fatalf("second process's message: %s", msg)
	}
	if c, err := net.Dial("tcp", addr2); err == nil {
		c.Close()
		t.Fatal("the refused process bound its port")
	}
	// The first keeps serving, reads and writes.
	if r := s.do("GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("first process readyz after the second tried: %d %s", r.Status, r.Body)
	}
	a := s.signUp("stillhere", "stillhere@example.org", "1990-01-01", "DE")
	s.login(&a)
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+a.Token); r.Status != 200 {
		t.Fatalf("me: %d %s", r.Status, r.Body)
	}
	if strings.Contains(first.logs.String(), `"level":"ERROR"`) {
		t.Fatalf("the first process logged errors:\n%s", first.logs.String())
	}
}

// TestVersion: kurz version and kurz --version print the version set at
// build time, and /healthz and the start-up log show the same.
func TestVersion(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "kurz")
	if out, err := exec.Command("go", "build", "-ldflags", "-X kurz/app.Version=v9.8.7-test", "-o", bin, "../cmd/kurz").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, arg := range []string{"version", "--version"} {
		out, err := exec.Command(bin, arg).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "kurz v9.8.7-test" {
			t.Fatalf("kurz %s: %q %v", arg, out, err)
		}
	}
	// The test binary without -ldflags reports its VCS revision or "devel".
	out, err := exec.Command(kurzBinary(t), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "kurz devel") {
		t.Fatalf("kurz version without ldflags: %q %v", out, err)
	}

	addr := freeAddr(t)
	logs := &logBuffer{}
	cmd := exec.Command(bin, "serve", "--data", t.TempDir(), "--addr", addr)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	p := &process{cmd: cmd, addr: addr, logs: logs}
	waitReady(t, p)
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct{ Status, Version string }
	json.NewDecoder(resp.Body).Decode(&h)
	if h.Status != "ok" || h.Version != "v9.8.7-test" {
		t.Fatalf("healthz = %+v", h)
	}
	if !strings.Contains(logs.String(), `"msg":"kurz starting","version":"v9.8.7-test"`) {
		t.Fatalf("no version in the start-up log:\n%s", logs.String())
	}
}

// olderRegion makes region eu's database under data as the previous
// release left it: every migration but the last.
func olderRegion(t *testing.T, data string) {
	t.Helper()
	dir := filepath.Join(data, "eu")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(sqlite.Dialect.Migrations, "*.sql")
	if err != nil || len(names) < 2 {
		t.Fatalf("migrations: %v %v", names, err)
	}
	sort.Strings(names)
	prev := fstest.MapFS{}
	for _, n := range names[:len(names)-1] {
		b, _ := fs.ReadFile(sqlite.Dialect.Migrations, n)
		prev[n] = &fstest.MapFile{Data: b}
	}
	d := *sqlite.Dialect
	d.Migrations = prev
	w, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "kurz.db"))
	if err != nil {
		t.Fatal(err)
	}
	db := sqlstore.New(&d, w, w)
	defer db.Close()
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// runKurz runs the kurz binary to its end and returns its output.
func runKurz(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runKurzEnv(t, nil, args...)
}

// runKurzEnv is runKurz with variables added to the environment (as
// "NAME=value"), for a test that runs in parallel with others.
func runKurzEnv(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(kurzBinary(t), args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.WaitDelay = time.Second
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("kurz %v did not end: %s", args, out)
	}
	return string(out), err
}

// TestMigrateIsExplicit: a server refuses a database that is behind
// (pointing at kurz migrate) and one that is newer than the binary;
// kurz migrate --check reports without changing anything; kurz migrate
// refuses to run beside a server and otherwise brings the schema up, after
// which the server starts.
func TestMigrateIsExplicit(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	olderRegion(t, data)
	// The versions are the files' numbers (a number may be skipped while
	// branches that hold it land).
	names := mustGlob(t, sqlite.Dialect.Migrations)
	sort.Strings(names)
	num := func(n string) int { v, _ := strconv.Atoi(strings.SplitN(n, "_", 2)[0]); return v }
	known, older := num(names[len(names)-1]), num(names[len(names)-2])

	out, err := runKurz(t, "serve", "--data", data, "--addr", freeAddr(t))
	if err == nil || !strings.Contains(out, "schema is behind") || !strings.Contains(out, "kurz migrate") {
		t.Fatalf("serve on an older database: %v\n%s", err, out)
	}
	out, err = runKurz(t, "privacy", "verify-audit", "--region", "eu", "--data", data)
	if err == nil || !strings.Contains(out, "kurz migrate") {
		t.Fatalf("admin command on an older database: %v\n%s", err, out)
	}
	out, err = runKurz(t, "migrate", "--check", "--regions", "eu", "--data", data)
	if err == nil || !strings.Contains(out, fmt.Sprintf("region eu, main database: schema %d, this kurz needs %d", older, known)) {
		t.Fatalf("migrate --check: %v\n%s", err, out)
	}
	out, err = runKurz(t, "migrate", "--regions", "eu", "--data", data)
	if err != nil || !strings.Contains(out, fmt.Sprintf("region eu, main database: migrated from schema %d to %d", older, known)) {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, err = runKurz(t, "migrate", "--check", "--regions", "eu", "--data", data)
	if err != nil || !strings.Contains(out, fmt.Sprintf("main database: schema %d, up to date", known)) {
		t.Fatalf("migrate --check after migrating: %v\n%s", err, out)
	}

	addr := freeAddr(t)
	p := startProcess(t, addr, "--data", data)
	out, err = runKurz(t, "migrate", "--regions", "eu", "--data", data)
	if err == nil || !strings.Contains(out, "in use by another kurz process") {
		t.Fatalf("migrate beside a server: %v\n%s", err, out)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()

	// A newer release ran here and was rolled back.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "eu", "kurz.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO kurz_migrations (version, applied_at) VALUES (?, 0)`, known+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, args := range [][]string{
		{"serve", "--data", data, "--addr", freeAddr(t)},
		{"serve", "--data", data, "--addr", freeAddr(t), "--migrate"},
		{"migrate", "--regions", "eu", "--data", data},
		{"privacy", "verify-audit", "--region", "eu", "--data", data},
	} {
		out, err := runKurz(t, args...)
		if err == nil || !strings.Contains(out, fmt.Sprintf("schema version %d, this kurz knows up to %d", known+1, known)) {
			t.Fatalf("kurz %s on a newer database: %v\n%s", args[0], err, out)
		}
	}
}

func mustGlob(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestKeysDir: a region's KEK and key store live outside its data folder
// by default (<data>-keys/<region>), with a warning when they share a disk
// with the database; a region set up with keys inside its folder keeps
// working from there, with a warning to move them.
func TestKeysDir(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	at := func(c *app.Config) {
		c.DataDir = data
		c.DB = map[kurz.Region]string{}
		c.KeyDB = map[kurz.Region]string{}
	}
	s := newServer(t, at)
	a := s.signUp("keyed", "keyed@example.org", "1990-01-01", "DE")
	for _, f := range []string{"kek", "keys.db"} {
		if _, err := os.Stat(filepath.Join(data+"-keys", "eu", f)); err != nil {
			t.Fatalf("%s not in the keys folder: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "eu", "keyring")); !os.IsNotExist(err) {
		t.Fatalf("a keyring folder inside the data folder: %v", err)
	}
	if !strings.Contains(s.logs.String(), "share a disk with its database") {
		t.Fatalf("no warning about keys on the database's disk:\n%s", s.logs.String())
	}
	s.Close()

	// The layout of older releases: keys in <data>/<region>/keyring.
	legacy := filepath.Join(data, "eu", "keyring")
	if err := os.Rename(filepath.Join(data+"-keys", "eu"), legacy); err != nil {
		t.Fatal(err)
	}
	s = newServer(t, at)
	s.login(&a) // the person's sealed fields open with the moved keys
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+a.Token); r.Status != 200 {
		t.Fatalf("me with the keys in the old place: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(s.logs.String(), "keys are inside its data folder") {
		t.Fatalf("no warning about keys inside the data folder:\n%s", s.logs.String())
	}
	if _, err := os.Stat(filepath.Join(data+"-keys", "eu", "kek")); !os.IsNotExist(err) {
		t.Fatalf("a second KEK was made beside the old one: %v", err)
	}
}
