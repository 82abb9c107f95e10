package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"kurz"
)

// logQueries are the region's public log, the replicas of other regions'
// logs and the positions read in them, and the counter deltas on their
// way between regions.
type logQueries struct{ base }

func (q logQueries) QueueDelta(ctx context.Context, d *kurz.Delta) error {
	return q.exec(ctx, `INSERT INTO deltas_out (key, region, object_id, field, delta, created_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		d.Key, string(d.Region), d.ObjectID, d.Field, d.Delta, ms(d.CreatedAt), d.Note)
}

func (q logQueries) PendingDeltas(ctx context.Context, limit int) ([]*kurz.Delta, error) {
	return list(ctx, q.base, func(r scanner) (*kurz.Delta, error) {
		var d kurz.Delta
		var region string
		var at int64
		err := r.Scan(&d.Key, &region, &d.ObjectID, &d.Field, &d.Delta, &at, &d.Note)
		d.Region, d.CreatedAt = kurz.Region(region), fromMS(at)
		return &d, err
	}, `SELECT key, region, object_id, field, delta, created_at, note FROM deltas_out WHERE delivered_at IS NULL ORDER BY created_at LIMIT $1`, limit)
}

// DeleteDelta takes a delivered delta off the queue. The row stays,
// marked delivered, until ForgetDeliveredDeltas: a region restored from
// a backup is sent it again (ResendDeltas).
func (q logQueries) DeleteDelta(ctx context.Context, key string) error {
	return q.exec(ctx, `UPDATE deltas_out SET delivered_at = $2 WHERE key = $1`, key, ms(time.Now()))
}

func (q logQueries) MarkDeltaApplied(ctx context.Context, key string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO deltas_in (key, applied_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, key, ms(at))
}

func (q logQueries) AppendLog(ctx context.Context, e *kurz.LogEntry) error {
	if q.w.logged != nil {
		*q.w.logged = true
	}
	if err := q.LockLog(ctx); err != nil {
		return err
	}
	return q.wrap(q.w.QueryRowContext(ctx, `INSERT INTO public_log (kind, object_id, data, created_at) VALUES ($1, $2, $3, $4) RETURNING seq`,
		e.Kind, e.ObjectID, string(e.Data), ms(e.CreatedAt)).Scan(&e.Seq))
}

// LockLog serialises log writers, so entries commit in sequence order
// and a reader never skips a sequence number that commits late. It holds
// until the transaction ends (taking it again in one is free). Without a
// LogLock the store serialises every write transaction already (SQLite).
func (q logQueries) LockLog(ctx context.Context) error {
	if q.d.LogLock == "" {
		return nil
	}
	_, err := q.w.ExecContext(ctx, q.d.LogLock)
	return q.wrap(err)
}

func (q logQueries) LogAfter(ctx context.Context, seq int64, limit int) ([]*kurz.LogEntry, error) {
	return list(ctx, q.base, func(r scanner) (*kurz.LogEntry, error) {
		var e kurz.LogEntry
		var data string
		var at int64
		err := r.Scan(&e.Seq, &e.Kind, &e.ObjectID, &data, &at)
		e.Data, e.CreatedAt = []byte(data), fromMS(at)
		return &e, err
	}, `SELECT seq, kind, object_id, data, created_at FROM public_log WHERE seq > $1 ORDER BY seq LIMIT $2`, seq, limit)
}

func (q logQueries) LastLogSeq(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	err := q.r.QueryRowContext(ctx, `SELECT max(seq) FROM public_log`).Scan(&seq)
	return seq.Int64, q.wrap(err)
}

func (q logQueries) PutReplica(ctx context.Context, kind, id string, data []byte, seq int64) error {
	return q.exec(ctx, `INSERT INTO replicas (kind, id, data, seq) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, seq = excluded.seq WHERE replicas.seq < excluded.seq`,
		kind, id, string(data), seq)
}

func (q logQueries) DeleteReplica(ctx context.Context, kind, id string) error {
	return q.exec(ctx, `DELETE FROM replicas WHERE kind = $1 AND id = $2`, kind, id)
}

func (q logQueries) Replica(ctx context.Context, kind, id string) ([]byte, error) {
	var data string
	err := q.r.QueryRowContext(ctx, `SELECT data FROM replicas WHERE kind = $1 AND id = $2`, kind, id).Scan(&data)
	return []byte(data), q.wrap(err)
}

func (q logQueries) Replicas(ctx context.Context, kind string) ([][]byte, error) {
	list, err := q.strings(ctx, `SELECT data FROM replicas WHERE kind = $1`, kind)
	out := make([][]byte, len(list))
	for i, s := range list {
		out[i] = []byte(s)
	}
	return out, err
}

func (q logQueries) LogPosition(ctx context.Context, region kurz.Region) (int64, error) {
	var seq int64
	err := q.r.QueryRowContext(ctx, `SELECT seq FROM log_positions WHERE region = $1`, string(region)).Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return seq, q.wrap(err)
}

func (q logQueries) SetLogPosition(ctx context.Context, region kurz.Region, seq int64, at time.Time) error {
	return q.exec(ctx, `INSERT INTO log_positions (region, seq, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (region) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at`, string(region), seq, ms(at))
}

func (q logQueries) RedactLog(ctx context.Context, objectID string) error {
	return q.exec(ctx, `DELETE FROM public_log WHERE object_id = $1 AND kind IN ('video', 'profile')`, objectID)
}
