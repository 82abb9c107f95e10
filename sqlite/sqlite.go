// Package sqlite opens a region's database in SQLite (modernc.org/sqlite,
// pure Go), the embedded default.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"io/fs"
	"net/url"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"kurz/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is SQLite's part of the store.
var Dialect = func() *sqlstore.Dialect {
	m, _ := fs.Sub(migrations, "migrations")
	return &sqlstore.Dialect{
		Name:       "sqlite",
		Migrations: m,
		Checkpoint: "PRAGMA wal_checkpoint(TRUNCATE)",
		River:      func(db *sql.DB) riverdriver.Driver[*sql.Tx] { return riversqlite.New(db) },
		IsUniqueViolation: func(err error) bool {
			var e *sqlite.Error
			return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
		},
		IsFull: func(err error) bool {
			var e *sqlite.Error
			return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_FULL
		},
	}
}()

// All SQLite settings live here:
//   - WAL: readers never block the writer and the writer never blocks readers.
//   - synchronous(FULL): a committed transaction survives power loss, not
//     just a process crash; uploads and moderation records must not vanish.
//   - foreign_keys(1): ON DELETE CASCADE works (erasure relies on it).
//   - secure_delete(1): deleted rows are overwritten, so erased people's
//     public text does not linger in free pages.
//   - busy_timeout(10000): a second process (a backup, the CLI) waits
//     instead of failing with "database is locked".
//   - _txlock=immediate: write transactions take the write lock at BEGIN,
//     so two writers queue up instead of failing on lock upgrade.
//
// Writes go through a pool of one connection, so writers in this process
// queue in Go rather than in SQLite; reads use a separate pool that is
// query_only.
func dsn(path string, readOnly bool) string {
	v := url.Values{}
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "synchronous(FULL)")
	v.Add("_pragma", "foreign_keys(1)")
	v.Add("_pragma", "secure_delete(1)")
	v.Add("_pragma", "busy_timeout(10000)")
	if readOnly {
		v.Add("_pragma", "query_only(1)")
	} else {
		v.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + v.Encode()
}

// Open opens (creating if needed) the database file at path and applies
// every pending migration (tools and tests; a server uses OpenSchema).
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	return OpenSchema(ctx, path, sqlstore.MigrateAll)
}

// OpenSchema opens (creating if needed) the database file at path and
// checks and migrates its schema as far as mode allows.
func OpenSchema(ctx context.Context, path string, mode sqlstore.MigrateMode) (*sqlstore.DB, error) {
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	db := sqlstore.New(Dialect, w, r)
	if _, err := db.PrepareSchema(ctx, mode); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
