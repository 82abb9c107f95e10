// Package link is the region link: the small authenticated HTTP API that
// regions use to talk to each other. Cells in one process use it too,
// through an in-memory transport that still serialises every request and
// response, so whatever would leak over a real network shows in tests.
//
// link owns the wire: the signed envelope (this file and sign.go), the
// keys (keys.go), the typed protocol, one route, one request and one
// response type and a client function per call (calls.go), and the
// server side, a Mux on which concern packages register their calls and
// a Handler that verifies, dispatches and signs (mux.go). It imports only
// the root kurz package and the standard library; it must never import
// cell, httpapi, app, a store or a concern package: they import link.
//
// Every request is signed with HMAC-SHA256 over the method, request URI,
// sender, receiver, a timestamp, a nonce and the body's hash. The
// receiver refuses (401) a bad signature, a timestamp more than MaxSkew
// away, a nonce it has already seen within that window, an unknown
// sender, and a request addressed by a region to itself. The answer is
// signed the same way by the receiver (status, the request's method, URI
// and nonce, the regions swapped, a timestamp, Retry-After and the body's
// hash), and the calls refuse an answer whose signature is missing,
// forged or made for another request, as EUnavailable: a peer's answer is
// as untrusted as a stranger's request. A signed answer is refused too
// when it names a person or object its region cannot vouch for: a region
// speaks only for its own people and objects (see calls.go).
//
// Keys: each direction of each pair of regions has its own key, derived
// with HKDF-SHA256 from the pair's secret when one is configured, else
// from the deployment's shared secret; no configured secret authenticates
// a message itself. With only a shared secret, all regions form one trust
// domain; pair secrets make a sender's identity hold between operators.
// The email locator key is derived apart (its own secret, or the shared
// one under its own HKDF label) and never authenticates a call. See Keys.
//
// A region never calls itself over the wire. A cell that addresses its own
// region (the handle directory claiming in its own directory, a fan-out
// that includes itself) is served in memory by its own process's handler,
// unsigned but still serialised both ways.
package link

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"kurz"
)

// Headers of a signed link request, and of its signed answer (where From
// is the answering region and To the caller, and Nonce the request's).
const (
	HeaderFrom      = "Kurz-Link-From"
	HeaderTo        = "Kurz-Link-To"
	HeaderTime      = "Kurz-Link-Time"
	HeaderNonce     = "Kurz-Link-Nonce"
	HeaderSignature = "Kurz-Link-Signature"
)

// MaxSkew is how far a message's timestamp may be from the receiver's
// clock.
const MaxSkew = 60 * time.Second

// maxBody bounds a link message, request or answer.
const maxBody = 4 << 20

// Errors of Verify. Handler answers ErrBusy with a signed 503 and
// Retry-After, ErrTooLarge with 413, and anything else with 401.
var (
	// ErrUnauthenticated is returned for a bad, stale, replayed or
	// self-addressed request.
	ErrUnauthenticated = errors.New("link: unauthenticated request")
	// ErrTooLarge is returned for a body over the link's size bound.
	ErrTooLarge = errors.New("link: request body too large")
	// ErrBusy is returned when the replay window holds as many nonces as
	// the Verifier may remember; the request is refused, not let through.
	ErrBusy = errors.New("link: too many requests in the replay window")
	// ErrBadAnswer is the cause of the EUnavailable error a call returns
	// for an answer without a valid signature.
	ErrBadAnswer = errors.New("link: answer not authenticated")
)

// Client calls peers. Peers in the same process are reached through their
// handler in memory; others over HTTP.
type Client struct {
	// From is the region this client speaks for.
	From    kurz.Region
	Secrets Secrets
	// Peers maps each other region to its base URL, or to "local" for a
	// cell in this process (then Local serves it).
	Peers map[kurz.Region]string
	// Local serves the regions of this process: calls to "local" peers
	// and calls to From itself, which never go over the wire.
	Local http.Handler
	HTTP  *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Topology is this process's topology hash, sent with every call.
	Topology string
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// roundTrip sends one request and returns the body of a successful
// answer; an error answer becomes its *kurz.Error. An answer from another
// region without a valid signature is refused (ErrBadAnswer), whatever
// its status: nothing a peer says is believed unless the peer said it.
func (c *Client) roundTrip(ctx context.Context, to kurz.Region, method, uri string, body []byte) ([]byte, error) {
	if to == c.From {
		return c.callSelf(ctx, method, uri, body)
	}
	base, ok := c.Peers[to]
	if !ok {
		return nil, kurz.Errorf(kurz.EUnavailable, "region %s is not known here", to)
	}
	u := base + uri
	if base == "local" {
		if c.Local == nil {
			return nil, kurz.Errorf(kurz.EUnavailable, "region %s has no handler in this process", to)
		}
		u = "http://local" + uri
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	key := c.Secrets(c.From, to)
	if len(key) == 0 {
		return nil, kurz.Errorf(kurz.EUnavailable, "no link key for region %s", to)
	}
	nonce := c.sign(req, key, to, body)
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
			return nil, &kurz.Error{Code: kurz.EUnavailable, Message: fmt.Sprintf("region %s is unreachable", to), Cause: err}
		}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, &kurz.Error{Code: kurz.EUnavailable, Message: fmt.Sprintf("region %s is unreachable", to), Cause: err}
	}
	if len(data) > maxBody {
		return nil, kurz.Errorf(kurz.EUnavailable, "region %s answered with more than %d bytes", to, maxBody)
	}
	if err := c.checkAnswer(resp, req, to, nonce, data); err != nil {
		return nil, err
	}
	return answer(to, resp.StatusCode, resp.Header, data)
}

// answer turns an answer into its body or its error.
func answer(to kurz.Region, status int, h http.Header, data []byte) ([]byte, error) {
	if status < 300 {
		return data, nil
	}
	var e struct {
		Error struct{ Code, Message, Field string }
	}
	if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
		retry, _ := strconv.Atoi(h.Get("Retry-After"))
		return nil, &kurz.Error{Code: e.Error.Code, Message: e.Error.Message, Field: e.Error.Field, RetryAfter: max(retry, 0)}
	}
	if status >= 500 {
		return nil, kurz.Errorf(kurz.EUnavailable, "region %s answered %d", to, status)
	}
	return nil, kurz.Errorf(kurz.EInternal, "region %s answered %d", to, status)
}

// checkAnswer verifies the signature of region to's answer to req.
func (c *Client) checkAnswer(resp *http.Response, req *http.Request, to kurz.Region, nonce string, body []byte) error {
	h := resp.Header
	ts, sig := h.Get(HeaderTime), h.Get(HeaderSignature)
	ok := kurz.Region(h.Get(HeaderFrom)) == to && kurz.Region(h.Get(HeaderTo)) == c.From &&
		h.Get(HeaderNonce) == nonce && fresh(ts, c.now())
	if key := c.Secrets(to, c.From); ok && len(key) > 0 {
		ok = checkSig(sig, signResponse(key, resp.StatusCode, req.Method, req.URL.RequestURI(), to, c.From, ts, nonce, h.Get("Retry-After"), body))
	} else {
		ok = false
	}
	if ok {
		return nil
	}
	msg := fmt.Sprintf("region %s answered without a valid signature", to)
	if resp.StatusCode == http.StatusUnauthorized && sig == "" {
		// Requests that fail verification get unsigned answers: this may
		// be a refusal (check the link keys and clocks) or a forgery.
		msg = fmt.Sprintf("region %s refused the call as unauthenticated, or someone answered for it", to)
		var e struct{ Error struct{ Message string } }
		if json.Unmarshal(body, &e) == nil {
			if why, ok := strings.CutPrefix(e.Error.Message, refusedPrefix); ok {
				msg = fmt.Sprintf("region %s refused the call: %s (an unsigned answer)", to, peerSaid(why))
			}
		}
	}
	return &kurz.Error{Code: kurz.EUnavailable, Message: msg, Cause: fmt.Errorf("%w (status %d)", ErrBadAnswer, resp.StatusCode)}
}

// Sign adds the link headers to req, addressed to region to, with body as
// its payload.
func (c *Client) Sign(req *http.Request, to kurz.Region, body []byte) {
	c.sign(req, c.Secrets(c.From, to), to, body)
}

func (c *Client) sign(req *http.Request, key []byte, to kurz.Region, body []byte) (nonce string) {
	ts, nonce := timestamp(c.now()), newNonce()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderFrom, string(c.From))
	req.Header.Set(HeaderTo, string(to))
	req.Header.Set(HeaderTime, ts)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, signRequest(key, req.Method, req.URL.RequestURI(), c.From, to, ts, nonce, body))
	if c.Topology != "" {
		req.Header.Set(HeaderTopology, c.Topology)
	}
	return nonce
}

// selfCall marks, in a request's context, a call a region makes to
// itself. Contexts do not cross the network, so only a Client in this
// process can set it; Verify accepts such a request unsigned.
type selfCall struct{}

// callSelf serves a call to this client's own region in memory, through
// Local, unsigned: it never touches the wire, where a region addressing
// itself is refused.
func (c *Client) callSelf(ctx context.Context, method, uri string, body []byte) ([]byte, error) {
	if c.Local == nil {
		return nil, kurz.Errorf(kurz.EUnavailable, "region %s has no handler in this process", c.From)
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, selfCall{}, c.From), method, "http://local"+uri, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderFrom, string(c.From))
	req.Header.Set(HeaderTo, string(c.From))
	resp := serveInMemory(c.Local, req)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return answer(c.From, resp.StatusCode, resp.Header, data)
}

// serveInMemory runs h on a copy of req and returns a serialised response:
// headers and body are copied bytes, as over a network.
func serveInMemory(h http.Handler, req *http.Request) *http.Response {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	in := req.Clone(req.Context())
	in.Body = io.NopCloser(bytes.NewReader(body))
	in.ContentLength = int64(len(body))
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "local"
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	h.ServeHTTP(rec, in)
	return &http.Response{StatusCode: rec.code, Header: rec.header.Clone(), Body: io.NopCloser(bytes.NewReader(bytes.Clone(rec.body.Bytes())))}
}

// recorder buffers a response: the in-memory transport's wire, and the
// Handler's buffer while it signs an answer.
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

// DefaultMaxNonces is how many nonces a Verifier remembers at most when
// MaxNonces is zero: about ten requests a second from every peer for the
// whole replay window, in a few megabytes.
const DefaultMaxNonces = 1 << 16

// Verifier checks signed requests addressed to the regions this process
// serves.
type Verifier struct {
	Secrets Secrets
	// Serves reports whether this process hosts region r; nil serves none.
	Serves func(r kurz.Region) bool
	// Known reports whether r is a region this one may hear from; nil
	// knows none. A region never hears from itself over the wire, whatever
	// Known says.
	Known func(r kurz.Region) bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Topology is this process's topology hash; a signed request naming
	// another is refused (RefusedTopology). A request naming none is
	// accepted.
	Topology string
	// MaxNonces bounds the replay memory; 0 means DefaultMaxNonces. When
	// it is full of nonces still inside the window, requests are refused
	// with ErrBusy until some expire.
	MaxNonces int

	mu     sync.Mutex
	nonces map[string]time.Time
	order  []nonceAt // oldest first, from head
	head   int
}

type nonceAt struct {
	key string
	at  time.Time
}

func (v *Verifier) serves(r kurz.Region) bool { return v.Serves != nil && v.Serves(r) }
func (v *Verifier) known(r kurz.Region) bool  { return v.Known != nil && v.Known(r) }

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Verify checks req's signature and freshness and returns its body (read
// whole, bounded) and sender. With ErrBusy it returns the verified sender
// and receiver (and no body), so that the refusal can be signed.
//
// A request a Client in this process makes to its own region (marked in
// its context, which no network request can carry) is accepted unsigned,
// with from == to; any other request with from == to is refused.
func (v *Verifier) Verify(req *http.Request) (from, to kurz.Region, body []byte, err error) {
	from, to = kurz.Region(req.Header.Get(HeaderFrom)), kurz.Region(req.Header.Get(HeaderTo))
	if self, ok := req.Context().Value(selfCall{}).(kurz.Region); ok && self == from && self == to {
		if !v.serves(to) {
			return "", "", nil, ErrUnauthenticated
		}
		if body, err = readBody(req); err != nil {
			return "", "", nil, err
		}
		return from, to, body, nil
	}
	ts, nonce, sig := req.Header.Get(HeaderTime), req.Header.Get(HeaderNonce), req.Header.Get(HeaderSignature)
	var why refusal
	switch {
	case from.Validate() != nil || to.Validate() != nil || !validNonce(nonce) || len(sig) != sigLen:
		why = RefusedMalformed
	case from == to:
		why = RefusedSelf
	case !v.known(from):
		why = RefusedUnknown
	case !v.serves(to):
		why = RefusedNotServed
	case !fresh(ts, v.now()):
		why = RefusedClock
	}
	if why != "" {
		return "", "", nil, why
	}
	if body, err = readBody(req); err != nil {
		return "", "", nil, err
	}
	key := v.Secrets(from, to)
	if len(key) == 0 || !checkSig(sig, signRequest(key, req.Method, req.URL.RequestURI(), from, to, ts, nonce, body)) {
		return "", "", nil, refusal(RefusedSignature)
	}
	// Checked after the signature, so that only a peer holding the
	// secret learns that the topologies differ.
	if t := req.Header.Get(HeaderTopology); v.Topology != "" && t != "" && t != v.Topology {
		return "", "", nil, refusal(RefusedTopology)
	}
	if err := v.remember(string(from) + "/" + nonce); errors.Is(err, ErrBusy) {
		return from, to, nil, err // authenticated, but not checked for replay: refused
	} else if err != nil {
		return "", "", nil, err
	}
	return from, to, body, nil
}

func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBody+1))
	if err != nil {
		return nil, ErrUnauthenticated
	}
	if len(body) > maxBody {
		return nil, ErrTooLarge
	}
	return body, nil
}

// remember records a nonce; it fails for a nonce seen before and when the
// memory is full. Nonces older than twice MaxSkew are forgotten: their
// timestamps are refused anyway.
func (v *Verifier) remember(key string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	if v.nonces == nil {
		v.nonces = map[string]time.Time{}
	}
	for v.head < len(v.order) && now.Sub(v.order[v.head].at) > 2*MaxSkew {
		delete(v.nonces, v.order[v.head].key)
		v.order[v.head] = nonceAt{}
		v.head++
	}
	if v.head > len(v.order)/2 {
		v.order = append(v.order[:0], v.order[v.head:]...)
		v.head = 0
	}
	if _, seen := v.nonces[key]; seen {
		return ErrUnauthenticated
	}
	limit := v.MaxNonces
	if limit <= 0 {
		limit = DefaultMaxNonces
	}
	if len(v.nonces) >= limit {
		return ErrBusy
	}
	v.nonces[key] = now
	v.order = append(v.order, nonceAt{key, now})
	return nil
}

// remembered is how many nonces v holds, for tests.
func (v *Verifier) remembered() (nonces, queue int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.nonces), len(v.order) - v.head
}

// Headers of a forwarded client request.
const (
	HeaderClientIP = "Kurz-Client-Ip"
	HeaderForward  = "Kurz-Forward-Signature"
)

// SignForward marks a client request that region from forwards to region
// to, vouching for the client's IP address. The body is not signed: the
// client's own credentials authenticate it; the signature only lets the
// receiver trust the forwarded address.
func SignForward(req *http.Request, secrets Secrets, from, to kurz.Region, clientIP string) {
	ts, nonce := timestamp(time.Now()), newNonce()
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
	if from == to || from.Validate() != nil || !v.known(from) || !v.serves(to) || !validNonce(nonce) || !fresh(ts, v.now()) {
		return "", false
	}
	key := v.Secrets(from, to)
	if len(key) == 0 || !checkSig(sig, signForward(key, req.Method, req.URL.RequestURI(), from, to, ts, nonce, ip)) {
		return "", false
	}
	if v.remember(string(from)+"/f/"+nonce) != nil {
		return "", false
	}
	return ip, true
}
