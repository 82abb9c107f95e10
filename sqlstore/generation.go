package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"

	"kurz"
)

// NewGeneration returns a fresh random log generation (128 bits, hex).
func NewGeneration() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// LogGeneration is the generation of the region's public log, made on
// first use (a new log, or a database from before generations).
func (db *DB) LogGeneration(ctx context.Context) (string, error) {
	var g string
	err := db.read.QueryRowContext(ctx, `SELECT generation FROM log_generation WHERE id = 1`).Scan(&g)
	if err == nil {
		return g, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", db.wrap(err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO log_generation (id, generation) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, NewGeneration()); err != nil {
		return "", db.wrap(err)
	}
	err = db.write.QueryRowContext(ctx, `SELECT generation FROM log_generation WHERE id = 1`).Scan(&g)
	return g, db.wrap(err)
}

// SetLogGeneration gives the region's log generation g (a restore).
func (db *DB) SetLogGeneration(ctx context.Context, g string) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO log_generation (id, generation) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET generation = excluded.generation`, g)
	return db.wrap(err)
}

// PeerGeneration is the generation of peer's log this region last
// applied ("" if none is known yet).
func (db *DB) PeerGeneration(ctx context.Context, peer kurz.Region) (string, error) {
	var g string
	err := db.read.QueryRowContext(ctx, `SELECT generation FROM peer_generations WHERE region = $1`, string(peer)).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return g, db.wrap(err)
}

// SetPeerGeneration records the generation of peer's log being applied.
func (db *DB) SetPeerGeneration(ctx context.Context, peer kurz.Region, g string) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO peer_generations (region, generation) VALUES ($1, $2)
		ON CONFLICT (region) DO UPDATE SET generation = excluded.generation`, string(peer), g)
	return db.wrap(err)
}

// Integrity runs the dialect's consistency checks (SQLite: the page
// structure and every foreign key; PostgreSQL enforces its constraints on
// every write, so there it checks that the database answers) and returns
// an error naming the first problem.
func (db *DB) Integrity(ctx context.Context) error {
	if db.d.Name != "sqlite" {
		return db.Ping(ctx)
	}
	var res string
	if err := db.write.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return db.wrap(err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	rows, err := db.write.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return db.wrap(err)
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fk int
		rows.Scan(&table, &rowid, &parent, &fk)
		return fmt.Errorf("integrity check: a row of %s points to a missing row of %s", table, parent)
	}
	return rows.Err()
}

// SnapshotInto writes a consistent copy of a SQLite database to the file
// path (which must not exist) while the region keeps writing: VACUUM
// INTO reads one snapshot and writes a compact database. PostgreSQL has
// no such statement; a backup of it goes through Dump.
func (db *DB) SnapshotInto(ctx context.Context, path string) error {
	if db.d.Name != "sqlite" {
		return errors.New("sqlstore: SnapshotInto is for SQLite; dump PostgreSQL with Dump")
	}
	// A connection of the read pool (the writer stays free), which is
	// query_only: VACUUM INTO counts as a write for that switch, so it is
	// lifted on this connection for the copy and set again after.
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return db.wrap(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		return db.wrap(err)
	}
	_, err = conn.ExecContext(ctx, `VACUUM INTO $1`, path)
	if _, e := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA query_only = 1`); e != nil {
		// Never hand a writable connection back to the read pool.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		return errors.Join(db.wrap(err), e)
	}
	return db.wrap(err)
}

// Dialect names the store's dialect ("sqlite" or "postgres").
func (db *DB) Dialect() string { return db.d.Name }
