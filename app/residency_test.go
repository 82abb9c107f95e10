package app_test

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/netip"
	"path/filepath"
	"testing"

	"kurz"
	"kurz/app"
	"kurz/internal/leak"
)

func canary(prefix string) string {
	b := make([]byte, 5)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// TestNoPersonalFieldInPlaintext signs a person up and in, then reads every
// byte of the region's folder (database, WAL, key file) and the server's
// logs: the email, birth date and IP address appear nowhere, in no common
// encoding. SQLite keeps everything in the folder, so this test uses it
// whatever KURZ_TEST_STORE says.
func TestNoPersonalFieldInPlaintext(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) {
		c.DB = map[kurz.Region]string{}
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	email := canary("canary.mail.") + "@example.org"
	birth := "1977-07-19"
	ip := "198.51.100.77"
	a := s.signUp(canary("h"), email, birth, "IE")
	s.loginFrom(&a, ip)
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+a.Token); r.Status != 200 {
		t.Fatalf("me: %d", r.Status)
	}
	canaries := []string{email, birth, "19770719", ip}
	check := func(when string) {
		hits, err := leak.ScanDir(filepath.Join(s.Config.DataDir, "eu"), canaries...)
		if err != nil {
			t.Fatal(err)
		}
		hits = append(hits, leak.Find("server log", []byte(s.logs.String()), append(canaries, a.Password, a.Token)...)...)
		for _, h := range hits {
			t.Errorf("%s: personal data in plaintext: %s", when, h)
		}
	}
	check("while running (WAL live)")
	s.Close()
	check("after shutdown")
}

// TestPersonStaysInHomeRegion: an eu person's personal data leaves no row
// and no byte in the us and sg stores; only their public profile (handle,
// ID) is replicated there.
func TestPersonStaysInHomeRegion(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.DB = map[kurz.Region]string{} })
	email := canary("canary.home.") + "@example.org"
	handle := canary("res")
	a := s.signUp(handle, email, "1988-02-29", "DE")
	s.login(&a)
	if r := s.do("DELETE", "/api/v1/sessions/current", nil, "Authorization", "Bearer "+a.Token); r.Status != http.StatusNoContent {
		t.Fatalf("logout: %d", r.Status)
	}
	s.login(&a)
	waitFor(t, "the public profile to replicate", func() bool {
		_, ok := s.Cell("us").Index.ProfileByHandle(handle)
		_, ok2 := s.Cell("sg").Index.ProfileByHandle(handle)
		return ok && ok2
	})
	for _, region := range []string{"us", "sg"} {
		for _, table := range []string{"profiles", "accounts", "person_keys", "sessions", "handle_claims", "likes", "follows", "views"} {
			if n := s.count(kurzRegion(region), table); n != 0 {
				t.Errorf("%s.%s has %d rows after an eu sign-up", region, table, n)
			}
		}
	}
	s.Close()
	for _, region := range []string{"us", "sg"} {
		hits, err := leak.ScanDir(filepath.Join(s.Config.DataDir, region), email, "1988-02-29", "19880229")
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			t.Errorf("eu person found in %s: %s", region, h)
		}
	}
	// The public handle is replicated, and the scan finds it: it would
	// see a leak of the personal fields too.
	hits, _ := leak.ScanDir(filepath.Join(s.Config.DataDir, "us"), handle)
	if len(hits) == 0 {
		t.Fatal("the scan does not find the replicated public handle; it would miss leaks")
	}
}
