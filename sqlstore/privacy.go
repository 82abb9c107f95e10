package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"kurz"
)

func (q queries) PutErasure(ctx context.Context, userID string, requested, runAt time.Time) error {
	return q.exec(ctx, `INSERT INTO erasures (user_id, requested_at, run_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET requested_at = excluded.requested_at, run_at = excluded.run_at`, userID, ms(requested), ms(runAt))
}

func (q queries) Erasure(ctx context.Context, userID string) (time.Time, error) {
	var at int64
	err := q.r.QueryRowContext(ctx, `SELECT run_at FROM erasures WHERE user_id = $1`, userID).Scan(&at)
	return fromMS(at), q.wrap(err)
}

func (q queries) DeleteErasure(ctx context.Context, userID string) error {
	return q.exec(ctx, `DELETE FROM erasures WHERE user_id = $1`, userID)
}

func (q queries) DueErasures(ctx context.Context, now time.Time) ([]string, error) {
	return q.strings(ctx, `SELECT user_id FROM erasures WHERE run_at <= $1`, ms(now))
}

func (q queries) DeletePerson(ctx context.Context, userID string) error {
	for _, stmt := range []string{
		// Replies to the person's comments go with them (a top-level
		// comment's replies are its conversation).
		`DELETE FROM comments WHERE parent_id IN (SELECT id FROM comments WHERE author_id = $1)`,
		`DELETE FROM comments WHERE author_id = $1`,
		`DELETE FROM video_hashtags WHERE video_id IN (SELECT id FROM videos WHERE owner_id = $1)`,
		`DELETE FROM comments WHERE video_id IN (SELECT id FROM videos WHERE owner_id = $1)`,
		`DELETE FROM videos WHERE owner_id = $1`,
		`DELETE FROM roles WHERE user_id = $1`,
		`DELETE FROM profiles WHERE id = $1`, // cascades to accounts, sessions, likes, comment_likes, follows, views, erasures, notifications, exports
	} {
		if err := q.exec(ctx, stmt, userID); err != nil {
			return err
		}
	}
	return nil
}

func (q queries) SessionsOf(ctx context.Context, userID string) ([]*kurz.Session, error) {
	return list(ctx, q, scanSession, `SELECT `+sessionCols+` FROM sessions WHERE user_id = $1 ORDER BY created_at`, userID)
}

func (q queries) DeleteSessionsOf(ctx context.Context, userID string) error {
	return q.exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
}

func (q queries) ForgetSessionIPs(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.w.ExecContext(ctx, `UPDATE sessions SET ip_sealed = NULL WHERE created_at < $1 AND ip_sealed IS NOT NULL`, ms(before))
	if err != nil {
		return 0, q.wrap(err)
	}
	n, _ := res.RowsAffected()
	if _, err := q.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, ms(before)); err != nil {
		return n, q.wrap(err)
	}
	return n, nil
}

func (q queries) CommentsByAuthor(ctx context.Context, authorID string) ([]*kurz.Comment, error) {
	return list(ctx, q, scanComment, selectComment+`WHERE c.author_id = $1 ORDER BY c.created_at`, authorID)
}

func (q queries) AddNotification(ctx context.Context, n *kurz.Notification) error {
	// A second notification of one actor in one group is dropped.
	return q.exec(ctx, `INSERT INTO notifications (id, user_id, kind, data_sealed, created_at, group_key, actor_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, group_key, actor_key) WHERE actor_key <> '' DO NOTHING`,
		n.ID, n.UserID, n.Kind, n.DataSealed, ms(n.CreatedAt), n.GroupKey, n.ActorKey)
}

func (q queries) MarkNotificationsRead(ctx context.Context, userID string, ids []string, at time.Time) (int64, error) {
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

func (q queries) UnreadNotifications(ctx context.Context, userID string) (int, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&n)
	return n, q.wrap(err)
}

func (q queries) InboxSettings(ctx context.Context, userID string) (*kurz.InboxSettings, error) {
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

func (q queries) PutInboxSettings(ctx context.Context, s *kurz.InboxSettings) error {
	return q.exec(ctx, `INSERT INTO inbox_settings (user_id, show_likes, muted) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET show_likes = excluded.show_likes, muted = excluded.muted`,
		s.UserID, b2i(s.ShowLikes), strings.Join(s.Muted, " "))
}

func (q queries) NotificationsOf(ctx context.Context, userID string) ([]*kurz.Notification, error) {
	return list(ctx, q, func(r scanner) (*kurz.Notification, error) {
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

func (q queries) PutExport(ctx context.Context, e *kurz.Export) error {
	return q.exec(ctx, `INSERT INTO exports (id, user_id, status, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at`,
		e.ID, e.UserID, e.Status, ms(e.CreatedAt), ms(e.ExpiresAt))
}

func (q queries) ExportByID(ctx context.Context, id string) (*kurz.Export, error) {
	var e kurz.Export
	var c, x int64
	err := q.r.QueryRowContext(ctx, `SELECT id, user_id, status, created_at, expires_at FROM exports WHERE id = $1`, id).Scan(&e.ID, &e.UserID, &e.Status, &c, &x)
	if err != nil {
		return nil, q.wrap(err)
	}
	e.CreatedAt, e.ExpiresAt = fromMS(c), fromMS(x)
	return &e, nil
}

const auditCols = `seq, at, actor_id, subject_id, action, fields, reason, prev_hash, hash`

func scanAudit(row scanner) (*kurz.AuditEntry, error) {
	var a kurz.AuditEntry
	var at int64
	if err := row.Scan(&a.Seq, &at, &a.ActorID, &a.SubjectID, &a.Action, &a.Fields, &a.Reason, &a.PrevHash, &a.Hash); err != nil {
		return nil, err
	}
	a.At = fromMS(at)
	return &a, nil
}

func (q queries) AppendAudit(ctx context.Context, a *kurz.AuditEntry) error {
	return q.exec(ctx, `INSERT INTO access_audit (`+auditCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.Seq, ms(a.At), a.ActorID, a.SubjectID, a.Action, a.Fields, a.Reason, a.PrevHash, a.Hash)
}

func (q queries) LastAudit(ctx context.Context) (*kurz.AuditEntry, error) {
	a, err := scanAudit(q.r.QueryRowContext(ctx, `SELECT `+auditCols+` FROM access_audit ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kurz.ErrNotFound
	}
	return a, q.wrap(err)
}

func (q queries) AuditEntries(ctx context.Context, subjectID string) ([]*kurz.AuditEntry, error) {
	scan := scanAudit
	if subjectID == "" {
		return list(ctx, q, scan, `SELECT `+auditCols+` FROM access_audit ORDER BY seq`)
	}
	return list(ctx, q, scan, `SELECT `+auditCols+` FROM access_audit WHERE subject_id = $1 ORDER BY seq`, subjectID)
}

func (q queries) GrantRole(ctx context.Context, userID, role, by string, at time.Time) error {
	return q.exec(ctx, `INSERT INTO roles (user_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, userID, role, by, ms(at))
}

func (q queries) HasRole(ctx context.Context, userID, role string) (bool, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM roles WHERE user_id = $1 AND role = $2`, userID, role).Scan(&n)
	return n > 0, q.wrap(err)
}

func (q queries) Roles(ctx context.Context) ([]kurz.RoleGrant, error) {
	return list(ctx, q, func(row scanner) (kurz.RoleGrant, error) {
		var g kurz.RoleGrant
		var at int64
		err := row.Scan(&g.UserID, &g.Role, &g.GrantedBy, &at)
		g.GrantedAt = fromMS(at)
		return g, err
	}, `SELECT user_id, role, granted_by, granted_at FROM roles ORDER BY user_id, role`)
}

func (q queries) RevokeRole(ctx context.Context, userID, role string) error {
	return q.execOne(ctx, `DELETE FROM roles WHERE user_id = $1 AND role = $2`, userID, role)
}

// Tables lists kurz's tables, for counts and reports.
var Tables = []string{"profiles", "accounts", "sessions", "handle_claims", "email_claims", "videos", "video_hashtags", "likes", "follows", "views",
	"comments", "deltas_out", "deltas_in", "public_log", "replicas", "log_positions", "erasures", "notifications", "exports",
	"access_audit", "roles", "notices", "queue_items", "queue_reports", "decisions", "blocked_media", "reporter_standing", "work_done",
	"appeals", "queue_targets", "password_resets", "anonymous_views", "mail_queue", "account_tokens", "passkeys", "log_compaction", "follow_requests", "strikes", "comment_likes", "video_stats", "log_generation", "peer_generations", "inbox_settings", "blocks", "directory_state"}

func (q queries) TableCounts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range Tables {
		var n int64
		if err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
			return nil, q.wrap(err)
		}
		out[t] = n
	}
	return out, nil
}

func (q queries) RedactLog(ctx context.Context, objectID string) error {
	return q.exec(ctx, `DELETE FROM public_log WHERE object_id = $1 AND kind IN ('video', 'profile')`, objectID)
}

func (q queries) ExportsOf(ctx context.Context, userID string) ([]string, error) {
	return q.strings(ctx, `SELECT id FROM exports WHERE user_id = $1`, userID)
}
