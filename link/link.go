// Package link is the region link: the small authenticated HTTP API that
// regions use to talk to each other. Cells in one process use it too,
// through an in-memory transport that still serialises every request and
// response, so whatever would leak over a real network shows in tests.
//
// Every request is signed with HMAC-SHA256 over the method, path, sender,
// receiver, a timestamp, a nonce and the body's hash. The receiver refuses
// (401) a bad signature, a timestamp more than MaxSkew away, and a nonce it
// has already seen within that window.
package link

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"kurz"
)

// Headers of a signed link request.
const (
	HeaderFrom      = "Kurz-Link-From"
	HeaderTo        = "Kurz-Link-To"
	HeaderTime      = "Kurz-Link-Time"
	HeaderNonce     = "Kurz-Link-Nonce"
	HeaderSignature = "Kurz-Link-Signature"
)

// MaxSkew is how far a request's timestamp may be from the receiver's clock.
const MaxSkew = 60 * time.Second

// maxBody bounds a link message.
const maxBody = 4 << 20

// Secrets gives the shared secret for a pair of regions. The simplest
// deployment uses one secret for all pairs; per-pair keys work the same.
type Secrets func(a, b kurz.Region) []byte

// SharedSecret returns Secrets that use one secret for every pair.
func SharedSecret(secret []byte) Secrets {
	return func(a, b kurz.Region) []byte { return secret }
}

func sign(secret []byte, method, path string, from, to kurz.Region, ts, nonce string, body []byte) string {
	bh := sha256.Sum256(body)
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "kurz-link-v1\n%s\n%s\n%s\n%s\n%s\n%s\n", method, path, from, to, ts, nonce)
	m.Write(bh[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Client calls peers. Peers in the same process are reached through their
// handler in memory; others over HTTP.
type Client struct {
	From    kurz.Region
	Secrets Secrets
	// Peers maps each other region to its base URL, or to "local" for a
	// cell in this process (then Local serves it).
	Peers map[kurz.Region]string
	Local http.Handler
	HTTP  *http.Client
}

// Call sends a JSON request to region to and decodes a JSON response into
// out (if non-nil). Error responses become *kurz.Error with the peer's code;
// an unreachable peer is EUnavailable.
func (c *Client) Call(ctx context.Context, to kurz.Region, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	base, ok := c.Peers[to]
	if !ok {
		return kurz.Errorf(kurz.EUnavailable, "region %s is not known here", to)
	}
	u := base + path
	if base == "local" {
		u = "http://local" + path
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	c.Sign(req, to, body)
	var resp *http.Response
	if base == "local" {
		resp = serveInMemory(c.Local, req)
	} else {
		hc := c.HTTP
		if hc == nil {
			hc = http.DefaultClient
		}
		resp, err = hc.Do(req)
		if err != nil {
			return &kurz.Error{Code: kurz.EUnavailable, Message: fmt.Sprintf("region %s is unreachable", to), Cause: err}
		}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return &kurz.Error{Code: kurz.EUnavailable, Message: fmt.Sprintf("region %s is unreachable", to), Cause: err}
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
			retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return &kurz.Error{Code: e.Error.Code, Message: e.Error.Message, RetryAfter: retry}
		}
		if resp.StatusCode >= 500 {
			return kurz.Errorf(kurz.EUnavailable, "region %s answered %d", to, resp.StatusCode)
		}
		return kurz.Errorf(kurz.EInternal, "region %s answered %d", to, resp.StatusCode)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// Sign adds the link headers to req, addressed to region to, with body as
// its payload.
func (c *Client) Sign(req *http.Request, to kurz.Region, body []byte) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nb := make([]byte, 16)
	rand.Read(nb)
	nonce := base64.RawURLEncoding.EncodeToString(nb)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderFrom, string(c.From))
	req.Header.Set(HeaderTo, string(to))
	req.Header.Set(HeaderTime, ts)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, sign(c.Secrets(c.From, to), req.Method, req.URL.RequestURI(), c.From, to, ts, nonce, body))
}

// serveInMemory runs h on a copy of req and returns a serialised response:
// headers and body are copied bytes, as over a network.
func serveInMemory(h http.Handler, req *http.Request) *http.Response {
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	h.ServeHTTP(rec, req)
	return &http.Response{StatusCode: rec.code, Header: rec.header.Clone(), Body: io.NopCloser(bytes.NewReader(bytes.Clone(rec.body.Bytes())))}
}

type recorder struct {
	header      http.Header
	body        bytes.Buffer
	code        int
	wroteHeader bool
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.code, r.wroteHeader = code, true
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// Verifier checks signed requests addressed to the regions this process
// serves.
type Verifier struct {
	Secrets Secrets
	// Serves reports whether this process hosts region r.
	Serves func(r kurz.Region) bool
	// Known reports whether r is a region this one may hear from.
	Known func(r kurz.Region) bool

	mu     sync.Mutex
	nonces map[string]time.Time
}

// ErrUnauthenticated is returned for a bad, stale or replayed request.
var ErrUnauthenticated = errors.New("link: unauthenticated request")

// Verify checks req's signature and freshness and returns its body (read
// whole, bounded) and sender.
func (v *Verifier) Verify(req *http.Request) (from, to kurz.Region, body []byte, err error) {
	from, to = kurz.Region(req.Header.Get(HeaderFrom)), kurz.Region(req.Header.Get(HeaderTo))
	ts, nonce, sig := req.Header.Get(HeaderTime), req.Header.Get(HeaderNonce), req.Header.Get(HeaderSignature)
	if !v.Known(from) || !v.Serves(to) || nonce == "" || len(nonce) > 64 || sig == "" {
		return "", "", nil, ErrUnauthenticated
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", "", nil, ErrUnauthenticated
	}
	at := time.Unix(sec, 0)
	if d := time.Since(at); d > MaxSkew || d < -MaxSkew {
		return "", "", nil, ErrUnauthenticated
	}
	body, err = io.ReadAll(io.LimitReader(req.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return "", "", nil, ErrUnauthenticated
	}
	want := sign(v.Secrets(from, to), req.Method, req.URL.RequestURI(), from, to, ts, nonce, body)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return "", "", nil, ErrUnauthenticated
	}
	if !v.remember(string(from) + "/" + nonce) {
		return "", "", nil, ErrUnauthenticated
	}
	return from, to, body, nil
}

// remember records a nonce and reports whether it was new. Nonces older
// than twice MaxSkew are forgotten: their timestamps are refused anyway.
func (v *Verifier) remember(key string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := time.Now()
	if v.nonces == nil {
		v.nonces = map[string]time.Time{}
	}
	if len(v.nonces) > 1024 {
		for k, t := range v.nonces {
			if now.Sub(t) > 2*MaxSkew {
				delete(v.nonces, k)
			}
		}
	}
	if _, seen := v.nonces[key]; seen {
		return false
	}
	v.nonces[key] = now
	return true
}

// Headers of a forwarded client request.
const (
	HeaderClientIP = "Kurz-Client-Ip"
	HeaderForward  = "Kurz-Forward-Signature"
)

func signForward(secret []byte, method, uri string, from, to kurz.Region, ts, nonce, ip string) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "kurz-forward-v1\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n", method, uri, from, to, ts, nonce, ip)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SignForward marks a client request that region from forwards to region
// to, vouching for the client's IP address. The body is not signed: the
// client's own credentials authenticate it; the signature only lets the
// receiver trust the forwarded address.
func SignForward(req *http.Request, secrets Secrets, from, to kurz.Region, clientIP string) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nb := make([]byte, 16)
	rand.Read(nb)
	nonce := base64.RawURLEncoding.EncodeToString(nb)
	req.Header.Set(HeaderFrom, string(from))
	req.Header.Set(HeaderTo, string(to))
	req.Header.Set(HeaderTime, ts)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderClientIP, clientIP)
	req.Header.Set(HeaderForward, signForward(secrets(from, to), req.Method, req.URL.RequestURI(), from, to, ts, nonce, clientIP))
}

// VerifyForward checks a forwarded request and returns the client IP it
// vouches for; ok is false for requests that were not (validly) forwarded.
func (v *Verifier) VerifyForward(req *http.Request) (clientIP string, ok bool) {
	sig := req.Header.Get(HeaderForward)
	if sig == "" {
		return "", false
	}
	from, to := kurz.Region(req.Header.Get(HeaderFrom)), kurz.Region(req.Header.Get(HeaderTo))
	ts, nonce, ip := req.Header.Get(HeaderTime), req.Header.Get(HeaderNonce), req.Header.Get(HeaderClientIP)
	if !v.Known(from) || !v.Serves(to) || nonce == "" || len(nonce) > 64 {
		return "", false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", false
	}
	if d := time.Since(time.Unix(sec, 0)); d > MaxSkew || d < -MaxSkew {
		return "", false
	}
	want := signForward(v.Secrets(from, to), req.Method, req.URL.RequestURI(), from, to, ts, nonce, ip)
	if !hmac.Equal([]byte(want), []byte(sig)) || !v.remember(string(from)+"/f/"+nonce) {
		return "", false
	}
	return ip, true
}
