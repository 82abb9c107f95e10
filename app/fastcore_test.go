package app_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"kurz/app"
)

// rawConn is one client connection speaking HTTP/1.1 by hand.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func (s *server) dial(t *testing.T) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(time.Minute))
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (c *rawConn) send(raw string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, raw); err != nil {
		c.t.Fatal(err)
	}
}

// read reads one answer (to a request of method).
func (c *rawConn) read(method string) *response {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("reading an answer: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("reading a body: %v", err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// closed reports whether the server ended the connection (after any
// bytes still to read).
func (c *rawConn) closed() bool {
	_, err := io.Copy(io.Discard, c.br)
	return err == nil || !isTimeout(err)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func get(method, path string, extra ...string) string {
	return method + " " + path + " HTTP/1.1\r\nHost: kurz.test\r\nUser-Agent: test\r\n" + strings.Join(extra, "") + "\r\n"
}

// sameAnswer compares two answers but for the values of Date and
// X-Request-Id (which both must have).
func sameAnswer(t *testing.T, what string, fast, slow *response) {
	t.Helper()
	if fast.Status != slow.Status || !bytes.Equal(fast.Body, slow.Body) {
		t.Errorf("%s: fast core %d (%d bytes), net/http %d (%d bytes)", what, fast.Status, len(fast.Body), slow.Status, len(slow.Body))
	}
	for _, h := range []http.Header{fast.Header, slow.Header} {
		if h.Get("Date") == "" || len(h.Get("X-Request-Id")) != 16 {
			t.Errorf("%s: Date %q, X-Request-Id %q", what, h.Get("Date"), h.Get("X-Request-Id"))
		}
	}
	strip := func(h http.Header) http.Header {
		h = h.Clone()
		h.Del("Date")
		h.Del("X-Request-Id")
		return h
	}
	f, s := strip(fast.Header), strip(slow.Header)
	for k := range f {
		if strings.Join(f[k], ",") != strings.Join(s[k], ",") {
			t.Errorf("%s: %s is %q from the fast core, %q from net/http", what, k, f[k], s[k])
		}
	}
	for k := range s {
		if _, ok := f[k]; !ok {
			t.Errorf("%s: net/http sends %s %q, the fast core not", what, k, s[k])
		}
	}
}

// TestFastMediaSameAnswers: a public video's playlists, poster, segment
// and preview get the same status, headers and bytes from the fast core
// (a connection whose first request is media) as from net/http (a
// connection whose first request is not, which the fast core hands over
// whole), for GET and HEAD; pipelined requests, media and API mixed on
// one connection, are answered in order; the requests the fast core must
// not answer (ranges, validators, cookies, bodies, queries, escapes, dot
// segments, HTTP/1.0, a long head, a private video) get net/http's
// answers; a slow reader is cut by the minimum rate, a stalled head by
// the header timeout, and shutdown closes the fast core's connections.
func TestFastMediaSameAnswers(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) {
		// Short enough for the stalled head and the reader that takes
		// nothing below to be cut soon, long enough for a sign-up's
		// password hash on a loaded machine (net/http's write timeout
		// applies to it too).
		c.Timeouts.ReadHeader = 3 * time.Second
		c.Timeouts.Write = 3 * time.Second
		c.Timeouts.MinRate = 1 << 20
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	a := s.signUp("fastone", "fastone@example.org", "1990-01-01", "DE")
	s.login(&a)
	id := s.publish(a, "fast clip")
	files := []string{"master.m3u8", "v0/index.m3u8", "poster.jpg", "v0/seg_00000.ts", "preview.mp4"}

	for _, method := range []string{"GET", "HEAD"} {
		for _, file := range files {
			p := "/media/" + id + "/" + file
			before := s.FastAnswered()
			fc := s.dial(t)
			fc.send(get(method, p))
			fast := fc.read(method)
			if s.FastAnswered() != before+1 {
				t.Fatalf("%s %s: not answered by the fast core", method, file)
			}
			sc := s.dial(t)
			sc.send(get("GET", "/healthz") + get(method, p))
			if r := sc.read("GET"); r.Status != 200 {
				t.Fatalf("healthz: %d", r.Status)
			}
			slow := sc.read(method)
			if s.FastAnswered() != before+1 {
				t.Fatalf("%s %s: a connection handed to net/http came back", method, file)
			}
			if fast.Status != 200 || (method == "GET" && len(fast.Body) == 0) || (method == "HEAD" && len(fast.Body) != 0) {
				t.Errorf("%s %s: %d, %d bytes", method, file, fast.Status, len(fast.Body))
			}
			sameAnswer(t, method+" "+file, fast, slow)
		}
	}

	// Pipelined on one connection: media, an API call, media again (from
	// then on net/http's), every answer in order.
	c := s.dial(t)
	c.send(get("GET", "/media/"+id+"/master.m3u8") + get("GET", "/media/"+id+"/v0/seg_00000.ts") + get("GET", "/api/v1/feed?kind=newest") + get("GET", "/media/"+id+"/poster.jpg"))
	if r := c.read("GET"); r.Status != 200 || !strings.HasPrefix(string(r.Body), "#EXTM3U") {
		t.Errorf("pipelined master: %d %.40q", r.Status, r.Body)
	}
	if r := c.read("GET"); r.Status != 200 || r.Header.Get("Content-Type") != "video/mp2t" {
		t.Errorf("pipelined segment: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if r := c.read("GET"); r.Status != 200 || !strings.Contains(string(r.Body), id) {
		t.Errorf("pipelined feed: %d %.200s", r.Status, r.Body)
	}
	if r := c.read("GET"); r.Status != 200 || r.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("pipelined poster: %d", r.Status)
	}

	// The wrong side: each of these goes to net/http, which answers as
	// it always did.
	master := "/media/" + id + "/master.m3u8"
	etag := s.do("GET", master, nil).Header.Get("Etag")
	priv := s.publish(a, "private clip")
	if r := s.do("PATCH", "/api/v1/videos/"+priv, map[string]string{"visibility": "private"}, "Authorization", "Bearer "+a.Token); r.Status != 200 {
		t.Fatalf("make private: %d %s", r.Status, r.Body)
	}
	var rec videoJSON
	s.do("GET", "/api/v1/videos/"+priv, nil, "Authorization", "Bearer "+a.Token).json(t, &rec)
	if !strings.Contains(rec.HLSURL, "?t=") {
		t.Fatalf("private video's playlist URL without token: %q", rec.HLSURL)
	}
	for _, tc := range []struct {
		what, raw string
		status    int
		fast      bool
		check     func(*response) bool
	}{
		{"a range", get("GET", "/media/"+id+"/v0/seg_00000.ts", "Range: bytes=0-9\r\n"), 206, false, func(r *response) bool { return len(r.Body) == 10 }},
		{"If-None-Match", get("GET", master, "If-None-Match: "+etag+"\r\n"), 304, false, nil},
		{"a body", get("GET", master, "Content-Length: 3\r\n") + "abc", 200, false, nil},
		{"chunked", get("GET", master, "Transfer-Encoding: chunked\r\n") + "0\r\n\r\n", 200, false, nil},
		{"a query", get("GET", master+"?x=1"), 200, false, nil},
		{"an escape", get("GET", "/media/"+id+"/master%2em3u8"), 200, false, nil},
		{"a dot segment", get("GET", "/media/"+id+"/v0/../master.m3u8"), 307, false, nil},
		{"a double slash", get("GET", "/media/"+id+"//master.m3u8"), 307, false, nil},
		{"not a media name", get("GET", "/media/"+id+"/secret.txt"), 404, false, nil},
		{"not an ID", get("GET", "/media/nothing/master.m3u8"), 404, false, nil},
		{"a long head", get("GET", master, "User-Agent: "+strings.Repeat("x", 5000)+"\r\n"), 200, false, nil},
		{"a proxy's request ID", get("GET", master, "X-Request-Id: abc\r\n"), 200, false, nil},
		{"private, no token", get("GET", "/media/"+priv+"/master.m3u8"), 404, false, nil},
		{"private, no token, segment", get("GET", "/media/"+priv+"/v0/seg_00000.ts"), 404, false, nil},
		{"private, with its token", get("GET", rec.HLSURL), 200, false, func(r *response) bool { return strings.Contains(string(r.Body), "?t=") }},
		{"private, a wrong token", get("GET", rec.HLSURL[:strings.Index(rec.HLSURL, "?")]+"?t=AAAA"), 404, false, nil},
		{"private, the owner's session", get("GET", "/media/"+priv+"/master.m3u8", "Authorization: Bearer "+a.Token+"\r\n"), 200, false, nil},
		{"POST", "POST " + master + " HTTP/1.1\r\nHost: kurz.test\r\nContent-Length: 0\r\n\r\n", 405, false, nil},
		// A session does not change a public video's media: the web
		// app's requests (with its cookie) stay on the fast core.
		{"public, a cookie", get("GET", master, "Cookie: kurz_session=nothing\r\n"), 200, true, nil},
		{"public, the owner's session", get("GET", master, "Authorization: Bearer "+a.Token+"\r\n"), 200, true, nil},
	} {
		before := s.FastAnswered()
		c := s.dial(t)
		c.send(tc.raw)
		method := strings.Fields(tc.raw)[0]
		r := c.read(method)
		if r.Status != tc.status || (tc.check != nil && !tc.check(r)) {
			t.Errorf("%s: %d %.80q, want %d", tc.what, r.Status, r.Body, tc.status)
		}
		if answered := s.FastAnswered() != before; answered != tc.fast {
			t.Errorf("%s: answered by the fast core: %v", tc.what, answered)
		}
		// The same request after one net/http answers: the same answer.
		c = s.dial(t)
		c.send(get("GET", "/healthz") + tc.raw)
		c.read("GET")
		sameAnswer(t, tc.what, r, c.read(method))
	}
	// HTTP/1.0: net/http's answer, which closes the connection.
	c = s.dial(t)
	c.send("GET " + master + " HTTP/1.0\r\n\r\n")
	if r := c.read("GET"); r.Status != 200 || !c.closed() {
		t.Errorf("HTTP/1.0: %d", r.Status)
	}
	// Connection: close from the fast core.
	c = s.dial(t)
	c.send(get("GET", master, "Connection: close\r\n"))
	if r := c.read("GET"); r.Status != 200 || !c.closed() {
		t.Errorf("Connection: close: %d, or the connection stayed open", r.Status)
	}

	// A reader that takes nothing: 200 pipelined segments (more than the
	// socket buffers hold) are cut by the write deadline the minimum rate
	// sets, long before all are sent.
	c = s.dial(t)
	c.send(strings.Repeat(get("GET", "/media/"+id+"/v0/seg_00000.ts"), 200))
	time.Sleep(5 * time.Second) // past the 3 s write deadline
	n := 0
	for {
		resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
		if err != nil {
			break
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			break
		}
		n++
	}
	if n >= 200 {
		t.Errorf("a reader that reads nothing got all %d answers", n)
	}
	// Half a head, then nothing: cut by the header timeout.
	c = s.dial(t)
	c.send("GET " + master + " HTTP/1.1\r\nHost: kurz.test\r\n")
	if !c.closed() {
		t.Errorf("a stalled head kept its connection")
	}

	// Shutdown closes a fast-core connection waiting for its next request.
	c = s.dial(t)
	c.send(get("GET", master))
	if r := c.read("GET"); r.Status != 200 {
		t.Fatalf("before shutdown: %d", r.Status)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !c.closed() {
		t.Errorf("an idle fast-core connection outlived the shutdown")
	}
}
