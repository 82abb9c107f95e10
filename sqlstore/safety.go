package sqlstore

import (
	"context"
	"time"

	"kurz"
)

// safetyQueries are Trust & Safety's rows: notices, the moderation queue
// and its reports, decisions, appeals and blocked media.
type safetyQueries struct{ base }

func (q safetyQueries) CreateNotice(ctx context.Context, n *kurz.Notice) error {
	return q.exec(ctx, `INSERT INTO notices (id, reporter_id, target_region, target_type, target_id, category, explanation, notifier_sealed, item_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, n.ID, n.ReporterID, string(n.TargetRegion), n.TargetType, n.TargetID,
		n.Category, n.Explanation, n.NotifierSealed, n.ItemID, ms(n.CreatedAt))
}

func (q safetyQueries) NoticeByID(ctx context.Context, id string) (*kurz.Notice, error) {
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

const itemCols = `id, kind, target_type, target_id, owner_id, owner_hash, owner_region, category, reports, priority, status, resolution,
	claimed_by, claimed_at, appeal_of, explanation, created_at, updated_at`

func scanItem(row scanner) (*kurz.QueueItem, error) {
	var it kurz.QueueItem
	var region string
	var claimed, created, updated int64
	if err := row.Scan(&it.ID, &it.Kind, &it.TargetType, &it.TargetID, &it.OwnerID, &it.OwnerHash, &region, &it.Category, &it.Reports,
		&it.Priority, &it.Status, &it.Resolution, &it.ClaimedBy, &claimed, &it.AppealOf, &it.Explanation, &created, &updated); err != nil {
		return nil, err
	}
	if claimed > 0 {
		it.ClaimedAt = fromMS(claimed)
	}
	if len(it.OwnerHash) == 0 {
		it.OwnerHash = nil
	}
	it.OwnerRegion, it.CreatedAt, it.UpdatedAt = kurz.Region(region), fromMS(created), fromMS(updated)
	return &it, nil
}

// Items are open while their status is one of these; decided and resolved
// items are closed.
const openStatus = `status IN ('open', 'claimed')`

func (q safetyQueries) OpenItemFor(ctx context.Context, kind, targetID string) (*kurz.QueueItem, error) {
	it, err := scanItem(q.r.QueryRowContext(ctx, `SELECT `+itemCols+` FROM queue_items WHERE kind = $1 AND target_id = $2 AND `+openStatus+`
		ORDER BY created_at, id LIMIT 1`, kind, targetID))
	return it, q.wrap(err)
}

// LockQueueTarget upserts the target's lock row: a second transaction's
// upsert of the same row waits (PostgreSQL: on the row or its unique
// index entry) until the first ends. SQLite runs one writer at a time.
func (q safetyQueries) LockQueueTarget(ctx context.Context, kind, targetID string, at time.Time) error {
	return q.exec(ctx, `INSERT INTO queue_targets (kind, target_id, locked_at) VALUES ($1, $2, $3)
		ON CONFLICT (kind, target_id) DO UPDATE SET locked_at = excluded.locked_at`, kind, targetID, ms(at))
}

func (q safetyQueries) PutItem(ctx context.Context, it *kurz.QueueItem) error {
	var claimed int64
	if !it.ClaimedAt.IsZero() {
		claimed = ms(it.ClaimedAt)
	}
	hash := it.OwnerHash
	if hash == nil {
		hash = []byte{}
	}
	return q.exec(ctx, `INSERT INTO queue_items (`+itemCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (id) DO UPDATE SET category = excluded.category, reports = excluded.reports, priority = excluded.priority,
		status = excluded.status, resolution = excluded.resolution, claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at,
		updated_at = excluded.updated_at`,
		it.ID, it.Kind, it.TargetType, it.TargetID, it.OwnerID, hash, string(it.OwnerRegion), it.Category, it.Reports, it.Priority, it.Status,
		it.Resolution, it.ClaimedBy, claimed, it.AppealOf, it.Explanation, ms(it.CreatedAt), ms(it.UpdatedAt))
}

func (q safetyQueries) ItemByID(ctx context.Context, id string) (*kurz.QueueItem, error) {
	it, err := scanItem(q.r.QueryRowContext(ctx, `SELECT `+itemCols+` FROM queue_items WHERE id = $1`, id))
	return it, q.wrap(err)
}

// LockItem locks by an update that changes nothing: the same SQL takes a
// row lock on PostgreSQL and the write lock on SQLite, where
// SELECT … FOR UPDATE does not exist.
func (q safetyQueries) LockItem(ctx context.Context, id string) (*kurz.QueueItem, error) {
	it, err := scanItem(q.w.QueryRowContext(ctx, `UPDATE queue_items SET updated_at = updated_at WHERE id = $1 RETURNING `+itemCols, id))
	return it, q.wrap(err)
}

func (q safetyQueries) OpenItems(ctx context.Context, after kurz.ItemCursor, limit int) ([]*kurz.QueueItem, error) {
	return list(ctx, q.base, scanItem, `SELECT `+itemCols+` FROM queue_items WHERE `+openStatus+`
		AND ($1 = '' OR priority < $2 OR (priority = $2 AND (created_at > $3 OR (created_at = $3 AND id > $1))))
		ORDER BY priority DESC, created_at, id LIMIT $4`, after.ID, after.Priority, ms(after.CreatedAt), limit)
}

func (q safetyQueries) AddItemReport(ctx context.Context, itemID string, reporterHash []byte, noticeID string, noticeRegion kurz.Region, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO queue_reports (item_id, reporter_hash, notice_id, notice_region, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, itemID, reporterHash, noticeID, string(noticeRegion), ms(at))
}

func (q safetyQueries) ItemReports(ctx context.Context, itemID string) ([]kurz.ItemReport, error) {
	return list(ctx, q.base, func(r scanner) (kurz.ItemReport, error) {
		var ir kurz.ItemReport
		var region string
		var at int64
		err := r.Scan(&ir.NoticeID, &region, &ir.ReporterHash, &at)
		ir.NoticeRegion, ir.CreatedAt = kurz.Region(region), fromMS(at)
		return ir, err
	}, `SELECT notice_id, notice_region, reporter_hash, created_at FROM queue_reports WHERE item_id = $1 ORDER BY created_at, notice_id`, itemID)
}

const decisionCols = `id, item_id, target_type, target_id, owner_id, owner_hash, owner_region, moderator_id, action, ground, legal_ground,
	category, explanation, facts, automated_detection, automated_decision, territorial_scope, end_date, appeal_of, appealed, created_at`

func scanDecision(row scanner) (*kurz.Decision, error) {
	var d kurz.Decision
	var region string
	var ad, adec, appealed, end, created int64
	if err := row.Scan(&d.ID, &d.ItemID, &d.TargetType, &d.TargetID, &d.OwnerID, &d.OwnerHash, &region, &d.ModeratorID, &d.Action, &d.Ground,
		&d.LegalGround, &d.Category, &d.Explanation, &d.Facts, &ad, &adec, &d.TerritorialScope, &end, &d.AppealOf, &appealed, &created); err != nil {
		return nil, err
	}
	d.AutomatedDetection, d.AutomatedDecision, d.Appealed = ad != 0, adec != 0, appealed != 0
	if end > 0 {
		d.EndDate = fromMS(end)
	}
	if len(d.OwnerHash) == 0 {
		d.OwnerHash = nil
	}
	d.OwnerRegion, d.CreatedAt = kurz.Region(region), fromMS(created)
	return &d, nil
}

func (q safetyQueries) PutDecision(ctx context.Context, d *kurz.Decision) error {
	var end int64
	if !d.EndDate.IsZero() {
		end = ms(d.EndDate)
	}
	hash := d.OwnerHash
	if hash == nil {
		hash = []byte{}
	}
	return q.exec(ctx, `INSERT INTO decisions (`+decisionCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
		ON CONFLICT (id) DO UPDATE SET appealed = excluded.appealed`,
		d.ID, d.ItemID, d.TargetType, d.TargetID, d.OwnerID, hash, string(d.OwnerRegion), d.ModeratorID, d.Action, d.Ground, d.LegalGround,
		d.Category, d.Explanation, d.Facts, b2i(d.AutomatedDetection), b2i(d.AutomatedDecision), d.TerritorialScope, end, d.AppealOf,
		b2i(d.Appealed), ms(d.CreatedAt))
}

func (q safetyQueries) DecisionByID(ctx context.Context, id string) (*kurz.Decision, error) {
	d, err := scanDecision(q.r.QueryRowContext(ctx, `SELECT `+decisionCols+` FROM decisions WHERE id = $1`, id))
	return d, q.wrap(err)
}

// LockDecision locks as LockItem does.
func (q safetyQueries) LockDecision(ctx context.Context, id string) (*kurz.Decision, error) {
	d, err := scanDecision(q.w.QueryRowContext(ctx, `UPDATE decisions SET appealed = appealed WHERE id = $1 RETURNING `+decisionCols, id))
	return d, q.wrap(err)
}

func (q safetyQueries) decisions(ctx context.Context, query string, args ...any) ([]*kurz.Decision, error) {
	return list(ctx, q.base, scanDecision, query, args...)
}

func (q safetyQueries) DecisionsAbout(ctx context.Context, targetID string) ([]*kurz.Decision, error) {
	return q.decisions(ctx, `SELECT `+decisionCols+` FROM decisions WHERE target_id = $1 ORDER BY created_at, id`, targetID)
}

func (q safetyQueries) Decisions(ctx context.Context, from, to time.Time, after kurz.DecisionCursor, limit int) ([]*kurz.Decision, error) {
	return q.decisions(ctx, `SELECT `+decisionCols+` FROM decisions WHERE created_at >= $1 AND created_at < $2
		AND ($3 = '' OR created_at > $4 OR (created_at = $4 AND id > $3)) ORDER BY created_at, id LIMIT $5`,
		ms(from), ms(to), after.ID, ms(after.CreatedAt), limit)
}

const appealCols = `decision_id, party_hash, party, item_id, notice_id, notice_region, created_at`

func (q safetyQueries) AddAppeal(ctx context.Context, a *kurz.Appeal) error {
	return q.exec(ctx, `INSERT INTO appeals (`+appealCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.DecisionID, a.PartyHash, a.Party, a.ItemID, a.NoticeID, string(a.NoticeRegion), ms(a.CreatedAt))
}

func (q safetyQueries) AppealByItem(ctx context.Context, itemID string) (*kurz.Appeal, error) {
	var a kurz.Appeal
	var region string
	var at int64
	err := q.r.QueryRowContext(ctx, `SELECT `+appealCols+` FROM appeals WHERE item_id = $1`, itemID).Scan(&a.DecisionID, &a.PartyHash,
		&a.Party, &a.ItemID, &a.NoticeID, &region, &at)
	if err != nil {
		return nil, q.wrap(err)
	}
	a.NoticeRegion, a.CreatedAt = kurz.Region(region), fromMS(at)
	return &a, nil
}

func (q safetyQueries) AddBlockedMedia(ctx context.Context, hash, reason, by string, at time.Time) error {
	return q.exec(ctx, `INSERT INTO blocked_media (hash, reason, added_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, hash, reason, by, ms(at))
}

func (q safetyQueries) UnblockMedia(ctx context.Context, reason string) error {
	return q.exec(ctx, `DELETE FROM blocked_media WHERE reason = $1`, reason)
}

func (q safetyQueries) BlockedMedia(ctx context.Context) ([]string, error) {
	return q.strings(ctx, `SELECT hash FROM blocked_media`)
}

func (q safetyQueries) NoticesBy(ctx context.Context, reporterID string) ([]string, error) {
	return q.strings(ctx, `SELECT id FROM notices WHERE reporter_id = $1 ORDER BY created_at`, reporterID)
}
