package app_test

import (
	"encoding/json"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
