package safety

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"kurz"
	"kurz/transparency"
)

// DecisionInput is a moderator's decision on a claimed item.
type DecisionInput struct {
	// Action: remove, restrict, age_restrict, reduce_reach, label, strike,
	// suspend, terminate, block_sound (a video's own sound), no_action; on
	// appeals uphold or reverse.
	Action      string `json:"action"`
	Ground      string `json:"ground"` // illegal or terms
	LegalGround string `json:"legal_ground"`
	Explanation string `json:"explanation"`
	Facts       string `json:"facts"`
	// TerritorialScope lists ISO 3166-1 alpha-2 country codes, e.g.
	// "DE FR" or "DE,FR"; empty means everywhere.
	TerritorialScope string `json:"territorial_scope"`
	// EndDate ends a suspension (required for suspend, refused for other
	// actions), YYYY-MM-DD, after today and at most MaxSuspension ahead.
	EndDate    string `json:"end_date"`
	BlockMedia bool   `json:"block_media"` // add a removed video's hash to the block list
	// Category (a DSA transparency database STATEMENT_CATEGORY_… value)
	// is given only for a decision without a notice (BlockSound).
	Category string `json:"category,omitempty"`
}

var actions = map[string]bool{"remove": true, "restrict": true, "age_restrict": true, "reduce_reach": true, "label": true,
	"strike": true, "suspend": true, "terminate": true, "no_action": true, "block_sound": true}

// MaxSuspension is the longest suspension a moderator can give; longer is
// termination.
const MaxSuspension = 2 * 366 * 24 * time.Hour

// Bounds of a decision's texts, in characters.
const (
	maxExplanation = 5000
	maxLegalGround = 500
)

// validate checks a decision's input before anything is read or written;
// what depends on the item (appeal actions, grounds) is checked in
// Decide. It returns the territorial scope and end date.
func (in *DecisionInput) validate(now time.Time) (scope string, end time.Time, err error) {
	in.Explanation, in.Facts, in.LegalGround = strings.TrimSpace(in.Explanation), strings.TrimSpace(in.Facts), strings.TrimSpace(in.LegalGround)
	if n := utf8.RuneCountInString(in.Explanation); n == 0 || n > maxExplanation {
		return "", end, kurz.FieldError("explanation", "a decision needs an explanation for the person affected, up to 5000 characters")
	}
	if utf8.RuneCountInString(in.Facts) > maxExplanation {
		return "", end, kurz.FieldError("facts", "facts may be up to 5000 characters")
	}
	if utf8.RuneCountInString(in.LegalGround) > maxLegalGround {
		return "", end, kurz.FieldError("legal_ground", "the legal ground may be up to 500 characters")
	}
	if scope, err = territorialScope(in.TerritorialScope); err != nil {
		return "", end, err
	}
	switch {
	case in.Action == "suspend" && in.EndDate == "":
		return "", end, kurz.FieldError("end_date", "a suspension needs an end date (YYYY-MM-DD); a permanent one is terminate")
	case in.Action != "suspend" && in.EndDate != "":
		return "", end, kurz.FieldError("end_date", "only a suspension has an end date")
	case in.EndDate != "":
		if end, err = time.Parse(time.DateOnly, in.EndDate); err != nil {
			return "", end, kurz.FieldError("end_date", "end_date must be a date like 2027-01-31")
		}
		if !end.After(now) || end.Sub(now) > MaxSuspension {
			return "", end, kurz.FieldError("end_date", "end_date must be after today and at most two years ahead")
		}
	}
	return scope, end, nil
}

// territorialScope checks a list of country codes and returns them
// space-separated, upper-case, each once; empty is "ALL" (everywhere).
func territorialScope(s string) (string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		code, err := kurz.NormalizeCountry(f)
		if err != nil || len(f) != 2 {
			return "", kurz.FieldError("territorial_scope", "territorial_scope lists ISO 3166-1 alpha-2 country codes, like \"DE FR\"; leave it empty for everywhere")
		}
		if !seen[code] {
			seen[code] = true
			out = append(out, code)
		}
	}
	if len(out) == 0 {
		return "ALL", nil
	}
	return strings.Join(out, " "), nil
}

// Decide records a decision on an item the moderator holds a live claim
// on, enforces it, and sends the statement of reasons to the affected
// person and every notifier. The item is locked for the whole
// transaction, so of two decisions on one item exactly one is taken.
func (c *Service) Decide(ctx context.Context, staff *kurz.Profile, itemID string, in DecisionInput) (*transparency.Statement, error) {
	if err := c.requireModerator(ctx, staff); err != nil {
		return nil, err
	}
	scope, end, err := in.validate(c.Now())
	if err != nil {
		return nil, err
	}
	var d *kurz.Decision
	var it *kurz.QueueItem
	resolved := false
	err = c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		var err error
		if resolved, err = c.resolveIfGone(ctx, q, itemID); err != nil || resolved {
			return err
		}
		if it, err = q.LockItem(ctx, itemID); err != nil {
			return err
		}
		if err := closed(it); err != nil {
			return err
		}
		if it.Status != "claimed" || it.ClaimedBy != staff.ID {
			return kurz.Errorf(kurz.EConflict, "claim the item before deciding it")
		}
		if !c.Now().Before(it.ClaimedAt.Add(c.claimTTL())) {
			return kurz.Errorf(kurz.EConflict, "your claim on this item expired; claim it again")
		}
		if err := c.mayTake(ctx, q, it, staff); err != nil {
			return err
		}
		d, err = c.decideClaimed(ctx, tx, q, it, staff.ID, in, scope, end)
		return err
	})
	if err != nil {
		return nil, err
	}
	if resolved {
		return nil, errResolved
	}
	st := transparency.StatementOf(d)
	c.sendToNotifiers(ctx, it, st)
	return st, nil
}

// decideClaimed takes the decision on item it, which the caller has locked
// and checked is claimed by deciderID (a moderator's ID, or the operator's
// "operator:NAME"), in transaction q (tx for its jobs): it enforces it,
// records it, closes the item and informs the affected person, in this
// region or through their home region (informAffected).
func (c *Service) decideClaimed(ctx context.Context, tx *sql.Tx, q kurz.Queries, it *kurz.QueueItem, deciderID string, in DecisionInput, scope string, end time.Time) (*kurz.Decision, error) {
	var original *kurz.Decision
	var err error
	if it.Kind == "appeal" {
		if in.Action != "uphold" && in.Action != "reverse" {
			return nil, kurz.FieldError("action", "an appeal is decided with uphold or reverse")
		}
		if original, err = q.DecisionByID(ctx, it.AppealOf); err != nil {
			return nil, err
		}
		in.Ground, in.LegalGround = original.Ground, original.LegalGround
	} else if !actions[in.Action] {
		return nil, kurz.FieldError("action", "unknown action")
	}
	if in.Ground != "illegal" && in.Ground != "terms" {
		return nil, kurz.FieldError("ground", "ground must be illegal or terms")
	}
	if in.Ground == "illegal" && in.LegalGround == "" {
		return nil, kurz.FieldError("legal_ground", "name the law the content breaks")
	}
	now := c.Now().UTC()
	d := &kurz.Decision{ID: kurz.NewID(c.Region), ItemID: it.ID, TargetType: it.TargetType, TargetID: it.TargetID, OwnerID: it.OwnerID,
		OwnerHash: it.OwnerHash, OwnerRegion: it.OwnerRegion, ModeratorID: deciderID, Action: in.Action, Ground: in.Ground,
		LegalGround: in.LegalGround, Category: it.Category, Explanation: in.Explanation, Facts: in.Facts, TerritorialScope: scope,
		EndDate: end, AppealOf: it.AppealOf, CreatedAt: now.Truncate(time.Millisecond)}
	if it.Kind == "hold" && d.Action == "no_action" {
		if err := c.Screen.release(ctx, q, it.TargetID); err != nil {
			return nil, err
		}
	}
	// Read before enforcing: a removal takes the comment that names them.
	person, err := c.affectedPerson(ctx, q, d)
	if err != nil {
		return nil, err
	}
	if err := c.enforce(ctx, tx, q, d, original, in.BlockMedia, deciderID); err != nil {
		return nil, err
	}
	if err := q.PutDecision(ctx, d); err != nil {
		return nil, err
	}
	it.Status, it.UpdatedAt = "decided", now
	if err := q.PutItem(ctx, it); err != nil {
		return nil, err
	}
	if it.Kind == "notice" && d.Action == "no_action" {
		if err := c.Standing.CountUnfounded(ctx, q, it.ID); err != nil {
			return nil, err
		}
	}
	if err := c.informAffected(ctx, tx, q, d, original, it, person); err != nil {
		return nil, err
	}
	return d, nil
}
