package cell

import (
	"sync"
	"time"

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
type SessionCache struct {
	mu sync.Mutex
	m  map[string]cachedSession
}

type cachedSession struct {
	p       kurz.Profile
	expires time.Time // the session's own end
	until   time.Time // when to ask the database again
}

// Get returns the person of a cached session still valid at now.
func (s *SessionCache) Get(tokenHash []byte, now time.Time) (*kurz.Profile, bool) {
	if s == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[string(tokenHash)]
	if !ok || !now.Before(e.until) || !now.Before(e.expires) {
		return nil, false
	}
	p := e.p
	return &p, true
}

// Put remembers a session just verified in the database.
func (s *SessionCache) Put(tokenHash []byte, p *kurz.Profile, expires, now time.Time) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil || len(s.m) >= maxCachedSessions {
		s.m = map[string]cachedSession{}
	}
	s.m[string(tokenHash)] = cachedSession{p: *p, expires: expires, until: now.Add(SessionCacheTTL)}
}

// Forget drops one session (logout).
func (s *SessionCache) Forget(tokenHash []byte) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, string(tokenHash))
}

// ForgetPerson drops every session of a person (password reset,
// suspension, erasure).
func (s *SessionCache) ForgetPerson(userID string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.m {
		if e.p.ID == userID {
			delete(s.m, k)
		}
	}
}
