package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"kurz"
)

func (q queries) PublicVideos(ctx context.Context) ([]*kurz.Video, error) {
	return q.videos(ctx, `SELECT `+videoCols+` FROM videos WHERE status = $1 AND visibility = $2`, kurz.StatusReady, kurz.Public)
}

func (q queries) VideosOf(ctx context.Context, ownerID string) ([]*kurz.Video, error) {
	return q.videos(ctx, `SELECT `+videoCols+` FROM videos WHERE owner_id = $1 ORDER BY created_at DESC, id DESC`, ownerID)
}

func (q queries) videos(ctx context.Context, query string, args ...any) ([]*kurz.Video, error) {
	return list(ctx, q, scanVideo, query, args...)
}

func (q queries) UpdateProfile(ctx context.Context, p *kurz.Profile) error {
	return q.execOne(ctx, `UPDATE profiles SET display_name = $2, bio = $3, private = $4, avatar = $5 WHERE id = $1`,
		p.ID, p.DisplayName, p.Bio, b2i(p.Private), p.Avatar)
}

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

func (q queries) AddCounter(ctx context.Context, table, id, field string, delta int64) error {
	query, ok := counterSQL[[2]string{table, field}]
	if !ok {
		return kurz.Errorf(kurz.EInvalid, "no counter %s.%s", table, field)
	}
	return q.exec(ctx, query, id, delta)
}

// changed runs an insert or delete and reports whether a row changed.
func (q queries) changed(ctx context.Context, query string, args ...any) (bool, error) {
	res, err := q.w.ExecContext(ctx, query, args...)
	if err != nil {
		return false, q.wrap(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (q queries) AddLike(ctx context.Context, userID, videoID string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO likes (user_id, video_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, userID, videoID, ms(at))
}

func (q queries) RemoveLike(ctx context.Context, userID, videoID string) (bool, error) {
	return q.changed(ctx, `DELETE FROM likes WHERE user_id = $1 AND video_id = $2`, userID, videoID)
}

func (q queries) Likes(ctx context.Context, userID string, videoIDs []string) (map[string]bool, error) {
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

func (q queries) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	return list(ctx, q, func(r scanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, query, args...)
}

func (q queries) LikedVideos(ctx context.Context, userID string, limit int) ([]string, error) {
	return q.strings(ctx, `SELECT video_id FROM likes WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2`, userID, limit)
}

func (q queries) AddFollow(ctx context.Context, followerID, followeeID string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, followerID, followeeID, ms(at))
}

func (q queries) RemoveFollow(ctx context.Context, followerID, followeeID string) (bool, error) {
	return q.changed(ctx, `DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2`, followerID, followeeID)
}

func (q queries) Followees(ctx context.Context, followerID string) ([]string, error) {
	return q.strings(ctx, `SELECT followee_id FROM follows WHERE follower_id = $1 ORDER BY created_at`, followerID)
}

func (q queries) AddView(ctx context.Context, userID, videoID string, day int64, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO views (user_id, video_id, day, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, userID, videoID, day, ms(at))
}

func (q queries) AddAnonymousView(ctx context.Context, key []byte, day int64) (bool, error) {
	return q.changed(ctx, `INSERT INTO anonymous_views (key, day) VALUES ($1, $2) ON CONFLICT DO NOTHING`, key, day)
}

func (q queries) ForgetAnonymousViews(ctx context.Context, beforeDay int64) error {
	return q.exec(ctx, `DELETE FROM anonymous_views WHERE day < $1`, beforeDay)
}

func (q queries) ViewedVideos(ctx context.Context, userID string, sinceDay int64) ([]string, error) {
	return q.strings(ctx, `SELECT DISTINCT video_id FROM views WHERE user_id = $1 AND day >= $2`, userID, sinceDay)
}

// commentCols are the stored columns of a comment; selectComment reads
// them with the counts worked out: its shown replies and whether it is
// its video's pinned comment.
const commentCols = `id, video_id, author_id, author_handle, text, created_at, hidden, parent_id, reply_to_id, reply_to_handle, likes`

const selectComment = `SELECT c.id, c.video_id, c.author_id, c.author_handle, c.text, c.created_at, c.hidden, c.parent_id, c.reply_to_id,
	c.reply_to_handle, c.likes, (SELECT count(*) FROM comments r WHERE r.parent_id = c.id AND r.hidden = 0),
	(SELECT count(*) FROM videos v WHERE v.id = c.video_id AND v.pinned_comment = c.id) FROM comments c `

func scanComment(row scanner) (*kurz.Comment, error) {
	var c kurz.Comment
	var at, hidden, pinned int64
	if err := row.Scan(&c.ID, &c.VideoID, &c.AuthorID, &c.AuthorHandle, &c.Text, &at, &hidden, &c.ParentID, &c.ReplyToID,
		&c.ReplyToHandle, &c.Likes, &c.Replies, &pinned); err != nil {
		return nil, err
	}
	c.CreatedAt, c.Hidden, c.Pinned = fromMS(at), hidden != 0, pinned != 0
	return &c, nil
}

func (q queries) CreateComment(ctx context.Context, c *kurz.Comment) error {
	return q.exec(ctx, `INSERT INTO comments (`+commentCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		c.ID, c.VideoID, c.AuthorID, c.AuthorHandle, c.Text, ms(c.CreatedAt), b2i(c.Hidden), c.ParentID, c.ReplyToID, c.ReplyToHandle, c.Likes)
}

func (q queries) CommentByID(ctx context.Context, id string) (*kurz.Comment, error) {
	c, err := scanComment(q.r.QueryRowContext(ctx, selectComment+`WHERE c.id = $1`, id))
	return c, q.wrap(err)
}

// DeleteComment deletes the comment with its replies in one statement and
// counts the shown ones among the deleted rows.
func (q queries) DeleteComment(ctx context.Context, id string) (int64, error) {
	rows, err := q.w.QueryContext(ctx, `DELETE FROM comments WHERE id = $1 OR parent_id = $1 RETURNING hidden`, id)
	if err != nil {
		return 0, q.wrap(err)
	}
	defer rows.Close()
	var all, shown int64
	for rows.Next() {
		var hidden int64
		if err := rows.Scan(&hidden); err != nil {
			return 0, q.wrap(err)
		}
		all++
		if hidden == 0 {
			shown++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, q.wrap(err)
	}
	if all == 0 {
		return 0, kurz.ErrNotFound
	}
	return shown, nil
}

func (q queries) SetCommentHidden(ctx context.Context, id string, hidden bool) error {
	return q.execOne(ctx, `UPDATE comments SET hidden = $2 WHERE id = $1`, id, b2i(hidden))
}

func (q queries) CommentsOf(ctx context.Context, videoID string, after time.Time, afterID string, limit int) ([]*kurz.Comment, error) {
	return list(ctx, q, scanComment, selectComment+`WHERE c.video_id = $1 AND c.parent_id = '' AND c.hidden = 0
		AND (c.created_at > $2 OR (c.created_at = $2 AND c.id > $3)) ORDER BY c.created_at, c.id LIMIT $4`, videoID, ms(after), afterID, limit)
}

func (q queries) RepliesOf(ctx context.Context, parentID string, after time.Time, afterID string, limit int) ([]*kurz.Comment, error) {
	return list(ctx, q, scanComment, selectComment+`WHERE c.parent_id = $1 AND c.hidden = 0
		AND (c.created_at > $2 OR (c.created_at = $2 AND c.id > $3)) ORDER BY c.created_at, c.id LIMIT $4`, parentID, ms(after), afterID, limit)
}

func (q queries) SetPinnedComment(ctx context.Context, videoID, commentID string) error {
	return q.execOne(ctx, `UPDATE videos SET pinned_comment = $2 WHERE id = $1`, videoID, commentID)
}

func (q queries) PinnedComment(ctx context.Context, videoID string) (string, error) {
	var id string
	err := q.r.QueryRowContext(ctx, `SELECT pinned_comment FROM videos WHERE id = $1`, videoID).Scan(&id)
	return id, q.wrap(err)
}

func (q queries) AddCommentLike(ctx context.Context, userID, commentID string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO comment_likes (user_id, comment_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		userID, commentID, ms(at))
}

func (q queries) RemoveCommentLike(ctx context.Context, userID, commentID string) (bool, error) {
	return q.changed(ctx, `DELETE FROM comment_likes WHERE user_id = $1 AND comment_id = $2`, userID, commentID)
}

func (q queries) CommentLikes(ctx context.Context, userID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, id := range ids {
		var n int
		if err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM comment_likes WHERE user_id = $1 AND comment_id = $2`, userID, id).Scan(&n); err != nil {
			return nil, q.wrap(err)
		}
		out[id] = n > 0
	}
	return out, nil
}

func (q queries) LikedComments(ctx context.Context, userID string) ([]string, error) {
	return q.strings(ctx, `SELECT comment_id FROM comment_likes WHERE user_id = $1 ORDER BY created_at DESC, comment_id`, userID)
}

func (q queries) QueueDelta(ctx context.Context, d *kurz.Delta) error {
	return q.exec(ctx, `INSERT INTO deltas_out (key, region, object_id, field, delta, created_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		d.Key, string(d.Region), d.ObjectID, d.Field, d.Delta, ms(d.CreatedAt), d.Note)
}

func (q queries) PendingDeltas(ctx context.Context, limit int) ([]*kurz.Delta, error) {
	return list(ctx, q, func(r scanner) (*kurz.Delta, error) {
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
func (q queries) DeleteDelta(ctx context.Context, key string) error {
	return q.exec(ctx, `UPDATE deltas_out SET delivered_at = $2 WHERE key = $1`, key, ms(time.Now()))
}

func (q queries) MarkDeltaApplied(ctx context.Context, key string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO deltas_in (key, applied_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, key, ms(at))
}

func (q queries) AppendLog(ctx context.Context, e *kurz.LogEntry) error {
	if q.d.LogLock != "" {
		// Serialise log writers so entries commit in sequence order and a
		// reader never skips a sequence number that commits late.
		if _, err := q.w.ExecContext(ctx, q.d.LogLock); err != nil {
			return q.wrap(err)
		}
	}
	return q.wrap(q.w.QueryRowContext(ctx, `INSERT INTO public_log (kind, object_id, data, created_at) VALUES ($1, $2, $3, $4) RETURNING seq`,
		e.Kind, e.ObjectID, string(e.Data), ms(e.CreatedAt)).Scan(&e.Seq))
}

func (q queries) LogAfter(ctx context.Context, seq int64, limit int) ([]*kurz.LogEntry, error) {
	return list(ctx, q, func(r scanner) (*kurz.LogEntry, error) {
		var e kurz.LogEntry
		var data string
		var at int64
		err := r.Scan(&e.Seq, &e.Kind, &e.ObjectID, &data, &at)
		e.Data, e.CreatedAt = []byte(data), fromMS(at)
		return &e, err
	}, `SELECT seq, kind, object_id, data, created_at FROM public_log WHERE seq > $1 ORDER BY seq LIMIT $2`, seq, limit)
}

func (q queries) LastLogSeq(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	err := q.r.QueryRowContext(ctx, `SELECT max(seq) FROM public_log`).Scan(&seq)
	return seq.Int64, q.wrap(err)
}

func (q queries) PutReplica(ctx context.Context, kind, id string, data []byte, seq int64) error {
	return q.exec(ctx, `INSERT INTO replicas (kind, id, data, seq) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, seq = excluded.seq WHERE replicas.seq < excluded.seq`,
		kind, id, string(data), seq)
}

func (q queries) DeleteReplica(ctx context.Context, kind, id string) error {
	return q.exec(ctx, `DELETE FROM replicas WHERE kind = $1 AND id = $2`, kind, id)
}

func (q queries) Replica(ctx context.Context, kind, id string) ([]byte, error) {
	var data string
	err := q.r.QueryRowContext(ctx, `SELECT data FROM replicas WHERE kind = $1 AND id = $2`, kind, id).Scan(&data)
	return []byte(data), q.wrap(err)
}

func (q queries) Replicas(ctx context.Context, kind string) ([][]byte, error) {
	list, err := q.strings(ctx, `SELECT data FROM replicas WHERE kind = $1`, kind)
	out := make([][]byte, len(list))
	for i, s := range list {
		out[i] = []byte(s)
	}
	return out, err
}

func (q queries) LogPosition(ctx context.Context, region kurz.Region) (int64, error) {
	var seq int64
	err := q.r.QueryRowContext(ctx, `SELECT seq FROM log_positions WHERE region = $1`, string(region)).Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return seq, q.wrap(err)
}

func (q queries) SetLogPosition(ctx context.Context, region kurz.Region, seq int64, at time.Time) error {
	return q.exec(ctx, `INSERT INTO log_positions (region, seq, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (region) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at`, string(region), seq, ms(at))
}
