package regionops

import "context"

// JobCount is how many of a region's jobs are in one queue and state.
type JobCount struct {
	Queue, State string
	Jobs         int64
}

// JobCounts counts the job queue's jobs by queue and state (River's
// table, the same on both dialects), for "kurz admin queue".
func (db *Ops) JobCounts(ctx context.Context) ([]JobCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT queue, state, count(*) FROM river_job GROUP BY queue, state ORDER BY queue, state`)
	if err != nil {
		return nil, db.wrap(err)
	}
	defer rows.Close()
	var out []JobCount
	for rows.Next() {
		var c JobCount
		if err := rows.Scan(&c.Queue, &c.State, &c.Jobs); err != nil {
			return nil, db.wrap(err)
		}
		out = append(out, c)
	}
	return out, db.wrap(rows.Err())
}

// CountPrefixed counts the rows of table whose column starts with prefix
// (the residency self-check: IDs carry their home region). table and
// column are names from the code, never from input.
func (db *Ops) CountPrefixed(ctx context.Context, table, column, prefix string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE substr(`+column+`, 1, $2) = $1`, prefix, len(prefix)).Scan(&n)
	return n, err
}
