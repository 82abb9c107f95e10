package regionops

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

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
func (db *Ops) LogGeneration(ctx context.Context) (string, error) {
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
func (db *Ops) SetLogGeneration(ctx context.Context, g string) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO log_generation (id, generation) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET generation = excluded.generation`, g)
	return db.wrap(err)
}

// PeerGeneration is the generation of peer's log this region last
// applied ("" if none is known yet).
func (db *Ops) PeerGeneration(ctx context.Context, peer kurz.Region) (string, error) {
	var g string
	err := db.read.QueryRowContext(ctx, `SELECT generation FROM peer_generations WHERE region = $1`, string(peer)).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return g, db.wrap(err)
}

// SetPeerGeneration records the generation of peer's log being applied.
func (db *Ops) SetPeerGeneration(ctx context.Context, peer kurz.Region, g string) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO peer_generations (region, generation) VALUES ($1, $2)
		ON CONFLICT (region) DO UPDATE SET generation = excluded.generation`, string(peer), g)
	return db.wrap(err)
}

// ResendDeltas puts the deltas delivered to region r back on the queue
// (r was restored from a backup and may have lost them; it applies each
// key once) and returns how many.
func (db *Ops) ResendDeltas(ctx context.Context, r kurz.Region) (int64, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE deltas_out SET delivered_at = NULL WHERE region = $1 AND delivered_at IS NOT NULL`, string(r))
	if err != nil {
		return 0, db.wrap(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// ForgetDeliveredDeltas deletes the deltas delivered before t.
func (db *Ops) ForgetDeliveredDeltas(ctx context.Context, t time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM deltas_out WHERE delivered_at < $1`, ms(t))
	if err != nil {
		return 0, db.wrap(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
