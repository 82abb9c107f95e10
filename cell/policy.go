package cell

import (
	"context"
	"errors"
	"slices"

	"kurz"
	"kurz/policy"
)

// standing is a person of this region's account standing, read in q.
func (c *Cell) standing(ctx context.Context, q kurz.Queries, userID string) (policy.Standing, error) {
	acct, err := q.AccountByID(ctx, userID)
	if errors.Is(err, kurz.ErrNotFound) {
		// Sign-up writes the profile before the account.
		acct, err = &kurz.Account{}, nil
	}
	if err != nil {
		return 0, err
	}
	_, err = q.Erasure(ctx, userID)
	if err != nil && !errors.Is(err, kurz.ErrNotFound) {
		return 0, err
	}
	return policy.StandingOf(acct.SuspendedUntil, err == nil, c.Now()), nil
}

// Hidden reports whether a person of this region is hidden (their erasure
// is pending): their content is shown to nobody.
func (c *Cell) Hidden(ctx context.Context, userID string) bool {
	_, err := c.Store.Erasure(ctx, userID)
	return err == nil
}

// Subject is the visibility policy's subject for a video of this region:
// the video's state with its owner's (private account, minor, standing),
// read in q.
func (c *Cell) Subject(ctx context.Context, q kurz.Queries, v *kurz.Video) (policy.Subject, error) {
	owner, err := q.ProfileByID(ctx, v.OwnerID)
	if err != nil {
		return policy.Subject{}, err
	}
	acct, err := q.AccountByID(ctx, v.OwnerID)
	if err != nil {
		return policy.Subject{}, err
	}
	standing, err := c.standing(ctx, q, v.OwnerID)
	if err != nil {
		return policy.Subject{}, err
	}
	return policy.Video(v, owner.Private || acct.Minor, acct.Minor, standing), nil
}

// PolicyViewer is what the policy needs of a viewer (nil: anonymous) from
// their home region, this one: their age band and country. An anonymous
// viewer is taken to be in every country of this region, whose door the
// request came through.
func (c *Cell) PolicyViewer(ctx context.Context, viewer *kurz.Profile) policy.Viewer {
	if viewer == nil {
		return policy.Viewer{Countries: c.Countries}
	}
	v := policy.Viewer{ID: viewer.ID}
	acct, err := c.Store.AccountByID(ctx, viewer.ID)
	if err != nil {
		// Not a person of this region: a stranger who is no minor is the
		// most this region can say; their home region decides the rest.
		v.Countries = c.Countries
		return v
	}
	v.Minor = acct.Minor
	v.Blocked, v.BlockedBy, v.Muted = c.BlockLists(ctx, viewer.ID)
	if dk, err := c.DataKey(ctx, viewer.ID); err == nil {
		if b, err := dk.Open("country", acct.CountrySealed); err == nil {
			v.Countries = []string{string(b)}
		}
	}
	return v
}

// Relate fills in the viewer's relation to the owner of a subject of this
// region: owner, approved follower, followed back by the owner.
func (c *Cell) Relate(ctx context.Context, v policy.Viewer, ownerID string) policy.Viewer {
	v.Owner = v.ID != "" && v.ID == ownerID
	if v.ID == "" || v.Owner {
		return v
	}
	if blockers, err := c.Store.BlockersOf(ctx, v.ID); err == nil && slices.Contains(blockers, ownerID) {
		// The owner, of this region, blocked a viewer of another region.
		v.BlockedBy = append(slices.Clip(v.BlockedBy), ownerID)
	}
	v.Follower = c.ApprovedFollower(ctx, v.ID, ownerID)
	v.FollowedBack = c.IsFollowing(ctx, ownerID, v.ID)
	return v
}

// BlockLists reads, for a person of this region, whom they blocked,
// who blocked them (people of this region, and people of other regions
// whose regions sent notice of it) and whom they muted.
func (c *Cell) BlockLists(ctx context.Context, userID string) (blocked, blockedBy, muted []string) {
	rows, err := c.Store.BlocksOf(ctx, userID)
	if err == nil {
		for _, b := range rows {
			switch b.Kind {
			case kurz.MuteKind:
				muted = append(muted, b.OtherID)
			case kurz.BlockKind:
				blocked = append(blocked, b.OtherID)
			default:
				blockedBy = append(blockedBy, b.OtherID)
			}
		}
	}
	if by, err := c.Store.BlockersOf(ctx, userID); err == nil {
		blockedBy = append(blockedBy, by...)
	}
	return blocked, blockedBy, muted
}

// CheckMentions refuses a text (a comment, a caption) whose author (who,
// with their block lists) mentions someone a block separates them from,
// either way.
func (c *Cell) CheckMentions(who policy.Viewer, field, text string) error {
	for _, h := range kurz.Mentions(text) {
		if p, ok := c.Index.ProfileByHandle(h); ok && !policy.SeesPerson(who, p.ID) {
			return kurz.FieldError(field, "you cannot mention @%s", h)
		}
	}
	return nil
}
