package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"kurz"
	"kurz/sqlite"
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
