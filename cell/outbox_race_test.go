package cell_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"kurz"
	"kurz/cell"
	"kurz/internal/pgtest"
	"kurz/postgres"
)

// TestErasureNotUndoneByARacingRepublish: on PostgreSQL, where write
// transactions run side by side, a transaction that republishes a video
// (a like's counter delta) while its owner's erasure request is being
// committed must not append the video after the request's "gone": it
// decides after taking the log's writer lock, so it sees the request.
// (Before, it read the owner's standing first, waited for the lock, and
// appended the video public again: hidden for a moment, then back in every
// region's catalogue for good.) SQLite runs one write transaction at a
// time, so there the interleaving cannot arise.
func TestErasureNotUndoneByARacingRepublish(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := pgtest.NewDatabase(t)
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &cell.Cell{Region: "eu", Store: db}
	c.Init()
	now := time.Now().UTC()
	owner := &kurz.Profile{ID: kurz.NewID("eu"), Handle: "racer", DisplayName: "Racer", CreatedAt: now}
	v := &kurz.Video{ID: kurz.NewID("eu"), OwnerID: owner.ID, Caption: "soon gone", Status: kurz.StatusReady, Visibility: "public",
		CreatedAt: now, UpdatedAt: now}
	err = db.Tx(ctx, func(q kurz.Queries) error {
		if err := q.CreateProfile(ctx, owner); err != nil {
			return err
		}
		if err := q.CreateAccount(ctx, &kurz.Account{UserID: owner.ID, EmailIndex: []byte("racer"), EmailSealed: []byte("e"), BirthDateSealed: []byte("b"), CountrySealed: []byte("c"), PasswordHash: "x", CreatedAt: now}); err != nil {
			return err
		}
		if err := q.CreateVideo(ctx, v); err != nil {
			return err
		}
		return c.Outbox.SyncVideoLog(ctx, q, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if last := lastEntry(t, db, v.ID); last != cell.LogVideo {
		t.Fatalf("the video before the erasure request: last log entry %q", last)
	}

	// The erasure request, held open once it has written its log entries.
	written, release, erased := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		erased <- db.Tx(ctx, func(q kurz.Queries) error {
			if err := q.PutErasure(ctx, owner.ID, now, now.Add(time.Hour)); err != nil {
				return err
			}
			if err := c.Outbox.SyncPersonLog(ctx, q, owner.ID); err != nil {
				return err
			}
			close(written)
			<-release
			return nil
		})
	}()
	select {
	case <-written:
	case err := <-erased:
		t.Fatalf("erasure request: %v", err)
	}
	// A like's delta applied meanwhile.
	liked := make(chan error, 1)
	go func() {
		liked <- db.Tx(ctx, func(q kurz.Queries) error {
			if err := q.AddCounter(ctx, "videos", v.ID, "likes", 1); err != nil {
				return err
			}
			v, err := q.VideoByID(ctx, v.ID)
			if err != nil {
				return err
			}
			return c.Outbox.SyncVideoLog(ctx, q, v)
		})
	}()
	// The request commits once the delta's transaction waits for the log
	// (or has finished without waiting: then it decided before the commit).
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var likeErr error
	likeDone := false
	for waiting := false; !waiting && !likeDone; {
		select {
		case likeErr = <-liked:
			likeDone = true
		case <-time.After(10 * time.Millisecond):
			err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)`).Scan(&waiting)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	close(release)
	if err := <-erased; err != nil {
		t.Fatalf("erasure request: %v", err)
	}
	if !likeDone {
		likeErr = <-liked
	}
	if likeErr != nil {
		t.Fatalf("the like's delta: %v", likeErr)
	}
	if last := lastEntry(t, db, v.ID); last != cell.LogVideoGone {
		t.Fatalf("after an erasure request and a like's delta that raced it, the video's last log entry is %q: it is public again", last)
	}
}

// lastEntry is the kind of the last log entry about id.
func lastEntry(t *testing.T, s kurz.Store, id string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	entries, err := s.LogAfter(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	kind := ""
	for _, e := range entries {
		if e.ObjectID == id {
			kind = e.Kind
		}
	}
	return kind
}
