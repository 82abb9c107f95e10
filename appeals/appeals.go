// Package appeals owns appeals of moderation decisions (DSA Art. 20):
// who may appeal a decision (the person affected or a notifier, never its
// decider; each party once, within six months), asked in the party's home
// region and answered by the decision's region, which opens an appeal
// item in its moderation queue. A moderator not involved in the decision
// decides the item there, like any other (package safety).
//
// The decision's region learns of an appellant only their keyed hash,
// which their own region computes and vouches for over the link. It never
// imports another concern package: the hash comes through Parties.
package appeals

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"slices"
	"strings"
	"unicode/utf8"

	"kurz"
	"kurz/cell"
	"kurz/link"
	"kurz/transparency"
)

// Parties names the people in moderation records (package safety).
type Parties interface {
	// PartyHash is the keyed pseudonym that stands for a signed-in person
	// in the moderation records of any region.
	PartyHash(personID string) []byte
}

// Service files and checks appeals for one region.
type Service struct {
	*cell.Cell
	Parties Parties
}

// New returns the appeals service of region c.
func New(c *cell.Cell, p Parties) *Service { return &Service{Cell: c, Parties: p} }

// maxExplanation bounds an appeal's explanation, in characters.
const maxExplanation = 5000

// AppealMonths is how long a decision can be appealed.
const AppealMonths = 6

// appealLink is an appeal as the link carries it: the appellant is named
// only by their keyed hash (PartyHash), which their region computes and
// vouches for.
type appealLink = link.AppealRequest

// Appeal lets a party to a decision (the person affected, or a notifier)
// appeal it, each once. The decision's region learns only the appellant's
// keyed hash.
func (c *Service) Appeal(ctx context.Context, viewer *kurz.Profile, decisionID, explanation string) (string, error) {
	region, err := kurz.ParseID(decisionID)
	if err != nil {
		return "", kurz.FieldError("decision_id", "decision_id is not a decision's ID")
	}
	if !slices.Contains(c.Regions, region) {
		return "", kurz.ErrNotFound
	}
	explanation = strings.TrimSpace(explanation)
	if n := utf8.RuneCountInString(explanation); n < 1 || n > maxExplanation {
		return "", kurz.FieldError("explanation", "explain in 1 to 5000 characters why the decision is wrong")
	}
	out, err := c.Link.Appeal(ctx, region, appealLink{DecisionID: decisionID, AppellantHash: c.Parties.PartyHash(viewer.ID),
		Explanation: explanation})
	if err != nil {
		return "", err
	}
	return out.ItemID, nil
}

// receiveAppeal opens an appeal item in this region, the decision's. The
// calling region vouches for the appellant: it must be the affected
// person's home region, or the region of a notice the appellant filed.
// The decision is locked, so of concurrent appeals by one party exactly
// one is recorded.
func (c *Service) receiveAppeal(ctx context.Context, from kurz.Region, in *appealLink) (string, error) {
	if len(in.AppellantHash) != sha256.Size {
		return "", kurz.FieldError("appellant_hash", "appellant_hash must be a keyed hash")
	}
	if n := utf8.RuneCountInString(in.Explanation); n < 1 || n > maxExplanation {
		return "", kurz.FieldError("explanation", "explain in 1 to 5000 characters why the decision is wrong")
	}
	var itemID string
	err := c.Store.Tx(ctx, func(q kurz.Queries) error {
		d, err := q.LockDecision(ctx, in.DecisionID)
		if err != nil {
			return err
		}
		now := c.Now().UTC()
		a := &kurz.Appeal{DecisionID: d.ID, PartyHash: in.AppellantHash, CreatedAt: now}
		reason, err := c.appealParty(ctx, q, d, from, a)
		if err != nil {
			return err
		}
		if reason != "" {
			return kurz.Errorf(map[bool]string{true: kurz.EConflict, false: kurz.EForbidden}[reason == "appeal_decision"], "%s", appealRefusals[reason])
		}
		it := &kurz.QueueItem{ID: kurz.NewID(c.Region), Kind: "appeal", TargetType: d.TargetType, TargetID: d.TargetID, OwnerID: d.OwnerID,
			OwnerHash: d.OwnerHash, OwnerRegion: d.OwnerRegion, Category: d.Category, Reports: 1, Priority: 2_000_000, Status: "open",
			AppealOf: d.ID, Explanation: in.Explanation, CreatedAt: now, UpdatedAt: now}
		a.ItemID, itemID = it.ID, it.ID
		if err := q.AddAppeal(ctx, a); kurz.ErrorCode(err) == kurz.EConflict {
			return kurz.Errorf(kurz.EConflict, "you have appealed this decision already; each party may appeal a decision once")
		} else if err != nil {
			return err
		}
		d.Appealed = true
		if err := q.PutDecision(ctx, d); err != nil {
			return err
		}
		return q.PutItem(ctx, it)
	})
	return itemID, err
}

// Why a party may not appeal (AppealInfo's reasons), and what the API
// answers.
var appealRefusals = map[string]string{
	"own_decision":    "you took this decision; a moderator not involved in it decides any appeal",
	"not_party":       "only the person affected or a notifier may appeal this decision",
	"appeal_decision": "this is the decision on an appeal; it cannot be appealed again",
	"closed":          "the appeal period of 6 months is over",
}

// appealParty finds which party a's hash is (filling a.Party and, for a
// notifier, a.NoticeID and a.NoticeRegion), calling from region from,
// or the reason they may not appeal d.
func (c *Service) appealParty(ctx context.Context, q kurz.Queries, d *kurz.Decision, from kurz.Region, a *kurz.Appeal) (string, error) {
	if d.AppealOf != "" {
		return "appeal_decision", nil
	}
	if !transparency.IsOperator(d.ModeratorID) && d.ModeratorID != "automated" && hmac.Equal(c.Parties.PartyHash(d.ModeratorID), a.PartyHash) {
		return "own_decision", nil
	}
	if c.isOwner(d, a.PartyHash) && from == d.OwnerRegion {
		a.Party = "affected"
	} else if d.ItemID != "" {
		reports, err := q.ItemReports(ctx, d.ItemID)
		if err != nil {
			return "", err
		}
		for _, r := range reports {
			if hmac.Equal(r.ReporterHash, a.PartyHash) && r.NoticeRegion == from {
				a.Party, a.NoticeID, a.NoticeRegion = "notifier", r.NoticeID, r.NoticeRegion
			}
		}
	}
	if a.Party == "" {
		return "not_party", nil
	}
	if c.Now().After(d.CreatedAt.AddDate(0, AppealMonths, 0)) {
		return "closed", nil
	}
	return "", nil
}

// AppealInfo tells a signed-in person whether they may appeal a decision
// (of any region), and if not, why: own_decision (they took it),
// not_party, appeal_decision (it decided an appeal) or closed. The appeal
// page shows its form only when they may; Appeal checks again.
func (c *Service) AppealInfo(ctx context.Context, viewer *kurz.Profile, decisionID string) (*link.AppealInfoResponse, error) {
	region, err := kurz.ParseID(decisionID)
	if err != nil || !slices.Contains(c.Regions, region) {
		return nil, kurz.ErrNotFound
	}
	return c.Link.AppealInfo(ctx, region, link.AppealInfoRequest{DecisionID: decisionID, PartyHash: c.Parties.PartyHash(viewer.ID)})
}

// appealInfo is the decision's region's side of AppealInfo.
func (c *Service) appealInfo(ctx context.Context, from kurz.Region, in *link.AppealInfoRequest) (*link.AppealInfoResponse, error) {
	d, err := c.Store.DecisionByID(ctx, in.DecisionID)
	if err != nil {
		return nil, err
	}
	a := &kurz.Appeal{PartyHash: in.PartyHash}
	// On an error the link answers the error alone.
	reason, err := c.appealParty(ctx, c.Store, d, from, a)
	return &link.AppealInfoResponse{MayAppeal: reason == "", Reason: reason, Party: a.Party, Until: d.CreatedAt.AddDate(0, AppealMonths, 0)}, err
}

// isOwner reports whether hash stands for the decision's affected person
// (decisions from before hashes were kept name a person of this region).
func (c *Service) isOwner(d *kurz.Decision, hash []byte) bool {
	if len(d.OwnerHash) > 0 {
		return hmac.Equal(d.OwnerHash, hash)
	}
	return d.OwnerID != "" && hmac.Equal(c.Parties.PartyHash(d.OwnerID), hash)
}

// RegisterLink registers the appeals part of the region link on m: appeals
// into this region's queue, and whether a party may appeal.
func (c *Service) RegisterLink(m *link.Mux) {
	link.Handle(m, link.RouteAppeal, func(ctx context.Context, from kurz.Region, in *link.AppealRequest) (*link.AppealResponse, error) {
		id, err := c.receiveAppeal(ctx, from, in)
		if err != nil {
			return nil, err
		}
		return &link.AppealResponse{ItemID: id}, nil
	})
	link.Handle(m, link.RouteAppealInfo, c.appealInfo)
}
