package regionops

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kurz"
)

// The handle directory can move to another region (kurz directory export
// and import). Every claim and release at the directory holds the row of
// directory_state in its transaction (HoldDirectory), and the export marks
// it moved (MoveDirectory) before it copies the claims: a claim under way
// finishes first and is in the copy, a claim after it is refused. The same
// statements lock the row in PostgreSQL (an upsert waits for the holder's
// commit and then re-checks its condition) and in SQLite (one writer).

// Execer is what HoldDirectory runs on: a transaction.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// HoldDirectory holds the directory_state row in the transaction e, or
// answers EUnavailable if the directory has moved, or an import into this
// region is under way (received, not yet live: its claims are being
// replaced). Driver errors come back as they are, for the caller's store
// to wrap.
func HoldDirectory(ctx context.Context, e Execer) error {
	res, err := e.ExecContext(ctx, `INSERT INTO directory_state (id) VALUES (1)
		ON CONFLICT (id) DO UPDATE SET moved_at = directory_state.moved_at
		WHERE directory_state.moved_to = '' AND (directory_state.received = '' OR directory_state.live_at <> 0)`)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 1 {
		return nil
	}
	var to string
	if err := e.QueryRowContext(ctx, `SELECT moved_to FROM directory_state WHERE id = 1`).Scan(&to); err != nil {
		return err
	}
	if to == "" {
		return &kurz.Error{Code: kurz.EUnavailable, Message: "the handle directory is being imported into this region; it takes claims once the import has finished"}
	}
	return &kurz.Error{Code: kurz.EUnavailable, Message: fmt.Sprintf("the handle directory has moved to region %s; this region takes no claims", to)}
}

// DirectoryState reads this region's part as the directory.
func (db *Ops) DirectoryState(ctx context.Context) (*kurz.DirectoryState, error) {
	var s kurz.DirectoryState
	var to string
	err := db.write.QueryRowContext(ctx, `SELECT moved_to, received FROM directory_state WHERE id = 1`).Scan(&to, &s.Received)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, db.wrap(err)
	}
	s.MovedTo = kurz.Region(to)
	if err := db.write.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM handle_claims), (SELECT count(*) FROM email_claims)`).Scan(&s.HandleClaims, &s.EmailClaims); err != nil {
		return nil, db.wrap(err)
	}
	return &s, nil
}

// MoveDirectory marks the directory moved to region to, once the claims
// under way are committed, and drops the email claims (they stay behind);
// from then on HoldDirectory refuses. Moving it
// again to the same region is no error (an export made again); to another
// one is.
func (db *Ops) MoveDirectory(ctx context.Context, to kurz.Region, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO directory_state (id, moved_to, moved_at) VALUES (1, $1, $2)
			ON CONFLICT (id) DO UPDATE SET moved_to = excluded.moved_to, moved_at = excluded.moved_at WHERE directory_state.moved_to = ''`,
			string(to), ms(at)); err != nil {
			return db.wrap(err)
		}
		var now string
		if err := tx.QueryRowContext(ctx, `SELECT moved_to FROM directory_state WHERE id = 1`).Scan(&now); err != nil {
			return db.wrap(err)
		}
		if now != string(to) {
			return kurz.Errorf(kurz.EConflict, "the handle directory moved to region %s already", now)
		}
		// Email claims do not move (each is keyed with this region's own
		// index key) and nothing asks them here once the directory moved:
		// they go now, not kept for ever out of reach of erasures.
		_, err := tx.ExecContext(ctx, `DELETE FROM email_claims`)
		return db.wrap(err)
	})
}

// ReceiveDirectory makes this region's claim tables ready for the claims
// of directory archive id: the claims held here (a copy left behind when
// the directory moved away from here before, or an import of the same
// archive cut short) are deleted, and the archive's ID recorded; until
// LiveDirectory, the region takes no claim. Claims of a directory that is
// here and received no archive, or another one, are refused: they may be
// the live directory's. So is any archive once an import finished here
// (live): the claims made since would be lost.
func (db *Ops) ReceiveDirectory(ctx context.Context, id string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := HoldDirectory(ctx, tx); err != nil && kurz.ErrorCode(err) != kurz.EUnavailable {
			return db.wrap(err)
		}
		var to, received string
		var live, claims int64
		if err := tx.QueryRowContext(ctx, `SELECT moved_to, received, live_at, (SELECT count(*) FROM handle_claims) + (SELECT count(*) FROM email_claims)
			FROM directory_state WHERE id = 1`).Scan(&to, &received, &live, &claims); err != nil {
			return db.wrap(err)
		}
		if to == "" && live != 0 {
			return kurz.Errorf(kurz.EConflict, "this region is the live handle directory since the import of %s (%s); importing again would drop the claims made since",
				received, time.UnixMilli(live).UTC().Format(time.RFC3339))
		}
		if claims > 0 && to == "" && received != id {
			return kurz.Errorf(kurz.EConflict, "this region holds %d claims of a handle directory that did not move away: it may be the directory", claims)
		}
		for _, stmt := range []string{`DELETE FROM handle_claims`, `DELETE FROM email_claims`} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return db.wrap(err)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE directory_state SET moved_to = '', moved_at = 0, live_at = 0, received = $1 WHERE id = 1`, id)
		return db.wrap(err)
	})
}

// LiveDirectory ends the import of directory archive id (its claims are
// restored and counted): this region takes claims from now on, and no
// other import.
func (db *Ops) LiveDirectory(ctx context.Context, id string, at time.Time) error {
	res, err := db.write.ExecContext(ctx, `UPDATE directory_state SET live_at = $1 WHERE id = 1 AND received = $2 AND moved_to = '' AND live_at = 0`, ms(at), id)
	if err != nil {
		return db.wrap(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(err)
	} else if n != 1 {
		return kurz.Errorf(kurz.EConflict, "no import of directory archive %s is under way here", id)
	}
	return nil
}
