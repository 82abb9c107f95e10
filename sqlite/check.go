package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"kurz/sqlstore"
)

// Check runs SQLite's consistency checks on db: the page structure
// (integrity_check) and every foreign key (foreign_key_check). It returns
// an error naming the first problem.
func Check(ctx context.Context, db *sqlstore.DB) error {
	var res string
	if err := db.SQL().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	rows, err := db.SQL().QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		rows.Scan(&table, &rowid, &parent, &fk)
		return fmt.Errorf("integrity check: a row of %s points to a missing row of %s", table, parent)
	}
	return rows.Err()
}

// Snapshot writes a consistent copy of the database at path to dst (which
// must not exist) while the region keeps writing: VACUUM INTO reads one
// snapshot and writes a compact database. It runs on a connection of its
// own, so the region's writer is never held.
func Snapshot(ctx context.Context, path, dst string) error {
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `VACUUM INTO $1`, dst)
	return err
}
