package app

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
)

// gate is the process's HTTP handler from the moment the port is bound:
// while the regions open (and migrate) it answers 503 to readiness checks
// and API calls, so a load balancer or a client sees "starting" instead of
// a refused connection; once they run it hands every request to the API.
type gate struct {
	version string
	next    atomic.Pointer[http.Handler]
}

// open starts passing requests to h.
func (g *gate) open(h http.Handler) { g.next.Store(&h) }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := g.next.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	switch r.URL.Path {
	case "/healthz":
		// Alive: a supervisor must not kill a process that is migrating.
		w.WriteHeader(http.StatusOK)
		json.NewEncoder(w).Encode(map[string]string{"status": "starting", "version": g.version})
	case "/readyz":
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"status": "starting"})
	default:
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
			"code": "unavailable", "message": "kurz is starting; please try again in a few seconds"}})
	}
}
