package pipeline

import (
	"context"
	"errors"
	"sync"
)

// Slots bounds how many transcodes run at once in a process (one set,
// shared by all its regions) and how many of them one person holds: at
// most all but one (at least one), so one person's uploads never hold
// every slot while someone else's wait. With a single slot, the job
// queue's priorities take people in turns instead.
type Slots struct {
	mu    sync.Mutex
	n     int
	free  int
	held  map[string]int
	freed chan struct{} // closed (and replaced) when a slot is given back
}

// ErrPersonBusy is Acquire's answer when the person already holds their
// share of the slots.
var ErrPersonBusy = errors.New("pipeline: this person's uploads hold their share of the transcode slots")

// NewSlots returns n slots (at least one).
func NewSlots(n int) *Slots {
	n = max(n, 1)
	return &Slots{n: n, free: n, held: map[string]int{}, freed: make(chan struct{})}
}

// Cap is the number of slots.
func (s *Slots) Cap() int { return s.n }

// PerPerson is how many slots one person may hold at once.
func (s *Slots) PerPerson() int { return max(1, s.n-1) }

// Acquire takes a slot for person's transcode, waiting for a free one;
// if the person already holds PerPerson slots it returns ErrPersonBusy at
// once, so the caller can step aside (the job is snoozed) instead of
// waiting in line in front of others. release gives the slot back.
func (s *Slots) Acquire(ctx context.Context, person string) (release func(), err error) {
	for {
		s.mu.Lock()
		if s.held[person] >= s.PerPerson() {
			s.mu.Unlock()
			return nil, ErrPersonBusy
		}
		if s.free > 0 {
			s.free--
			s.held[person]++
			s.mu.Unlock()
			var once sync.Once
			return func() { once.Do(func() { s.release(person) }) }, nil
		}
		freed := s.freed
		s.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *Slots) release(person string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.free++
	if s.held[person]--; s.held[person] <= 0 {
		delete(s.held, person)
	}
	close(s.freed)
	s.freed = make(chan struct{})
}
