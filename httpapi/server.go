// Package httpapi is kurz's HTTP front door, for every cell this process
// hosts: the defences every request passes (guard), forwarding to a
// person's home region, the one route table of the JSON API and its
// OpenAPI document, sign-up, sign-in and sessions, profiles, feeds and
// tag lists, health checks, the pages' backend and the region link
// endpoint. The rest of the API is handlers of their own packages
// (videoapi, commentapi, socialapi, safetyapi, privacyapi, inboxapi,
// settingsapi, trust, discoverapi, studioapi), which httpapi mounts and
// hands how it finds the viewer, reads bodies and writes errors.
package httpapi

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kurz"
	"kurz/apidoc"
	"kurz/apijson"
	"kurz/apitext"
	"kurz/auth"
	"kurz/edge"
	"kurz/feedjson"
	"kurz/forward"
	"kurz/guard"
	"kurz/link"
	"kurz/media"
	"kurz/region"
	"kurz/videoapi"
)

// MaxBodyBytes bounds every JSON request body.
const MaxBodyBytes = 1 << 20

// Limits are the rate limits of the front door (see guard.Limits).
type Limits = guard.Limits

// DefaultLimits are guard.DefaultLimits.
func DefaultLimits() Limits { return guard.DefaultLimits() }

// Server serves the API of the cells hosted by this process.
type Server struct {
	// Version is the running release, shown by /healthz.
	Version string
	// Cells are the regions hosted here; Door is the one whose link
	// client the front door uses for cross-region look-ups.
	Cells     map[kurz.Region]*region.Region
	Door      *region.Region
	Residency kurz.Residency
	Verifier  *link.Verifier
	Log       *slog.Logger
	// TrustedProxies may set X-Forwarded-For; others may not.
	TrustedProxies []netip.Prefix
	// SecureCookies marks the session cookie Secure (behind HTTPS).
	SecureCookies bool
	// Timeouts are the server's; the handler enforces the minimum rate
	// where they give way to it.
	Timeouts guard.Timeouts

	// Web registers the web pages on the mux, if set.
	Web func(*http.ServeMux)
	// Peers are the base URLs of regions hosted by other processes.
	Peers map[kurz.Region]string
	// PlainPeers are the peers reached over plain http:// on the network
	// (allowed only with --insecure-link): requests carrying a session
	// or a password are never forwarded to them.
	PlainPeers map[kurz.Region]bool
	// PeerTLS is the TLS configuration of requests forwarded to peers.
	PeerTLS *tls.Config
	// Edge caches other regions' public media.
	Edge *edge.Cache
	// MediaRedirect sends public media of object-stored regions to
	// presigned URLs instead of streaming it.
	MediaRedirect bool

	proxy  func() *forward.Proxy     // made on first use, once Door and Peers are set
	videos func() *videoapi.Handlers // likewise; the API's and the pages' videos
	feeds  feedjson.Cache            // catalogue videos' records, encoded once

	// DeviceKey keys device cookies (see guard.Passwords); every node of a
	// region needs the same one.
	DeviceKey []byte

	pw                                        *guard.Passwords
	signupIP                                  *auth.Limiter
	likes, comments, reports, appeals, resets *auth.Limiter
	draining                                  atomic.Bool
	doc                                       func() ([]byte, error) // the OpenAPI document, built once
}

// SessionCookie is the name of the session cookie.
const SessionCookie = "kurz_session"

// Init sets up the rate limiters; call it once before serving.
func (s *Server) Init(l Limits) {
	s.pw = guard.NewPasswords(guard.PasswordLimits{PerIP: l.LoginsPerIP, IPWindow: l.LoginIPWindow, PerAccount: l.LoginsPerAccount,
		AccountWindow: l.LoginAccountWindow, UnderAttackDelay: l.UnderAttackDelay}, s.DeviceKey, max(2, runtime.NumCPU()))
	s.signupIP = auth.NewLimiter(l.SignupsPerIP, time.Hour)
	s.proxy = sync.OnceValue(func() *forward.Proxy {
		var secrets link.Secrets
		if s.Verifier != nil {
			secrets = s.Verifier.Secrets
		}
		return forward.New(s.Door.Region, s.Peers, s.PlainPeers, secrets, s.PeerTLS)
	})
	s.videos = sync.OnceValue(func() *videoapi.Handlers {
		v := &videoapi.Handlers{Viewer: s.viewerCell, Auth: s.authenticate, Token: token, CellOf: s.cellOf,
			Cells: s.Cells, Door: s.Door, Peers: s.Peers, Edge: s.Edge, Media: media.Options{Redirect: s.MediaRedirect, Log: s.Log},
			Forward: func(w http.ResponseWriter, r *http.Request, to kurz.Region) { s.forward(w, r, to, nil) },
			Decode:  decode, Error: s.error}
		v.Small = &media.Cache{Keep: v.StillPublic}
		v.Files = &media.Files{Keep: v.StillPublic}
		return v
	})
	s.likes = auth.NewLimiter(l.LikesPerMinute, time.Minute)
	// Reset mails: a few per address and hour, on top of the sign-in
	// throttle per caller.
	s.resets = auth.NewLimiter(5, time.Hour)
	s.comments = auth.NewLimiter(l.CommentsPerMinute, time.Minute)
	s.reports = auth.NewLimiter(l.ReportsPerHour, time.Hour)
	s.appeals = auth.NewLimiter(l.ReportsPerHour, time.Hour)
	s.doc = sync.OnceValues(func() ([]byte, error) { return Document(s.Version) })
}

// Drain makes /readyz fail, so load balancers stop sending new work
// before shutdown.
func (s *Server) Drain() { s.draining.Store(true) }

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.HandleFunc(rt.Pattern, rt.H)
	}
	if s.Web != nil {
		s.Web(mux)
	}
	mux.Handle("/link/v1/", s.LinkHandler())
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, kurz.Errorf(kurz.ENotFound, "no such API endpoint"))
	})
	csrf := http.NewCrossOriginProtection()
	deadlines := guard.Deadlines(s.Timeouts, isUpload, isDownload)
	return s.logRequests(deadlines(s.checkInput(csrf.Handler(s.route(mux)))))
}

// isUpload says which requests carry tus upload bodies, held to the
// minimum rate instead of the read timeout.
func isUpload(r *http.Request) bool {
	return (r.Method == http.MethodPatch || r.Method == http.MethodPost) && strings.HasPrefix(r.URL.Path, "/api/v1/uploads/")
}

// isDownload says which answers are media or exports, held to the minimum
// rate instead of the write timeout.
func isDownload(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(strings.HasPrefix(r.URL.Path, "/media/") || strings.HasPrefix(r.URL.Path, "/api/v1/me/exports/") || strings.HasSuffix(r.URL.Path, "/download"))
}

// checkInput refuses requests whose path or query is not valid UTF-8
// without NUL (400 in the error shape) and drops a Range header asking for
// more than guard.MaxRanges ranges. Every request passes here.
func (s *Server) checkInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := guard.CheckURL(r); err != nil {
			s.error(w, r, err)
			return
		}
		guard.LimitRanges(r)
		next.ServeHTTP(w, r)
	})
}

// checkIP counts a password attempt against the caller's address.
func (s *Server) checkIP(r *http.Request) error { return s.pw.CheckIP(s.clientIP(r)) }

// checkPassword runs a password check for account under the throttles
// every password check shares (guard.Passwords); checkIP comes first.
func (s *Server) checkPassword(w http.ResponseWriter, r *http.Request, account string, check func() error) error {
	return s.pw.Check(w, r, account, s.clientIP(r), s.SecureCookies, check)
}

// LinkHandler serves the region link alone: mounted at /link/v1/, and
// the in-memory transport of the regions in this process. It verifies
// each request with s.Verifier and dispatches it to the link calls of the
// region it is addressed to.
func (s *Server) LinkHandler() http.Handler {
	return &link.Handler{
		Verifier: s.Verifier,
		Mux: func(to kurz.Region) *link.Mux {
			if c := s.Cells[to]; c != nil {
				return c.LinkMux
			}
			return nil
		},
		Log: s.Log,
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, apijson.Health{Status: "ok", Version: s.Version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, apijson.Ready{Status: "shutting down"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]string{}
	code := http.StatusOK
	for region, c := range s.Cells {
		if p := c.Readiness(ctx); p != "" {
			status[string(region)] = p
			code = http.StatusServiceUnavailable
		} else {
			status[string(region)] = "ok"
		}
	}
	writeJSON(w, code, apijson.Ready{Regions: status})
}

// clientIP is the caller's address (see guard.ClientIP).
func (s *Server) clientIP(r *http.Request) netip.Addr { return guard.ClientIP(r, s.TrustedProxies) }

// decode reads a JSON body strictly: at most MaxBodyBytes, one object, no
// unknown fields (so fields like "role" or "region" cannot be slipped in).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	_, err := readJSON(w, r, v)
	return err
}

// readJSON is decode that also returns the raw body, for forwarding.
func readJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	return guard.DecodeJSON(w, r, v, MaxBodyBytes)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// error writes err in the one JSON error shape, its messages in the
// caller's language (Accept-Language: English or German). Internal causes are logged
// (they hold no personal data: services never put any in errors) and never
// sent to the client.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	e := kurz.AsError(err)
	code := StatusOf(e.Code)
	if code >= 500 {
		s.Log.ErrorContext(r.Context(), "request failed", "route", r.Pattern, "code", e.Code, "err", err)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	lang := apitext.Lang(r.Header.Get("Accept-Language"))
	var body apidoc.ErrorBody
	body.Error.Code, body.Error.Message, body.Error.Field, body.Error.Details = e.Code, apitext.Message(e, lang), e.Field, e.Details
	for _, f := range e.Fields {
		body.Error.Fields = append(body.Error.Fields, apidoc.FieldMessage{Field: f.Field, Message: apitext.Message(f, lang)})
	}
	w.Header().Add("Vary", "Accept-Language")
	w.Header().Set("Content-Language", lang)
	writeJSON(w, code, body)
}

// StatusOf maps an error code to an HTTP status.
func StatusOf(code string) int { return kurz.HTTPStatus(code) }

// logRequests gives each request its ID (guard.WithRequestID) and logs
// its route pattern, status and duration (media requests at debug
// level: there are too many). Not
// the path or query (they may hold handles or tokens) and not the address
// (IP addresses are personal data).
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		outer := r
		r = guard.WithRequestID(w, r, s.TrustedProxies)
		level := slog.LevelInfo
		if strings.HasPrefix(r.URL.Path, "/media/") {
			level = slog.LevelDebug // segment fetches are too many to log one by one
		}
		if !s.Log.Enabled(r.Context(), level) {
			// No line: no clock, no status recorded.
			next.ServeHTTP(w, r)
			outer.Pattern = r.Pattern // for the metrics around this handler
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		outer.Pattern = r.Pattern
		s.Log.Log(r.Context(), level, "request", "method", r.Method, "route", r.Pattern, "status", sw.code,
			"ms", time.Since(start).Milliseconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ReadFrom keeps the connection's sendfile path open for file bodies
// (http.ServeContent copies through io.Copy, which looks for it).
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{w.ResponseWriter}, r)
}
