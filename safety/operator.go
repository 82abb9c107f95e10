package safety

import (
	"context"
	"database/sql"
	"time"

	"kurz"
	"kurz/transparency"
)

// KindOperator marks the queue item of a decision the operator took at the
// command line on their own initiative, with no notice behind it.
const KindOperator = "operator"

// DecideAsOperator decides about a video, comment or account of this
// region on the operator's own initiative (kurz admin suspend, terminate,
// remove-video): an item is recorded as claimed by the operator and decided
// by the same step as a moderator's decision (decideClaimed), so the same
// checks, enforcement, statement of reasons (source: own initiative) and
// appeal route apply. operator names who decided ("operator:NAME"); it is
// not a person of any region, so any moderator may decide an appeal.
func (c *Service) DecideAsOperator(ctx context.Context, operator, targetType, targetID, category string, in DecisionInput) (*transparency.Statement, error) {
	if !transparency.IsOperator(operator) {
		return nil, kurz.Errorf(kurz.EInternal, "operator decisions are named operator:NAME")
	}
	return c.decideOwn(ctx, operator, targetType, targetID, category, in)
}

// decideOwn takes a decision on the platform's own initiative (the
// operator's, or a moderator's without a notice: a blocked sound).
func (c *Service) decideOwn(ctx context.Context, decider, targetType, targetID, category string, in DecisionInput) (*transparency.Statement, error) {
	if r, err := kurz.ParseID(targetID); err != nil || r != c.Region {
		return nil, kurz.ErrNotFound
	}
	if !Categories[category] {
		return nil, kurz.FieldError("category", "unknown statement category (one of the DSA transparency database's STATEMENT_CATEGORY_… values)")
	}
	scope, end, err := in.validate(c.Now())
	if err != nil {
		return nil, err
	}
	ownerID, reach, err := c.targetOwner(ctx, targetType, targetID)
	if err != nil {
		return nil, err
	}
	now := c.Now().UTC().Truncate(time.Millisecond)
	local, hash, region := owner(c.Cell, ownerID)
	it := &kurz.QueueItem{ID: kurz.NewID(c.Region), Kind: KindOperator, TargetType: targetType, TargetID: targetID, OwnerID: local,
		OwnerHash: hash, OwnerRegion: region, Category: category, Priority: priority(category, 0, reach), Status: "claimed",
		ClaimedBy: decider, ClaimedAt: now, Explanation: in.Explanation, CreatedAt: now, UpdatedAt: now}
	var d *kurz.Decision
	// The item is stored, decided, in the decision's transaction: a
	// refused decision leaves nothing behind.
	err = c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		var err error
		d, err = c.decideClaimed(ctx, tx, q, it, decider, in, scope, end)
		return err
	})
	if err != nil {
		return nil, err
	}
	return transparency.StatementOf(d), nil
}
