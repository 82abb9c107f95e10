package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"kurz"
)

// CompactLog drops every public-log entry that a later entry about the
// same object supersedes, and the tombstones ("…_gone" entries) written
// before tombstonesBefore; it returns how many entries it dropped and the
// horizon: the highest sequence number of a tombstone ever dropped (a peer
// behind it may have missed a removal).
func (db *DB) CompactLog(ctx context.Context, tombstonesBefore time.Time) (deleted, horizon int64, err error) {
	err = db.TxSQL(ctx, func(tx *sql.Tx, _ kurz.Queries) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM public_log WHERE EXISTS
			(SELECT 1 FROM public_log later WHERE later.object_id = public_log.object_id AND later.seq > public_log.seq)`)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		deleted += n
		// The newest entry always stays, so the log's head (LastLogSeq)
		// never goes back.
		const old = `kind LIKE '%\_gone' ESCAPE '\' AND created_at < $1 AND seq < (SELECT max(seq) FROM public_log)`
		var top sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM public_log WHERE `+old, ms(tombstonesBefore)).Scan(&top); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(horizon), 0) FROM log_compaction`).Scan(&horizon); err != nil {
			return err
		}
		if !top.Valid {
			return nil
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM public_log WHERE `+old, ms(tombstonesBefore))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		deleted += n
		horizon = max(horizon, top.Int64)
		_, err = tx.ExecContext(ctx, `INSERT INTO log_compaction (id, horizon, compacted_at) VALUES (1, $1, $2)
			ON CONFLICT (id) DO UPDATE SET horizon = excluded.horizon, compacted_at = excluded.compacted_at`, horizon, ms(time.Now()))
		return err
	})
	return deleted, horizon, db.wrap(err)
}

// LogHorizon is the compaction horizon (0: no tombstone was ever dropped).
func (db *DB) LogHorizon(ctx context.Context) (int64, error) {
	var h int64
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE(max(horizon), 0) FROM log_compaction`).Scan(&h)
	return h, db.wrap(err)
}

// DropReplicas deletes every replica of region r's objects and this
// region's position in r's log, in one transaction (a re-sync from the
// start, or detaching r).
func (db *DB) DropReplicas(ctx context.Context, r kurz.Region) (int64, error) {
	var n int64
	err := db.TxSQL(ctx, func(tx *sql.Tx, _ kurz.Queries) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM replicas WHERE substr(id, 1, $1) = $2`, len(r)+1, string(r)+"_")
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM log_positions WHERE region = $1`, string(r))
		return err
	})
	return n, db.wrap(err)
}
