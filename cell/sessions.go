package cell

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"kurz"
)

// SessionCacheTTL is how long a verified session is believed without
// asking the database again. Sessions ended on this node (logout, password
// reset, suspension, erasure) leave the cache at once; one ended on
// another node of the region works here for at most this long.
const SessionCacheTTL = 2 * time.Second

// maxCachedSessions bounds the cache; past it, it starts over.
const maxCachedSessions = 100_000

// SessionCache remembers recently verified sessions by token hash, so a
// signed-in request needs no database read (personal data: kept in the
// home region's memory only, never logged). The zero of a nil
// *SessionCache caches nothing.
//
// Every signed-in request reads it, so a read takes no lock: with one
// mutex, 64 connections queued behind whichever request held it when the
// operating system took its core away (BENCHMARKS.md §2d). And when a
// session's moment is over, the requests of that session arriving while
// it is checked again wait for that one check (Verify) instead of each
// asking the database; a session in use is checked again in the
// background in the last quarter of its moment (Lookup's renew), so its
// requests do not wait for the database at all. A cached session is never
// believed past its moment either way.
type SessionCache struct {
	m      atomic.Pointer[sessionMap]
	checks singleflight.Group // sessions being checked in the database, by token hash
}

type sessionMap struct {
	sync.Map              // token hash (string) → *cachedSession, never changed once stored
	n        atomic.Int64 // entries stored
}

type cachedSession struct {
	p        kurz.Profile
	expires  time.Time   // the session's own end
	until    time.Time   // when to ask the database again
	renewing atomic.Bool // a check ahead of until was handed out
}

// Get returns the person of a cached session still valid at now.
func (s *SessionCache) Get(tokenHash []byte, now time.Time) (*kurz.Profile, bool) {
	p, ok, _ := s.lookup(tokenHash, now, false)
	return p, ok
}

// Lookup is Get that also says, to one caller only, when the session is
// in the last quarter of its moment: that caller should check it again
// (Verify, in the background) while the others keep using this one.
func (s *SessionCache) Lookup(tokenHash []byte, now time.Time) (p *kurz.Profile, ok, renew bool) {
	return s.lookup(tokenHash, now, true)
}

func (s *SessionCache) lookup(tokenHash []byte, now time.Time, claim bool) (*kurz.Profile, bool, bool) {
	if s == nil {
		return nil, false, false
	}
	m := s.m.Load()
	if m == nil {
		return nil, false, false
	}
	v, ok := m.Load(string(tokenHash))
	if !ok {
		return nil, false, false
	}
	e := v.(*cachedSession)
	if !now.Before(e.until) || !now.Before(e.expires) {
		return nil, false, false
	}
	renew := claim && !now.Before(e.until.Add(-SessionCacheTTL/4)) && e.renewing.CompareAndSwap(false, true)
	p := e.p
	return &p, true, renew
}

// Put remembers a session just verified in the database.
func (s *SessionCache) Put(tokenHash []byte, p *kurz.Profile, expires, now time.Time) {
	if s == nil {
		return
	}
	m := s.m.Load()
	if m == nil || m.n.Load() >= maxCachedSessions {
		fresh := &sessionMap{}
		if s.m.CompareAndSwap(m, fresh) {
			m = fresh
		} else {
			m = s.m.Load()
		}
	}
	if _, loaded := m.Swap(string(tokenHash), &cachedSession{p: *p, expires: expires, until: now.Add(SessionCacheTTL)}); !loaded {
		m.n.Add(1)
	}
}

// Verify runs check, the database's verification of a session that is
// not cached (it Puts what it finds), once at a time per session: the
// requests of one session that miss the cache together share one check.
// Each gets its own copy of the person.
func (s *SessionCache) Verify(ctx context.Context, tokenHash []byte, check func(ctx context.Context) (*kurz.Profile, error)) (*kurz.Profile, error) {
	if s == nil {
		return check(ctx)
	}
	// The check outlives a request that gives up (the others may wait
	// for it); the store's own timeouts bound it.
	ch := s.checks.DoChan(string(tokenHash), func() (any, error) { return check(context.WithoutCancel(ctx)) })
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		p := *r.Val.(*kurz.Profile)
		return &p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Forget drops one session (logout).
func (s *SessionCache) Forget(tokenHash []byte) {
	if s == nil {
		return
	}
	if m := s.m.Load(); m != nil {
		m.Delete(string(tokenHash))
	}
}

// ForgetPerson drops every session of a person (password reset,
// suspension, erasure).
func (s *SessionCache) ForgetPerson(userID string) {
	if s == nil {
		return
	}
	m := s.m.Load()
	if m == nil {
		return
	}
	m.Range(func(k, v any) bool {
		if v.(*cachedSession).p.ID == userID {
			m.Delete(k)
		}
		return true
	})
}
