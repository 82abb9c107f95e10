package safety

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"kurz"
	"kurz/link"
	"kurz/transparency"
)

// Standing keeps people's standing (package standing): what decisions
// mean for accounts (a suspension, a termination, a strike, their
// reversal) and notifiers whose notices keep needing no action.
type Standing interface {
	// CheckNotifier refuses or slows a notifier, by their keyed hash.
	CheckNotifier(ctx context.Context, hash []byte) error
	// CountUnfounded counts a no-action decision against each notifier of
	// an item, in q.
	CountUnfounded(ctx context.Context, q kurz.Queries, itemID string) error
	// Apply applies an effect (link.Effect…) to a person of this region
	// in transaction q (tx for its jobs).
	Apply(ctx context.Context, tx *sql.Tx, q kurz.Queries, req link.AccountDecisionRequest) error
	// Send sends a decision about a person of another region to their
	// home region (a retried job, enqueued in tx), which applies it and
	// hands them its statement.
	Send(ctx context.Context, tx *sql.Tx, req link.AccountDecisionRequest) error
}

// accountEffect is what decision d (original: the decision an appeal's d
// is about) means for the affected person's account.
func accountEffect(d, original *kurz.Decision) (effect string, until time.Time, reverses string) {
	switch d.Action {
	case "suspend":
		return link.EffectSuspend, d.EndDate, ""
	case "terminate":
		return link.EffectTerminate, time.Time{}, ""
	case "strike":
		return link.EffectStrike, time.Time{}, ""
	case "reverse":
		if original != nil && (original.Action == "suspend" || original.Action == "terminate" || original.Action == "strike") {
			return link.EffectLift, time.Time{}, original.ID
		}
	}
	return link.EffectNone, time.Time{}, ""
}

// affectedPerson is the ID of the person decision d is about, read from
// the content in q when they are of another region (the decision keeps
// only their keyed hash): "" when the content is gone.
func (c *Service) affectedPerson(ctx context.Context, q kurz.Queries, d *kurz.Decision) (string, error) {
	if d.OwnerID != "" || d.OwnerRegion == "" || d.OwnerRegion == c.Region {
		return d.OwnerID, nil
	}
	if d.TargetType != "comment" {
		return "", nil // only comments here are by people of other regions
	}
	cm, err := q.CommentByID(ctx, d.TargetID)
	if errors.Is(err, kurz.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !hmac.Equal(c.PartyHash(cm.AuthorID), d.OwnerHash) {
		return "", nil
	}
	return cm.AuthorID, nil
}

// informAffected hands decision d's statement to the person it affects,
// with what it means for their account: in this region's inbox for a
// person of this region (enforce has applied the effect), else as a job
// that sends both to their home region. person is affectedPerson's
// answer, read before the decision was enforced.
func (c *Service) informAffected(ctx context.Context, tx *sql.Tx, q kurz.Queries, d, original *kurz.Decision, it *kurz.QueueItem, person string) error {
	if person == "" {
		return nil
	}
	st := transparency.StatementOf(d)
	region, _ := kurz.ParseID(person)
	if region == c.Region {
		if err := c.Inbox.Notify(ctx, q, person, "statement_of_reasons", st); err != nil && !errors.Is(err, kurz.ErrNotFound) {
			return err
		}
		return nil
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	effect, until, reverses := accountEffect(d, original)
	return c.Standing.Send(ctx, tx, link.AccountDecisionRequest{DecisionID: d.ID, Reverses: reverses, Person: person, Effect: effect,
		Until: until, Statement: raw})
}

// StrikeSuspension records the automated decision of the strike rule
// (package standing) suspending a person of this region until until for
// the strikes of the decisions listed, in q, and returns its ID and
// statement of reasons.
func (c *Service) StrikeSuspension(ctx context.Context, q kurz.Queries, person string, strikes []string, until time.Time) (string, any, error) {
	local, hash, region := owner(c.Cell, person)
	d := &kurz.Decision{ID: kurz.NewID(c.Region), TargetType: "account", TargetID: person, OwnerID: local, OwnerHash: hash, OwnerRegion: region,
		ModeratorID: "automated", Action: "suspend", Ground: "terms", Category: "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
		Explanation:       fmt.Sprintf("%d strikes within 90 days suspend an account for 7 days (the strike rule of the terms).", len(strikes)),
		Facts:             "Strikes counted: " + strings.Join(strikes, ", ") + ".",
		AutomatedDecision: true, TerritorialScope: "ALL", EndDate: until, CreatedAt: c.Now().UTC().Truncate(time.Millisecond)}
	if err := q.PutDecision(ctx, d); err != nil {
		return "", nil, err
	}
	return d.ID, transparency.StatementOf(d), nil
}
