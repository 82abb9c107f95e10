package sqlstore

import (
	"context"
)

// quotaQueries count what a person uses: storage, and work started per
// day.
type quotaQueries struct{ base }

func (q quotaQueries) StorageUsed(ctx context.Context, ownerID string) (int64, error) {
	var n int64
	err := q.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(upload_size), 0) FROM videos WHERE owner_id = $1`, ownerID).Scan(&n)
	return n, q.wrap(err)
}

// TakeWork is one statement, so two callers racing for the last unit
// cannot both get it: the insert or the guarded update holds the row.
func (q quotaQueries) TakeWork(ctx context.Context, userID, kind string, day int64, limit int) (bool, error) {
	if limit < 1 {
		return false, nil
	}
	res, err := q.w.ExecContext(ctx, `INSERT INTO work_done (user_id, kind, day, n) VALUES ($1, $2, $3, 1)
		ON CONFLICT (user_id, kind, day) DO UPDATE SET n = work_done.n + 1 WHERE work_done.n < $4`,
		userID, kind, day, int64(limit))
	if err != nil {
		return false, q.wrap(err)
	}
	n, err := res.RowsAffected()
	return n > 0, q.wrap(err)
}

func (q quotaQueries) GiveBackWork(ctx context.Context, userID, kind string, day int64) error {
	return q.exec(ctx, `UPDATE work_done SET n = n - 1 WHERE user_id = $1 AND kind = $2 AND day = $3 AND n > 0`, userID, kind, day)
}

func (q quotaQueries) ForgetWork(ctx context.Context, beforeDay int64) error {
	return q.exec(ctx, `DELETE FROM work_done WHERE day < $1`, beforeDay)
}
