package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"kurz/app"
	"net/netip"
)

func TestSignUpLoginLogout(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	a := s.signUp("Anna.K", "Anna@Example.org", "1990-04-01", "DE")
	if a.Region != "eu" || !strings.HasPrefix(a.ID, "eu_") || a.Handle != "Anna.K" {
		t.Fatalf("sign-up = %+v, want region eu, id eu_…", a)
	}
	b := s.signUp("bert", "bert@example.com", "1985-01-31", "us")
	if b.Region != "us" {
		t.Fatalf("US person's region = %s", b.Region)
	}
	c := s.signUp("chen", "chen@example.sg", "1999-12-12", "SG")
	if c.Region != "sg" {
		t.Fatalf("SG person's region = %s", c.Region)
	}

	// Login by handle (any case) and by email (any case).
	for _, login := range []string{"anna.k", "ANNA.K", "anna@example.org", " Anna@EXAMPLE.org "} {
		r := s.do("POST", "/api/v1/sessions", map[string]string{"login": login, "password": a.Password})
		if r.Status != http.StatusCreated {
			t.Fatalf("login %q: %d %s", login, r.Status, r.Body)
		}
		var out struct {
			Token string
			User  struct{ ID, Handle, Region string }
		}
		r.json(t, &out)
		if out.User.ID != a.ID || out.User.Handle != "anna.k" || out.User.Region != "eu" || len(out.Token) < 40 {
			t.Fatalf("login %q = %s", login, r.Body)
		}
		var ck string
		for _, c := range r.Header.Values("Set-Cookie") {
			if strings.HasPrefix(c, "kurz_session=") {
				ck = c
			}
		}
		if !strings.Contains(ck, "kurz_session="+out.Token) || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
			t.Fatalf("session cookie = %q (of %q)", ck, r.Header.Values("Set-Cookie"))
		}
	}
	s.login(&b)
	if !strings.HasPrefix(b.Token, "us.") {
		t.Fatalf("us token %q does not name its region", b.Token)
	}

	// Bearer and cookie both authenticate.
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+b.Token); r.Status != 200 || !strings.Contains(string(r.Body), b.ID) {
		t.Fatalf("me (bearer) = %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/me", nil, "Cookie", "kurz_session="+b.Token); r.Status != 200 {
		t.Fatalf("me (cookie) = %d %s", r.Status, r.Body)
	}
	// Each login rotates the token: a second session is independent.
	b2 := b
	s.login(&b2)
	if b2.Token == b.Token {
		t.Fatal("two logins got the same token")
	}

	if r := s.do("DELETE", "/api/v1/sessions/current", nil, "Authorization", "Bearer "+b.Token); r.Status != http.StatusNoContent {
		t.Fatalf("logout = %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+b.Token); r.Status != 401 || r.errorCode(t) != "unauthorized" {
		t.Fatalf("me after logout = %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+b2.Token); r.Status != 200 {
		t.Fatalf("other session died with logout: %d", r.Status)
	}
	if r := s.do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("anonymous me = %d", r.Status)
	}
	// Sessions are stored hashed: the raw token is in no database.
	var n int
	rawSQL(s.Cell("us")).QueryRow(`SELECT count(*) FROM sessions WHERE token_hash = $1`, []byte(b2.Token)).Scan(&n)
	if n != 0 {
		t.Fatal("a raw session token is stored")
	}
}

func TestWrongPasswordAndUnknownAccountLookAlike(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	a := s.signUp("dora", "dora@example.org", "1990-04-01", "FR")
	wrong := s.do("POST", "/api/v1/sessions", map[string]string{"login": "dora", "password": "not the password"})
	unknownHandle := s.do("POST", "/api/v1/sessions", map[string]string{"login": "nobody", "password": "not the password"})
	unknownEmail := s.do("POST", "/api/v1/sessions", map[string]string{"login": "nobody@example.org", "password": "not the password"})
	for _, r := range []*response{wrong, unknownHandle, unknownEmail} {
		if r.Status != 401 || string(r.Body) != string(wrong.Body) {
			t.Fatalf("got %d %s; want the same 401 as a wrong password: %s", r.Status, r.Body, wrong.Body)
		}
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "dora", "password": a.Password}); r.Status != 201 {
		t.Fatalf("right password after wrong ones: %d", r.Status)
	}
}

func TestDuplicateHandles(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.signUp("emil", "emil@example.org", "1990-04-01", "DE")
	for _, tc := range []struct{ handle, country string }{
		{"emil", "AT"}, // same region
		{"emil", "US"}, // another region
		{"EMIL", "SG"}, // another case, another region
		{"@Emil", "BR"},
	} {
		r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": tc.handle, "email": "other-" + tc.country + "@example.org",
			"password": "a good long passphrase", "birth_date": "1990-01-01", "country": tc.country})
		if r.Status != http.StatusConflict || r.errorCode(t) != "conflict" {
			t.Fatalf("duplicate %q in %s: %d %s", tc.handle, tc.country, r.Status, r.Body)
		}
	}
	// Nothing was half-created: one profile in all regions, no orphan claim.
	total := s.count("eu", "profiles") + s.count("us", "profiles") + s.count("sg", "profiles")
	if total != 1 || s.count("eu", "handle_claims") != 1 {
		t.Fatalf("profiles = %d, claims = %d; want 1 and 1", total, s.count("eu", "handle_claims"))
	}
	// The same email cannot sign up twice, in any region; the answer
	// does not say so (see TestSignUpTakenEmailLooksNew).
	r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": "emil2", "email": "EMIL@example.org",
		"password": "a good long passphrase", "birth_date": "1990-01-01", "country": "US"})
	if r.Status != http.StatusCreated {
		t.Fatalf("duplicate email: %d %s", r.Status, r.Body)
	}
	if s.count("eu", "handle_claims") != 1 || s.count("us", "profiles") != 0 {
		t.Fatal("a sign-up with a taken email created something")
	}
}

func TestAges(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	now := time.Now()
	date := func(years int) string { return now.AddDate(-years, 0, 1).Format(time.DateOnly) } // a day short of the birthday
	r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": "kid", "email": "kid@example.org",
		"password": "a good long passphrase", "birth_date": date(13), "country": "DE"})
	if r.Status != 400 || r.errorCode(t) != "invalid" || !strings.Contains(string(r.Body), "at least 13") {
		t.Fatalf("12-year-old: %d %s", r.Status, r.Body)
	}
	if s.count("eu", "profiles") != 0 || s.count("eu", "handle_claims") != 0 {
		t.Fatal("refused sign-up left rows")
	}
	teen := s.signUp("teen", "teen@example.org", now.AddDate(-14, 0, 0).Format(time.DateOnly), "DE")
	// A 16th birthday counts once it has begun everywhere (UTC−12): two
	// days back is past it at any hour and in any server zone.
	adult := s.signUp("adult", "adult@example.org", now.AddDate(-16, 0, -2).Format(time.DateOnly), "DE")
	for _, tc := range []struct {
		a       account
		private bool
	}{{teen, true}, {adult, false}} {
		p, err := s.Cell("eu").Store.ProfileByID(t.Context(), tc.a.ID)
		if err != nil || p.Private != tc.private {
			t.Fatalf("%s private = %v, want %v (%v)", tc.a.Handle, p.Private, tc.private, err)
		}
	}
}

func TestPasswords(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for _, pw := range []string{"short", "password1", "qwerty123", "PASSWORD1"} {
		r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": "pat", "email": "pat@example.org",
			"password": pw, "birth_date": "1990-01-01", "country": "DE"})
		if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"password"`) {
			t.Fatalf("password %q: %d %s", pw, r.Status, r.Body)
		}
	}
	// Long passwords are taken byte for byte.
	long := strings.Repeat("ü", 300) + " end"
	r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": "pat", "email": "pat@example.org",
		"password": long, "birth_date": "1990-01-01", "country": "DE"})
	if r.Status != 201 {
		t.Fatalf("long password: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "pat", "password": long[:len(long)-1]}); r.Status != 401 {
		t.Fatalf("a prefix of the password logged in: %d", r.Status)
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "pat", "password": long}); r.Status != 201 {
		t.Fatalf("long password login: %d", r.Status)
	}
}

func TestLoginRateLimits(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	a := s.signUp("fritz", "fritz@example.org", "1990-04-01", "DE")

	// Per IP: 25 attempts in 5 minutes, then 429 with Retry-After.
	ip := "203.0.113.7"
	for i := 0; i < 25; i++ {
		r := s.do("POST", "/api/v1/sessions", map[string]string{"login": fmt.Sprintf("nobody%d", i), "password": "wrong password"}, "X-Forwarded-For", ip)
		if r.Status != 401 {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "fritz", "password": a.Password}, "X-Forwarded-For", ip)
	if r.Status != 429 || r.errorCode(t) != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("26th attempt from one IP: %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	// Other addresses of the same IPv6 /64 share the limit; other people do not.
	for i := 0; i < 25; i++ {
		s.do("POST", "/api/v1/sessions", map[string]string{"login": "nobody", "password": "wrong password"}, "X-Forwarded-For", fmt.Sprintf("2001:db8:1:2::%x", i+1))
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "nobody", "password": "x"}, "X-Forwarded-For", "2001:db8:1:2:ffff::1"); r.Status != 429 {
		t.Fatalf("same /64: %d", r.Status)
	}
	owner := s.do("POST", "/api/v1/sessions", map[string]string{"login": "fritz", "password": a.Password}, "X-Forwarded-For", "198.51.100.1")
	if owner.Status != 201 {
		t.Fatalf("the owner from another address: %d %s", owner.Status, owner.Body)
	}
	device := deviceCookie(t, owner)

	// Per account: 25 wrong passwords from many addresses, then 429 from
	// any address the account does not know, even with the right password.
	for i := 0; i < 25; i++ {
		r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "fritz", "password": "wrong password"}, "X-Forwarded-For", fmt.Sprintf("192.0.2.%d", i+1))
		if r.Status != 401 {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
	}
	r = s.do("POST", "/api/v1/sessions", map[string]string{"login": "fritz@example.org", "password": "wrong password"}, "X-Forwarded-For", "192.0.2.200")
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("26th attempt on one account (by email): %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "fritz", "password": a.Password}, "X-Forwarded-For", "198.51.100.99"); r.Status != 429 {
		t.Fatalf("the right password from an address the account does not know, under attack: %d", r.Status)
	}
	// But the strangers cannot lock the owner out: from the address they
	// signed in from before, and from anywhere with the browser that did
	// (its device cookie), the owner still signs in.
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "fritz", "password": a.Password}, "X-Forwarded-For", "198.51.100.1"); r.Status != 201 {
		t.Fatalf("the owner from their known address after 25 strangers: %d %s", r.Status, r.Body)
	}
	for i := range 25 {
		s.do("POST", "/api/v1/sessions", map[string]string{"login": "fritz", "password": "wrong again"}, "X-Forwarded-For", fmt.Sprintf("192.0.2.%d", 100+i))
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "fritz", "password": a.Password}, "X-Forwarded-For", "198.51.100.7",
		"Cookie", device); r.Status != 201 {
		t.Fatalf("the owner's browser from a new address after 25 more strangers: %d %s", r.Status, r.Body)
	}
	// A device cookie of another account, or a forged one, is no key.
	other := s.signUp("fritzi", "fritzi@example.org", "1990-04-01", "DE")
	for i := range 25 {
		s.do("POST", "/api/v1/sessions", map[string]string{"login": "fritzi", "password": "wrong"}, "X-Forwarded-For", fmt.Sprintf("192.0.2.%d", 150+i))
	}
	name, value, _ := strings.Cut(device, "=")
	for _, cookie := range []string{device, name + "=" + value[:len(value)-2] + "AA", name + "=junk"} {
		if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "fritzi", "password": other.Password}, "X-Forwarded-For", "198.51.100.8",
			"Cookie", cookie); r.Status != 429 {
			t.Fatalf("cookie %q opened another account's lock: %d", cookie, r.Status)
		}
	}
}

// deviceCookie returns the device cookie a sign-in set, as name=value.
func deviceCookie(t *testing.T, r *response) string {
	t.Helper()
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "kurz_device" && c.HttpOnly && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("no device cookie in %v", r.Header)
	return ""
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	good := map[string]any{"handle": "greta", "email": "greta@example.org", "password": "a good long passphrase", "birth_date": "1990-04-01", "country": "DE"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name   string
		body   any
		status int
	}{
		{"malformed JSON", `{"handle": "greta",`, 400},
		{"not an object", `[1,2,3]`, 400},
		{"two objects", `{} {}`, 400},
		{"oversized", `{"handle":"` + strings.Repeat("a", 1<<20) + `"}`, 413},
		{"wrong type", with("handle", 42), 400},
		{"wrong type birth", with("birth_date", true), 400},
		{"unknown country", with("country", "XX"), 400},
		{"invalid handle", with("handle", "gr eta!"), 400},
		{"short handle", with("handle", "gr"), 400},
		{"long handle", with("handle", strings.Repeat("g", 25)), 400},
		{"bad email", with("email", "greta"), 400},
		{"bad date", with("birth_date", "01/04/1990"), 400},
		{"future date", with("birth_date", "2999-01-01"), 400},
		{"missing handle", with("handle", nil), 400},
		{"missing email", with("email", nil), 400},
		{"missing password", with("password", nil), 400},
		{"mass assignment", with("role", "admin"), 400},
		{"region from client", with("region", "us"), 400},
		{"empty", ``, 400},
	}
	for _, tc := range cases {
		r := s.do("POST", "/api/v1/accounts", tc.body)
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d: %.200s", tc.name, r.Status, tc.status, r.Body)
			continue
		}
		r.errorCode(t)
		if strings.Contains(strings.ToLower(string(r.Body)), "sql") || strings.Contains(string(r.Body), "goroutine") {
			t.Errorf("%s: internal detail in response: %s", tc.name, r.Body)
		}
	}
	// Not JSON at all.
	req := s.do("POST", "/api/v1/sessions", nil, "Content-Type", "text/plain")
	if req.Status != 400 {
		t.Errorf("empty text/plain login: %d", req.Status)
	}
	for _, region := range []string{"eu", "us", "sg"} {
		if n := s.count(kurzRegion(region), "profiles") + s.count(kurzRegion(region), "accounts") + s.count(kurzRegion(region), "handle_claims"); n != 0 {
			t.Fatalf("bad input left %d rows in %s", n, region)
		}
	}
	// And the good request still works afterwards.
	if r := s.do("POST", "/api/v1/accounts", good); r.Status != 201 {
		t.Fatalf("good sign-up after bad ones: %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/nope", nil); r.Status != 404 || r.errorCode(t) != "not_found" {
		t.Fatalf("unknown endpoint: %d %s", r.Status, r.Body)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	if r := s.do("GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("healthz %d", r.Status)
	}
	r := s.do("GET", "/readyz", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"us":"ok"`) {
		t.Fatalf("readyz %d %s", r.Status, r.Body)
	}
	// A cell whose database is gone makes the process unready.
	s.Cell("us").Store.Close()
	if r := s.do("GET", "/readyz", nil); r.Status != 503 || !strings.Contains(string(r.Body), `"us":"database unreachable"`) {
		t.Fatalf("readyz with a closed database: %d %s", r.Status, r.Body)
	}
}
