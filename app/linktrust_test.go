package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kurz"
	"kurz/auth"
	"kurz/catalog"
	"kurz/link"
)

// fakePeer answers the region link as the regions it serves (us and sg
// here), with the deployment's keys: a compromised peer, or whoever
// holds its key. What it answers to VerifySession, and how it signs, is
// set by the test; its public log serves the pages the test queues.
type fakePeer struct {
	server *httptest.Server
	keys   *link.Keys
	// mode is how VerifySession is answered: "id" answers sessionID
	// signed; "unsigned" answers it with no signature; "wrong-key" signs
	// it with a key from another secret.
	mode      atomic.Value // string
	sessionID atomic.Value // string
	verifies  atomic.Int64

	mu       sync.Mutex
	pages    [][]*kurz.LogEntry // served in turn to us's log reader, the last one for good
	logCalls int
}

func newFakePeer(t *testing.T, keys *link.Keys, serves ...kurz.Region) *fakePeer {
	t.Helper()
	f := &fakePeer{keys: keys}
	f.mode.Store("id")
	f.sessionID.Store("")
	handler := func(secrets link.Secrets) http.Handler {
		muxes := map[kurz.Region]*link.Mux{}
		for _, r := range serves {
			m := link.NewMux()
			f.register(m, r)
			muxes[r] = m
		}
		return &link.Handler{
			Verifier: &link.Verifier{
				Secrets: secrets,
				Serves:  func(r kurz.Region) bool { return muxes[r] != nil },
				Known:   func(r kurz.Region) bool { return r == "eu" || r == "us" || r == "sg" },
			},
			Mux: func(r kurz.Region) *link.Mux { return muxes[r] },
		}
	}
	good := handler(keys.Secrets())
	// Verifies eu's requests with the right keys, but signs its answers
	// with keys of another secret.
	other := (&link.Keys{Shared: []byte("a secret eu has never heard of!!")}).Secrets()
	right := keys.Secrets()
	wrongKey := handler(func(from, to kurz.Region) []byte {
		if to == "eu" {
			return other(from, to)
		}
		return right(from, to)
	})
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isVerify := r.Method+" "+r.URL.Path == link.RouteVerifySession
		switch mode := f.mode.Load().(string); {
		case isVerify && mode == "unsigned":
			f.verifies.Add(1)
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(link.VerifySessionResponse{ID: f.sessionID.Load().(string), Handle: "someone"})
		case isVerify && mode == "wrong-key":
			wrongKey.ServeHTTP(w, r)
		default:
			good.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakePeer) register(m *link.Mux, r kurz.Region) {
	link.Handle(m, link.RouteVerifySession, func(ctx context.Context, from kurz.Region, in *link.VerifySessionRequest) (*link.VerifySessionResponse, error) {
		f.verifies.Add(1)
		return &link.VerifySessionResponse{ID: f.sessionID.Load().(string), Handle: "someone"}, nil
	})
	link.Handle(m, link.RouteLocateEmail, func(ctx context.Context, from kurz.Region, in *link.LocateEmailRequest) (*link.LocateEmailResponse, error) {
		return &link.LocateEmailResponse{}, nil
	})
	link.Handle(m, link.RouteLogSince, func(ctx context.Context, from kurz.Region, in *link.LogSinceRequest) (*link.LogSinceResponse, error) {
		if page := f.nextPage(r, in.After); page != nil {
			return &link.LogSinceResponse{Entries: page, Head: page[len(page)-1].Seq}, nil
		}
		// Nothing new: wait as a real region would, so the reader does
		// not spin.
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(min(in.WaitSeconds, 2)) * time.Second):
		}
		return &link.LogSinceResponse{Entries: []*kurz.LogEntry{}, Head: in.After}, nil
	})
}

// nextPage is the page of r's log after position after: us serves its
// queued pages in turn from position 0.
func (f *fakePeer) nextPage(r kurz.Region, after int64) []*kurz.LogEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r != "us" || after != 0 || len(f.pages) == 0 {
		return nil
	}
	page := f.pages[min(f.logCalls, len(f.pages)-1)]
	f.logCalls++
	return page
}

func profileEntry(t *testing.T, objectID string, p catalog.PublicProfile) *kurz.LogEntry {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return &kurz.LogEntry{Seq: 1, Kind: "profile", ObjectID: objectID, Data: data, CreatedAt: time.Now().UTC()}
}

// TestForgedPeerAnswersRefused: a real eu process whose peers us and sg
// are a fake that holds their keys. When it vouches for a session with a
// person who is not its own (eu's admin, someone of sg, a malformed ID),
// or answers unsigned or with the wrong key, eu refuses the answer:
// no staff look-up, no role granted, no audit read, the audit log
// unchanged. Log pages about objects or people that are not us's are
// refused too, and what us really publishes still arrives. A signed
// call eu addresses to itself, and a wrong secret, get 401.
func TestForgedPeerAnswersRefused(t *testing.T) {
	t.Parallel()
	secret := []byte(canary("fake-peer-link-secret-") + "0123456789abcdef")
	keys := &link.Keys{Shared: secret}
	fake := newFakePeer(t, keys, "us", "sg")
	usProfile := kurz.NewID("us")

	dir := t.TempDir()
	addr := freeAddr(t)
	p := startProcess(t, addr, "--regions", "eu", "--data", dir, "--directory", "eu",
		"--link-secret-file", secretFile(t, base64.StdEncoding.EncodeToString(secret)),
		"--peer", "us="+fake.server.URL, "--peer", "sg="+fake.server.URL, "--signups-per-ip", "1000")
	eu := &server{t: t, base: "http://" + addr, logs: p.logs}

	boss := eu.signUp("boss", "boss@example.org", "1980-01-01", "DE")
	eu.login(&boss)
	victimEmail := canary("victim") + "@example.org"
	victim := eu.signUp("victim", victimEmail, "1990-01-01", "FR")
	eu.login(&victim)
	if out, err := exec.Command(kurzBinary(t), "admin", "grant", "--region", "eu", "--handle", "boss", "--role", "admin", "--data", dir).CombinedOutput(); err != nil {
		t.Fatalf("admin grant: %v\n%s", err, out)
	}
	auditLen := func() int {
		t.Helper()
		r := eu.do("GET", "/api/v1/admin/regions/eu/audit", nil, "Authorization", "Bearer "+boss.Token)
		var out struct {
			Entries  []json.RawMessage `json:"entries"`
			Verified bool              `json:"verified"`
		}
		r.json(t, &out)
		if r.Status != 200 || !out.Verified {
			t.Fatalf("audit as the admin: %d %s", r.Status, r.Body)
		}
		return len(out.Entries)
	}
	before := auditLen()

	// The attacker holds a token that names us, which the fake vouches for.
	attacker := auth.NewToken("us")
	bearer := []string{"Authorization", "Bearer " + attacker}
	attempts := func(name string, wantStatus int, wantCode string) {
		t.Helper()
		asked := fake.verifies.Load()
		for _, req := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/admin/regions/eu/people/victim/personal", map[string]string{"reason": "support ticket 12345"}},
			{"POST", "/api/v1/admin/regions/eu/roles", map[string]string{"handle": "victim", "role": "admin"}},
			{"GET", "/api/v1/admin/regions/eu/audit", nil},
		} {
			r := eu.do(req.method, req.path, req.body, bearer...)
			if r.Status != wantStatus || r.errorCode(t) != wantCode {
				t.Errorf("%s: %s %s: %d %s, want %d %s", name, req.method, req.path, r.Status, r.Body, wantStatus, wantCode)
			}
			if strings.Contains(string(r.Body), victimEmail) {
				t.Errorf("%s: %s %s answered with the victim's email", name, req.method, req.path)
			}
		}
		if fake.verifies.Load() == asked {
			t.Errorf("%s: eu never asked the fake peer", name)
		}
	}

	// A person of us with no role in eu: the fake's answers reach eu, and
	// eu's own rules refuse a stranger.
	fake.sessionID.Store(usProfile)
	attempts("us's own person, not staff", 403, kurz.EForbidden)
	for _, tc := range []struct{ name, mode, id string }{
		{"eu's admin, signed by us", "id", boss.ID},
		{"the victim, signed by us", "id", victim.ID},
		{"a person of sg, signed by us", "id", kurz.NewID("sg")},
		{"a malformed ID, signed by us", "id", "admin"},
		{"nobody, signed by us", "id", ""},
		{"eu's admin, unsigned", "unsigned", boss.ID},
		{"us's own person, unsigned", "unsigned", usProfile},
		{"eu's admin, signed with another secret", "wrong-key", boss.ID},
	} {
		fake.mode.Store(tc.mode)
		fake.sessionID.Store(tc.id)
		attempts(tc.name, 503, kurz.EUnavailable)
	}
	fake.mode.Store("id")
	if after := auditLen(); after != before {
		t.Fatalf("the audit log changed: %d entries, %d before", after, before)
	}
	// The victim was granted nothing.
	if r := eu.do("GET", "/api/v1/admin/regions/eu/audit", nil, "Authorization", "Bearer "+victim.Token); r.Status != 403 {
		t.Fatalf("the victim reads the audit log: %d %s", r.Status, r.Body)
	}

	// us's log: a page about eu's admin, then a page whose entry is us's
	// but whose profile is eu's admin, both refused; then us's own.
	fake.mu.Lock()
	fake.pages = [][]*kurz.LogEntry{
		{profileEntry(t, boss.ID, catalog.PublicProfile{ID: boss.ID, Handle: "impostor"})},
		{profileEntry(t, kurz.NewID("us"), catalog.PublicProfile{ID: boss.ID, Handle: "impostor2"})},
		{profileEntry(t, usProfile, catalog.PublicProfile{ID: usProfile, Handle: "realus"})},
	}
	fake.mu.Unlock()
	waitFor(t, "us's own profile at the eu door", func() bool { return eu.do("GET", "/api/v1/users/realus", nil).Status == 200 })
	fake.mu.Lock()
	calls := fake.logCalls
	fake.mu.Unlock()
	if calls < 3 {
		t.Fatalf("eu read us's log %d times: the refused pages were not all served", calls)
	}
	for _, h := range []string{"impostor", "impostor2"} {
		if r := eu.do("GET", "/api/v1/users/"+h, nil); r.Status != 404 {
			t.Fatalf("a profile a peer published for eu's admin: %s %d %s", h, r.Status, r.Body)
		}
	}
	if r := eu.do("GET", "/api/v1/users/boss", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"boss"`) {
		t.Fatalf("eu's admin after the forged log: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(p.logs.String(), "a peer's log answer is refused") {
		t.Fatalf("the refused log pages were not logged:\n%s", p.logs.String())
	}

	// A call signed by eu to eu, with eu's own key, is refused on the wire;
	// so is a call with keys from a wrong secret.
	body := `{"locator":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}`
	self := &link.Client{From: "eu", Secrets: keys.Secrets()}
	if status := signedStatus(t, self, "eu", "POST", eu.base+"/link/v1/emails/locate", body); status != 401 {
		t.Fatalf("a self-addressed signed call: %d", status)
	}
	claim := fmt.Sprintf(`{"handle":"boss","user_id":%q}`, boss.ID)
	if status := signedStatus(t, self, "eu", "POST", eu.base+"/link/v1/handles/release", claim); status != 401 {
		t.Fatalf("a self-addressed release of eu's admin's handle: %d", status)
	}
	wrong := &link.Client{From: "us", Secrets: (&link.Keys{Shared: []byte("not the secret, not the secret!!")}).Secrets()}
	if status := signedStatus(t, wrong, "eu", "POST", eu.base+"/link/v1/emails/locate", body); status != 401 {
		t.Fatalf("a call with a wrong secret: %d", status)
	}
	right := &link.Client{From: "us", Secrets: keys.Secrets()}
	if status := signedStatus(t, right, "eu", "POST", eu.base+"/link/v1/emails/locate", body); status != 200 {
		t.Fatalf("the same call with the right secret: %d", status)
	}
	// The handle is still eu's admin's.
	if r := eu.do("GET", "/api/v1/users/boss", nil); r.Status != 200 {
		t.Fatalf("eu's admin's handle: %d %s", r.Status, r.Body)
	}
}
