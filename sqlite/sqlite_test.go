package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"kurz"
	"kurz/sqlite"
	"kurz/sqlstore"
	"kurz/sqlstore/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kurz.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "kurz.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestMigrateTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kurz.db")
	for i := 0; i < 2; i++ {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		db.Close()
	}
}

// olderDB makes a database at path with every migration but the last, as
// the previous release left it, and returns the current version.
func olderDB(t *testing.T, path string) (old, known int) {
	t.Helper()
	names, err := fs.Glob(sqlite.Dialect.Migrations, "*.sql")
	if err != nil || len(names) < 2 {
		t.Fatalf("migrations: %v %v", names, err)
	}
	sort.Strings(names)
	prev := fstest.MapFS{}
	for _, n := range names[:len(names)-1] {
		b, _ := fs.ReadFile(sqlite.Dialect.Migrations, n)
		prev[n] = &fstest.MapFile{Data: b}
	}
	d := *sqlite.Dialect
	d.Migrations = prev
	w, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db := sqlstore.New(&d, w, w)
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if old, err = db.SchemaVersion(t.Context()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	v, _ := strconv.Atoi(strings.SplitN(names[len(names)-1], "_", 2)[0])
	return old, v
}

// TestSchemaPolicy: a fresh database is initialised unless nothing may
// change; one that is behind is migrated only when allowed; one newer
// than the binary is always refused.
func TestSchemaPolicy(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()

	fresh := filepath.Join(dir, "fresh.db")
	if _, err := sqlite.OpenSchema(ctx, fresh, sqlstore.MigrateNever); !errors.Is(err, sqlstore.ErrSchemaBehind) {
		t.Fatalf("fresh database, MigrateNever: %v", err)
	}
	db, err := sqlite.OpenSchema(ctx, fresh, sqlstore.MigrateFresh)
	if err != nil {
		t.Fatalf("fresh database, MigrateFresh: %v", err)
	}
	known, _ := db.KnownVersion()
	if v, _ := db.SchemaVersion(ctx); v != known || known == 0 {
		t.Fatalf("fresh database initialised to %d, want %d", v, known)
	}
	db.Close()

	old := filepath.Join(dir, "old.db")
	was, want := olderDB(t, old)
	if was >= want || want != known {
		t.Fatalf("older database at %d, current %d (known %d)", was, want, known)
	}
	for _, mode := range []sqlstore.MigrateMode{sqlstore.MigrateFresh, sqlstore.MigrateNever} {
		_, err := sqlite.OpenSchema(ctx, old, mode)
		if !errors.Is(err, sqlstore.ErrSchemaBehind) || !strings.Contains(err.Error(), "kurz migrate") {
			t.Fatalf("older database, mode %d: %v", mode, err)
		}
	}
	if db, err = sqlite.OpenSchema(ctx, old, sqlstore.MigrateAll); err != nil {
		t.Fatalf("older database, MigrateAll: %v", err)
	}
	if v, _ := db.SchemaVersion(ctx); v != known {
		t.Fatalf("migrated to %d, want %d", v, known)
	}
	// A newer release ran here.
	if _, err := db.SQL().Exec(`INSERT INTO kurz_migrations (version, applied_at) VALUES ($1, 0)`, known+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, mode := range []sqlstore.MigrateMode{sqlstore.MigrateAll, sqlstore.MigrateFresh, sqlstore.MigrateNever} {
		if _, err := sqlite.OpenSchema(ctx, old, mode); !errors.Is(err, sqlstore.ErrSchemaNewer) {
			t.Fatalf("newer database, mode %d: %v", mode, err)
		}
	}
}
