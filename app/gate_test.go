package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestGate: until the API is handed over, /healthz says "starting" with
// 200, /readyz and every other path 503 in the error shape; afterwards
// every request reaches the API.
func TestGate(t *testing.T) {
	g := &gate{version: "v1"}
	get := func(path string) (int, map[string]any, http.Header) {
		w := httptest.NewRecorder()
		g.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		var body map[string]any
		json.Unmarshal(w.Body.Bytes(), &body)
		return w.Code, body, w.Header()
	}
	if code, body, _ := get("/healthz"); code != 200 || body["status"] != "starting" || body["version"] != "v1" {
		t.Fatalf("healthz while starting: %d %v", code, body)
	}
	if code, body, _ := get("/readyz"); code != 503 || body["status"] != "starting" {
		t.Fatalf("readyz while starting: %d %v", code, body)
	}
	code, body, hdr := get("/api/v1/feed")
	e, _ := body["error"].(map[string]any)
	if code != 503 || e["code"] != "unavailable" || e["message"] == "" || hdr.Get("Retry-After") == "" {
		t.Fatalf("API while starting: %d %v %v", code, body, hdr)
	}
	g.open(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	for _, p := range []string{"/healthz", "/readyz", "/api/v1/feed"} {
		if code, _, _ := get(p); code != http.StatusTeapot {
			t.Fatalf("%s after opening: %d", p, code)
		}
	}
}
