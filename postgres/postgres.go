// Package postgres opens a region's database in PostgreSQL (pgx v5 through
// database/sql), for regions that outgrow one machine.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"net"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"kurz/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is PostgreSQL's part of the store.
var Dialect = func() *sqlstore.Dialect {
	m, _ := fs.Sub(migrations, "migrations")
	return &sqlstore.Dialect{
		Name:       "postgres",
		Migrations: m,
		River:      func(db *sql.DB) riverdriver.Driver[*sql.Tx] { return riverdatabasesql.New(db) },
		// One migrator at a time across all nodes of a region.
		MigrateLock: `SELECT pg_advisory_xact_lock(4231577)`,
		LogLock:     `SELECT pg_advisory_xact_lock(4231578)`,
		// Node leases (which node follows a peer's log, sends deltas,
		// sweeps): session locks in their own key space.
		TryLock: `SELECT pg_try_advisory_lock(4231579, hashtext($1))`,
		Unlock:  `SELECT pg_advisory_unlock(4231579, hashtext($1))`,
		// A region export reads every table in one snapshot.
		SnapshotIsolation: sql.LevelRepeatableRead,
		AfterRestore:      `SELECT setval(pg_get_serial_sequence('public_log', 'seq'), COALESCE((SELECT max(seq) FROM public_log), 0) + 1, false)`,
		IsUniqueViolation: func(err error) bool {
			var e *pgconn.PgError
			return errors.As(err, &e) && e.Code == "23505"
		},
		IsFull: func(err error) bool {
			var e *pgconn.PgError
			return errors.As(err, &e) && e.Code == "53100" // disk_full
		},
		IsUnavailable: func(err error) bool {
			var ne net.Error
			var ce *pgconn.ConnectError
			return errors.As(err, &ne) || errors.As(err, &ce)
		},
	}
}()

// Open connects to the database at dsn (a postgres:// URL) and applies
// every pending migration (tools and tests; a server uses OpenSchema).
func Open(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	return OpenSchema(ctx, dsn, sqlstore.MigrateAll)
}

// OpenSchema connects to the database at dsn (a postgres:// URL) and
// checks and migrates its schema as far as mode allows. PostgreSQL handles
// concurrent writers itself, so one pool serves both reads and writes.
func OpenSchema(ctx context.Context, dsn string, mode sqlstore.MigrateMode) (*sqlstore.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := sqlstore.New(Dialect, db, db)
	if _, err := s.PrepareSchema(ctx, mode); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
