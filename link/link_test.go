package link

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kurz"
)

// clock is a settable clock shared by the clients and the verifier of a
// test, so skew and expiry are tested without sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	sharedSecret = []byte("the deployment's shared secret!!")
	pairSecret   = []byte("the eu-us pair's own secret!!!!!")
	allRegions   = []kurz.Region{"eu", "us", "sg"}
)

func testKeys() *Keys {
	return &Keys{Shared: sharedSecret, Pairs: map[Pair][]byte{PairOf("eu", "us"): pairSecret}}
}

// bundle is one process serving some regions over an httptest server and
// in memory, with a hook in front of its Handler for tampering.
type bundle struct {
	clock    *clock
	keys     *Keys
	verifier *Verifier
	muxes    map[kurz.Region]*Mux
	handler  *Handler
	server   *httptest.Server
	front    atomic.Pointer[http.Handler]
}

// setup serves regions served, each with the test calls registered.
func setup(tb testing.TB, served ...kurz.Region) *bundle {
	tb.Helper()
	b := &bundle{clock: newClock(), keys: testKeys(), muxes: map[kurz.Region]*Mux{}}
	for _, r := range served {
		m := NewMux()
		registerTestCalls(m, r)
		b.muxes[r] = m
	}
	b.verifier = &Verifier{
		Secrets: b.keys.Secrets(),
		Serves:  func(r kurz.Region) bool { return b.muxes[r] != nil },
		Known:   func(r kurz.Region) bool { return slices.Contains(allRegions, r) },
		Now:     b.clock.Now,
	}
	b.handler = &Handler{Verifier: b.verifier, Mux: func(r kurz.Region) *Mux { return b.muxes[r] }}
	b.setFront(b.handler)
	b.server = httptest.NewServer(http.HandlerFunc(b.serve))
	tb.Cleanup(b.server.Close)
	return b
}

func (b *bundle) serve(w http.ResponseWriter, r *http.Request) { (*b.front.Load()).ServeHTTP(w, r) }

// setFront puts h in front of the process (both transports).
func (b *bundle) setFront(h http.Handler) { b.front.Store(&h) }

// tamper lets f change every answer before it leaves.
func (b *bundle) tamper(f func(r *http.Request, rec *httptest.ResponseRecorder)) {
	b.setFront(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		b.handler.ServeHTTP(rec, r)
		f(r, rec)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
}

// client speaks for region from to this bundle's regions, over "http" or
// in memory ("local").
func (b *bundle) client(from kurz.Region, transport string) *Client {
	c := &Client{From: from, Secrets: b.keys.Secrets(), Now: b.clock.Now, Peers: map[kurz.Region]string{},
		Local: http.HandlerFunc(b.serve)}
	for r := range b.muxes {
		c.Peers[r] = b.server.URL
		if transport == "local" {
			c.Peers[r] = "local"
		}
	}
	return c
}

var transports = []string{"http", "local"}

type echoRequest struct {
	Text string `json:"text"`
	N    int    `json:"n"`
}

type echoResponse struct {
	From kurz.Region `json:"from"`
	To   kurz.Region `json:"to"`
	Text string      `json:"text"`
	N    int         `json:"n"`
}

type itemRequest struct {
	ID    string `json:"id"`
	After int64  `json:"after"`
	Flag  bool   `json:"flag"`
	Name  string `json:"name"`
}

type failRequest struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	Field      string `json:"field"`
	RetryAfter int    `json:"retry_after"`
	Plain      bool   `json:"plain"`
}

const (
	routeEcho = "POST /link/v1/test/echo"
	routeItem = "GET /link/v1/test/items/{id}"
	routeFail = "POST /link/v1/test/fail"
)

// registerTestCalls registers the calls the envelope and mux tests use on
// region at's Mux.
func registerTestCalls(m *Mux, at kurz.Region) {
	Handle(m, routeEcho, func(ctx context.Context, from kurz.Region, in *echoRequest) (*echoResponse, error) {
		return &echoResponse{From: from, To: at, Text: in.Text, N: in.N}, nil
	})
	Handle(m, routeItem, func(ctx context.Context, from kurz.Region, in *itemRequest) (*itemRequest, error) {
		return in, nil
	})
	Handle(m, routeFail, func(ctx context.Context, from kurz.Region, in *failRequest) (*Empty, error) {
		if in.Plain {
			return nil, errors.New("a cause clients must not see")
		}
		return nil, &kurz.Error{Code: in.Code, Message: in.Message, Field: in.Field, RetryAfter: in.RetryAfter}
	})
}

func echo(ctx context.Context, c *Client, to kurz.Region, text string) (*echoResponse, error) {
	return call[echoRequest, echoResponse](ctx, c, to, routeEcho, &echoRequest{Text: text, N: 7}, nil)
}

// echoUntyped sends the echo call as c signs it, without checking the
// answer, and reports the peer's own (unsigned) refusal as its code: what
// the receiving side decided, which the typed calls do not take.
func echoUntyped(ctx context.Context, c *Client, to kurz.Region) error {
	body := []byte(`{"text":"hi"}`)
	u := c.Peers[to] + routeEcho[len("POST "):]
	if c.Peers[to] == "local" {
		u = "http://local" + routeEcho[len("POST "):]
	}
	req, err := http.NewRequestWithContext(ctx, "POST", u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	c.Sign(req, to, body)
	var resp *http.Response
	if c.Peers[to] == "local" {
		resp = serveInMemory(c.Local, req)
	} else if resp, err = http.DefaultClient.Do(req); err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	_, err = answer(to, resp.StatusCode, resp.Header, data)
	return err
}

// box holds a value that a server goroutine sets and a test reads.
type box[T any] struct {
	mu sync.Mutex
	v  T
}

func (b *box[T]) Set(v T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.v = v
}

func (b *box[T]) Get() T {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.v
}

// signed returns a request from region from to region to, signed by a
// client with the bundle's keys and clock.
func (b *bundle) signed(from, to kurz.Region, method, target, body string) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	c := &Client{From: from, Secrets: b.keys.Secrets(), Now: b.clock.Now}
	c.Sign(req, to, []byte(body))
	return req
}

// do sends req through the process's front over HTTP.
func (b *bundle) do(tb testing.TB, req *http.Request) (*http.Response, []byte) {
	tb.Helper()
	out, err := http.NewRequest(req.Method, b.server.URL+req.URL.RequestURI(), req.Body)
	if err != nil {
		tb.Fatal(err)
	}
	out.Header = req.Header.Clone()
	resp, err := http.DefaultClient.Do(out)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, data
}

// errorShape decodes the one error shape.
func errorShape(tb testing.TB, data []byte) (code, message, field string) {
	tb.Helper()
	var e struct {
		Error map[string]string `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error["code"] == "" {
		tb.Fatalf("not the error shape: %s (%v)", data, err)
	}
	return e.Error["code"], e.Error["message"], e.Error["field"]
}

func TestSignedCallRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			b := setup(t, "us")
			var header box[http.Header]
			b.tamper(func(r *http.Request, rec *httptest.ResponseRecorder) { header.Set(rec.Header().Clone()) })
			out, err := echo(t.Context(), b.client("eu", tr), "us", "hello")
			if err != nil {
				t.Fatal(err)
			}
			if *out != (echoResponse{From: "eu", To: "us", Text: "hello", N: 7}) {
				t.Fatalf("answer %+v", out)
			}
			if answered := header.Get(); answered.Get(HeaderFrom) != "us" || answered.Get(HeaderTo) != "eu" || len(answered.Get(HeaderSignature)) != sigLen {
				t.Fatalf("the answer is not signed by us for eu: %v", answered)
			}
		})
	}
}

func TestVerifyRefusesTampering(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	const body = `{"text":"hi","n":1}`
	cases := map[string]func(r *http.Request){
		"method":        func(r *http.Request) { r.Method = "PUT" },
		"path":          func(r *http.Request) { r.URL.Path = "/link/v1/test/other" },
		"query":         func(r *http.Request) { r.URL.RawQuery = "x=1" },
		"body":          func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader(`{"text":"ho","n":1}`)) },
		"body extended": func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader(body + " ")) },
		"from":          func(r *http.Request) { r.Header.Set(HeaderFrom, "sg") },
		"to":            func(r *http.Request) { r.Header.Set(HeaderTo, "eu") },
		"time":          func(r *http.Request) { r.Header.Set(HeaderTime, timestamp(b.clock.Now().Add(time.Second))) },
		"nonce":         func(r *http.Request) { r.Header.Set(HeaderNonce, "AAAAAAAAAAAAAAAAAAAAAA") },
		"signature": func(r *http.Request) {
			s := []byte(r.Header.Get(HeaderSignature))
			s[0] ^= 1
			r.Header.Set(HeaderSignature, string(s))
		},
		"no from":          func(r *http.Request) { r.Header.Del(HeaderFrom) },
		"no to":            func(r *http.Request) { r.Header.Del(HeaderTo) },
		"no time":          func(r *http.Request) { r.Header.Del(HeaderTime) },
		"no nonce":         func(r *http.Request) { r.Header.Del(HeaderNonce) },
		"no signature":     func(r *http.Request) { r.Header.Del(HeaderSignature) },
		"time with a sign": func(r *http.Request) { r.Header.Set(HeaderTime, "+"+r.Header.Get(HeaderTime)) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			req := b.signed("eu", "us", "POST", "/link/v1/test/echo", body)
			mutate(req)
			if _, _, _, err := b.verifier.Verify(req); !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("Verify: %v, want ErrUnauthenticated", err)
			}
			req = b.signed("eu", "us", "POST", "/link/v1/test/echo", body)
			mutate(req)
			resp, data := b.do(t, req)
			if code, _, _ := errorShape(t, data); resp.StatusCode != 401 || code != kurz.EUnauthorized {
				t.Fatalf("over HTTP: %d %s", resp.StatusCode, data)
			}
			if resp.Header.Get(HeaderSignature) != "" {
				t.Fatal("an unauthenticated request got a signed answer")
			}
		})
	}
	// The same request untouched passes.
	req := b.signed("eu", "us", "POST", "/link/v1/test/echo", body)
	if from, to, got, err := b.verifier.Verify(req); err != nil || from != "eu" || to != "us" || string(got) != body {
		t.Fatalf("untouched: %s %s %q %v", from, to, got, err)
	}
}

func TestClockSkew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		skew time.Duration
		ok   bool
	}{
		{0, true}, {MaxSkew - time.Second, true}, {-MaxSkew + time.Second, true}, {MaxSkew, true}, {-MaxSkew, true},
		{MaxSkew + time.Second, false}, {-MaxSkew - time.Second, false}, {24 * time.Hour, false}, {-24 * time.Hour, false},
	} {
		b := setup(t, "us")
		c := b.client("eu", "http")
		sender := newClock()
		sender.t = b.clock.Now().Add(tc.skew)
		c.Now = sender.Now
		err := echoUntyped(t.Context(), c, "us")
		if tc.ok != (err == nil) {
			t.Errorf("request clock %v from the receiver's: %v", tc.skew, err)
		}
		if !tc.ok && kurz.ErrorCode(err) != kurz.EUnauthorized {
			t.Errorf("request clock %v: %v, want unauthorized", tc.skew, err)
		}
		// A typed call takes no unsigned answer, a refusal included.
		if _, err := echo(t.Context(), c, "us", "hi"); !tc.ok && !errors.Is(err, ErrBadAnswer) {
			t.Errorf("request clock %v, typed: %v", tc.skew, err)
		}
	}
}

// resign signs an answer again as region from for region to with the
// bundle's keys, after a test changed it.
func (b *bundle) resign(r *http.Request, rec *httptest.ResponseRecorder, ts string) {
	h := rec.Header()
	from, to := kurz.Region(h.Get(HeaderFrom)), kurz.Region(h.Get(HeaderTo))
	h.Set(HeaderTime, ts)
	h.Set(HeaderSignature, signResponse(b.keys.Secrets()(from, to), rec.Code, r.Method, r.URL.RequestURI(), from, to, ts,
		h.Get(HeaderNonce), h.Get("Retry-After"), rec.Body.Bytes()))
}

func TestAnswerClockSkew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		skew time.Duration
		ok   bool
	}{
		{MaxSkew, true}, {-MaxSkew, true}, {MaxSkew + time.Second, false}, {-MaxSkew - time.Second, false},
	} {
		for _, tr := range transports {
			b := setup(t, "us")
			b.tamper(func(r *http.Request, rec *httptest.ResponseRecorder) {
				b.resign(r, rec, timestamp(b.clock.Now().Add(tc.skew)))
			})
			_, err := echo(t.Context(), b.client("eu", tr), "us", "hi")
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrBadAnswer)) {
				t.Errorf("%s: answer clock %v from the caller's: %v", tr, tc.skew, err)
			}
		}
	}
}

func TestReplayRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	const body = `{"text":"once","n":1}`
	req := b.signed("eu", "us", "POST", "/link/v1/test/echo", body)
	again := req.Clone(t.Context())
	again.Body = io.NopCloser(strings.NewReader(body))
	if resp, data := b.do(t, req); resp.StatusCode != 200 {
		t.Fatalf("first: %d %s", resp.StatusCode, data)
	}
	if resp, data := b.do(t, again); resp.StatusCode != 401 {
		t.Fatalf("replayed: %d %s", resp.StatusCode, data)
	}
	// Once the nonce is forgotten, the timestamp is too old anyway.
	b.clock.Add(2*MaxSkew + time.Second)
	late := req.Clone(t.Context())
	late.Body = io.NopCloser(strings.NewReader(body))
	if resp, _ := b.do(t, late); resp.StatusCode != 401 {
		t.Fatalf("replayed after the window: %d", resp.StatusCode)
	}
	// The same nonce from another sender is another request.
	if _, _, _, err := b.verifier.Verify(b.signed("sg", "us", "POST", "/link/v1/test/echo", body)); err != nil {
		t.Fatal(err)
	}
}

// raw uses secret itself as the key of every direction, as a peer that
// skips the derivation would.
func raw(secret []byte) Secrets { return func(from, to kurz.Region) []byte { return secret } }

func TestForgedSenderRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	keys := b.keys.Secrets()
	cases := map[string]*Client{
		// sg holds the shared secret but not the eu-us pair's.
		"sg claims eu with the shared secret": {From: "eu", Secrets: func(from, to kurz.Region) []byte { return DirectionKey(sharedSecret, from, to) }},
		"eu signs with the sg-us key":         {From: "eu", Secrets: func(from, to kurz.Region) []byte { return keys("sg", "us") }},
		"eu signs with the us-eu key":         {From: "eu", Secrets: func(from, to kurz.Region) []byte { return keys("us", "eu") }},
		"eu signs with the pair secret":       {From: "eu", Secrets: raw(pairSecret)},
		"sg signs with the raw shared secret": {From: "sg", Secrets: raw(sharedSecret)},
		"an unknown region":                   {From: "xx", Secrets: keys},
		"a malformed region":                  {From: "E U", Secrets: keys},
	}
	for name, c := range cases {
		c.Now, c.Peers = b.clock.Now, map[kurz.Region]string{"us": b.server.URL}
		if err := echoUntyped(t.Context(), c, "us"); kurz.ErrorCode(err) != kurz.EUnauthorized {
			t.Errorf("%s: %v, want unauthorized", name, err)
		}
	}
	// sg's own calls pass.
	if out, err := echo(t.Context(), b.client("sg", "http"), "us", "hi"); err != nil || out.From != "sg" {
		t.Fatalf("sg: %+v %v", out, err)
	}
}

func TestSelfAddressedRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	// A valid signature of us to us, as a peer holding the key could make.
	req := b.signed("us", "us", "POST", "/link/v1/test/echo", `{"text":"me","n":1}`)
	if _, _, _, err := b.verifier.Verify(req.Clone(t.Context())); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("Verify: %v", err)
	}
	resp, data := b.do(t, req)
	if code, _, _ := errorShape(t, data); resp.StatusCode != 401 || code != kurz.EUnauthorized {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	// A client never sends its own region's calls over the wire.
	c := &Client{From: "us", Secrets: b.keys.Secrets(), Peers: map[kurz.Region]string{"us": b.server.URL}}
	if _, err := echo(t.Context(), c, "us", "hi"); kurz.ErrorCode(err) != kurz.EUnavailable {
		t.Fatalf("self call without a local handler: %v", err)
	}
	// The in-process mark is honoured only for a call from a region to
	// itself, in a context no network request has.
	for name, r := range map[string]*http.Request{
		"marked for another region": selfMarked(t, "eu", "us", "us"),
		"marked, to another region": selfMarked(t, "us", "us", "eu"),
		"marked, from another":      selfMarked(t, "us", "eu", "us"),
	} {
		if _, _, _, err := b.verifier.Verify(r); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, _, err := b.verifier.Verify(selfMarked(t, "sg", "sg", "sg")); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("a self call to a region this process does not serve: %v", err)
	}
}

func selfMarked(tb testing.TB, mark, from, to kurz.Region) *http.Request {
	req := httptest.NewRequestWithContext(context.WithValue(tb.Context(), selfCall{}, mark), "POST", "/link/v1/test/echo", strings.NewReader(`{}`))
	req.Header.Set(HeaderFrom, string(from))
	req.Header.Set(HeaderTo, string(to))
	return req
}

func TestSelfCallInMemory(t *testing.T) {
	t.Parallel()
	b := setup(t, "us", "eu")
	var header box[http.Header]
	b.tamper(func(r *http.Request, rec *httptest.ResponseRecorder) { header.Set(r.Header.Clone()) })
	for _, tr := range transports {
		c := b.client("us", tr) // tr does not matter: a self call never leaves
		out, err := echo(t.Context(), c, "us", "myself")
		if err != nil || *out != (echoResponse{From: "us", To: "us", Text: "myself", N: 7}) {
			t.Fatalf("%s: %+v %v", tr, out, err)
		}
		if seen := header.Get(); seen.Get(HeaderSignature) != "" || seen.Get(HeaderFrom) != "us" || seen.Get(HeaderTo) != "us" {
			t.Fatalf("a self call was signed or misaddressed: %v", header.Get())
		}
		// Errors keep their code.
		_, err = call[failRequest, Empty](t.Context(), c, "us", routeFail, &failRequest{Code: kurz.EConflict, Message: "taken"}, nil)
		if kurz.ErrorCode(err) != kurz.EConflict {
			t.Fatalf("self call error: %v", err)
		}
	}
}

// A handler that verifies requests but answers unsigned (the shape the
// link was served with before Handler) gets its answers refused, except
// for a region's calls to itself, which never leave the process.
func TestUnsignedAnswersRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, "us", "eu")
	b.setFront(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from, to, _, err := b.verifier.Verify(r)
		if err != nil {
			w.WriteHeader(401)
			w.Write([]byte(`{"error":{"code":"unauthorized","message":"link request not authenticated"}}`))
			return
		}
		json.NewEncoder(w).Encode(echoResponse{From: from, To: to, Text: "hi"})
	}))
	for _, tr := range transports {
		if _, err := echo(t.Context(), b.client("eu", tr), "us", "x"); kurz.ErrorCode(err) != kurz.EUnavailable || !errors.Is(err, ErrBadAnswer) {
			t.Fatalf("%s: a typed call took an unsigned answer: %v", tr, err)
		}
		if _, err := echo(t.Context(), b.client("us", tr), "us", "x"); err != nil {
			t.Fatalf("%s: typed self call: %v", tr, err)
		}
	}
}

func TestForgedAnswerRefused(t *testing.T) {
	t.Parallel()
	var previous box[*httptest.ResponseRecorder]
	cases := map[string]func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder){
		"stripped": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) {
			for _, h := range []string{HeaderFrom, HeaderTo, HeaderTime, HeaderNonce, HeaderSignature} {
				rec.Header().Del(h)
			}
		},
		"signature only stripped": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) { rec.Header().Del(HeaderSignature) },
		"body changed": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) {
			rec.Body = bytes.NewBufferString(strings.Replace(rec.Body.String(), "hi", "ho", 1))
		},
		"status changed": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) { rec.Code = 201 },
		"retry-after added": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) {
			rec.Header().Set("Retry-After", "3600")
		},
		"from changed": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) { rec.Header().Set(HeaderFrom, "sg") },
		"to changed":   func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) { rec.Header().Set(HeaderTo, "sg") },
		"nonce of another": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) {
			rec.Header().Set(HeaderNonce, newNonce())
		},
		"time changed": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) { rec.Header().Set(HeaderTime, "1") },
		"signature corrupted": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) {
			rec.Header().Set(HeaderSignature, strings.Repeat("A", sigLen))
		},
		"signed with the request's direction key": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) {
			h := rec.Header()
			h.Set(HeaderSignature, signResponse(b.keys.Secrets()("eu", "us"), rec.Code, r.Method, r.URL.RequestURI(), "us", "eu",
				h.Get(HeaderTime), h.Get(HeaderNonce), "", rec.Body.Bytes()))
		},
		"signed by sg's key": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) {
			h := rec.Header()
			h.Set(HeaderSignature, signResponse(b.keys.Secrets()("sg", "eu"), rec.Code, r.Method, r.URL.RequestURI(), "us", "eu",
				h.Get(HeaderTime), h.Get(HeaderNonce), "", rec.Body.Bytes()))
		},
		"the request's signature": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) {
			rec.Header().Set(HeaderSignature, r.Header.Get(HeaderSignature))
		},
		"an earlier answer replayed": func(b *bundle, r *http.Request, rec *httptest.ResponseRecorder) {
			if p := previous.Get(); p != nil {
				*rec = *p
			}
		},
	}
	for name, f := range cases {
		for _, tr := range transports {
			b := setup(t, "us")
			c := b.client("eu", tr)
			if name == "an earlier answer replayed" {
				b.tamper(func(r *http.Request, rec *httptest.ResponseRecorder) {
					cp := httptest.NewRecorder()
					cp.Code, cp.Body = rec.Code, bytes.NewBuffer(bytes.Clone(rec.Body.Bytes()))
					for k, vs := range rec.Header() {
						cp.Header()[k] = slices.Clone(vs)
					}
					previous.Set(cp)
				})
				if _, err := echo(t.Context(), c, "us", "hi"); err != nil {
					t.Fatal(err)
				}
			}
			b.tamper(func(r *http.Request, rec *httptest.ResponseRecorder) { f(b, r, rec) })
			_, err := echo(t.Context(), c, "us", "hi")
			if kurz.ErrorCode(err) != kurz.EUnavailable || !errors.Is(err, ErrBadAnswer) {
				t.Errorf("%s over %s: %v, want EUnavailable with ErrBadAnswer", name, tr, err)
			}
		}
	}
	// Error answers are signed and checked like any other.
	b := setup(t, "us")
	b.tamper(func(r *http.Request, rec *httptest.ResponseRecorder) { rec.Header().Del(HeaderSignature) })
	_, err := call[failRequest, Empty](t.Context(), b.client("eu", "http"), "us", routeFail, &failRequest{Code: kurz.EForbidden}, nil)
	if !errors.Is(err, ErrBadAnswer) {
		t.Fatalf("an unsigned error answer: %v", err)
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	k := testKeys()
	if err := k.Validate(); err != nil {
		t.Fatal(err)
	}
	s := k.Secrets()
	seen := map[string]string{}
	add := func(name string, key []byte) {
		t.Helper()
		if len(key) != 32 {
			t.Fatalf("%s: %d bytes", name, len(key))
		}
		if other, dup := seen[string(key)]; dup {
			t.Fatalf("%s and %s share a key", name, other)
		}
		seen[string(key)] = name
	}
	for _, a := range allRegions {
		for _, b := range allRegions {
			if a != b {
				add(string(a)+"→"+string(b), s(a, b))
			}
		}
	}
	add("shared", sharedSecret)
	add("pair", pairSecret)
	add("locator", k.LocatorKey())
	if !bytes.Equal(s("eu", "us"), DirectionKey(pairSecret, "eu", "us")) || !bytes.Equal(s("eu", "sg"), DirectionKey(sharedSecret, "eu", "sg")) {
		t.Fatal("the pair's secret is not used for its pair only")
	}
	// The locator key is the one kurz has always derived from the shared
	// secret (cell.LocatorKey), so stored email indexes stay valid, and a
	// locator secret of its own replaces it.
	if got := k.LocatorKey(); !bytes.Equal(got, LocatorKey(sharedSecret)) {
		t.Fatal("the locator key changed")
	}
	k2 := testKeys()
	k2.Locator = []byte("a locator secret, not a link one!")
	if bytes.Equal(k2.LocatorKey(), k.LocatorKey()) || !bytes.Equal(k2.Secrets()("eu", "sg"), s("eu", "sg")) {
		t.Fatal("the locator secret is not kept apart from the link keys")
	}
	if (&Keys{}).Secrets()("eu", "us") != nil {
		t.Fatal("no secret, yet a key")
	}
	for name, bad := range map[string]*Keys{
		"short shared":  {Shared: []byte("short")},
		"short pair":    {Shared: sharedSecret, Pairs: map[Pair][]byte{PairOf("eu", "us"): []byte("short")}},
		"unsorted pair": {Shared: sharedSecret, Pairs: map[Pair][]byte{{"us", "eu"}: pairSecret}},
		"self pair":     {Shared: sharedSecret, Pairs: map[Pair][]byte{{"eu", "eu"}: pairSecret}},
		"bad region":    {Shared: sharedSecret, Pairs: map[Pair][]byte{PairOf("EU", "us"): pairSecret}},
		"short locator": {Shared: sharedSecret, Locator: []byte("short")},
	} {
		if bad.Validate() == nil {
			t.Errorf("%s: valid", name)
		}
	}
	// Neither side accepts a missing key.
	b := setup(t, "us")
	c := b.client("eu", "http")
	c.Secrets = func(from, to kurz.Region) []byte { return nil }
	if _, err := echo(t.Context(), c, "us", "x"); kurz.ErrorCode(err) != kurz.EUnavailable {
		t.Fatalf("a call without a key: %v", err)
	}
	b.verifier.Secrets = func(from, to kurz.Region) []byte { return nil }
	req := httptest.NewRequest("POST", "/link/v1/test/echo", strings.NewReader("{}"))
	(&Client{From: "eu", Secrets: func(from, to kurz.Region) []byte { return nil }, Now: b.clock.Now}).Sign(req, "us", []byte("{}"))
	if _, _, _, err := b.verifier.Verify(req); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("verified with no key: %v", err)
	}
}

func TestNonceMemoryBounded(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	b.verifier.MaxNonces = 8
	c := b.client("eu", "http")
	for i := range 8 {
		if _, err := echo(t.Context(), c, "us", "x"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	_, err := echo(t.Context(), c, "us", "x")
	var ke *kurz.Error
	if !errors.As(err, &ke) || ke.Code != kurz.EUnavailable || ke.RetryAfter != 1 {
		t.Fatalf("past the bound: %#v, want unavailable with Retry-After", err)
	}
	// Refused, not let through without a replay check: the refused
	// request's nonce is not remembered either.
	if n, q := b.verifier.remembered(); n != 8 || q != 8 {
		t.Fatalf("remembered %d (queue %d), want 8", n, q)
	}
	b.clock.Add(2*MaxSkew + time.Second)
	if _, err := echo(t.Context(), c, "us", "x"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if n, q := b.verifier.remembered(); n != 1 || q != 1 {
		t.Fatalf("after the window: remembered %d (queue %d), want 1", n, q)
	}

	// A steady stream: the memory holds one window's worth, however many
	// requests pass.
	v := &Verifier{Secrets: b.keys.Secrets(), Serves: b.verifier.Serves, Known: b.verifier.Known, Now: b.clock.Now, MaxNonces: 2000}
	window := int(2*MaxSkew/time.Second) + 1
	for i := range 20_000 {
		if i%10 == 0 {
			b.clock.Add(time.Second)
		}
		if _, _, _, err := v.Verify(b.signed("eu", "us", "POST", "/link/v1/test/echo", "{}")); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if n, q := v.remembered(); n > 10*window || q != n {
			t.Fatalf("request %d: remembering %d (queue %d)", i, n, q)
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if cap(v.order) > 8*10*window {
		t.Fatalf("the queue's array grew to %d", cap(v.order))
	}
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	b := setup(t, "us", "eu")
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 50 {
		for _, tr := range transports {
			wg.Go(func() {
				from := []kurz.Region{"eu", "sg", "us"}[i%3]
				if _, err := echo(t.Context(), b.client(from, tr), "us", "x"); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestVerifyForward(t *testing.T) {
	t.Parallel()
	b := setup(t, "us")
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	SignForward(req, b.keys.Secrets(), "eu", "us", "192.0.2.1")
	b.verifier.Now = nil // SignForward uses the real clock
	if ip, ok := b.verifier.VerifyForward(req); !ok || ip != "192.0.2.1" {
		t.Fatalf("forward: %q %v", ip, ok)
	}
	if _, ok := b.verifier.VerifyForward(req); ok {
		t.Fatal("a replayed forward was accepted")
	}
	self := httptest.NewRequest("GET", "/api/v1/me", nil)
	SignForward(self, b.keys.Secrets(), "us", "us", "192.0.2.1")
	if _, ok := b.verifier.VerifyForward(self); ok {
		t.Fatal("a region forwarded to itself")
	}
	// A link call's signature is not a forward's, nor the other way.
	call := b.signed("eu", "us", "GET", "/api/v1/me", "")
	call.Header.Set(HeaderForward, call.Header.Get(HeaderSignature))
	if _, ok := b.verifier.VerifyForward(call); ok {
		t.Fatal("a link signature passed as a forward")
	}
}

// TestRefusalsNameTheirCause: each reason to refuse a call is logged by
// the receiver and named, as what the peer said, in the caller's error.
func TestRefusalsNameTheirCause(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(b *bundle, c *Client)
		want   string
	}{
		{"wrong secret", func(b *bundle, c *Client) {
			c.Secrets = (&Keys{Shared: []byte("another secret, another secret!!")}).Secrets()
		}, RefusedSignature},
		{"clock", func(b *bundle, c *Client) { c.Now = func() time.Time { return b.clock.Now().Add(time.Hour) } }, RefusedClock},
		{"not served", func(b *bundle, c *Client) { c.Peers["sg"] = b.server.URL }, RefusedNotServed},
		{"topology", func(b *bundle, c *Client) { b.verifier.Topology, c.Topology = "aaaa", "bbbb" }, RefusedTopology},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t, "us")
			var logs bytes.Buffer
			b.handler.Log = slog.New(slog.NewTextHandler(&logs, nil))
			c := b.client("eu", "http")
			tc.change(b, c)
			to := kurz.Region("us")
			if tc.name == "not served" {
				to = "sg"
			}
			_, err := echo(t.Context(), c, to, "hi")
			if !errors.Is(err, ErrBadAnswer) || !strings.Contains(Problem(err), tc.want) {
				t.Fatalf("error %v, problem %q, want %q", err, Problem(err), tc.want)
			}
			if !strings.Contains(logs.String(), "link request refused") || !strings.Contains(logs.String(), tc.want) {
				t.Fatalf("receiver's log: %s", logs.String())
			}
		})
	}
}
