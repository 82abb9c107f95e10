package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"kurz"
)

// inboxQueries are a person's notifications and inbox switches.
type inboxQueries struct{ base }

func (q inboxQueries) AddNotification(ctx context.Context, n *kurz.Notification) error {
	// A second notification of one actor in one group is dropped.
	return q.exec(ctx, `INSERT INTO notifications (id, user_id, kind, data_sealed, created_at, group_key, actor_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, group_key, actor_key) WHERE actor_key <> '' DO NOTHING`,
		n.ID, n.UserID, n.Kind, n.DataSealed, ms(n.CreatedAt), n.GroupKey, n.ActorKey)
}

func (q inboxQueries) MarkNotificationsRead(ctx context.Context, userID string, ids []string, at time.Time) (int64, error) {
	if len(ids) == 0 {
		res, err := q.w.ExecContext(ctx, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, userID, ms(at))
		if err != nil {
			return 0, q.wrap(err)
		}
		return res.RowsAffected()
	}
	var n int64
	for _, id := range ids {
		res, err := q.w.ExecContext(ctx, `UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND id = $2 AND read_at IS NULL`, userID, id, ms(at))
		if err != nil {
			return n, q.wrap(err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

func (q inboxQueries) UnreadNotifications(ctx context.Context, userID string) (int, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&n)
	return n, q.wrap(err)
}

func (q inboxQueries) InboxSettings(ctx context.Context, userID string) (*kurz.InboxSettings, error) {
	s := &kurz.InboxSettings{UserID: userID}
	var show int
	var muted string
	err := q.r.QueryRowContext(ctx, `SELECT show_likes, muted FROM inbox_settings WHERE user_id = $1`, userID).Scan(&show, &muted)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return nil, q.wrap(err)
	}
	s.ShowLikes, s.Muted = show != 0, strings.Fields(muted)
	return s, nil
}

func (q inboxQueries) PutInboxSettings(ctx context.Context, s *kurz.InboxSettings) error {
	return q.exec(ctx, `INSERT INTO inbox_settings (user_id, show_likes, muted) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET show_likes = excluded.show_likes, muted = excluded.muted`,
		s.UserID, b2i(s.ShowLikes), strings.Join(s.Muted, " "))
}

func (q inboxQueries) NotificationsOf(ctx context.Context, userID string) ([]*kurz.Notification, error) {
	return list(ctx, q.base, func(r scanner) (*kurz.Notification, error) {
		var n kurz.Notification
		var at int64
		var read sql.NullInt64
		err := r.Scan(&n.ID, &n.UserID, &n.Kind, &n.DataSealed, &at, &read, &n.GroupKey, &n.ActorKey)
		n.CreatedAt = fromMS(at)
		if read.Valid {
			n.ReadAt = fromMS(read.Int64)
		}
		return &n, err
	}, `SELECT id, user_id, kind, data_sealed, created_at, read_at, group_key, actor_key FROM notifications WHERE user_id = $1
		ORDER BY created_at DESC, id`, userID)
}
