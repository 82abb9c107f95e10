package link

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"kurz"
)

var fuzzNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fuzzVerifier() *Verifier {
	return &Verifier{
		Secrets: testKeys().Secrets(),
		Serves:  func(r kurz.Region) bool { return r == "us" },
		Known:   func(r kurz.Region) bool { return r == "eu" || r == "us" || r == "sg" },
		Now:     func() time.Time { return fuzzNow },
	}
}

// FuzzVerify feeds Verify arbitrary headers, targets and bodies: it must
// never panic, and it accepts only a request signed with the key of its
// direction, fresh, from a known region to a served one that is not
// itself, once.
func FuzzVerify(f *testing.F) {
	keys := testKeys().Secrets()
	ts := timestamp(fuzzNow)
	for _, s := range []struct{ method, target, from, to, body string }{
		{"POST", "/link/v1/emails/locate", "eu", "us", `{"locator":"AQ=="}`},
		{"GET", "/link/v1/log?after=1&wait=8", "sg", "us", ""},
		{"GET", "/link/v1/handles/a%2Fb", "eu", "us", ""},
		{"POST", "/link/v1/x", "us", "us", "{}"},
	} {
		nonce := "AAAAAAAAAAAAAAAAAAAAAA"
		sig := signRequest(keys(kurz.Region(s.from), kurz.Region(s.to)), s.method, s.target, kurz.Region(s.from), kurz.Region(s.to), ts, nonce, []byte(s.body))
		f.Add(s.method, s.target, s.from, s.to, ts, nonce, sig, []byte(s.body))
	}
	f.Add("POST", "/", "", "", "", "", "", []byte(nil))
	f.Add("POST", "/x", "eu", "us", "+"+ts, "AAAAAAAAAAAAAAAA", "x", []byte("{}"))
	f.Fuzz(func(t *testing.T, method, target, from, to, ts, nonce, sig string, body []byte) {
		req, err := http.NewRequest(method, "http://link"+target, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set(HeaderFrom, from)
		req.Header.Set(HeaderTo, to)
		req.Header.Set(HeaderTime, ts)
		req.Header.Set(HeaderNonce, nonce)
		req.Header.Set(HeaderSignature, sig)
		v := fuzzVerifier()
		gotFrom, gotTo, gotBody, err := v.Verify(req)
		if err != nil {
			if !errors.Is(err, ErrUnauthenticated) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		rf, rt := kurz.Region(from), kurz.Region(to)
		want := signRequest(keys(rf, rt), method, req.URL.RequestURI(), rf, rt, ts, nonce, body)
		if gotFrom != rf || gotTo != rt || rf == rt || rt != "us" || !bytes.Equal(gotBody, body) || sig != want ||
			!validNonce(nonce) || !fresh(ts, fuzzNow) || rf.Validate() != nil {
			t.Fatalf("accepted %s→%s %q sig %q", gotFrom, gotTo, gotBody, sig)
		}
		again := req.Clone(req.Context())
		again.Body = io.NopCloser(bytes.NewReader(body))
		if _, _, _, err := v.Verify(again); err == nil {
			t.Fatal("accepted twice")
		}
	})
}

// FuzzCheckAnswer feeds the client arbitrary answers to one request: it
// must never panic and accepts only the answer signed for that request.
func FuzzCheckAnswer(f *testing.F) {
	keys := testKeys().Secrets()
	ts := timestamp(fuzzNow)
	const nonce = "BBBBBBBBBBBBBBBBBBBBBB"
	for _, s := range []struct {
		status      int
		retry, body string
	}{{200, "", `{"found":true}`}, {429, "30", `{"error":{"code":"rate_limited","message":"slow"}}`}, {500, "", ""}} {
		sig := signResponse(keys("us", "eu"), s.status, "POST", "/link/v1/emails/locate", "us", "eu", ts, nonce, s.retry, []byte(s.body))
		f.Add(s.status, "us", "eu", ts, nonce, sig, s.retry, []byte(s.body))
	}
	f.Add(200, "", "", "", "", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, status int, from, to, ts, gotNonce, sig, retry string, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		c := &Client{From: "eu", Secrets: keys, Now: func() time.Time { return fuzzNow }}
		req, _ := http.NewRequest("POST", "http://link/link/v1/emails/locate", nil)
		h := http.Header{}
		for k, v := range map[string]string{HeaderFrom: from, HeaderTo: to, HeaderTime: ts, HeaderNonce: gotNonce, HeaderSignature: sig, "Retry-After": retry} {
			if v != "" {
				h.Set(k, v)
			}
		}
		resp := &http.Response{StatusCode: status, Header: h}
		err := c.checkAnswer(resp, req, "us", nonce, body)
		if err == nil {
			want := signResponse(keys("us", "eu"), status, "POST", "/link/v1/emails/locate", "us", "eu", ts, nonce, retry, body)
			if from != "us" || to != "eu" || gotNonce != nonce || sig != want || !fresh(ts, fuzzNow) {
				t.Fatalf("accepted an answer not signed for the request: %v", h)
			}
			answer("us", status, h, body)
		} else if kurz.ErrorCode(err) != kurz.EUnavailable || !errors.Is(err, ErrBadAnswer) {
			t.Fatalf("refusal %v", err)
		}
	})
}

type pathValues map[string]string

func (p pathValues) PathValue(name string) string { return p[name] }

// FuzzDecodeURL feeds the GET decoder arbitrary queries and wildcards: it
// must never panic, and what it accepts encodes back to the same request.
func FuzzDecodeURL(f *testing.F) {
	fields, err := urlFields(reflect.TypeFor[itemRequest](), "/link/v1/test/items/{id}")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("x", "after=1&flag=true&name=a%26b")
	f.Add("a/b", "after=-9223372036854775808")
	f.Add("", "after=1&after=2")
	f.Add("x", "%zz;=")
	f.Fuzz(func(t *testing.T, id, rawQuery string) {
		var in itemRequest
		if err := decodeURL(fields, pathValues{"id": id}, rawQuery, &in); err != nil {
			if kurz.ErrorCode(err) != kurz.EInvalid {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		if in.ID != id {
			t.Fatalf("id %q from %q", in.ID, id)
		}
		if id == "" {
			return
		}
		uri, err := encodeURL("/link/v1/test/items/{id}", &in)
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest("GET", "http://link"+uri, nil)
		if err != nil {
			t.Fatalf("%q: %v", uri, err)
		}
		var back itemRequest
		if err := decodeURL(fields, pathValues{"id": in.ID}, req.URL.RawQuery, &back); err != nil || back != in {
			t.Fatalf("%+v encoded as %q read back as %+v (%v)", in, uri, back, err)
		}
	})
}

// FuzzDecodeBody feeds the strict body decoder arbitrary bodies: it must
// never panic, and what it accepts holds no field it does not know.
func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte(`{"video_id":"us_1","author_id":"eu_1","author_handle":"a","text":"t","follows_owner":true}`))
	f.Add([]byte(`{"text":"x","role":"admin"}`))
	f.Add([]byte(`{"text":"x"}{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, _ := http.NewRequest("POST", "http://link/link/v1/comments", bytes.NewReader(body))
		var in PostCommentRequest
		if err := decodeBody(req, &in); err != nil {
			if c := kurz.ErrorCode(err); c != kurz.EInvalid && c != kurz.ETooLarge {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		var loose map[string]any
		if jsonErr := json.Unmarshal(body, &loose); jsonErr == nil {
			for k := range loose {
				if !knownField(k) {
					t.Fatalf("accepted the unknown field %q", k)
				}
			}
		}
	})
}

func knownField(k string) bool {
	for _, f := range []string{"video_id", "author_id", "author_handle", "text", "follows_owner"} {
		if strings.EqualFold(k, f) {
			return true
		}
	}
	return false
}
