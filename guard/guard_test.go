package guard

import (
	"bytes"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"kurz"
)

func TestCheckStrings(t *testing.T) {
	type inner struct {
		Note string `json:"note"`
	}
	type body struct {
		Name  string            `json:"name"`
		Tags  []string          `json:"tags"`
		Meta  map[string]string `json:"meta"`
		In    *inner            `json:"in"`
		Any   any               `json:"any"`
		Bytes []byte            `json:"bytes"`
		skip  string
	}
	for _, tc := range []struct {
		v     body
		field string // "" means good
	}{
		{body{Name: "Grüße 日本 👩‍👩‍👧", Tags: []string{"a"}, Meta: map[string]string{"k": "v"}, In: &inner{"n"}, Any: []any{"x", 1.0}}, ""},
		{body{Bytes: []byte{0, 0xff}, skip: "\x00"}, ""},
		{body{Name: "a\x00b"}, "name"},
		{body{Tags: []string{"ok", "bad \xff"}}, "tags"},
		{body{Meta: map[string]string{"k\x00": "v"}}, "meta"},
		{body{Meta: map[string]string{"k": "\xc0\xaf"}}, "meta"},
		{body{In: &inner{"\x00"}}, "note"},
		{body{Any: map[string]any{"deep": []any{"\x00"}}}, "any"},
	} {
		err := CheckStrings(&tc.v)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v refused: %v", tc.v, err)
		case tc.field != "" && (kurz.ErrorCode(err) != kurz.EInvalid || kurz.AsError(err).Field != tc.field):
			t.Errorf("%+v: %v, want a 400 naming %s", tc.v, err, tc.field)
		}
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct{ remote, xff, want string }{
		{"203.0.113.5:1234", "", "203.0.113.5"},
		{"203.0.113.5:1234", "1.2.3.4", "203.0.113.5"},    // not a proxy: its header is ignored
		{"10.0.0.1:1234", "1.2.3.4", "1.2.3.4"},           // a trusted proxy
		{"10.0.0.1:1234", "6.6.6.6, 1.2.3.4", "1.2.3.4"},  // the client cannot choose by prepending
		{"10.0.0.1:1234", "1.2.3.4, 10.0.0.2", "1.2.3.4"}, // through two trusted proxies
		{"10.0.0.1:1234", "junk, 10.0.0.9", "10.0.0.9"},   // stops at junk
		{"[::ffff:203.0.113.5]:1", "", "203.0.113.5"},     // unmapped
		{"[2001:db8::1]:1", "1.2.3.4", "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := ClientIP(r, trusted); got.String() != tc.want {
			t.Errorf("%s with X-Forwarded-For %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(WithClientIP(r.Context(), netip.MustParseAddr("192.0.2.1")))
	if got := ClientIP(r, nil); got.String() != "192.0.2.1" {
		t.Errorf("vouched address: %s", got)
	}
}

func TestRelativeLocation(t *testing.T) {
	for loc, want := range map[string]string{
		"http://evil.example/api/v1/uploads/eu_1": "/api/v1/uploads/eu_1",
		"https://evil.example:8443/x?y=1":         "/x?y=1",
		"/already/relative":                       "/already/relative",
		"":                                        "",
	} {
		rec := httptest.NewRecorder()
		w := RelativeLocation(rec)
		if loc != "" {
			w.Header().Set("Location", loc)
		}
		w.WriteHeader(201)
		if got := rec.Header().Get("Location"); got != want {
			t.Errorf("Location %q became %q, want %q", loc, got, want)
		}
	}
}

func TestLimitRanges(t *testing.T) {
	for rg, kept := range map[string]bool{
		"bytes=0-9":                                     true,
		"bytes=0-0,2-2,4-4,6-6":                         true,
		"bytes=0-0,2-2,4-4,6-6,8-8":                     false,
		"bytes=" + strings.Repeat("0-0,", 1000) + "1-1": false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Range", rg)
		LimitRanges(r)
		if got := r.Header.Get("Range") != ""; got != kept {
			t.Errorf("Range %.40q kept = %v, want %v", rg, got, kept)
		}
	}
}

// FuzzDecodeJSON: whatever the body, DecodeJSON answers a kurz error or
// a value whose every string is valid UTF-8 without NUL.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, "{\"a\":\"\xff\"}", `{"a":["x",{"b":"\ud800"}]}`, `[1,2]`, `{} {}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v map[string]any
		_, err := DecodeJSON(httptest.NewRecorder(), r, &v, 1<<16)
		if err != nil {
			if kurz.ErrorCode(err) == kurz.EInternal {
				t.Fatalf("internal error for %q: %v", body, err)
			}
			return
		}
		if err := CheckStrings(v); err != nil {
			t.Fatalf("accepted %q with bad text: %v", body, err)
		}
	})
}
