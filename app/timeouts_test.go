package app_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kurz/app"
	"kurz/guard"
)

// trickle opens a connection, sends head at once and then body one piece
// at a time, every gap, until the server ends the connection (or answers)
// or everything was sent. It returns how many body bytes went out, how
// long the server took to end the exchange, and what it answered (empty if
// it just closed the connection).
func trickle(t *testing.T, addr, head string, body []byte, piece int, gap time.Duration) (sent int, took time.Duration, answer string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ended := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(conn) // until the server closes
		ended <- string(b)
	}()
	start := time.Now()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	for sent < len(body) {
		select {
		case answer = <-ended:
			return sent, time.Since(start), answer
		case <-time.After(gap):
		}
		n := min(piece, len(body)-sent)
		if _, err := conn.Write(body[sent : sent+n]); err != nil {
			break
		}
		sent += n
	}
	select {
	case answer = <-ended:
	case <-time.After(time.Minute):
		t.Fatal("the server kept the connection a minute after the last byte")
	}
	return sent, time.Since(start), answer
}

// TestSlowClientsAreCut: a request whose headers or body trickle in is cut
// at the read timeout, long before it would have finished; an upload body
// slower than the minimum rate is cut too, keeps what arrived and resumes;
// an upload that keeps the rate may take longer than the read timeout.
func TestSlowClientsAreCut(t *testing.T) {
	t.Parallel()
	tm := guard.Timeouts{ReadHeader: 2 * time.Second, Read: 2 * time.Second, Write: 10 * time.Second, Idle: 10 * time.Second,
		MinRate: 4096, RateWindow: time.Second}
	s := newServer(t, func(c *app.Config) { c.Timeouts = tm })
	u, _ := url.Parse(s.URL())
	addr := u.Host

	// Headers one byte at a time (slowloris).
	head := "GET /healthz HTTP/1.1\r\nHost: kurz\r\nX-Padding: " + strings.Repeat("a", 200) + "\r\n\r\n"
	sent, took, _ := trickle(t, addr, "", []byte(head), 1, 100*time.Millisecond)
	t.Logf("trickled headers: cut after %v, %d of %d bytes sent", took, sent, len(head))
	if sent == len(head) {
		t.Fatalf("headers trickled over %v were read to the end", took)
	}

	// A JSON body one byte every 100 ms: cut at the read timeout.
	body := []byte(`{"login":"nobody","password":"` + strings.Repeat("p", 300) + `"}`)
	sent, took, answer := trickle(t, addr, "POST /api/v1/sessions HTTP/1.1\r\nHost: kurz\r\nContent-Type: application/json\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n", body, 1, 100*time.Millisecond)
	t.Logf("trickled JSON body: cut after %v, %d of %d bytes sent, answer %.60q", took, sent, len(body), answer)
	if sent == len(body) || took > 4*tm.Read {
		t.Fatalf("a trickled body was kept %v (%d of %d bytes), read timeout %v", took, sent, len(body), tm.Read)
	}

	// Others are served meanwhile and after.
	if r := s.do("GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("healthz: %d", r.Status)
	}

	// Uploads: a body under the minimum rate is cut, what arrived is kept.
	a := s.signUp("slowup", "slowup@example.org", "1990-01-01", "DE")
	s.login(&a)
	auth := []string{"Authorization", "Bearer " + a.Token, "Tus-Resumable", "1.0.0"}
	const size = 200000
	data := []byte(strings.Repeat("0123456789", size/10))
	create := func() string {
		r := s.do("POST", "/api/v1/uploads/", nil, append(auth, "Upload-Length", strconv.Itoa(size))...)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		return r.Header.Get("Kurz-Video-Id")
	}
	patchHead := func(id string, offset, n int) string {
		return fmt.Sprintf("PATCH /api/v1/uploads/%s HTTP/1.1\r\nHost: kurz\r\nAuthorization: Bearer %s\r\nTus-Resumable: 1.0.0\r\n"+
			"Upload-Offset: %d\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n", id, a.Token, offset, n)
	}
	offset := func(id string) int {
		r := s.do("HEAD", "/api/v1/uploads/"+id, nil, auth...)
		n, err := strconv.Atoi(r.Header.Get("Upload-Offset"))
		if r.Status != 200 || err != nil {
			t.Fatalf("HEAD: %d %v", r.Status, r.Header)
		}
		return n
	}
	slow := create()
	// 100 bytes every 100 ms is 1 KB/s, under the 4 KiB/s floor.
	sent, took, _ = trickle(t, addr, patchHead(slow, 0, size), data, 100, 100*time.Millisecond)
	t.Logf("trickled upload: cut after %v, %d of %d bytes sent", took, sent, size)
	if sent == size {
		t.Fatalf("an upload under the minimum rate was kept to the end (%v)", took)
	}
	got := offset(slow)
	stored, err := os.ReadFile(filepath.Join(s.Config.DataDir, "eu", "uploads", slow))
	// What arrived is kept, sealed (so not as sent; the resume below
	// completes it from the offset).
	if got == 0 || got > sent || err != nil || len(stored) < got || strings.Contains(string(stored), string(data[:min(got, 64)])) {
		t.Fatalf("offset %d after sending %d; %d bytes stored (%v), want the first %d sent, sealed", got, sent, len(stored), err, got)
	}
	// It resumes from what arrived.
	if r := s.do("PATCH", "/api/v1/uploads/"+slow, data[got:], append(auth, "Upload-Offset", strconv.Itoa(got),
		"Content-Type", "application/offset+octet-stream")...); r.Status != 204 || r.Header.Get("Upload-Offset") != strconv.Itoa(size) {
		t.Fatalf("resume after the cut: %d %v %s", r.Status, r.Header, r.Body)
	}

	// 16 KiB every 250 ms (64 KiB/s) keeps the rate for longer than the
	// read timeout: the upload completes.
	steady := create()
	sent, took, answer = trickle(t, addr, patchHead(steady, 0, size), data, 16<<10, 250*time.Millisecond)
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(answer)), nil)
	if err != nil || sent != size || resp.StatusCode != 204 || resp.Header.Get("Upload-Offset") != strconv.Itoa(size) {
		t.Fatalf("a steady upload over %v (read timeout %v): %d bytes sent, answer %q, %v", took, tm.Read, sent, answer, err)
	}
	if took < tm.Read {
		t.Logf("the steady upload took %v, less than the read timeout: the exemption was not exercised", took)
	}
}
