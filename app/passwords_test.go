package app_test

import (
	"fmt"
	"testing"

	"kurz/app"
)

// TestErasurePasswordIsThrottled: confirming erasure checks a password, so
// it is throttled like sign-in, with the same counts: 30 wrong passwords
// with a stolen session end in 429 (the right one too, from there), erase
// nothing, and lock sign-in for strangers; the owner, from their own
// address, still gets through.
func TestErasurePasswordIsThrottled(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.TrustedProxies = trustLoopback() })
	a := s.signUp("eraseme", "eraseme@example.org", "1990-01-01", "DE")
	s.loginFrom(&a, "198.51.100.5")
	stolen := []string{"Authorization", "Bearer " + a.Token, "X-Forwarded-For", "203.0.113.9"}
	limited := 0
	for i := range 30 {
		r := s.do("DELETE", "/api/v1/me", map[string]string{"password": fmt.Sprintf("guess number %d", i)}, stolen...)
		switch {
		case i < 25 && r.Status != 401:
			t.Fatalf("guess %d: %d %s", i, r.Status, r.Body)
		case i >= 25 && (r.Status != 429 || r.errorCode(t) != "rate_limited" || r.Header.Get("Retry-After") == ""):
			t.Fatalf("guess %d: %d %s (Retry-After %q)", i, r.Status, r.Body, r.Header.Get("Retry-After"))
		case r.Status == 429:
			limited++
		}
	}
	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": a.Password}, stolen...); r.Status != 429 {
		t.Fatalf("the right password after 30 guesses from that address: %d %s", r.Status, r.Body)
	}
	if n := s.count("eu", "erasures"); n != 0 {
		t.Fatalf("%d erasures after refused guesses", n)
	}
	// The guesses count for sign-in too: strangers elsewhere are refused.
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "eraseme", "password": a.Password}, "X-Forwarded-For", "192.0.2.77"); r.Status != 429 {
		t.Fatalf("sign-in from an unknown address after 25 erasure guesses: %d", r.Status)
	}
	// The owner, at the address they signed in from, is not locked out.
	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": a.Password}, "Authorization", "Bearer "+a.Token,
		"X-Forwarded-For", "198.51.100.5"); r.Status != 202 {
		t.Fatalf("the owner's erasure from their address: %d %s", r.Status, r.Body)
	}
	if n := s.count("eu", "erasures"); n != 1 {
		t.Fatalf("%d erasures after the owner's request", n)
	}
	t.Logf("%d of 30 wrong erasure passwords got 429", limited)
}
