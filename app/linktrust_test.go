package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
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

	// owners answers HandleOwner, as a handle directory: handle → person.
	owners sync.Map

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
	// The directory's email claims: a fake directory takes every claim.
	link.Handle(m, link.RouteClaimEmail, func(ctx context.Context, from kurz.Region, in *link.ClaimEmailRequest) (*link.Empty, error) {
		return nil, nil
	})
	link.Handle(m, link.RouteReleaseEmail, func(ctx context.Context, from kurz.Region, in *link.ReleaseEmailRequest) (*link.Empty, error) {
		return nil, nil
	})
	link.Handle(m, link.RouteClaimHandle, func(ctx context.Context, from kurz.Region, in *link.ClaimHandleRequest) (*link.Empty, error) {
		f.owners.Store(in.Handle, in.UserID)
		return nil, nil
	})
	link.Handle(m, link.RouteHandleOwner, func(ctx context.Context, from kurz.Region, in *link.HandleOwnerRequest) (*link.HandleOwnerResponse, error) {
		id, ok := f.owners.Load(in.Handle)
		if !ok {
			return nil, kurz.ErrNotFound
		}
		return &link.HandleOwnerResponse{Handle: in.Handle, UserID: id.(string)}, nil
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
	eu.enrolTOTP(&boss) // staff actions need a second factor
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

// TestForgedDirectoryAnswersRefused: eu's handle directory is a fake us.
// When it names, for a handle, a person of eu who holds another handle,
// or a person of us whose published profile holds another handle, eu
// refuses the answer: an admin granting a role by handle grants nothing
// to the wrong person. The true holder is still found.
func TestForgedDirectoryAnswersRefused(t *testing.T) {
	t.Parallel()
	secret := []byte(canary("fake-directory-secret-") + "0123456789abcdef")
	fake := newFakePeer(t, &link.Keys{Shared: secret}, "us", "sg")
	dir := t.TempDir()
	addr := freeAddr(t)
	p := startProcess(t, addr, "--regions", "eu", "--data", dir, "--directory", "us",
		"--link-secret-file", secretFile(t, base64.StdEncoding.EncodeToString(secret)),
		"--peer", "us="+fake.server.URL, "--peer", "sg="+fake.server.URL, "--signups-per-ip", "1000")
	eu := &server{t: t, base: "http://" + addr, logs: p.logs}
	boss := eu.signUp("boss", "boss@example.org", "1980-01-01", "DE")
	eu.login(&boss)
	victim := eu.signUp("victim", "victim@example.org", "1990-01-01", "FR")
	if out, err := exec.Command(kurzBinary(t), "admin", "grant", "--region", "eu", "--handle", "boss", "--role", "admin", "--data", dir).CombinedOutput(); err != nil {
		t.Fatalf("admin grant: %v\n%s", err, out)
	}
	eu.enrolTOTP(&boss) // staff actions need a second factor
	// us publishes a profile of its own.
	realus := kurz.NewID("us")
	fake.mu.Lock()
	fake.pages = [][]*kurz.LogEntry{{profileEntry(t, realus, catalog.PublicProfile{ID: realus, Handle: "realus"})}}
	fake.mu.Unlock()
	waitFor(t, "us's profile at the eu door", func() bool { return eu.do("GET", "/api/v1/users/realus", nil).Status == 200 })

	grant := func(holder string) *response {
		fake.owners.Store("victim", holder)
		return eu.do("POST", "/api/v1/admin/regions/eu/roles", map[string]string{"handle": "victim", "role": "moderator"},
			"Authorization", "Bearer "+boss.Token)
	}
	for name, holder := range map[string]string{
		"eu's admin, who holds another handle":     boss.ID,
		"a person of us known by another handle":   realus,
		"a person of a region that does not exist": "xx_01jd0000000000000000000000",
	} {
		if r := grant(holder); r.Status != 503 || r.errorCode(t) != kurz.EUnavailable {
			t.Errorf("the directory names %s: %d %s", name, r.Status, r.Body)
		}
	}
	// The admin was granted nothing more, and the true holder is found.
	if r := eu.do("GET", "/api/v1/admin/regions/eu/audit", nil, "Authorization", "Bearer "+boss.Token); r.Status != 200 ||
		strings.Count(string(r.Body), `"grant"`) != 1 {
		t.Fatalf("the audit log after the refused grants: %d %s", r.Status, r.Body)
	}
	if r := grant(victim.ID); r.Status != 201 || !strings.Contains(string(r.Body), victim.ID) {
		t.Fatalf("the true holder: %d %s", r.Status, r.Body)
	}
}

// testCA is a certificate authority for a test: it signs certificates for
// 127.0.0.1, good for serving and as a client.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	dir  string
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &testCA{cert: cert, key: key, dir: t.TempDir()}
	writePEM(t, ca.file("ca.pem"), "CERTIFICATE", der)
	return ca
}

func (ca *testCA) file(name string) string { return filepath.Join(ca.dir, name) }

// issue makes a certificate for 127.0.0.1 and returns its cert and key
// files.
func (ca *testCA) issue(t *testing.T, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = ca.file(name+".pem"), ca.file(name+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kder)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestLinkOverTLS: two real processes (eu and sg in one, us in the
// other) whose peers are https:// links on listeners of their own, with
// certificates of a test CA, pinned and mutual. Sign-up, sign-in and
// sessions forwarded between them work, and each one's public log
// reaches the other. The peers' listener refuses a client without a
// certificate of that CA, and plain http.
func TestLinkOverTLS(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "kurz link test CA")
	euCert, euKey := ca.issue(t, "eu")
	usCert, usKey := ca.issue(t, "us")
	secret := secretFile(t, base64.StdEncoding.EncodeToString([]byte(canary("tls-link-secret-")+"0123456789abcdef")))
	addrs := map[string]string{"eu": freeAddr(t), "us": freeAddr(t)}
	links := map[string]string{"eu": freeAddr(t), "us": freeAddr(t)}
	common := []string{"--directory", "eu", "--link-secret-file", secret, "--link-ca", ca.file("ca.pem"), "--signups-per-ip", "1000"}
	euProc := startProcess(t, addrs["eu"], append(common, "--regions", "eu,sg", "--data", t.TempDir(),
		"--link-addr", links["eu"], "--link-cert", euCert, "--link-key", euKey,
		"--peer", "us=https://"+links["us"])...)
	usProc := startProcess(t, addrs["us"], append(common, "--regions", "us", "--data", t.TempDir(),
		"--link-addr", links["us"], "--link-cert", usCert, "--link-key", usKey,
		"--peer", "eu=https://"+links["eu"], "--peer", "sg=https://"+links["eu"])...)
	eu := &server{t: t, base: "http://" + addrs["eu"], logs: euProc.logs}
	us := &server{t: t, base: "http://" + addrs["us"], logs: usProc.logs}

	// A person of us signs up and in at eu's door: forwarded over TLS.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("eu's log:\n%s\nus's log:\n%s", euProc.logs.String(), usProc.logs.String())
		}
	})
	yank := eu.signUp("yank", "yank@example.com", "1990-01-01", "US")
	if yank.Region != "us" {
		t.Fatalf("a US sign-up at eu's door lives in %s", yank.Region)
	}
	eu.login(&yank)
	if r := eu.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+yank.Token); r.Status != 200 || !strings.Contains(string(r.Body), `"yank"`) {
		t.Fatalf("a us session at eu's door: %d %s", r.Status, r.Body)
	}
	fritz := us.signUp("fritz", "fritz@example.de", "1990-01-01", "DE")
	if fritz.Region != "eu" {
		t.Fatalf("a German sign-up at us's door lives in %s", fritz.Region)
	}
	// Each one's public log reaches the other.
	waitFor(t, "us's profile at eu's door", func() bool { return eu.do("GET", "/api/v1/users/yank", nil).Status == 200 })
	waitFor(t, "eu's profile at us's door", func() bool { return us.do("GET", "/api/v1/users/fritz", nil).Status == 200 })

	// The peers' listener takes only clients with a certificate of the CA.
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	other := newTestCA(t, "another CA")
	otherCert, otherKey := other.issue(t, "stranger")
	stranger, err := tls.LoadX509KeyPair(otherCert, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]*tls.Config{
		"no client certificate":              {RootCAs: pool},
		"a certificate of another authority": {RootCAs: pool, Certificates: []tls.Certificate{stranger}},
	} {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
		resp, err := c.Get("https://" + links["us"] + "/link/v1/log")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: the peers' listener answered %d", name, resp.StatusCode)
		}
	}
	if resp, err := http.Get("http://" + links["us"] + "/readyz"); err == nil {
		defer resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("the peers' listener answers plain http")
		}
	}
	// With the CA's certificate the TLS handshake passes (the call itself
	// still needs a signature).
	mine, err := tls.LoadX509KeyPair(euCert, euKey)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{mine}}}}
	resp, err := c.Get("https://" + links["us"] + "/link/v1/log")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("an unsigned call with the CA's certificate: %d", resp.StatusCode)
	}
}

// TestPlainLinkOffLoopback: a plain http:// peer on an address that is
// not this machine's stops the process at start with a message saying
// what to do; with --insecure-link it starts, and then forwards no
// session to that peer.
func TestPlainLinkOffLoopback(t *testing.T) {
	t.Parallel()
	secret := secretFile(t, base64.StdEncoding.EncodeToString([]byte(canary("plain-link-secret-")+"0123456789abcdef")))
	// 192.0.2.1 is TEST-NET-1: an address that is surely not this machine.
	args := []string{"serve", "--addr", freeAddr(t), "--regions", "eu,sg", "--data", t.TempDir(), "--link-secret-file", secret,
		"--peer", "us=http://192.0.2.1:8082"}
	out, err := exec.Command(kurzBinary(t), args...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "plain http://") || !strings.Contains(string(out), "--insecure-link") {
		t.Fatalf("a plain peer off loopback: %v\n%s", err, out)
	}

	addr := freeAddr(t)
	p := startProcess(t, addr, "--regions", "eu,sg", "--data", t.TempDir(), "--link-secret-file", secret,
		"--peer", "us=http://192.0.2.1:8082", "--insecure-link")
	eu := &server{t: t, base: "http://" + addr, logs: p.logs}
	r := eu.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+auth.NewToken("us"))
	if r.Status != 503 || !strings.Contains(string(r.Body), "unencrypted") {
		t.Fatalf("a us session at eu's door, us over plain http: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(p.logs.String(), "--insecure-link") {
		t.Fatalf("no warning about the plain link at start:\n%s", p.logs.String())
	}
}
