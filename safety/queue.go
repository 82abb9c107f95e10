package safety

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"kurz"
	"kurz/cell"
)

// DefaultClaimTTL is how long a claim keeps other moderators off an item
// unless the operator sets SafetyConfig.ClaimTTL.
const DefaultClaimTTL = 15 * time.Minute

// claimTTL is the configured claim lifetime.
func (c *Service) claimTTL() time.Duration {
	if c.Safety.ClaimTTL > 0 {
		return c.Safety.ClaimTTL
	}
	return DefaultClaimTTL
}

// requireModerator checks that staff may moderate this region.
func (c *Service) requireModerator(ctx context.Context, staff *kurz.Profile) error {
	return c.Staff.Require(ctx, staff, "you are not a moderator of region "+string(c.Region), cell.RoleModerator, cell.RoleAdmin)
}

// Item is a queue item as moderators see it.
type Item struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"` // notice, appeal, hold
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id"`
	// OwnerID is the affected person when they are a person of this
	// region; a comment's author from elsewhere is not named.
	OwnerID  string `json:"owner_id,omitempty"`
	Category string `json:"category"`
	Reports  int    `json:"reports"`
	Priority int    `json:"priority"`
	// Status is open, claimed, decided or resolved, or waiting when no
	// moderator of the region may take the item (each is involved in it).
	Status string `json:"status"`
	// Resolution says how a resolved item ended: removed_by_author.
	Resolution string `json:"resolution,omitempty"`
	// Waiting says why a waiting item waits.
	Waiting        string     `json:"waiting,omitempty"`
	ClaimedBy      string     `json:"claimed_by,omitempty"`
	ClaimedAt      *time.Time `json:"claimed_at,omitempty"`
	ClaimExpiresAt *time.Time `json:"claim_expires_at,omitempty"`
	// ConflictOfInterest, if set, says why the moderator looking may not
	// take this item (another one will); the explanation is then left out.
	ConflictOfInterest string    `json:"conflict_of_interest,omitempty"`
	AppealOf           string    `json:"appeal_of,omitempty"`
	Explanation        string    `json:"explanation"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// QueuePage is a page of the queue.
type QueuePage struct {
	Items      []*Item `json:"items"`
	NextCursor string  `json:"next_cursor,omitempty"`
	// ClaimTTLSeconds is how long a claim lasts in this region.
	ClaimTTLSeconds int `json:"claim_ttl_seconds"`
}

// Page sizes of the lists moderators and the public read.
const (
	DefaultQueuePage = 50
	MaxQueuePage     = 200
)

// Queue lists a page of open items, most urgent first, as staff sees
// them. Items whose content its author deleted are resolved on the way.
func (c *Service) Queue(ctx context.Context, staff *kurz.Profile, cursor, size string) (*QueuePage, error) {
	if err := c.requireModerator(ctx, staff); err != nil {
		return nil, err
	}
	after, err := parseItemCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize(size, DefaultQueuePage, MaxQueuePage)
	if err != nil {
		return nil, err
	}
	staffIDs, err := c.staffIDs(ctx)
	if err != nil {
		return nil, err
	}
	page := &QueuePage{Items: []*Item{}, ClaimTTLSeconds: int(c.claimTTL().Seconds())}
	for {
		items, err := c.Store.OpenItems(ctx, after, limit+1)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if len(page.Items) == limit {
				page.NextCursor = itemCursor(after)
				return page, nil
			}
			after = kurz.ItemCursor{Priority: it.Priority, CreatedAt: it.CreatedAt, ID: it.ID}
			if gone, err := c.goneAndResolved(ctx, it); err != nil {
				return nil, err
			} else if gone {
				continue
			}
			inv, err := c.involvement(ctx, c.Store, it)
			if err != nil {
				return nil, err
			}
			v := c.itemView(it)
			// Someone involved sees that the item exists and why it is not
			// theirs, not what the notifier or appellant wrote.
			if v.ConflictOfInterest = inv.conflict(c, staff.ID); v.ConflictOfInterest != "" {
				v.Explanation = ""
			}
			if v.Status == "open" && !inv.anyFree(c, staffIDs) {
				v.Status, v.Waiting = "waiting", waitingReason
			}
			page.Items = append(page.Items, v)
		}
		if len(items) <= limit {
			return page, nil
		}
	}
}

// waitingReason is what a waiting item says, to staff and on receipts.
const waitingReason = "every moderator of this region is involved in this item (their own content, account, notice or decision); it waits for one who is not"

// itemView is how an item is shown; a claim past its time shows as open.
func (c *Service) itemView(it *kurz.QueueItem) *Item {
	v := &Item{ID: it.ID, Kind: it.Kind, TargetType: it.TargetType, TargetID: it.TargetID, OwnerID: it.OwnerID, Category: it.Category,
		Reports: it.Reports, Priority: it.Priority, Status: it.Status, Resolution: it.Resolution, AppealOf: it.AppealOf,
		Explanation: it.Explanation, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt}
	if it.Status == "claimed" {
		if exp := it.ClaimedAt.Add(c.claimTTL()); c.Now().Before(exp) {
			at := it.ClaimedAt
			v.ClaimedBy, v.ClaimedAt, v.ClaimExpiresAt = it.ClaimedBy, &at, &exp
		} else {
			v.Status = "open"
		}
	}
	return v
}

// staffIDs lists the people who may moderate this region.
func (c *Service) staffIDs(ctx context.Context) ([]string, error) {
	var out []string
	for _, role := range []string{cell.RoleModerator, cell.RoleAdmin} {
		ids, err := c.Store.RoleHolders(ctx, role)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	return out, nil
}

// involved is who may not claim, decide or review an item: the people it
// is about or who brought it, by ID (people of this region) or keyed hash
// (anyone), each with the reason shown to them.
type involved struct {
	ids    map[string]string
	hashes []party
}

type party struct {
	hash   []byte
	reason string
}

const (
	conflictOwn      = "it is about your own content or account"
	conflictNotifier = "you reported this content"
	conflictDecider  = "you took the decision under appeal"
	conflictTouched  = "the decision under appeal concerned you"
	conflictAppeal   = "it is your own appeal"
)

func (inv *involved) addID(id, reason string) {
	if id != "" && inv.ids[id] == "" {
		inv.ids[id] = reason
	}
}

func (inv *involved) addHash(h []byte, reason string) {
	if len(h) > 0 {
		inv.hashes = append(inv.hashes, party{h, reason})
	}
}

// involvement gathers who is involved in an item: its affected person
// and notifiers; for an appeal also the original decision's moderator,
// affected person and notifiers, and the appellant.
func (c *Service) involvement(ctx context.Context, q kurz.Queries, it *kurz.QueueItem) (*involved, error) {
	inv := &involved{ids: map[string]string{}}
	inv.addID(it.OwnerID, conflictOwn)
	inv.addHash(it.OwnerHash, conflictOwn)
	if err := c.addNotifiers(ctx, q, inv, it.ID, conflictNotifier); err != nil {
		return nil, err
	}
	if it.Kind != "appeal" {
		return inv, nil
	}
	d, err := q.DecisionByID(ctx, it.AppealOf)
	if err != nil {
		return nil, err
	}
	inv.addID(d.ModeratorID, conflictDecider)
	inv.addID(d.OwnerID, conflictTouched)
	inv.addHash(d.OwnerHash, conflictTouched)
	if d.ItemID != "" {
		if err := c.addNotifiers(ctx, q, inv, d.ItemID, conflictTouched); err != nil {
			return nil, err
		}
	}
	a, err := q.AppealByItem(ctx, it.ID)
	if err == nil {
		inv.addHash(a.PartyHash, conflictAppeal)
	} else if !errors.Is(err, kurz.ErrNotFound) {
		return nil, err
	}
	return inv, nil
}

func (c *Service) addNotifiers(ctx context.Context, q kurz.Queries, inv *involved, itemID, reason string) error {
	reports, err := q.ItemReports(ctx, itemID)
	if err != nil {
		return err
	}
	for _, r := range reports {
		inv.addHash(r.ReporterHash, reason)
	}
	return nil
}

// conflict says why person may not take the item, or "".
func (inv *involved) conflict(c *Service, personID string) string {
	if r := inv.ids[personID]; r != "" {
		return r
	}
	h := c.PartyHash(personID)
	for _, p := range inv.hashes {
		if hmac.Equal(p.hash, h) {
			return p.reason
		}
	}
	return ""
}

// anyFree reports whether one of staff may take the item.
func (inv *involved) anyFree(c *Service, staff []string) bool {
	for _, id := range staff {
		if inv.conflict(c, id) == "" {
			return true
		}
	}
	return false
}

// ItemView is what a moderator sees of an item: the content with its
// public context and the decisions taken on it before.
type ItemView struct {
	Item      *Item   `json:"item"`
	Video     any     `json:"video,omitempty"`
	Comment   any     `json:"comment,omitempty"`
	Decisions []Prior `json:"prior_decisions"`
}

// Prior is an earlier decision about the same content.
type Prior struct {
	ID          string    `json:"id"`
	Action      string    `json:"action"`
	Ground      string    `json:"ground"`
	Category    string    `json:"category"`
	Explanation string    `json:"explanation"`
	AppealOf    string    `json:"appeal_of,omitempty"`
	Automated   bool      `json:"automated"`
	CreatedAt   time.Time `json:"created_at"`
}

// errResolved is what claiming or deciding an item whose content is gone
// answers; the item is resolved by then.
var errResolved = kurz.Errorf(kurz.EConflict, "the content was removed by its author; the item is resolved without a decision")

// Claim gives an item to one moderator at a time, for the claim's time,
// and shows it. Nobody may claim an item they are involved in.
func (c *Service) Claim(ctx context.Context, staff *kurz.Profile, itemID string) (*ItemView, error) {
	if err := c.requireModerator(ctx, staff); err != nil {
		return nil, err
	}
	it, err := c.Store.ItemByID(ctx, itemID)
	if err != nil {
		return nil, err
	}
	if gone, err := c.goneAndResolved(ctx, it); err != nil {
		return nil, err
	} else if gone {
		return nil, errResolved
	}
	err = c.Store.Tx(ctx, func(q kurz.Queries) error {
		var err error
		if it, err = q.LockItem(ctx, itemID); err != nil {
			return err
		}
		if err := closed(it); err != nil {
			return err
		}
		if err := c.mayTake(ctx, q, it, staff); err != nil {
			return err
		}
		now := c.Now().UTC()
		if it.Status == "claimed" && it.ClaimedBy != staff.ID && now.Before(it.ClaimedAt.Add(c.claimTTL())) {
			return kurz.Errorf(kurz.EConflict, "another moderator is working on this item until %s", it.ClaimedAt.Add(c.claimTTL()).Format(time.RFC3339))
		}
		it.Status, it.ClaimedBy, it.ClaimedAt, it.UpdatedAt = "claimed", staff.ID, now, now
		return q.PutItem(ctx, it)
	})
	if err != nil {
		return nil, err
	}
	view := &ItemView{Item: c.itemView(it), Decisions: []Prior{}}
	switch it.TargetType {
	case "video":
		if v, err := c.Store.VideoByID(ctx, it.TargetID); err == nil {
			view.Video, _ = c.Shapes.Video(ctx, &kurz.Profile{ID: v.OwnerID}, v)
		}
	case "comment":
		if cm, err := c.Store.CommentByID(ctx, it.TargetID); err == nil {
			view.Comment = c.Shapes.Comment(cm)
		}
	}
	ds, err := c.Store.DecisionsAbout(ctx, it.TargetID)
	for _, d := range ds {
		view.Decisions = append(view.Decisions, Prior{ID: d.ID, Action: d.Action, Ground: d.Ground, Category: d.Category,
			Explanation: d.Explanation, AppealOf: d.AppealOf, Automated: d.AutomatedDecision, CreatedAt: d.CreatedAt})
	}
	return view, err
}

// closed refuses work on a decided or resolved item.
func closed(it *kurz.QueueItem) error {
	switch it.Status {
	case "decided":
		return kurz.Errorf(kurz.EConflict, "this item is decided")
	case "resolved":
		return kurz.Errorf(kurz.EConflict, "this item is resolved (%s)", strings.ReplaceAll(it.Resolution, "_", " "))
	}
	return nil
}

// mayTake refuses an item to a moderator involved in it: up front at
// claim, and again at the decision.
func (c *Service) mayTake(ctx context.Context, q kurz.Queries, it *kurz.QueueItem, staff *kurz.Profile) error {
	inv, err := c.involvement(ctx, q, it)
	if err != nil {
		return err
	}
	if why := inv.conflict(c, staff.ID); why != "" {
		return kurz.Errorf(kurz.EForbidden, "you may not take this item: %s; another moderator will", why)
	}
	return nil
}

// Release gives a claimed item back to the queue: the moderator who
// claimed it, or an admin of the region, may.
func (c *Service) Release(ctx context.Context, staff *kurz.Profile, itemID string) (*Item, error) {
	if err := c.requireModerator(ctx, staff); err != nil {
		return nil, err
	}
	admin := c.Staff.Is(ctx, staff, cell.RoleAdmin)
	var it *kurz.QueueItem
	err := c.Store.Tx(ctx, func(q kurz.Queries) error {
		var err error
		if it, err = q.LockItem(ctx, itemID); err != nil {
			return err
		}
		if err := closed(it); err != nil {
			return err
		}
		if it.Status != "claimed" {
			return kurz.Errorf(kurz.EConflict, "this item is not claimed")
		}
		if it.ClaimedBy != staff.ID && !admin {
			return kurz.Errorf(kurz.EForbidden, "only the moderator who claimed this item or an admin of %s may release it", c.Region)
		}
		it.Status, it.ClaimedBy, it.ClaimedAt, it.UpdatedAt = "open", "", time.Time{}, c.Now().UTC()
		return q.PutItem(ctx, it)
	})
	if err != nil {
		return nil, err
	}
	return c.itemView(it), nil
}

// targetGone reports whether the content of a notice or hold item no
// longer exists: its author (or, for a comment, the video's owner) deleted
// it, or the person was erased. An appeal's content may be gone by the
// decision under appeal (a removed comment), so appeals are never gone.
func (c *Service) targetGone(ctx context.Context, q kurz.Queries, it *kurz.QueueItem) (bool, error) {
	if it.Kind == "appeal" {
		return false, nil
	}
	var err error
	switch it.TargetType {
	case "video":
		_, err = q.VideoByID(ctx, it.TargetID)
	case "comment":
		_, err = q.CommentByID(ctx, it.TargetID)
	case "account":
		_, err = q.ProfileByID(ctx, it.TargetID)
	default:
		return false, nil
	}
	if errors.Is(err, kurz.ErrNotFound) {
		return true, nil
	}
	return false, err
}

// goneAndResolved resolves an open item whose content is gone, and
// reports whether it did (or the item was resolved that way before).
// The check is a read; only a gone target costs a write.
func (c *Service) goneAndResolved(ctx context.Context, it *kurz.QueueItem) (bool, error) {
	if it.Status == "resolved" {
		return it.Resolution == removedByAuthor, nil
	}
	if gone, err := c.targetGone(ctx, c.Store, it); err != nil || !gone {
		return false, err
	}
	resolved := false
	err := c.Store.Tx(ctx, func(q kurz.Queries) error {
		var err error
		resolved, err = c.resolveIfGone(ctx, q, it.ID)
		return err
	})
	return resolved, err
}

// removedByAuthor is the resolution of an item whose content its author
// deleted while it was under review.
const removedByAuthor = "removed_by_author"

// resolveIfGone resolves an open item whose content is gone as
// removed_by_author, in transaction q: no decision is taken, so no
// notifier's notice counts as unfounded. It reports whether the item is
// resolved that way.
func (c *Service) resolveIfGone(ctx context.Context, q kurz.Queries, itemID string) (bool, error) {
	it, err := q.LockItem(ctx, itemID)
	if err != nil {
		return false, err
	}
	if it.Status == "resolved" {
		return it.Resolution == removedByAuthor, nil
	}
	if closed(it) != nil {
		return false, nil
	}
	if gone, err := c.targetGone(ctx, q, it); err != nil || !gone {
		return false, err
	}
	it.Status, it.Resolution, it.ClaimedBy, it.ClaimedAt, it.UpdatedAt = "resolved", removedByAuthor, "", time.Time{}, c.Now().UTC()
	return true, q.PutItem(ctx, it)
}

// pageSize reads a requested page size ("": the default).
func pageSize(s string, def, max int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, kurz.FieldError("limit", "limit must be a whole number from 1 to %d", max)
	}
	return n, nil
}

// Cursors are opaque to clients: base64 of the position's fields.
func itemCursor(p kurz.ItemCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(p.Priority) + "." + strconv.FormatInt(p.CreatedAt.UnixMilli(), 10) + "." + p.ID))
}

func parseItemCursor(s string) (kurz.ItemCursor, error) {
	if s == "" {
		return kurz.ItemCursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	parts := strings.SplitN(string(b), ".", 3)
	if err != nil || len(parts) != 3 {
		return kurz.ItemCursor{}, kurz.FieldError("cursor", "cursor is not one this server gave")
	}
	p, err1 := strconv.Atoi(parts[0])
	at, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || parts[2] == "" {
		return kurz.ItemCursor{}, kurz.FieldError("cursor", "cursor is not one this server gave")
	}
	return kurz.ItemCursor{Priority: p, CreatedAt: time.UnixMilli(at).UTC(), ID: parts[2]}, nil
}
