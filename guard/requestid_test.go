package guard

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// TestRequestIDs: every request gets an ID in its answer and in the log
// lines logged with its context; a trusted proxy's well-formed ID is kept,
// a client's own or a malformed one is replaced.
func TestRequestIDs(t *testing.T) {
	t.Parallel()
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		remote, sent string
		kept         bool
	}{
		{"10.1.2.3:5000", "edge-7f3a.1", true},
		{"10.1.2.3:5000", "bad id\n" + strings.Repeat("x", 70), false},
		{"10.1.2.3:5000", strings.Repeat("a", 65), false},
		{"192.0.2.7:5000", "client-chosen", false},
		{"192.0.2.7:5000", "", false},
	} {
		r := httptest.NewRequest("GET", "/api/v1/feed", nil)
		r.RemoteAddr = tc.remote
		if tc.sent != "" {
			r.Header.Set(HeaderRequestID, tc.sent)
		}
		w := httptest.NewRecorder()
		r = WithRequestID(w, r, proxy)
		id := w.Header().Get(HeaderRequestID)
		if id == "" || id != RequestID(r.Context()) || (id == tc.sent) != tc.kept || !validRequestID(id) {
			t.Errorf("from %s sending %q: answer %q, context %q", tc.remote, tc.sent, id, RequestID(r.Context()))
		}
		var logs bytes.Buffer
		log := slog.New(LogRequestIDs(slog.NewJSONHandler(&logs, nil))).With("region", "eu")
		log.InfoContext(r.Context(), "request")
		log.Info("no request")
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		if !strings.Contains(lines[0], `"request_id":"`+id+`"`) || strings.Contains(lines[1], "request_id") {
			t.Errorf("log lines: %s", logs.String())
		}
	}
}

// TestRequestIDsDistinct: the IDs a process makes never repeat, and each
// is one a proxy in front of another kurz could pass on.
func TestRequestIDsDistinct(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 10000 {
		r := httptest.NewRequest("GET", "/v/eu_x", nil)
		r = WithRequestID(httptest.NewRecorder(), r, nil)
		id := RequestID(r.Context())
		if seen[id] || !validRequestID(id) || len(id) < 14 {
			t.Fatalf("request ID %q repeated or malformed", id)
		}
		seen[id] = true
	}
}
