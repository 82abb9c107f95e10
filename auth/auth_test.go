package auth

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestPasswordHash(t *testing.T) {
	h := HashPassword("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q: want argon2id with 19 MiB and 2 passes", h)
	}
	if !VerifyPassword(h, "correct horse battery") || VerifyPassword(h, "correct horse batter") || VerifyPassword("", "x") {
		t.Fatal("verification wrong")
	}
	if HashPassword("correct horse battery") == h {
		t.Fatal("no salt")
	}
}

func TestLimiterWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewLimiter(2, time.Minute)
	l.now = func() time.Time { return now }
	for i := 0; i < 2; i++ {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatal("refused under the limit")
		}
	}
	ok, wait := l.Allow("k")
	if ok || wait != time.Minute {
		t.Fatalf("third = %v, %v", ok, wait)
	}
	if !l.Over("k") || l.Over("other") || l.Over("never seen") {
		t.Fatal("Over does not match the buckets")
	}
	if ok, _ := l.Allow("other"); !ok {
		t.Fatal("keys share a bucket")
	}
	now = now.Add(time.Minute)
	if l.Over("k") {
		t.Fatal("over after the window")
	}
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("still locked after the window: a permanent lockout")
	}
}

func TestIPKey(t *testing.T) {
	a := IPKey(netip.MustParseAddr("2001:db8::1"))
	b := IPKey(netip.MustParseAddr("2001:db8::ffff:1"))
	c := IPKey(netip.MustParseAddr("2001:db8:0:1::1"))
	if a != b || a == c {
		t.Fatalf("IPv6 keys: %s %s %s", a, b, c)
	}
	if IPKey(netip.MustParseAddr("::ffff:10.0.0.1")) != "10.0.0.1" {
		t.Fatal("v4-mapped address not unmapped")
	}
}

func TestTokenRegion(t *testing.T) {
	tok := NewToken("sg")
	if r, err := TokenRegion(tok); err != nil || r != "sg" {
		t.Fatalf("TokenRegion = %q, %v", r, err)
	}
	for _, bad := range []string{"", "sg", "sg.short", "../x." + strings.Repeat("a", 43)} {
		if _, err := TokenRegion(bad); err == nil {
			t.Errorf("TokenRegion(%q) accepted", bad)
		}
	}
}
