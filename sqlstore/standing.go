package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// standingQueries are an account's strikes and a notifier's standing.
type standingQueries struct{ base }

func (q standingQueries) AddStrike(ctx context.Context, personID, decisionID string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO strikes (person_id, decision_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		personID, decisionID, ms(at))
}

func (q standingQueries) DeleteStrike(ctx context.Context, personID, decisionID string) (bool, error) {
	return q.changed(ctx, `DELETE FROM strikes WHERE person_id = $1 AND decision_id = $2`, personID, decisionID)
}

func (q standingQueries) UncountedStrikes(ctx context.Context, personID string, since time.Time) ([]string, error) {
	return q.strings(ctx, `SELECT decision_id FROM strikes WHERE person_id = $1 AND counted_by = '' AND created_at >= $2
		ORDER BY created_at, decision_id`, personID, ms(since))
}

func (q standingQueries) CountStrikes(ctx context.Context, personID string, decisionIDs []string, by string) error {
	for _, id := range decisionIDs {
		if err := q.exec(ctx, `UPDATE strikes SET counted_by = $3 WHERE person_id = $1 AND decision_id = $2`, personID, id, by); err != nil {
			return err
		}
	}
	return nil
}

func (q standingQueries) ReporterStanding(ctx context.Context, hash []byte) (int, time.Time, error) {
	var n int
	var until int64
	err := q.r.QueryRowContext(ctx, `SELECT unfounded, suspended_until FROM reporter_standing WHERE reporter_hash = $1`, hash).Scan(&n, &until)
	if err == sql.ErrNoRows {
		return 0, time.Time{}, nil
	}
	var t time.Time
	if until > 0 {
		t = fromMS(until)
	}
	return n, t, q.wrap(err)
}

func (q standingQueries) AddUnfounded(ctx context.Context, hash []byte, suspendedUntil, at time.Time) (int, error) {
	var until int64
	if !suspendedUntil.IsZero() {
		until = ms(suspendedUntil)
	}
	// RETURNING reads the count this statement wrote, in or out of a
	// transaction.
	var n int
	err := q.w.QueryRowContext(ctx, `INSERT INTO reporter_standing (reporter_hash, unfounded, suspended_until, updated_at) VALUES ($1, 1, $2, $3)
		ON CONFLICT (reporter_hash) DO UPDATE SET unfounded = reporter_standing.unfounded + 1,
		suspended_until = CASE WHEN excluded.suspended_until > reporter_standing.suspended_until THEN excluded.suspended_until ELSE reporter_standing.suspended_until END,
		updated_at = excluded.updated_at RETURNING unfounded`, hash, until, ms(at)).Scan(&n)
	return n, q.wrap(err)
}

func (q standingQueries) SuspendReporter(ctx context.Context, hash []byte, until time.Time) error {
	return q.execOne(ctx, `UPDATE reporter_standing SET suspended_until = CASE WHEN suspended_until < $2 THEN $2 ELSE suspended_until END
		WHERE reporter_hash = $1`, hash, ms(until))
}

func (q standingQueries) LastReportAt(ctx context.Context, hash []byte) (time.Time, error) {
	var at sql.NullInt64
	err := q.r.QueryRowContext(ctx, `SELECT max(created_at) FROM queue_reports WHERE reporter_hash = $1`, hash).Scan(&at)
	if err != nil || !at.Valid {
		return time.Time{}, q.wrap(err)
	}
	return fromMS(at.Int64), nil
}
