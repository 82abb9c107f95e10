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
// owner, a person of this region.
func (c *Cell) ApprovedFollower(ctx context.Context, followerID, ownerID string) bool {
	return c.Follows(ctx, followerID, ownerID)
}
