package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"kurz"
)

func (q queries) CreateNotice(ctx context.Context, n *kurz.Notice) error {
	return q.exec(ctx, `INSERT INTO notices (id, reporter_id, target_region, target_type, target_id, category, explanation, notifier_sealed, item_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, n.ID, n.ReporterID, string(n.TargetRegion), n.TargetType, n.TargetID,
		n.Category, n.Explanation, n.NotifierSealed, n.ItemID, ms(n.CreatedAt))
}

func (q queries) NoticeByID(ctx context.Context, id string) (*kurz.Notice, error) {
	var n kurz.Notice
	var region string
	var at int64
	err := q.r.QueryRowContext(ctx, `SELECT id, reporter_id, target_region, target_type, target_id, category, explanation, notifier_sealed, item_id, created_at
		FROM notices WHERE id = $1`, id).Scan(&n.ID, &n.ReporterID, &region, &n.TargetType, &n.TargetID, &n.Category, &n.Explanation,
		&n.NotifierSealed, &n.ItemID, &at)
	if err != nil {
		return nil, q.wrap(err)
	}
	n.TargetRegion, n.CreatedAt = kurz.Region(region), fromMS(at)
	return &n, nil
}

const itemCols = `id, kind, target_type, target_id, owner_id, category, reports, priority, status, claimed_by, claimed_at, appeal_of, explanation, created_at, updated_at`

func scanItem(row scanner) (*kurz.QueueItem, error) {
	var it kurz.QueueItem
	var claimed, created, updated int64
	if err := row.Scan(&it.ID, &it.Kind, &it.TargetType, &it.TargetID, &it.OwnerID, &it.Category, &it.Reports, &it.Priority, &it.Status,
		&it.ClaimedBy, &claimed, &it.AppealOf, &it.Explanation, &created, &updated); err != nil {
		return nil, err
	}
	if claimed > 0 {
		it.ClaimedAt = fromMS(claimed)
	}
	it.CreatedAt, it.UpdatedAt = fromMS(created), fromMS(updated)
	return &it, nil
}

func (q queries) OpenItemFor(ctx context.Context, kind, targetID string) (*kurz.QueueItem, error) {
	it, err := scanItem(q.r.QueryRowContext(ctx, `SELECT `+itemCols+` FROM queue_items WHERE kind = $1 AND target_id = $2 AND status <> 'decided'`, kind, targetID))
	return it, q.wrap(err)
}

func (q queries) PutItem(ctx context.Context, it *kurz.QueueItem) error {
	var claimed int64
	if !it.ClaimedAt.IsZero() {
		claimed = ms(it.ClaimedAt)
	}
	return q.exec(ctx, `INSERT INTO queue_items (`+itemCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (id) DO UPDATE SET category = excluded.category, reports = excluded.reports, priority = excluded.priority,
		status = excluded.status, claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at, updated_at = excluded.updated_at`,
		it.ID, it.Kind, it.TargetType, it.TargetID, it.OwnerID, it.Category, it.Reports, it.Priority, it.Status, it.ClaimedBy, claimed,
		it.AppealOf, it.Explanation, ms(it.CreatedAt), ms(it.UpdatedAt))
}

func (q queries) ItemByID(ctx context.Context, id string) (*kurz.QueueItem, error) {
	it, err := scanItem(q.r.QueryRowContext(ctx, `SELECT `+itemCols+` FROM queue_items WHERE id = $1`, id))
	return it, q.wrap(err)
}

func (q queries) OpenItems(ctx context.Context, limit int) ([]*kurz.QueueItem, error) {
	return list(ctx, q, scanItem,
		`SELECT `+itemCols+` FROM queue_items WHERE status <> 'decided' ORDER BY priority DESC, created_at LIMIT $1`, limit)
}

func (q queries) AddItemReport(ctx context.Context, itemID string, reporterHash []byte, noticeID string, noticeRegion kurz.Region, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO queue_reports (item_id, reporter_hash, notice_id, notice_region, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, itemID, reporterHash, noticeID, string(noticeRegion), ms(at))
}

func (q queries) ItemReports(ctx context.Context, itemID string) ([]kurz.ItemReport, error) {
	return list(ctx, q, func(r scanner) (kurz.ItemReport, error) {
		var ir kurz.ItemReport
		var region string
		var at int64
		err := r.Scan(&ir.NoticeID, &region, &ir.ReporterHash, &at)
		ir.NoticeRegion, ir.CreatedAt = kurz.Region(region), fromMS(at)
		return ir, err
	}, `SELECT notice_id, notice_region, reporter_hash, created_at FROM queue_reports WHERE item_id = $1 ORDER BY created_at`, itemID)
}

const decisionCols = `id, item_id, target_type, target_id, owner_id, moderator_id, action, ground, legal_ground, category, explanation, facts,
	automated_detection, automated_decision, territorial_scope, end_date, appeal_of, appealed, created_at`

func scanDecision(row scanner) (*kurz.Decision, error) {
	var d kurz.Decision
	var ad, adec, appealed, end, created int64
	if err := row.Scan(&d.ID, &d.ItemID, &d.TargetType, &d.TargetID, &d.OwnerID, &d.ModeratorID, &d.Action, &d.Ground, &d.LegalGround,
		&d.Category, &d.Explanation, &d.Facts, &ad, &adec, &d.TerritorialScope, &end, &d.AppealOf, &appealed, &created); err != nil {
		return nil, err
	}
	d.AutomatedDetection, d.AutomatedDecision, d.Appealed = ad != 0, adec != 0, appealed != 0
	if end > 0 {
		d.EndDate = fromMS(end)
	}
	d.CreatedAt = fromMS(created)
	return &d, nil
}

func (q queries) PutDecision(ctx context.Context, d *kurz.Decision) error {
	var end int64
	if !d.EndDate.IsZero() {
		end = ms(d.EndDate)
	}
	return q.exec(ctx, `INSERT INTO decisions (`+decisionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT (id) DO UPDATE SET appealed = excluded.appealed`,
		d.ID, d.ItemID, d.TargetType, d.TargetID, d.OwnerID, d.ModeratorID, d.Action, d.Ground, d.LegalGround, d.Category, d.Explanation, d.Facts,
		b2i(d.AutomatedDetection), b2i(d.AutomatedDecision), d.TerritorialScope, end, d.AppealOf, b2i(d.Appealed), ms(d.CreatedAt))
}

func (q queries) DecisionByID(ctx context.Context, id string) (*kurz.Decision, error) {
	d, err := scanDecision(q.r.QueryRowContext(ctx, `SELECT `+decisionCols+` FROM decisions WHERE id = $1`, id))
	return d, q.wrap(err)
}

func (q queries) decisions(ctx context.Context, query string, args ...any) ([]*kurz.Decision, error) {
	return list(ctx, q, scanDecision, query, args...)
}

func (q queries) DecisionsAbout(ctx context.Context, targetID string) ([]*kurz.Decision, error) {
	return q.decisions(ctx, `SELECT `+decisionCols+` FROM decisions WHERE target_id = $1 ORDER BY created_at`, targetID)
}

func (q queries) Decisions(ctx context.Context, from, to time.Time) ([]*kurz.Decision, error) {
	return q.decisions(ctx, `SELECT `+decisionCols+` FROM decisions WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at`, ms(from), ms(to))
}

func (q queries) AddBlockedMedia(ctx context.Context, hash, reason, by string, at time.Time) error {
	return q.exec(ctx, `INSERT INTO blocked_media (hash, reason, added_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, hash, reason, by, ms(at))
}

func (q queries) BlockedMedia(ctx context.Context) ([]string, error) {
	return q.strings(ctx, `SELECT hash FROM blocked_media`)
}

func (q queries) ReporterStanding(ctx context.Context, hash []byte) (int, time.Time, error) {
	var n int
	var until int64
	err := q.r.QueryRowContext(ctx, `SELECT unfounded, suspended_until FROM reporter_standing WHERE reporter_hash = $1`, hash).Scan(&n, &until)
	if err == sql.ErrNoRows {
		return 0, time.Time{}, nil
	}
	var t time.Time
	if until > 0 {
		t = fromMS(until)
	}
	return n, t, q.wrap(err)
}

func (q queries) AddUnfounded(ctx context.Context, hash []byte, suspendedUntil, at time.Time) (int, error) {
	var until int64
	if !suspendedUntil.IsZero() {
		until = ms(suspendedUntil)
	}
	if err := q.exec(ctx, `INSERT INTO reporter_standing (reporter_hash, unfounded, suspended_until, updated_at) VALUES ($1, 1, $2, $3)
		ON CONFLICT (reporter_hash) DO UPDATE SET unfounded = reporter_standing.unfounded + 1,
		suspended_until = CASE WHEN excluded.suspended_until > reporter_standing.suspended_until THEN excluded.suspended_until ELSE reporter_standing.suspended_until END,
		updated_at = excluded.updated_at`, hash, until, ms(at)); err != nil {
		return 0, err
	}
	n, _, err := q.ReporterStanding(ctx, hash)
	return n, err
}

func (q queries) LastReportAt(ctx context.Context, hash []byte) (time.Time, error) {
	var at sql.NullInt64
	err := q.r.QueryRowContext(ctx, `SELECT max(created_at) FROM queue_reports WHERE reporter_hash = $1`, hash).Scan(&at)
	if err != nil || !at.Valid {
		return time.Time{}, q.wrap(err)
	}
	return fromMS(at.Int64), nil
}

func (q queries) NoticesBy(ctx context.Context, reporterID string) ([]string, error) {
	return q.strings(ctx, `SELECT id FROM notices WHERE reporter_id = $1 ORDER BY created_at`, reporterID)
}
