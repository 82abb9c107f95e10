package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"kurz"
	"kurz/postgres"
	"kurz/region"
	"kurz/sqlite"
	"kurz/sqlstore"
)

// SchemaStatus is a region database's schema version and the one this
// binary carries.
type SchemaStatus struct {
	Region kurz.Region `json:"region"`
	// Store is "main" or "keys" (the key store).
	Store string `json:"store"`
	// Before is the version found; After the version left (equal unless
	// migrated).
	Before int `json:"before"`
	After  int `json:"after"`
	Known  int `json:"known"`
}

// Migrate brings every hosted region's databases (main database, key
// store, job queue) to this binary's schema, or with check only reports
// their versions. It takes each region's folder lock first, so it refuses
// to run beside a server on the same data. Stop every node of a region
// and back it up before migrating; a server only migrates when started
// with --migrate (or migrate = true in the config file).
func Migrate(ctx context.Context, cfg Config, check bool) ([]SchemaStatus, error) {
	var out []SchemaStatus
	for _, r := range cfg.Regions {
		dir := filepath.Join(cfg.DataDir, string(r))
		lock, err := lockDir(dir)
		if err != nil {
			return out, fmt.Errorf("region %s: %w", r, err)
		}
		st, err := migrateRegion(ctx, cfg, r, check)
		lock.Close()
		out = append(out, st...)
		if err != nil {
			return out, fmt.Errorf("region %s: %w", r, err)
		}
	}
	return out, nil
}

func migrateRegion(ctx context.Context, cfg Config, r kurz.Region, check bool) ([]SchemaStatus, error) {
	m := &Main{Config: cfg}
	rc := m.offlineRegionConfig(r)
	stores := []struct{ name, dsn, path string }{
		{"main", rc.DB, filepath.Join(rc.Dir, "kurz.db")},
		{"keys", rc.KeyDB, filepath.Join(rc.KeysDir, "keys.db")},
	}
	if _, err := os.Stat(stores[0].path); err != nil && rc.DB == "" {
		return nil, fmt.Errorf("no database at %s (a new region is set up by kurz serve)", stores[0].path)
	}
	var out []SchemaStatus
	for _, s := range stores {
		db, err := openStoreAs(ctx, s.dsn, s.path, sqlstore.MigrateNone)
		if err != nil {
			return out, err
		}
		st := SchemaStatus{Region: r, Store: s.name}
		st.Before, err = db.SchemaVersion(ctx)
		if err == nil {
			st.Known, err = db.KnownVersion()
		}
		db.Close()
		if err != nil {
			return out, err
		}
		st.After = st.Before
		out = append(out, st)
	}
	if check {
		return out, nil
	}
	// Opening the region with MigrateAll migrates all three and checks
	// that a schema is not newer than this binary.
	rc.Migrate = sqlstore.MigrateAll
	c, err := region.Open(ctx, rc)
	if err != nil {
		return out, err
	}
	for i := range out {
		db := c.Store
		if out[i].Store == "keys" {
			db = c.KeyStore
		}
		if v, ok := db.(interface {
			SchemaVersion(context.Context) (int, error)
		}); ok {
			out[i].After, _ = v.SchemaVersion(ctx)
		}
	}
	return out, c.Close()
}

func openStoreAs(ctx context.Context, dsn, path string, mode sqlstore.MigrateMode) (*sqlstore.DB, error) {
	if dsn != "" {
		return postgres.OpenSchema(ctx, dsn, mode)
	}
	return sqlite.OpenSchema(ctx, path, mode)
}
