// Package regionops holds the operations on a region's database as a
// whole rather than on its rows: the public log's compaction and
// generations and the re-sending of counter deltas (replication),
// checkpoints that fold the write-ahead log, detaching a region (a
// split), dump and restore (backups and archives), rotating the key
// encryption key over every person's key, the leases that pick the node
// doing region-wide work, and counts for the admin commands. sqlstore.DB
// embeds Ops, so they are methods of the store; the row-level contract,
// kurz.Queries, stays in sqlstore. It imports only the root package: the
// dialect's SQL comes in as Dialect.
package regionops

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// Dialect is the part of sqlstore.Dialect these operations use.
type Dialect struct {
	// Checkpoint, if set, folds the write-ahead log into the database and
	// truncates it.
	Checkpoint string
	// SnapshotIsolation is the isolation level of Dump's read
	// transaction.
	SnapshotIsolation sql.IsolationLevel
	// AfterRestore, if set, runs after rows were restored with their own
	// keys.
	AfterRestore string
	// TryLock and Unlock, if set, take and drop a session lock named $1;
	// without them leases live in memory.
	TryLock, Unlock string
}

// Ops runs the region-level operations on a database's handles: write
// for writes and transactions, read for reads.
type Ops struct {
	write, read *sql.DB
	d           Dialect
	// wrap turns driver errors into domain errors (the store's).
	wrap func(error) error

	leaseMu sync.Mutex
	leases  map[string]bool // without TryLock: the names held here
}

// New returns the operations over a store's handles; wrap is the store's
// error mapping.
func New(write, read *sql.DB, d Dialect, wrap func(error) error) *Ops {
	return &Ops{write: write, read: read, d: d, wrap: wrap}
}

// Checkpoint runs the dialect's checkpoint, if any (after an erasure or a
// compaction, so deleted data leaves the write-ahead log).
func (db *Ops) Checkpoint(ctx context.Context) error {
	if db.d.Checkpoint == "" {
		return nil
	}
	_, err := db.write.ExecContext(ctx, db.d.Checkpoint)
	return err
}

// tx runs fn in a write transaction, rolled back unless it commits.
func (db *Ops) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return db.wrap(tx.Commit())
}

func ms(t time.Time) int64 { return t.UnixMilli() }
