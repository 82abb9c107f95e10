// Package mailtest starts a real SMTP server (mailpit) for tests and reads
// the mail it caught through its HTTP API: nothing about mail is mocked.
package mailtest

import (
	"encoding/json"
	"fmt"
	"kurz/internal/porttest"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running mailpit.
type Server struct {
	// SMTPAddr is its SMTP listener, API its HTTP API's base URL.
	SMTPAddr, API string
	stop          func()
}

// URL is the relay URL to configure a region with (no TLS: loopback).
func (s *Server) URL() string { return "smtp://" + s.SMTPAddr + "?tls=none" }

func freeAddr(t testing.TB) string {
	t.Helper()
	return porttest.FreeAddr(t)
}

// Start runs mailpit until the test ends. The binary is found on PATH or in
// ~/go/bin (scripts/setup.sh installs it).
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("mailpit")
	if err != nil {
		home, _ := os.UserHomeDir()
		bin = filepath.Join(home, "go", "bin", "mailpit")
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("mailpit is not installed (scripts/setup.sh test installs it): %v", err)
		}
	}
	s := &Server{SMTPAddr: freeAddr(t)}
	httpAddr := freeAddr(t)
	s.API = "http://" + httpAddr
	cmd := exec.Command(bin, "--smtp", s.SMTPAddr, "--listen", httpAddr, "--database", filepath.Join(t.TempDir(), "mail.db"),
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--smtp-disable-rdns", "--disable-version-check", "--quiet")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	s.stop = func() { once.Do(func() { cmd.Process.Kill(); cmd.Wait() }) }
	t.Cleanup(s.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.API + "/api/v1/messages")
		if err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", s.SMTPAddr); err == nil {
				c.Close()
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// Summary is a caught message as listed.
type Summary struct {
	ID      string
	Subject string
	To      []struct{ Address string }
	From    struct{ Address string }
}

// Message is a caught message in full.
type Message struct {
	Summary
	Text, HTML string
	Headers    map[string][]string
}

// Link returns the first link in the plain text that starts with prefix
// (an origin and path), or "".
func (m *Message) Link(prefix string) string {
	re := regexp.MustCompile(regexp.QuoteMeta(prefix) + `\S*`)
	return re.FindString(m.Text)
}

func (s *Server) get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// All lists every caught message, newest first.
func (s *Server) All(t testing.TB) []Summary {
	t.Helper()
	var out struct{ Messages []Summary }
	s.get(t, "/api/v1/messages?limit=1000", &out)
	return out.Messages
}

// To lists the messages caught for an address, newest first.
func (s *Server) To(t testing.TB, addr string) []Summary {
	t.Helper()
	var out []Summary
	for _, m := range s.All(t) {
		for _, to := range m.To {
			if strings.EqualFold(to.Address, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

// Read returns a message in full, with its headers.
func (s *Server) Read(t testing.TB, id string) *Message {
	t.Helper()
	var m Message
	s.get(t, "/api/v1/message/"+id, &m)
	s.get(t, "/api/v1/message/"+id+"/headers", &m.Headers)
	return &m
}

// Wait waits (up to 20 s) for a message to an address whose subject
// contains subject, and returns the newest such.
func (s *Server) Wait(t testing.TB, addr, subject string) *Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, m := range s.To(t, addr) {
			if strings.Contains(m.Subject, subject) {
				return s.Read(t, m.ID)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s about %q arrived; caught: %s", addr, subject, s.describe(t))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Delete removes every caught message.
func (s *Server) Delete(t testing.TB) {
	t.Helper()
	req, _ := http.NewRequest("DELETE", s.API+"/api/v1/messages", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func (s *Server) describe(t testing.TB) string {
	var b strings.Builder
	for _, m := range s.All(t) {
		fmt.Fprintf(&b, "\n  %v: %s", m.To, m.Subject)
	}
	return b.String()
}
