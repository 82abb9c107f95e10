package link

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"kurz"
)

// Mux holds the calls one region answers. Each concern package registers
// its own calls on the region's Mux with Handle; a Handler serves the
// Muxes of a process's regions.
//
// A Mux is not an http.Handler on purpose: only a Handler, which verifies
// the sender first, dispatches to it.
type Mux struct {
	mux    http.ServeMux
	routes []string
}

// NewMux returns a Mux without calls.
func NewMux() *Mux { return &Mux{} }

// Routes lists the routes registered on m, in registration order.
func (m *Mux) Routes() []string { return append([]string(nil), m.routes...) }

// Handle registers fn as the answer to route, a net/http pattern such as
// RouteClaimHandle ("POST /link/v1/handles/claim") or RouteHandleOwner
// ("GET /link/v1/handles/{handle}"): exact paths, with whole-segment
// wildcards only. fn gets the verified sender and the decoded request;
// its response is sent as JSON (nil sends Resp's zero value) and its
// error in the link's error shape. Register every call before the
// Handler serves.
//
// A GET call's request comes from the URL (see query.go); any other's from
// a JSON body, decoded strictly: one value, no unknown fields, bounded
// size, no query string. Handle panics, as registration mistakes should,
// on a malformed or already registered route or a request type that
// cannot travel in a GET URL.
func Handle[Req, Resp any](m *Mux, route string, fn func(ctx context.Context, from kurz.Region, in *Req) (*Resp, error)) {
	method, pattern, ok := strings.Cut(route, " ")
	if !ok || !strings.HasPrefix(pattern, "/link/v1/") || strings.ContainsAny(pattern, " ?") ||
		strings.HasSuffix(pattern, "/") || strings.Contains(pattern, "...}") || path.Clean(pattern) != pattern {
		panic(fmt.Sprintf("link: route %q: want \"METHOD /link/v1/...\"", route))
	}
	var fields []urlField
	switch method {
	case http.MethodGet:
		var err error
		if fields, err = urlFields(reflect.TypeFor[Req](), pattern); err != nil {
			panic(err)
		}
	case http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
		if len(wildcards(pattern)) > 0 {
			panic(fmt.Sprintf("link: route %q: only GET calls take path wildcards", route))
		}
	default:
		panic(fmt.Sprintf("link: route %q: unsupported method", route))
	}
	m.mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		from, _ := r.Context().Value(senderKey{}).(kurz.Region)
		in := new(Req)
		var err error
		if method == http.MethodGet {
			if r.ContentLength != 0 {
				err = kurz.Errorf(kurz.EInvalid, "a GET call has no body")
			} else {
				err = decodeURL(fields, r, r.URL.RawQuery, in)
			}
		} else {
			err = decodeBody(r, in)
		}
		if err != nil {
			writeError(w, err)
			return
		}
		out, err := fn(r.Context(), from, in)
		if err != nil {
			if log, ok := r.Context().Value(loggerKey{}).(*slog.Logger); ok && kurz.HTTPStatus(kurz.ErrorCode(err)) >= 500 {
				log.Error("link call failed", "route", r.Pattern, "from", from, "code", kurz.ErrorCode(err), "err", err)
			}
			writeError(w, err)
			return
		}
		if out == nil {
			out = new(Resp)
		}
		writeJSON(w, http.StatusOK, out)
	})
	m.routes = append(m.routes, route)
}

type (
	senderKey struct{}
	loggerKey struct{}
)

// serve dispatches a verified request from region from. Paths that name
// no call answer 404, and a call with the wrong method 405, in the error
// shape.
func (m *Mux) serve(w http.ResponseWriter, r *http.Request, from kurz.Region) {
	if path.Clean(r.URL.Path) != r.URL.Path {
		// ServeMux would redirect; the link has no use for that.
		writeError(w, kurz.Errorf(kurz.ENotFound, "no such link call"))
		return
	}
	if h, pattern := m.mux.Handler(r); pattern == "" {
		rec := &recorder{header: http.Header{}, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		if rec.code == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.header.Get("Allow"))
			writeErrorStatus(w, http.StatusMethodNotAllowed, kurz.Errorf(kurz.EInvalid, "this link call takes %s", rec.header.Get("Allow")))
			return
		}
		writeError(w, kurz.Errorf(kurz.ENotFound, "no such link call"))
		return
	}
	m.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), senderKey{}, from)))
}

// decodeBody reads a JSON request body strictly.
func decodeBody(r *http.Request, v any) error {
	if r.URL.RawQuery != "" {
		return kurz.Errorf(kurz.EInvalid, "this link call takes no query string")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return kurz.Errorf(kurz.EInvalid, "send JSON with Content-Type: application/json")
	}
	data, err := readBody(r)
	if err != nil {
		return kurz.Errorf(kurz.ETooLarge, "the request body is larger than %d bytes", maxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute):
			return kurz.FieldError(ute.Field, "%s has the wrong type: want %s", ute.Field, ute.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return kurz.Errorf(kurz.EInvalid, "%s is not an accepted field", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return kurz.Errorf(kurz.EInvalid, "the request body is not valid JSON")
	}
	if dec.More() {
		return kurz.Errorf(kurz.EInvalid, "the request body must hold one JSON value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeError(w, fmt.Errorf("link: encoding an answer: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(data, '\n'))
}

// writeError writes err in the one error shape of kurz's APIs,
// {"error":{"code","message","field"}}, with its status and Retry-After.
// Only the client-safe message leaves; the cause stays here.
func writeError(w http.ResponseWriter, err error) {
	writeErrorStatus(w, kurz.HTTPStatus(kurz.ErrorCode(err)), err)
}

func writeErrorStatus(w http.ResponseWriter, status int, err error) {
	e := kurz.AsError(err)
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	body := map[string]string{"code": e.Code, "message": e.Message}
	if e.Field != "" {
		body["field"] = e.Field
	}
	writeJSON(w, status, map[string]any{"error": body})
}

// Handler is a process's side of the region link, to be mounted at
// /link/v1/: it verifies each request with Verifier, dispatches it to the
// Mux of the region it is addressed to with the verified sender, and
// signs the answer with the key of the opposite direction. A request that
// fails verification gets an unsigned 401 (413 when too large): nothing it
// claims is trusted, not even the key to answer it with. A verified
// request that finds the replay memory full gets a signed 503 with
// Retry-After. A region's call to itself (from a Client in this
// process) is dispatched without signatures either way.
type Handler struct {
	Verifier *Verifier
	// Mux returns the calls of region to, which this process serves, or
	// nil.
	Mux func(to kurz.Region) *Mux
	// Log, if set, records the route and cause of each 5xx answer a call
	// gives (errors hold no personal data; paths, which may, are not
	// logged), and each refused request's cause, at most once a minute
	// per sender and cause.
	Log *slog.Logger

	mu     sync.Mutex
	warned map[string]time.Time
}

// refusedPrefix starts the message of a refused request's 401.
const refusedPrefix = "link request not authenticated: "

// refused logs why a request was refused, at most once a minute per
// claimed sender and cause (the sender is whatever the request says, so
// the memory is bounded too).
func (h *Handler) refused(r *http.Request, why string) {
	if h.Log == nil {
		return
	}
	from, to := kurz.Region(r.Header.Get(HeaderFrom)), kurz.Region(r.Header.Get(HeaderTo))
	if from.Validate() != nil {
		from = "?"
	}
	if to.Validate() != nil {
		to = "?"
	}
	key := string(from) + "/" + string(to) + "/" + why
	h.mu.Lock()
	now := time.Now()
	last, seen := h.warned[key]
	if h.warned == nil || len(h.warned) > 1000 {
		h.warned = map[string]time.Time{}
	}
	if !seen || now.Sub(last) > time.Minute {
		h.warned[key] = now
	}
	h.mu.Unlock()
	if !seen || now.Sub(last) > time.Minute {
		h.Log.Warn("link request refused", "from", from, "to", to, "cause", why)
	}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	from, to, body, err := h.Verifier.Verify(r)
	switch {
	case errors.Is(err, ErrTooLarge):
		writeError(w, kurz.Errorf(kurz.ETooLarge, "the request body is larger than %d bytes", maxBody))
		return
	case err != nil && !errors.Is(err, ErrBusy):
		why := RefusalReason(err)
		if why == "" {
			why = RefusedMalformed
		}
		h.refused(r, why)
		writeError(w, kurz.Errorf(kurz.EUnauthorized, "%s%s", refusedPrefix, why))
		return
	}
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	if err != nil {
		writeError(rec, &kurz.Error{Code: kurz.EUnavailable, Message: "too many link requests; try again shortly", RetryAfter: 1})
	} else if mux := h.Mux(to); mux == nil {
		writeError(rec, kurz.Errorf(kurz.EUnavailable, "region %s is not served here", to))
	} else {
		r.Body = readCloser{bytes.NewReader(body)}
		r.ContentLength = int64(len(body))
		if h.Log != nil {
			r = r.WithContext(context.WithValue(r.Context(), loggerKey{}, h.Log))
		}
		mux.serve(rec, r, from)
	}
	if from != to {
		ts := timestamp(h.Verifier.now())
		nonce := r.Header.Get(HeaderNonce)
		rec.header.Set(HeaderFrom, string(to))
		rec.header.Set(HeaderTo, string(from))
		rec.header.Set(HeaderTime, ts)
		rec.header.Set(HeaderNonce, nonce)
		rec.header.Set(HeaderSignature, signResponse(h.Verifier.Secrets(to, from), rec.code, r.Method, r.URL.RequestURI(), to, from, ts, nonce,
			rec.header.Get("Retry-After"), rec.body.Bytes()))
	}
	for k, vs := range rec.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.code)
	w.Write(rec.body.Bytes())
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
