package postgres_test

import (
	"context"
	"sync"
	"testing"

	"kurz"
	"kurz/internal/pgtest"
	"kurz/postgres"
	"kurz/sqlstore/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kurz.Store {
		db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// TestConcurrentMigrate: nodes of one region starting together migrate once.
func TestConcurrentMigrate(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			db, err := postgres.Open(context.Background(), dsn)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
