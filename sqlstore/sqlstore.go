// Package sqlstore implements kurz.Store over database/sql. The SQL here is
// the subset that SQLite and PostgreSQL both run unchanged ($n parameters,
// ON CONFLICT, integers for times and flags); what differs between the two
// (DDL, connection settings, error codes) lives in the sqlite and postgres
// packages as a Dialect. There are no dialect branches in the queries.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kurz/sqlstore/regionops"
	"kurz/sqlstore/schema"

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
// Its row-level operations are the store contract (queries); those on
// the database as a whole come from package regionops, its schema's from
// package schema.
type DB struct {
	queries
	*regionops.Ops
	*schema.Schema
	write, read *sql.DB
	afterLog    func()
}

// AfterLog sets f to run after every commit of a transaction that
// appended to the public log, whoever wrote it: the region's catalogue
// knows from it that it is behind its own log (cell.Outbox.LogNotify).
// Set it once, before the store is used.
func (db *DB) AfterLog(f func()) { db.afterLog = f }

// New wraps opened handles. write is used for transactions and writes,
// read for reads outside transactions.
func New(d *Dialect, write, read *sql.DB) *DB {
	db := &DB{queries: newQueries(conn{e: write}, conn{e: read}, d), write: write, read: read}
	db.Ops = regionops.New(write, read, regionops.Dialect{Checkpoint: d.Checkpoint, SnapshotIsolation: d.SnapshotIsolation,
		AfterRestore: d.AfterRestore, TryLock: d.TryLock, Unlock: d.Unlock}, db.wrap)
	db.Schema = schema.New(write, schema.Dialect{Name: d.Name, Migrations: d.Migrations, MigrateLock: d.MigrateLock}, db.Ping, db.wrap)
	return db
}

// How far opening a database may change its schema, and the errors of a
// schema this kurz cannot use, as package schema names them.
type MigrateMode = schema.MigrateMode

const (
	MigrateAll   = schema.MigrateAll
	MigrateFresh = schema.MigrateFresh
	MigrateNever = schema.MigrateNever
	MigrateNone  = schema.MigrateNone
)

var (
	ErrSchemaNewer  = schema.ErrNewer
	ErrSchemaBehind = schema.ErrBehind
)

// Dialect names the store's dialect ("sqlite" or "postgres").
func (db *DB) Dialect() string { return db.d.Name }

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
	logged := false
	if err := fn(tx, newQueries(conn{e: tx, logged: &logged}, conn{e: tx}, db.d)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return db.wrap(err)
	}
	if logged && db.afterLog != nil {
		db.afterLog()
	}
	return nil
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs the statements of queries on an execer, checking their text
// arguments first (checkText); a row it refuses scans to the error.
type conn struct {
	e execer
	// logged, in a transaction's writes, is set when it appends to the
	// public log (DB.AfterLog).
	logged *bool
}

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
