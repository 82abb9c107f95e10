package sqlstore

import (
	"context"
	"time"

	"kurz"
)

// privacyQueries serve privacy rights: erasures and DeletePerson, a
// person's sessions, exports, and the row counts of every table.
type privacyQueries struct{ base }

func (q privacyQueries) PutErasure(ctx context.Context, userID string, requested, runAt time.Time) error {
	return q.exec(ctx, `INSERT INTO erasures (user_id, requested_at, run_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET requested_at = excluded.requested_at, run_at = excluded.run_at`, userID, ms(requested), ms(runAt))
}

func (q privacyQueries) Erasure(ctx context.Context, userID string) (time.Time, error) {
	var at int64
	err := q.r.QueryRowContext(ctx, `SELECT run_at FROM erasures WHERE user_id = $1`, userID).Scan(&at)
	return fromMS(at), q.wrap(err)
}

func (q privacyQueries) DeleteErasure(ctx context.Context, userID string) error {
	return q.exec(ctx, `DELETE FROM erasures WHERE user_id = $1`, userID)
}

func (q privacyQueries) DueErasures(ctx context.Context, now time.Time) ([]string, error) {
	return q.strings(ctx, `SELECT user_id FROM erasures WHERE run_at <= $1`, ms(now))
}

func (q privacyQueries) DeletePerson(ctx context.Context, userID string) error {
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

func (q privacyQueries) SessionsOf(ctx context.Context, userID string) ([]*kurz.Session, error) {
	return list(ctx, q.base, scanSession, `SELECT `+sessionCols+` FROM sessions WHERE user_id = $1 ORDER BY created_at`, userID)
}

func (q privacyQueries) DeleteSessionsOf(ctx context.Context, userID string) error {
	return q.exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
}

func (q privacyQueries) ForgetSessionIPs(ctx context.Context, before time.Time) (int64, error) {
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

func (q privacyQueries) PutExport(ctx context.Context, e *kurz.Export) error {
	return q.exec(ctx, `INSERT INTO exports (id, user_id, status, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at`,
		e.ID, e.UserID, e.Status, ms(e.CreatedAt), ms(e.ExpiresAt))
}

func (q privacyQueries) ExportByID(ctx context.Context, id string) (*kurz.Export, error) {
	var e kurz.Export
	var c, x int64
	err := q.r.QueryRowContext(ctx, `SELECT id, user_id, status, created_at, expires_at FROM exports WHERE id = $1`, id).Scan(&e.ID, &e.UserID, &e.Status, &c, &x)
	if err != nil {
		return nil, q.wrap(err)
	}
	e.CreatedAt, e.ExpiresAt = fromMS(c), fromMS(x)
	return &e, nil
}

// Tables lists kurz's tables, for counts and reports.
var Tables = []string{"profiles", "accounts", "sessions", "handle_claims", "email_claims", "videos", "video_hashtags", "likes", "follows", "views",
	"comments", "deltas_out", "deltas_in", "public_log", "replicas", "log_positions", "erasures", "notifications", "exports",
	"access_audit", "roles", "notices", "queue_items", "queue_reports", "decisions", "blocked_media", "reporter_standing", "work_done",
	"appeals", "queue_targets", "password_resets", "anonymous_views", "mail_queue", "account_tokens", "passkeys", "log_compaction", "follow_requests", "strikes", "comment_likes", "video_stats", "log_generation", "peer_generations", "inbox_settings", "blocks", "directory_state"}

func (q privacyQueries) TableCounts(ctx context.Context) (map[string]int64, error) {
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

func (q privacyQueries) ExportsOf(ctx context.Context, userID string) ([]string, error) {
	return q.strings(ctx, `SELECT id FROM exports WHERE user_id = $1`, userID)
}
