// Package sqlstore implements kurz.Store over database/sql. The SQL here is
// the subset that SQLite and PostgreSQL both run unchanged ($n parameters,
// ON CONFLICT, integers for times and flags); what differs between the two
// (DDL, connection settings, error codes) lives in the sqlite and postgres
// packages as a Dialect. There are no dialect branches in the queries.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river/riverdriver"

	"kurz"
)

// Dialect is what an adapter supplies.
type Dialect struct {
	Name string
	// Migrations holds numbered files "0001_name.sql", applied in order.
	Migrations fs.FS
	// MigrateLock, if set, runs first in the migration transaction to keep
	// concurrent nodes from migrating at once.
	MigrateLock string
	// IsUniqueViolation reports whether err is a unique-constraint error,
	// by driver error code.
	IsUniqueViolation func(error) bool
	// IsUnavailable reports whether err means the database cannot be
	// reached (so callers answer 503, not 500).
	IsUnavailable func(error) bool
	// IsFull reports whether err means the database's disk is full (so
	// callers answer 507, not 500).
	IsFull func(error) bool
	// LogLock, if set, runs before each public-log insert and holds until
	// commit, so log entries become visible in sequence order.
	LogLock string
	// Checkpoint, if set, folds the write-ahead log into the database and
	// truncates it (after an erasure, so deleted data leaves the WAL).
	Checkpoint string
	// River returns the job queue's driver for the write handle.
	River func(*sql.DB) riverdriver.Driver[*sql.Tx]
	// TryLock and Unlock, if set, take and drop a session lock named $1
	// without waiting (TryLock answers a boolean); without them the
	// database belongs to one process and its locks live in memory.
	TryLock, Unlock string
	// SnapshotIsolation is the isolation level of Dump's read
	// transaction (SQLite's read transactions see one snapshot anyway).
	SnapshotIsolation sql.IsolationLevel
	// AfterRestore, if set, runs after rows were restored with their own
	// keys (it moves sequences past them).
	AfterRestore string
}

// DB is a region's database: a connection for writes and a pool for reads
// (the same pool where the database handles concurrent writers itself).
type DB struct {
	queries
	write, read *sql.DB

	leaseMu sync.Mutex
	leases  map[string]bool // without TryLock: the names held here
}

// New wraps opened handles. write is used for transactions and writes,
// read for reads outside transactions.
func New(d *Dialect, write, read *sql.DB) *DB {
	return &DB{queries: newQueries(conn{write}, conn{read}, d), write: write, read: read}
}

// SQL returns the write handle, for the job queue's transactional enqueue.
func (db *DB) SQL() *sql.DB { return db.write }

// RiverDriver returns the job queue driver over the write handle.
func (db *DB) RiverDriver() riverdriver.Driver[*sql.Tx] { return db.d.River(db.write) }

// Ping checks both handles.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return db.wrap(err)
	}
	return db.wrap(db.read.PingContext(ctx))
}

// Close closes both handles.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Checkpoint runs the dialect's checkpoint, if any.
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.d.Checkpoint == "" {
		return nil
	}
	_, err := db.write.ExecContext(ctx, db.d.Checkpoint)
	return err
}

// Tx runs fn in a write transaction.
func (db *DB) Tx(ctx context.Context, fn func(kurz.Queries) error) error {
	return db.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error { return fn(q) })
}

// TxSQL is Tx that also hands fn the *sql.Tx, for enqueueing jobs in the
// same transaction as the change.
func (db *DB) TxSQL(ctx context.Context, fn func(*sql.Tx, kurz.Queries) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap(err)
	}
	// Roll back unless committed, also when fn panics: a transaction left
	// open would hold SQLite's one write connection, or PostgreSQL's row
	// locks, until the process ends. After Commit this does nothing.
	defer tx.Rollback()
	if err := fn(tx, newQueries(conn{tx}, conn{tx}, db.d)); err != nil {
		return err
	}
	return db.wrap(tx.Commit())
}

// Migrate applies the dialect's migrations that have not run yet.
func (db *DB) Migrate(ctx context.Context) error {
	err := db.migrateTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS kurz_migrations (
			version BIGINT PRIMARY KEY, -- class: regional-operational
			applied_at BIGINT NOT NULL)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	files, err := db.migrationFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		name, v := f.name, f.version
		body, err := fs.ReadFile(db.d.Migrations, name)
		if err != nil {
			return err
		}
		err = db.migrateTx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM kurz_migrations WHERE version = $1`, v).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO kurz_migrations (version, applied_at) VALUES ($1, $2)`, v, ms(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s (%s): %w", name, db.d.Name, err)
		}
	}
	return nil
}

// migrateTx runs fn in a transaction holding the dialect's migration lock.
func (db *DB) migrateTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.d.MigrateLock != "" {
		if _, err := tx.ExecContext(ctx, db.d.MigrateLock); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs the statements of queries on an execer, checking their text
// arguments first (checkText); a row it refuses scans to the error.
type conn struct{ e execer }

func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := checkText(args); err != nil {
		return nil, err
	}
	return c.e.ExecContext(ctx, query, args...)
}

func (c conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := checkText(args); err != nil {
		return nil, err
	}
	return c.e.QueryContext(ctx, query, args...)
}

func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) scanner {
	if err := checkText(args); err != nil {
		return errRow{err}
	}
	return c.e.QueryRowContext(ctx, query, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// errText refuses text that PostgreSQL's text type cannot hold (a NUL
// character, or bytes that are not UTF-8) and SQLite would store: every
// dialect refuses it before the database sees it, as invalid input,
// rather than one storing it and the other failing.
var errText = &kurz.Error{Code: kurz.EInvalid, Message: "text must be UTF-8 without NUL characters"}

func checkText(args []any) error {
	for _, a := range args {
		if s, ok := a.(string); ok && (strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)) {
			return errText
		}
	}
	return nil
}

// base is what the queries of every concern share: w takes writes, r
// reads (both the transaction inside Tx), d is the dialect.
type base struct {
	w, r conn
	d    *Dialect
}

// queries implements the store contract, kurz.Queries, as one type per
// concern, each in its own file over the same connections: accounts.go,
// trust.go, videos.go (and stats.go), quota.go, social.go (and
// follows.go, blocks.go), comments.go, log.go, safety.go, standing.go,
// privacy.go, inbox.go and staff.go.
type queries struct {
	base
	accountQueries
	trustQueries
	videoQueries
	quotaQueries
	socialQueries
	commentQueries
	logQueries
	safetyQueries
	standingQueries
	privacyQueries
	inboxQueries
	staffQueries
}

var _ kurz.Queries = queries{}

func newQueries(w, r conn, d *Dialect) queries {
	b := base{w: w, r: r, d: d}
	return queries{b, accountQueries{b}, trustQueries{b}, videoQueries{b}, quotaQueries{b}, socialQueries{b}, commentQueries{b},
		logQueries{b}, safetyQueries{b}, standingQueries{b}, privacyQueries{b}, inboxQueries{b}, staffQueries{b}}
}

// wrap turns driver errors into domain errors by code.
func (q base) wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return kurz.ErrNotFound
	case q.d.IsUniqueViolation(err):
		return &kurz.Error{Code: kurz.EConflict, Message: "already exists", Cause: err}
	case q.d.IsFull != nil && q.d.IsFull(err):
		return &kurz.Error{Code: kurz.ENoSpace, Message: "the server is short of storage space; please try again later", Cause: err}
	case q.d.IsUnavailable != nil && q.d.IsUnavailable(err):
		return &kurz.Error{Code: kurz.EUnavailable, Message: "the database is unavailable", Cause: err}
	}
	return err
}

func (q base) exec(ctx context.Context, query string, args ...any) error {
	_, err := q.w.ExecContext(ctx, query, args...)
	return q.wrap(err)
}

// execOne is exec that returns ErrNotFound when no row changed.
func (q base) execOne(ctx context.Context, query string, args ...any) error {
	res, err := q.w.ExecContext(ctx, query, args...)
	if err != nil {
		return q.wrap(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return kurz.ErrNotFound
	}
	return nil
}

// changed runs an insert or delete and reports whether a row changed.
func (q base) changed(ctx context.Context, query string, args ...any) (bool, error) {
	res, err := q.w.ExecContext(ctx, query, args...)
	if err != nil {
		return false, q.wrap(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (q base) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	return list(ctx, q, func(r scanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, query, args...)
}

// scanner is a row that can be scanned (*sql.Row or *sql.Rows).
type scanner interface{ Scan(...any) error }

// list runs a query on the read side and scans every row with scan.
func list[T any](ctx context.Context, q base, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, q.wrap(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, q.wrap(err)
		}
		out = append(out, v)
	}
	return out, q.wrap(rows.Err())
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func itoa(i int) string { return strconv.Itoa(i) }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CountPrefixed counts the rows of table whose column starts with prefix
// (the residency self-check: IDs carry their home region). table and
// column are names from the code, never from input.
func (db *DB) CountPrefixed(ctx context.Context, table, column, prefix string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE substr(`+column+`, 1, $2) = $1`, prefix, len(prefix)).Scan(&n)
	return n, err
}

// lease is a named lock held by one node of a region at a time.
type lease struct {
	conn    *sql.Conn
	release func()
}

// Alive checks that the lease still holds: on PostgreSQL, that the session
// holding it still answers (if it was lost, so was the lock).
func (l *lease) Alive(ctx context.Context) bool {
	if l.conn == nil {
		return true
	}
	return l.conn.PingContext(ctx) == nil
}

// Release drops the lease.
func (l *lease) Release() { l.release() }

// TryLease takes the lock name without waiting; nil if another node (or
// this one) holds it. On PostgreSQL it is a session advisory lock on a
// connection of its own, so a node that dies loses it at once.
func (db *DB) TryLease(ctx context.Context, name string) (kurz.Lease, error) {
	if db.d.TryLock == "" {
		db.leaseMu.Lock()
		defer db.leaseMu.Unlock()
		if db.leases == nil {
			db.leases = map[string]bool{}
		}
		if db.leases[name] {
			return nil, nil
		}
		db.leases[name] = true
		return &lease{release: func() {
			db.leaseMu.Lock()
			delete(db.leases, name)
			db.leaseMu.Unlock()
		}}, nil
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, db.wrap(err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, db.d.TryLock, name).Scan(&ok); err != nil || !ok {
		conn.Close()
		return nil, db.wrap(err)
	}
	return &lease{conn: conn, release: func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, db.d.Unlock, name); err != nil {
			// The session must not go back to the pool holding the lock.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}}, nil
}
