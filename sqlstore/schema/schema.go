// Package schema keeps a region database's schema: the dialect's numbered
// migrations, the version a database is at, and how far opening it may
// migrate it (MigrateMode). sqlstore.DB embeds Schema; the adapters
// (sqlite, postgres) call PrepareSchema when they open a store. It
// imports nothing of kurz.
package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MigrateMode says how far opening a database may change its schema.
type MigrateMode int

const (
	// MigrateAll applies every pending migration: "kurz migrate",
	// "kurz serve --migrate", and tests.
	MigrateAll MigrateMode = iota
	// MigrateFresh creates the schema of an empty database (a first
	// start is not an upgrade) but refuses one that is behind.
	MigrateFresh
	// MigrateNever changes nothing and refuses a database that is behind
	// (the admin commands).
	MigrateNever
	// MigrateNone neither changes nor checks the schema, for reading its
	// version ("kurz migrate --check").
	MigrateNone
)

// ErrNewer is returned for a database written by a newer kurz.
var ErrNewer = errors.New("the database's schema is newer than this kurz")

// ErrBehind is returned when a database needs migrations that the mode
// does not allow.
var ErrBehind = errors.New("the database's schema is behind this kurz")

// Dialect is the part of sqlstore.Dialect the schema uses.
type Dialect struct {
	// Name names the dialect in errors.
	Name string
	// Migrations holds numbered files "0001_name.sql", applied in order.
	Migrations fs.FS
	// MigrateLock, if set, runs first in the migration transaction to keep
	// concurrent nodes from migrating at once.
	MigrateLock string
}

// Schema checks and migrates a database's schema over its write handle.
type Schema struct {
	write *sql.DB
	d     Dialect
	// ping checks that the database answers; wrap turns driver errors
	// into domain errors (the store's).
	ping func(context.Context) error
	wrap func(error) error
}

// New returns the schema of the database behind write.
func New(write *sql.DB, d Dialect, ping func(context.Context) error, wrap func(error) error) *Schema {
	return &Schema{write: write, d: d, ping: ping, wrap: wrap}
}

// KnownVersion is the highest migration this binary carries.
func (db *Schema) KnownVersion() (int, error) {
	names, err := db.migrationFiles()
	if err != nil || len(names) == 0 {
		return 0, err
	}
	return names[len(names)-1].version, nil
}

// SchemaVersion is the highest migration applied to the database; 0 for
// an empty database.
func (db *Schema) SchemaVersion(ctx context.Context) (int, error) {
	var n int
	// A database that never ran a migration has no table to ask.
	err := db.write.QueryRowContext(ctx, `SELECT count(*) FROM kurz_migrations`).Scan(&n)
	if err != nil {
		return 0, nil
	}
	var v int
	if err := db.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM kurz_migrations`).Scan(&v); err != nil {
		return 0, db.wrap(err)
	}
	return v, nil
}

// PrepareSchema checks the database's schema against this binary and
// migrates it as far as mode allows. A schema newer than the binary is
// always refused: an older kurz would misread what a newer one wrote. It
// returns the version found before any migration (0: the database was
// empty).
func (db *Schema) PrepareSchema(ctx context.Context, mode MigrateMode) (int, error) {
	if err := db.ping(ctx); err != nil {
		return 0, err
	}
	if mode == MigrateNone {
		return 0, nil
	}
	known, err := db.KnownVersion()
	if err != nil {
		return 0, err
	}
	have, err := db.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	switch {
	case have > known:
		return have, fmt.Errorf("%w: schema version %d, this kurz knows up to %d; run the kurz release that wrote it, or restore the backup taken before the upgrade",
			ErrNewer, have, known)
	case have == known:
		return have, nil
	case mode == MigrateAll, mode == MigrateFresh && have == 0:
		return have, db.Migrate(ctx)
	}
	return have, fmt.Errorf("%w: schema version %d, this kurz needs %d; back the database up and run \"kurz migrate\" (or start with --migrate)",
		ErrBehind, have, known)
}

type migrationFile struct {
	name    string
	version int
}

// migrationFiles lists the dialect's migrations in order.
func (db *Schema) migrationFiles() ([]migrationFile, error) {
	names, err := fs.Glob(db.d.Migrations, "*.sql")
	if err != nil {
		return nil, err
	}
	out := make([]migrationFile, 0, len(names))
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migrate: bad file name %q", name)
		}
		out = append(out, migrationFile{name: name, version: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		// Two files of one number: a database at that version would never
		// run the second, so it is refused (renumber the newer one).
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrate: %q and %q have the same number", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// Migrate applies the dialect's migrations that have not run yet.
func (db *Schema) Migrate(ctx context.Context) error {
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
			_, err := tx.ExecContext(ctx, `INSERT INTO kurz_migrations (version, applied_at) VALUES ($1, $2)`, v, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s (%s): %w", name, db.d.Name, err)
		}
	}
	return nil
}

// migrateTx runs fn in a transaction holding the dialect's migration lock.
func (db *Schema) migrateTx(ctx context.Context, fn func(*sql.Tx) error) error {
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
