package link

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"kurz"
)

// sendRaw sends a signed request of eu to us with the given body and
// returns the status, the verified answer's headers and body.
func sendRaw(t *testing.T, b *bundle, method, target, contentType, body string) (int, http.Header, []byte) {
	t.Helper()
	req := b.signed("eu", "us", method, target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, data := b.do(t, req)
	if resp.StatusCode != 401 && resp.Header.Get(HeaderSignature) == "" {
		t.Fatalf("%s %s: an authenticated request got an unsigned answer", method, target)
	}
	return resp.StatusCode, resp.Header, data
}

func TestMuxUnknownRoute(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	for _, target := range []string{"/link/v1/nope", "/link/v1/test/echo/more", "/link/v1/test/items/", "/link/v1//test/echo", "/link/v1/test/../test/echo"} {
		status, _, data := sendRaw(t, b, "POST", target, "", "{}")
		if code, _, _ := errorShape(t, data); status != 404 || code != kurz.ENotFound {
			t.Errorf("%s: %d %s", target, status, data)
		}
	}
	if _, err := call[itemRequest, Empty](t.Context(), b.client("eu", "http"), "us", "GET /link/v1/nope", &itemRequest{}, nil); kurz.ErrorCode(err) != kurz.ENotFound {
		t.Fatalf("a call nobody registered: %v", err)
	}
}

func TestMuxWrongMethod(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	status, h, data := sendRaw(t, b, "GET", "/link/v1/test/echo", "", "")
	if code, _, _ := errorShape(t, data); status != 405 || code != kurz.EInvalid || h.Get("Allow") != "POST" {
		t.Fatalf("%d %v %s", status, h, data)
	}
	status, _, data = sendRaw(t, b, "DELETE", "/link/v1/test/items/x", "", "")
	if code, _, _ := errorShape(t, data); status != 405 || code != kurz.EInvalid {
		t.Fatalf("%d %s", status, data)
	}
}

func TestMuxStrictBody(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	for name, tc := range map[string]struct {
		target, contentType, body, field string
	}{
		"unknown field":      {body: `{"text":"x","role":"admin"}`},
		"unknown field case": {body: `{"text":"x","Extra":1}`},
		"two values":         {body: `{"text":"x"}{"text":"y"}`},
		"trailing garbage":   {body: `{"text":"x"} x`},
		"wrong type":         {body: `{"text":"x","n":"seven"}`, field: "n"},
		"not JSON":           {body: `text=x`},
		"empty":              {body: ``},
		"not an object":      {body: `[1,2]`},
		"query string":       {target: "/link/v1/test/echo?text=x", body: `{"text":"x"}`},
		"content type":       {contentType: "text/plain", body: `{"text":"x"}`},
	} {
		target := tc.target
		if target == "" {
			target = "/link/v1/test/echo"
		}
		status, _, data := sendRaw(t, b, "POST", target, tc.contentType, tc.body)
		code, _, field := errorShape(t, data)
		if status != 400 || code != kurz.EInvalid || field != tc.field {
			t.Errorf("%s: %d %s", name, status, data)
		}
	}
	// Field names match as encoding/json matches them; the answer echoes.
	status, _, data := sendRaw(t, b, "POST", "/link/v1/test/echo", "application/json; charset=utf-8", `{"TEXT":"x","n":2}`)
	if status != 200 || !strings.Contains(string(data), `"text":"x","n":2`) {
		t.Fatalf("%d %s", status, data)
	}
}

func TestMuxURLDecoding(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	c := b.client("eu", "http")
	in := itemRequest{ID: "eu_a/b c?d%", After: -42, Flag: true, Name: "x&y=z"}
	out, err := call[itemRequest, itemRequest](t.Context(), c, "us", routeItem, &in, nil)
	if err != nil || *out != in {
		t.Fatalf("%+v %v", out, err)
	}
	// Missing parameters are zero; an empty wildcard is no such object.
	out, err = call[itemRequest, itemRequest](t.Context(), c, "us", routeItem, &itemRequest{ID: "x"}, nil)
	if err != nil || *out != (itemRequest{ID: "x"}) {
		t.Fatalf("%+v %v", out, err)
	}
	if _, err := call[itemRequest, itemRequest](t.Context(), c, "us", routeItem, &itemRequest{}, nil); kurz.ErrorCode(err) != kurz.ENotFound {
		t.Fatalf("empty wildcard: %v", err)
	}
	for name, target := range map[string]string{
		"unknown parameter":   "/link/v1/test/items/x?after=1&role=admin",
		"repeated parameter":  "/link/v1/test/items/x?after=1&after=2",
		"not an integer":      "/link/v1/test/items/x?after=one",
		"integer overflow":    "/link/v1/test/items/x?after=99999999999999999999",
		"not a boolean":       "/link/v1/test/items/x?flag=maybe",
		"wildcard as query":   "/link/v1/test/items/x?id=y",
		"malformed query":     "/link/v1/test/items/x?after=%zz",
		"semicolon separator": "/link/v1/test/items/x?after=1;flag=true",
	} {
		status, _, data := sendRaw(t, b, "GET", target, "", "")
		if code, _, _ := errorShape(t, data); status != 400 || code != kurz.EInvalid {
			t.Errorf("%s: %d %s", name, status, data)
		}
	}
	status, _, data := sendRaw(t, b, "GET", "/link/v1/test/items/x", "", `{"id":"y"}`)
	if code, _, _ := errorShape(t, data); status != 400 || code != kurz.EInvalid {
		t.Errorf("GET with a body: %d %s", status, data)
	}
}

func TestMuxErrorStatus(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	c := b.client("eu", "http")
	for code, status := range map[string]int{
		kurz.EInvalid: 400, kurz.EUnauthorized: 401, kurz.EForbidden: 403, kurz.ENotFound: 404, kurz.EConflict: 409,
		kurz.ETooLarge: 413, kurz.ERateLimited: 429, kurz.EUnavailable: 503, kurz.EInternal: 500, "something new": 500,
	} {
		in := failRequest{Code: code, Message: "safe message", Field: "f", RetryAfter: 30}
		got, h, data := sendRaw(t, b, "POST", "/link/v1/test/fail", "", mustJSON(t, in))
		gotCode, msg, field := errorShape(t, data)
		if got != status || gotCode != code || msg != "safe message" || field != "f" || h.Get("Retry-After") != "30" {
			t.Errorf("%s: %d %v %s, want %d", code, got, h, data, status)
		}
		// The client gets the same error back, Retry-After and field kept.
		_, err := call[failRequest, Empty](t.Context(), c, "us", routeFail, &in, nil)
		var ke *kurz.Error
		if !errors.As(err, &ke) || ke.Code != code || ke.Message != "safe message" || ke.Field != "f" || ke.RetryAfter != 30 {
			t.Errorf("%s: client got %#v", code, err)
		}
	}
	// A plain error is internal, and its text stays on the server.
	got, _, data := sendRaw(t, b, "POST", "/link/v1/test/fail", "", `{"plain":true}`)
	if code, msg, _ := errorShape(t, data); got != 500 || code != kurz.EInternal || strings.Contains(string(data), "cause") || msg != "internal error" {
		t.Fatalf("%d %s", got, data)
	}
}

func TestHandlerLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	big := `{"text":"` + strings.Repeat("x", maxBody) + `"}`
	req := b.signed("eu", "us", "POST", "/link/v1/test/echo", big)
	resp, data := b.do(t, req)
	if code, _, _ := errorShape(t, data); resp.StatusCode != 413 || code != kurz.ETooLarge {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	// A region the Verifier serves but no Mux holds.
	b.verifier.Serves = func(r kurz.Region) bool { return r == "us" || r == "sg" }
	req = b.signed("eu", "sg", "POST", "/link/v1/test/echo", "{}")
	if resp, data := b.do(t, req); resp.StatusCode != 503 || resp.Header.Get(HeaderSignature) == "" {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
}

// Concern packages each register their calls on the region's one Mux.
func TestMuxSeveralConcerns(t *testing.T) {
	t.Parallel()
	m := NewMux()
	registerAccounts := func(m *Mux) {
		Handle(m, RouteLocateEmail, func(ctx context.Context, from kurz.Region, in *LocateEmailRequest) (*LocateEmailResponse, error) {
			return &LocateEmailResponse{Found: len(in.Locator) == 32}, nil
		})
	}
	registerSafety := func(m *Mux) {
		Handle(m, RouteItemStatus, func(ctx context.Context, from kurz.Region, in *ItemStatusRequest) (*ItemStatusResponse, error) {
			return &ItemStatusResponse{Status: "open:" + in.ID}, nil
		})
	}
	registerAccounts(m)
	registerSafety(m)
	if got := m.Routes(); len(got) != 2 || got[0] != RouteLocateEmail || got[1] != RouteItemStatus {
		t.Fatalf("routes %v", got)
	}
	b := setup(t)
	b.muxes["us"] = m
	c := b.client("eu", "local")
	c.Peers["us"] = "local"
	if out, err := c.LocateEmail(t.Context(), "us", LocateEmailRequest{Locator: make([]byte, 32)}); err != nil || !out.Found {
		t.Fatalf("%+v %v", out, err)
	}
	if out, err := c.ItemStatus(t.Context(), "us", ItemStatusRequest{ID: "us_1"}); err != nil || out.Status != "open:us_1" {
		t.Fatalf("%+v %v", out, err)
	}

	for name, register := range map[string]func(){
		"twice":          func() { registerAccounts(m) },
		"no method":      func() { Handle(m, "/link/v1/x", echoHandler) },
		"outside link":   func() { Handle(m, "POST /api/v1/x", echoHandler) },
		"odd method":     func() { Handle(m, "CONNECT /link/v1/x", echoHandler) },
		"POST wildcard":  func() { Handle(m, "POST /link/v1/x/{id}", echoHandler) },
		"GET no field":   func() { Handle(m, "GET /link/v1/x/{id}", echoHandler) },
		"GET bad field":  func() { Handle(m, "GET /link/v1/y", badGETHandler) },
		"GET not struct": func() { Handle(m, "GET /link/v1/z", sliceHandler) },
		"host pattern":   func() { Handle(m, "POST example.com/link/v1/x", echoHandler) },
		"subtree":        func() { Handle(m, "POST /link/v1/x/", echoHandler) },
		"rest wildcard":  func() { Handle(m, "GET /link/v1/x/{id...}", echoHandler) },
		"unclean":        func() { Handle(m, "POST /link/v1/x/../y", echoHandler) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: registered", name)
				}
			}()
			register()
		}()
	}
}

func echoHandler(ctx context.Context, from kurz.Region, in *echoRequest) (*echoResponse, error) {
	return &echoResponse{}, nil
}

func badGETHandler(ctx context.Context, from kurz.Region, in *struct {
	IDs []string `json:"ids"`
}) (*Empty, error) {
	return nil, nil
}

func sliceHandler(ctx context.Context, from kurz.Region, in *ApplyDeltasRequest) (*Empty, error) {
	return nil, nil
}

func TestHandlerLogsInternalErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	var logged syncWriter
	b.handler.Log = slog.New(slog.NewTextHandler(&logged, nil))
	sendRaw(t, b, "POST", "/link/v1/test/fail", "", `{"plain":true}`)
	sendRaw(t, b, "POST", "/link/v1/test/fail", "", `{"code":"not_found"}`)
	out := logged.String()
	if !strings.Contains(out, "a cause clients must not see") || !strings.Contains(out, routeFail) || strings.Count(out, "link call failed") != 1 {
		t.Fatalf("log: %s", out)
	}
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(data)
}

// syncWriter lets a server goroutine log while a test reads.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
