package sqlstore

import (
	"context"

	"kurz"
)

// videoStatSQL is the upsert of each daily count, so no caller-supplied
// name reaches SQL. A video no longer here (deleted while its deltas
// travelled) is skipped.
var videoStatSQL = func() map[string]string {
	m := map[string]string{}
	for _, f := range kurz.VideoStatFields {
		m[f] = `INSERT INTO video_stats (video_id, day, ` + f + `)
SELECT $1, CAST($2 AS BIGINT), CAST($3 AS BIGINT) WHERE EXISTS (SELECT 1 FROM videos WHERE id = $1)
ON CONFLICT (video_id, day) DO UPDATE SET ` + f + ` = video_stats.` + f + ` + excluded.` + f
	}
	return m
}()

func (q videoQueries) AddVideoStat(ctx context.Context, videoID string, day int64, field string, delta int64) error {
	query, ok := videoStatSQL[field]
	if !ok {
		return kurz.Errorf(kurz.EInvalid, "no daily count %s", field)
	}
	return q.exec(ctx, query, videoID, day, delta)
}

func (q videoQueries) VideoStatsOf(ctx context.Context, ownerID string, fromDay int64) ([]*kurz.VideoDay, error) {
	return list(ctx, q.base, func(r scanner) (*kurz.VideoDay, error) {
		var d kurz.VideoDay
		err := r.Scan(&d.VideoID, &d.Day, &d.Views, &d.Likes, &d.Comments, &d.Shares, &d.WatchMS, &d.Watches, &d.Completions)
		return &d, err
	}, `SELECT s.video_id, s.day, s.views, s.likes, s.comments, s.shares, s.watch_ms, s.watches, s.completions
FROM video_stats s JOIN videos v ON v.id = s.video_id
WHERE v.owner_id = $1 AND s.day >= $2 ORDER BY s.video_id, s.day`, ownerID, fromDay)
}
