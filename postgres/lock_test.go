package postgres_test

import (
	"errors"
	"testing"

	"kurz/internal/pgtest"
	"kurz/postgres"
)

// TestLockNode: one session holds a node's lock; a second one is refused
// until the first lets go; another node's lock is independent.
func TestLockNode(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ctx := t.Context()
	a, err := postgres.LockNode(ctx, dsn, "kurz node eu/n1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.LockNode(ctx, dsn, "kurz node eu/n1"); !errors.Is(err, postgres.ErrLocked) {
		t.Fatalf("second lock of the same node: %v", err)
	}
	b, err := postgres.LockNode(ctx, dsn, "kurz node eu/n2")
	if err != nil {
		t.Fatalf("another node's lock: %v", err)
	}
	b.Close()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := postgres.LockNode(ctx, dsn, "kurz node eu/n1")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	c.Close()
}

// TestLockNodeFreeOnClose: a node's lock is free the moment Close returns,
// time after time (a supervisor restarts a stopped process at once).
func TestLockNodeFreeOnClose(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	for i := range 100 {
		l, err := postgres.LockNode(t.Context(), dsn, "kurz node eu/n1")
		if err != nil {
			t.Fatalf("take %d: %v", i, err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
