package cell_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"kurz"
	"kurz/cell"
)

func TestSessionCache(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var s cell.SessionCache
	alice, bob := &kurz.Profile{ID: "eu_alice", Handle: "alice"}, &kurz.Profile{ID: "eu_bob", Handle: "bob"}
	s.Put([]byte("a1"), alice, now.Add(time.Hour), now)
	s.Put([]byte("a2"), alice, now.Add(time.Hour), now)
	s.Put([]byte("b1"), bob, now.Add(time.Second), now)
	if p, ok := s.Get([]byte("a1"), now); !ok || p.Handle != "alice" {
		t.Fatalf("Get a1 = %v %v", p, ok)
	}
	if _, ok := s.Get([]byte("a1"), now.Add(cell.SessionCacheTTL)); ok {
		t.Fatal("a cached session outlives the cache's time")
	}
	if _, ok := s.Get([]byte("b1"), now.Add(time.Second)); ok {
		t.Fatal("a cached session outlives the session")
	}
	s.Forget([]byte("a1"))
	if _, ok := s.Get([]byte("a1"), now); ok {
		t.Fatal("a forgotten session is still cached")
	}
	s.ForgetPerson("eu_alice")
	if _, ok := s.Get([]byte("a2"), now); ok {
		t.Fatal("a session of a forgotten person is still cached")
	}
	if _, ok := s.Get([]byte("b1"), now); !ok {
		t.Fatal("someone else's session was forgotten too")
	}
	var none *cell.SessionCache // a command's cell caches nothing
	none.Put([]byte("x"), bob, now.Add(time.Hour), now)
	if _, ok := none.Get([]byte("x"), now); ok {
		t.Fatal("a nil cache cached")
	}
}

// Verify hands each caller its own copy of the person it checked, and a
// failed check's error.
func TestSessionCacheVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var s cell.SessionCache
	alice := &kurz.Profile{ID: "eu_alice", Handle: "alice"}
	check := func(context.Context) (*kurz.Profile, error) { return alice, nil }
	p1, err := s.Verify(ctx, []byte("a1"), check)
	if err != nil || p1.Handle != "alice" {
		t.Fatalf("Verify = %v %v", p1, err)
	}
	p1.Handle = "mallory"
	p2, err := s.Verify(ctx, []byte("a1"), check)
	if err != nil || p2.Handle != "alice" || alice.Handle != "alice" {
		t.Fatalf("one caller's change reached another: %v %v %v", p2, alice, err)
	}
	ended := kurz.Errorf(kurz.EUnauthorized, "ended")
	if _, err := s.Verify(ctx, []byte("b1"), func(context.Context) (*kurz.Profile, error) { return nil, ended }); !errors.Is(err, ended) {
		t.Fatalf("a failed check: %v", err)
	}
	var none *cell.SessionCache
	if p, err := none.Verify(ctx, []byte("x"), check); err != nil || p != alice {
		t.Fatalf("a nil cache's Verify = %v %v", p, err)
	}
}

// A session in use is handed out for a check again once, in the last
// quarter of its moment, and never believed past it.
func TestSessionCacheRenew(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var s cell.SessionCache
	s.Put([]byte("a1"), &kurz.Profile{ID: "eu_alice"}, now.Add(time.Hour), now)
	if _, ok, renew := s.Lookup([]byte("a1"), now); !ok || renew {
		t.Fatalf("a fresh session: ok %v, renew %v", ok, renew)
	}
	late := now.Add(cell.SessionCacheTTL * 7 / 8)
	if _, ok := s.Get([]byte("a1"), late); !ok {
		t.Fatal("Get missed a session still in its moment")
	}
	if _, ok, renew := s.Lookup([]byte("a1"), late); !ok || !renew {
		t.Fatalf("late in its moment: ok %v, renew %v", ok, renew)
	}
	if _, ok, renew := s.Lookup([]byte("a1"), late); !ok || renew {
		t.Fatalf("the check was handed out twice: ok %v, renew %v", ok, renew)
	}
	if _, ok, _ := s.Lookup([]byte("a1"), now.Add(cell.SessionCacheTTL)); ok {
		t.Fatal("a session not checked again is believed past its moment")
	}
}
