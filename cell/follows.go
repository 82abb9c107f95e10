package cell

import (
	"context"
	"kurz/link"
	"slices"

	"kurz"
)

// IsFollowing reports whether a person of this region follows another.
func (c *Cell) IsFollowing(ctx context.Context, followerID, followeeID string) bool {
	list, err := c.Store.Followees(ctx, followerID)
	return err == nil && slices.Contains(list, followeeID)
}

// Follows reports whether follower (of any region) follows followee. The
// follow is the follower's personal data, so their home region answers.
func (c *Cell) Follows(ctx context.Context, followerID, followeeID string) bool {
	region, err := kurz.ParseID(followerID)
	if err != nil {
		return false
	}
	if region == c.Region {
		return c.IsFollowing(ctx, followerID, followeeID)
	}
	out, err := c.Link.Follows(ctx, region, link.FollowsRequest{Follower: followerID, Followee: followeeID})
	return err == nil && out.Follows
}

// ApprovedFollower reports whether follower is an approved follower of
// owner, a person of this region: of a private account (or a 13-15 year
// old's, always private) one whose request the owner approved, here; of
// a public one anyone who follows (their home region answers).
func (c *Cell) ApprovedFollower(ctx context.Context, followerID, ownerID string) bool {
	p, err := c.Store.ProfileByID(ctx, ownerID)
	if err != nil {
		return false
	}
	if p.Private {
		ok, err := c.Store.FollowApproved(ctx, ownerID, followerID)
		return err == nil && ok
	}
	return c.Follows(ctx, followerID, ownerID)
}
