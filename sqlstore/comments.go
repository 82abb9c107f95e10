package sqlstore

import (
	"context"
	"time"

	"kurz"
)

// commentQueries are comments and replies, pins, and likes of comments.
type commentQueries struct{ base }

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

func (q commentQueries) CreateComment(ctx context.Context, c *kurz.Comment) error {
	return q.exec(ctx, `INSERT INTO comments (`+commentCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		c.ID, c.VideoID, c.AuthorID, c.AuthorHandle, c.Text, ms(c.CreatedAt), b2i(c.Hidden), c.ParentID, c.ReplyToID, c.ReplyToHandle, c.Likes)
}

func (q commentQueries) CommentByID(ctx context.Context, id string) (*kurz.Comment, error) {
	c, err := scanComment(q.r.QueryRowContext(ctx, selectComment+`WHERE c.id = $1`, id))
	return c, q.wrap(err)
}

// DeleteComment deletes the comment with its replies in one statement and
// counts the shown ones among the deleted rows.
func (q commentQueries) DeleteComment(ctx context.Context, id string) (int64, error) {
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

func (q commentQueries) SetCommentHidden(ctx context.Context, id string, hidden bool) error {
	return q.execOne(ctx, `UPDATE comments SET hidden = $2 WHERE id = $1`, id, b2i(hidden))
}

func (q commentQueries) CommentsOf(ctx context.Context, videoID string, after time.Time, afterID string, limit int) ([]*kurz.Comment, error) {
	return list(ctx, q.base, scanComment, selectComment+`WHERE c.video_id = $1 AND c.parent_id = '' AND c.hidden = 0
		AND (c.created_at > $2 OR (c.created_at = $2 AND c.id > $3)) ORDER BY c.created_at, c.id LIMIT $4`, videoID, ms(after), afterID, limit)
}

func (q commentQueries) RepliesOf(ctx context.Context, parentID string, after time.Time, afterID string, limit int) ([]*kurz.Comment, error) {
	return list(ctx, q.base, scanComment, selectComment+`WHERE c.parent_id = $1 AND c.hidden = 0
		AND (c.created_at > $2 OR (c.created_at = $2 AND c.id > $3)) ORDER BY c.created_at, c.id LIMIT $4`, parentID, ms(after), afterID, limit)
}

func (q commentQueries) SetPinnedComment(ctx context.Context, videoID, commentID string) error {
	return q.execOne(ctx, `UPDATE videos SET pinned_comment = $2 WHERE id = $1`, videoID, commentID)
}

func (q commentQueries) PinnedComment(ctx context.Context, videoID string) (string, error) {
	var id string
	err := q.r.QueryRowContext(ctx, `SELECT pinned_comment FROM videos WHERE id = $1`, videoID).Scan(&id)
	return id, q.wrap(err)
}

func (q commentQueries) AddCommentLike(ctx context.Context, userID, commentID string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO comment_likes (user_id, comment_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		userID, commentID, ms(at))
}

func (q commentQueries) RemoveCommentLike(ctx context.Context, userID, commentID string) (bool, error) {
	return q.changed(ctx, `DELETE FROM comment_likes WHERE user_id = $1 AND comment_id = $2`, userID, commentID)
}

func (q commentQueries) CommentLikes(ctx context.Context, userID string, ids []string) (map[string]bool, error) {
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

func (q commentQueries) LikedComments(ctx context.Context, userID string) ([]string, error) {
	return q.strings(ctx, `SELECT comment_id FROM comment_likes WHERE user_id = $1 ORDER BY created_at DESC, comment_id`, userID)
}

func (q commentQueries) CommentsByAuthor(ctx context.Context, authorID string) ([]*kurz.Comment, error) {
	return list(ctx, q.base, scanComment, selectComment+`WHERE c.author_id = $1 ORDER BY c.created_at`, authorID)
}
