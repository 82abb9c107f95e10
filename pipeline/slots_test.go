package pipeline

import (
	"context"
	"errors"
	"testing"
)

// TestSlotsPerPerson: one person never holds every slot; someone else
// still gets one, and a released slot can be taken again.
func TestSlotsPerPerson(t *testing.T) {
	t.Parallel()
	s := NewSlots(3)
	ctx := context.Background()
	a1, err := s.Acquire(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Acquire(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Acquire(ctx, "a"); !errors.Is(err, ErrPersonBusy) {
		t.Fatalf("third slot for one person: err = %v, want ErrPersonBusy", err)
	}
	b, err := s.Acquire(ctx, "b")
	if err != nil {
		t.Fatalf("another person with a slot free: %v", err)
	}
	// All three are taken: a new person waits until a slot is freed.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Acquire(canceled, "c"); !errors.Is(err, context.Canceled) {
		t.Fatalf("no slot free: err = %v", err)
	}
	got := make(chan error, 1)
	go func() {
		rel, err := s.Acquire(ctx, "c")
		if err == nil {
			rel()
		}
		got <- err
	}()
	a1()
	a1() // a second release is harmless
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	b()
	if _, err := s.Acquire(ctx, "a"); err != nil {
		t.Fatalf("after releasing, a may hold two again: %v", err)
	}
}

// TestSlotsSingle: with one slot a person may hold it (there is no other
// way to transcode), and the next person gets it once it is freed.
func TestSlotsSingle(t *testing.T) {
	t.Parallel()
	s := NewSlots(0)
	if s.Cap() != 1 || s.PerPerson() != 1 {
		t.Fatalf("cap %d per person %d", s.Cap(), s.PerPerson())
	}
	rel, err := s.Acquire(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Acquire(context.Background(), "a"); !errors.Is(err, ErrPersonBusy) {
		t.Fatalf("err = %v", err)
	}
	rel()
	if _, err := s.Acquire(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
}
