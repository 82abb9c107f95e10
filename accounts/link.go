package accounts

import (
	"context"

	"kurz"
	"kurz/link"
)

// RegisterLink registers the accounts part of the region link on m:
// sessions, follows, the "someone tried your address" notice and email
// location. Each call gets the sender the link verified. (The directory's
// side of handle and email claims is package directory's.)
func (c *Service) RegisterLink(m *link.Mux) {
	link.Handle(m, link.RouteVerifySession, func(ctx context.Context, from kurz.Region, in *link.VerifySessionRequest) (*link.VerifySessionResponse, error) {
		if len(in.TokenHash) != 32 {
			return nil, kurz.FieldError("token_hash", "a session is named by a 32-byte hash")
		}
		return c.verifySession(ctx, in.TokenHash)
	})
	link.Handle(m, link.RouteFollows, func(ctx context.Context, from kurz.Region, in *link.FollowsRequest) (*link.FollowsResponse, error) {
		if r, err := kurz.ParseID(in.Follower); err != nil || r != c.Region {
			return nil, kurz.ErrNotFound
		}
		return &link.FollowsResponse{Follows: c.IsFollowing(ctx, in.Follower, in.Followee)}, nil
	})
	link.Handle(m, link.RouteEmailTaken, func(ctx context.Context, from kurz.Region, in *link.EmailTakenRequest) (*link.Empty, error) {
		if len(in.Locator) != 32 {
			return nil, kurz.FieldError("locator", "an email locator has 32 bytes")
		}
		return nil, c.Email.emailTaken(ctx, in)
	})
	link.Handle(m, link.RouteLocateEmail, func(ctx context.Context, from kurz.Region, in *link.LocateEmailRequest) (*link.LocateEmailResponse, error) {
		if len(in.Locator) != 32 {
			return nil, kurz.FieldError("locator", "an email locator has 32 bytes")
		}
		found, err := c.Email.HasEmail(ctx, in.Locator)
		if err != nil {
			return nil, err
		}
		return &link.LocateEmailResponse{Found: found}, nil
	})
}
