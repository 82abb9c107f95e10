package sqlstore

import (
	"context"
	"time"

	"kurz"
)

// socialQueries are what people do to videos and to each other: counters,
// likes, follows, views, follow requests (follows.go), blocks and mutes
// (blocks.go).
type socialQueries struct{ base }

// counterSQL is every counter that may be changed, so no caller-supplied
// name ever reaches SQL.
var counterSQL = map[[2]string]string{
	{"videos", "likes"}:       `UPDATE videos SET likes = likes + $2 WHERE id = $1`,
	{"videos", "comments"}:    `UPDATE videos SET comments = comments + $2 WHERE id = $1`,
	{"videos", "views"}:       `UPDATE videos SET views = views + $2 WHERE id = $1`,
	{"profiles", "followers"}: `UPDATE profiles SET followers = followers + $2 WHERE id = $1`,
	{"profiles", "following"}: `UPDATE profiles SET following = following + $2 WHERE id = $1`,
	{"comments", "likes"}:     `UPDATE comments SET likes = likes + $2 WHERE id = $1`,
}

func (q socialQueries) AddCounter(ctx context.Context, table, id, field string, delta int64) error {
	query, ok := counterSQL[[2]string{table, field}]
	if !ok {
		return kurz.Errorf(kurz.EInvalid, "no counter %s.%s", table, field)
	}
	return q.exec(ctx, query, id, delta)
}

func (q socialQueries) AddLike(ctx context.Context, userID, videoID string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO likes (user_id, video_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, userID, videoID, ms(at))
}

func (q socialQueries) RemoveLike(ctx context.Context, userID, videoID string) (bool, error) {
	return q.changed(ctx, `DELETE FROM likes WHERE user_id = $1 AND video_id = $2`, userID, videoID)
}

func (q socialQueries) Likes(ctx context.Context, userID string, videoIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, id := range videoIDs {
		var n int
		if err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM likes WHERE user_id = $1 AND video_id = $2`, userID, id).Scan(&n); err != nil {
			return nil, q.wrap(err)
		}
		out[id] = n > 0
	}
	return out, nil
}

func (q socialQueries) LikedVideos(ctx context.Context, userID string, limit int) ([]string, error) {
	return q.strings(ctx, `SELECT video_id FROM likes WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2`, userID, limit)
}

func (q socialQueries) AddFollow(ctx context.Context, followerID, followeeID string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, followerID, followeeID, ms(at))
}

func (q socialQueries) RemoveFollow(ctx context.Context, followerID, followeeID string) (bool, error) {
	return q.changed(ctx, `DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2`, followerID, followeeID)
}

func (q socialQueries) Followees(ctx context.Context, followerID string) ([]string, error) {
	return q.strings(ctx, `SELECT followee_id FROM follows WHERE follower_id = $1 ORDER BY created_at`, followerID)
}

func (q socialQueries) AddView(ctx context.Context, userID, videoID string, day int64, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO views (user_id, video_id, day, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, userID, videoID, day, ms(at))
}

func (q socialQueries) AddAnonymousView(ctx context.Context, key []byte, day int64) (bool, error) {
	return q.changed(ctx, `INSERT INTO anonymous_views (key, day) VALUES ($1, $2) ON CONFLICT DO NOTHING`, key, day)
}

func (q socialQueries) ForgetAnonymousViews(ctx context.Context, beforeDay int64) error {
	return q.exec(ctx, `DELETE FROM anonymous_views WHERE day < $1`, beforeDay)
}

func (q socialQueries) ViewedVideos(ctx context.Context, userID string, sinceDay int64) ([]string, error) {
	return q.strings(ctx, `SELECT DISTINCT video_id FROM views WHERE user_id = $1 AND day >= $2`, userID, sinceDay)
}
