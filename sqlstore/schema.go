package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
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

// ErrSchemaNewer is returned for a database written by a newer kurz.
var ErrSchemaNewer = errors.New("the database's schema is newer than this kurz")

// ErrSchemaBehind is returned when a database needs migrations that the
// mode does not allow.
var ErrSchemaBehind = errors.New("the database's schema is behind this kurz")

// KnownVersion is the highest migration this binary carries.
func (db *DB) KnownVersion() (int, error) {
	names, err := db.migrationFiles()
	if err != nil || len(names) == 0 {
		return 0, err
	}
	return names[len(names)-1].version, nil
}

// SchemaVersion is the highest migration applied to the database; 0 for
// an empty database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
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
func (db *DB) PrepareSchema(ctx context.Context, mode MigrateMode) (int, error) {
	if err := db.Ping(ctx); err != nil {
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
			ErrSchemaNewer, have, known)
	case have == known:
		return have, nil
	case mode == MigrateAll, mode == MigrateFresh && have == 0:
		return have, db.Migrate(ctx)
	}
	return have, fmt.Errorf("%w: schema version %d, this kurz needs %d; back the database up and run \"kurz migrate\" (or start with --migrate)",
		ErrSchemaBehind, have, known)
}

type migrationFile struct {
	name    string
	version int
}

// migrationFiles lists the dialect's migrations in order.
func (db *DB) migrationFiles() ([]migrationFile, error) {
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
