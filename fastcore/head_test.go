package fastcore

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"path"
	"strings"
	"testing"
)

var headSeeds = []string{
	"GET /media/eu_01abc/master.m3u8 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
	"HEAD /media/eu_01abc/v0/seg_00000.ts HTTP/1.1\r\nHost: a\r\nUser-Agent: x\r\nAccept: */*\r\nConnection: close\r\n\r\n",
	"GET /media/eu_01abc/v0/index.m3u8 HTTP/1.1\r\nhost: a\r\nconnection: Keep-Alive\r\n\r\nGET /api/v1/feed HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg HTTP/1.1\r\nHost: a\r\nCookie: kurz_session=x\r\nAuthorization: Bearer x\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"x\"\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
	"GET /media/eu_01abc/poster.jpg HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg?t=x HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /media/eu_01abc/%2e%2e/x HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /media/eu_01abc/../x HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /media/eu_01abc//x HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg HTTP/1.0\r\nHost: a\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg HTTP/1.1\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg HTTP/1.1\r\nHost: a\r\n X-Folded: y\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg HTTP/1.1\nHost: a\n\n",
	"POST /media/eu_01abc/poster.jpg HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg HTTP/1.1\r\nHost: a\r\nX-Request-Id: abc\r\n\r\n",
	"GET /media/eu_01abc/poster.jpg HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n",
}

// FuzzScan: whatever the bytes, the scanner answers only heads net/http
// reads as the same GET or HEAD of the same clean path, HTTP/1.1, with
// no body, no query and none of the headers that could change a
// public media answer; it consumes exactly the head (the rest, a pipelined request,
// is left as it was); and a head it would answer is answered the same
// with any bytes after it.
func FuzzScan(f *testing.F) {
	for _, s := range headSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		req, v := scan(b)
		if v == more && len(b) >= maxHead {
			t.Fatalf("waits for more with a full buffer")
		}
		if v != fast {
			return
		}
		if req.headBytes <= 0 || req.headBytes > len(b) || req.headBytes > maxHead {
			t.Fatalf("head of %d bytes out of %d", req.headBytes, len(b))
		}
		br := bufio.NewReader(bytes.NewReader(b))
		r, err := http.ReadRequest(br)
		if err != nil {
			t.Fatalf("answered a head net/http refuses: %v: %q", err, b)
		}
		want := http.MethodGet
		if req.head {
			want = http.MethodHead
		}
		if r.Method != want || r.ProtoMajor != 1 || r.ProtoMinor != 1 {
			t.Fatalf("%s %s, scanner says head=%v: %q", r.Method, r.Proto, req.head, b)
		}
		p := "/media/" + req.id + "/" + req.file
		if r.URL.Path != p || r.URL.RawPath != "" || r.URL.RawQuery != "" || r.URL.ForceQuery || r.RequestURI != p || path.Clean(p) != p {
			t.Fatalf("path %q (raw %q, query %q), scanner says %q", r.URL.Path, r.URL.RawPath, r.URL.RawQuery, p)
		}
		if r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
			t.Fatalf("a body: %d %v", r.ContentLength, r.TransferEncoding)
		}
		if r.Close != req.close {
			t.Fatalf("close %v, scanner says %v", r.Close, req.close)
		}
		for k := range r.Header {
			switch lk := strings.ToLower(k); {
			case lk == "range", strings.HasPrefix(lk, "if-"), lk == "expect", lk == "upgrade",
				lk == "x-request-id", strings.HasPrefix(lk, "kurz-"), lk == "content-length", lk == "transfer-encoding", lk == "te", lk == "trailer":
				t.Fatalf("answered a request with %s", k)
			}
		}
		rest, _ := io.ReadAll(br)
		if !bytes.Equal(rest, b[req.headBytes:]) {
			t.Fatalf("consumed %d bytes, net/http %d", req.headBytes, len(b)-len(rest))
		}
		more := append(append([]byte{}, b[:req.headBytes]...), "GET /x HTTP/1.1\r\n"...)
		if again, v := scan(more); v != fast || again != req {
			t.Fatalf("with bytes after the head: %v %+v, alone %+v", v, again, req)
		}
	})
}

// TestScanSubset: what the scanner answers and what it hands off, the
// wrong side included.
func TestScanSubset(t *testing.T) {
	for i, s := range headSeeds {
		_, v := scan([]byte(s))
		if wantFast := i < 4; (v == fast) != wantFast {
			t.Errorf("%q: verdict %v", s, v)
		}
	}
	// A head cut anywhere waits for more; an overlong one is handed off.
	full := headSeeds[1]
	for n := range len(full) - 1 {
		if _, v := scan([]byte(full[:n])); v != more {
			t.Errorf("%q: verdict %v, want more", full[:n], v)
		}
	}
	long := "GET /media/eu_01abc/master.m3u8 HTTP/1.1\r\nHost: a\r\nUser-Agent: " + strings.Repeat("x", maxHead)
	if _, v := scan([]byte(long[:maxHead])); v != handOff {
		t.Errorf("overlong head: %v", v)
	}
	if _, v := scan([]byte("GET /api/v1/feed HTTP/1.1\r\n")); v != handOff {
		t.Errorf("API request: %v", v)
	}
}
