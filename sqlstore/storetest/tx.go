package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"kurz"
)

// Tx: transactions, concurrent writers, Ping and Close.
var txTests = []test{
	{"Commit", testTxCommit},
	{"Rollback", testTxRollback},
	{"FailedStatement", testTxFailedStatement},
	{"Panic", testTxPanic},
	{"ConcurrentWrites", testConcurrentWrites},
	{"PingClose", testPingClose},
}

func testTxCommit(t *testing.T, s kurz.Store) {
	var p *kurz.Profile
	var v *kurz.Video
	err := s.Tx(ctx(), func(q kurz.Queries) error {
		p = mustProfile(t, q, "hank")
		// Reads inside the transaction see its writes.
		if _, err := q.ProfileByID(ctx(), p.ID); err != nil {
			return err
		}
		v = mustVideo(t, q, p.ID, kurz.StatusReady, kurz.Public, at(0))
		if err := q.SetHashtags(ctx(), v.ID, []string{"x"}, at(0)); err != nil {
			return err
		}
		appendLog(t, q, "video", v.ID, 1)
		wantStrings(t, "hashtags inside the transaction", must(q.HashtagsOf(ctx(), v.ID))(t), "x")
		return nil
	})
	noErr(t, err)
	must(s.ProfileByHandle(ctx(), "hank"))(t)
	must(s.VideoByID(ctx(), v.ID))(t)
	wantStrings(t, "hashtags after commit", must(s.HashtagsOf(ctx(), v.ID))(t), "x")
	if seq := must(s.LastLogSeq(ctx()))(t); seq == 0 {
		t.Fatal("the log entry of a committed transaction is missing")
	}
}

func testTxRollback(t *testing.T, s kurz.Store) {
	before := must(s.TableCounts(ctx()))(t)
	boom := errors.New("boom")
	err := s.Tx(ctx(), func(q kurz.Queries) error {
		p := mustProfile(t, q, "gina")
		v := mustVideo(t, q, p.ID, kurz.StatusReady, kurz.Public, at(0))
		appendLog(t, q, "video", v.ID, 1)
		noErr(t, q.QueueDelta(ctx(), &kurz.Delta{Key: "k", Region: "us", ObjectID: "us_v", Field: "likes", Delta: 1, CreatedAt: at(0)}))
		must(q.MarkDeltaApplied(ctx(), "us:k", at(0)))(t)
		noErr(t, q.AddCounter(ctx(), "profiles", p.ID, "followers", 1))
		return fmt.Errorf("wrapped: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx returned %v, want the function's error", err)
	}
	after := must(s.TableCounts(ctx()))(t)
	for table, n := range after {
		if n != before[table] {
			t.Errorf("%s has %d rows after a rolled-back Tx, had %d", table, n, before[table])
		}
	}
	_, err = s.ProfileByHandle(ctx(), "gina")
	wantNotFound(t, err, "profile of a rolled-back Tx")
	if fresh := must(s.MarkDeltaApplied(ctx(), "us:k", at(1)))(t); !fresh {
		t.Fatal("a delta key marked in a rolled-back Tx stayed marked")
	}
	// A coded error keeps its code through Tx.
	err = s.Tx(ctx(), func(q kurz.Queries) error { return kurz.Errorf(kurz.EForbidden, "no") })
	wantCode(t, err, kurz.EForbidden)
}

// testTxFailedStatement: a statement that fails inside a transaction gives
// the caller a coded error, and returning it rolls everything back.
func testTxFailedStatement(t *testing.T, s kurz.Store) {
	mustProfile(t, s, "taken")
	err := s.Tx(ctx(), func(q kurz.Queries) error {
		p := mustProfile(t, q, "ivy")
		noErr(t, q.PutPersonKey(ctx(), p.ID, []byte("k")))
		return q.CreateProfile(ctx(), &kurz.Profile{ID: kurz.NewID("eu"), Handle: "taken", CreatedAt: at(0)})
	})
	wantCode(t, err, kurz.EConflict)
	_, err = s.ProfileByHandle(ctx(), "ivy")
	wantNotFound(t, err, "profile written before the failed statement")
	// Not-found keeps its identity through Tx too.
	err = s.Tx(ctx(), func(q kurz.Queries) error {
		_, err := q.VideoByID(ctx(), kurz.NewID("eu"))
		return err
	})
	wantNotFound(t, err, "Tx returning a not-found read")
}

// testTxPanic: a function that panics inside Tx rolls the transaction back
// and does not keep the store's writer: the next write goes through.
func testTxPanic(t *testing.T, s kurz.Store) {
	func() {
		defer func() {
			if r := recover(); r != "crash" {
				t.Fatalf("recovered %v, want the function's panic to reach the caller", r)
			}
		}()
		s.Tx(ctx(), func(q kurz.Queries) error {
			mustProfile(t, q, "jack")
			panic("crash")
		})
	}()
	c, cancel := context.WithTimeout(ctx(), 5*time.Second)
	defer cancel()
	err := s.Tx(c, func(q kurz.Queries) error {
		// The same handle: this waits on the panicked transaction's insert
		// unless that was rolled back.
		return q.CreateProfile(c, &kurz.Profile{ID: kurz.NewID("eu"), Handle: "jack", CreatedAt: at(1)})
	})
	if err != nil {
		t.Fatalf("write after a panic in Tx: %v", err)
	}
}

// testConcurrentWrites: many writers at once never surface "database is
// locked" or lose a row.
func testConcurrentWrites(t *testing.T, s kurz.Store) {
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Tx(ctx(), func(q kurz.Queries) error {
				p := &kurz.Profile{ID: kurz.NewID("eu"), Handle: fmt.Sprint("c", i), CreatedAt: at(i)}
				if err := q.CreateProfile(ctx(), p); err != nil {
					return err
				}
				return q.PutPersonKey(ctx(), p.ID, []byte("k"))
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	for i := range n {
		if _, err := s.ProfileByHandle(ctx(), fmt.Sprint("c", i)); err != nil {
			t.Fatalf("lost row c%d: %v", i, err)
		}
	}
}

func testPingClose(t *testing.T, s kurz.Store) {
	noErr(t, s.Ping(ctx()))
	noErr(t, s.Close())
	if err := s.Ping(ctx()); err == nil {
		t.Fatal("Ping of a closed store succeeded")
	}
	if _, err := s.ProfileByHandle(ctx(), "x"); err == nil || errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("read from a closed store = %v, want an error other than not-found", err)
	}
}
