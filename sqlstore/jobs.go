package sqlstore

import "context"

// JobCount is how many of a region's jobs are in one queue and state.
type JobCount struct {
	Queue, State string
	Jobs         int64
}

// JobCounts counts the job queue's jobs by queue and state (River's
// table, the same on both dialects), for "kurz admin queue".
func (db *DB) JobCounts(ctx context.Context) ([]JobCount, error) {
	return list(ctx, db.base, func(row scanner) (JobCount, error) {
		var c JobCount
		err := row.Scan(&c.Queue, &c.State, &c.Jobs)
		return c, err
	}, `SELECT queue, state, count(*) FROM river_job GROUP BY queue, state ORDER BY queue, state`)
}
