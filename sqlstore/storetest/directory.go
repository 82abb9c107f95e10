package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kurz"
)

// directoryMover is what a region's store offers for moving the handle
// directory (kurz directory export and import).
type directoryMover interface {
	DirectoryState(ctx context.Context) (*kurz.DirectoryState, error)
	MoveDirectory(ctx context.Context, to kurz.Region, at time.Time) error
	ReceiveDirectory(ctx context.Context, id string) error
	LiveDirectory(ctx context.Context, id string, at time.Time) error
}

func asMover(t *testing.T, s kurz.Store) directoryMover {
	t.Helper()
	if r, ok := s.(recStore); ok {
		s = r.s
	}
	m, ok := s.(directoryMover)
	if !ok {
		t.Fatal("the store cannot move the directory")
	}
	return m
}

// claimAtDirectory claims a handle as the directory does: holding the
// directory in the same transaction.
func claimAtDirectory(s kurz.Store, handle, userID string) error {
	return s.Tx(ctx(), func(q kurz.Queries) error {
		if err := q.HoldDirectory(ctx()); err != nil {
			return err
		}
		return q.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: handle, UserID: userID, ClaimedAt: at(1)})
	})
}

// testDirectoryMove: claims race the move. Every claim that succeeded is
// in the copy taken after MoveDirectory returned, and every claim after
// it is refused (EUnavailable): none is lost with the move. The move is
// repeatable to the same region only; the email claims, which stay
// behind, are gone with it. The receiving side deletes stale
// claims, and refuses claims of a directory that never moved.
func testDirectoryMove(t *testing.T, s kurz.Store) {
	m := asMover(t, s)
	noErr(t, claimAtDirectory(s, "first", "eu_1"))
	noErr(t, s.ClaimEmail(ctx(), []byte("email key of eu_1"), "eu_1", at(1)))
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	stop := make(chan struct{})
	defer wg.Wait()
	defer close(stop) // a failure below ends the racers too
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := claimAtDirectory(s, fmt.Sprintf("racer%d_%d", w, i), "eu_2")
				if kurz.ErrorCode(err) == kurz.EUnavailable {
					return
				}
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	// Let the racers get going, then move.
	for {
		mu.Lock()
		n := won
		mu.Unlock()
		if n >= 8 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	noErr(t, m.MoveDirectory(ctx(), "sg", at(2)))
	st := must(m.DirectoryState(ctx()))(t)
	wg.Wait() // each racer ends at its first refused claim
	if st.MovedTo != "sg" || st.HandleClaims != int64(won)+1 || st.EmailClaims != 0 {
		t.Fatalf("after the move: %+v, %d claims succeeded (+1)", st, won)
	}
	wantCode(t, claimAtDirectory(s, "late", "eu_3"), kurz.EUnavailable)
	noErr(t, m.MoveDirectory(ctx(), "sg", at(3)))
	wantCode(t, m.MoveDirectory(ctx(), "us", at(3)), kurz.EConflict)

	// This region receives a directory later: the stale claims go.
	noErr(t, m.ReceiveDirectory(ctx(), "archive-1"))
	if st := must(m.DirectoryState(ctx()))(t); st.MovedTo != "" || st.Received != "archive-1" || st.HandleClaims != 0 {
		t.Fatalf("after ReceiveDirectory: %+v", st)
	}
	// While the import is under way the region takes no claim; an import
	// cut short runs again.
	wantCode(t, claimAtDirectory(s, "early", "eu_1"), kurz.EUnavailable)
	noErr(t, m.ReceiveDirectory(ctx(), "archive-1"))
	wantCode(t, m.LiveDirectory(ctx(), "archive-2", at(4)), kurz.EConflict)
	noErr(t, m.LiveDirectory(ctx(), "archive-1", at(4)))
	noErr(t, claimAtDirectory(s, "first", "eu_1"))
	// Once live, no archive goes in, not even the same one again: the
	// claims made since would be lost. Nothing changes.
	wantCode(t, m.ReceiveDirectory(ctx(), "archive-1"), kurz.EConflict)
	wantCode(t, m.ReceiveDirectory(ctx(), "archive-2"), kurz.EConflict)
	if st := must(m.DirectoryState(ctx()))(t); st.HandleClaims != 1 || st.Received != "archive-1" {
		t.Fatalf("after a refused ReceiveDirectory: %+v", st)
	}
	noErr(t, claimAtDirectory(s, "second", "eu_2"))
}
