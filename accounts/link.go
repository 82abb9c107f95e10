package accounts

import (
	"context"
	"errors"
	"time"

	"kurz"
	"kurz/link"
)

// RegisterLink registers the accounts part of the region link on m:
// sessions, follows, the handle directory and email location. Each call
// gets the sender the link verified.
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
	link.Handle(m, link.RouteClaimHandle, func(ctx context.Context, from kurz.Region, in *link.ClaimHandleRequest) (*link.Empty, error) {
		return nil, c.claimHandle(ctx, from, in)
	})
	link.Handle(m, link.RouteReleaseHandle, func(ctx context.Context, from kurz.Region, in *link.ReleaseHandleRequest) (*link.Empty, error) {
		if r, err := kurz.ParseID(in.UserID); err != nil || r != from {
			return nil, kurz.Errorf(kurz.EForbidden, "a region may only release its own people's handles")
		}
		return nil, c.Store.ReleaseHandle(ctx, in.Handle, in.UserID)
	})
	link.Handle(m, link.RouteHandleOwner, func(ctx context.Context, from kurz.Region, in *link.HandleOwnerRequest) (*link.HandleOwnerResponse, error) {
		claim, err := c.Store.HandleClaimOf(ctx, in.Handle)
		if err != nil {
			return nil, err
		}
		return &link.HandleOwnerResponse{Handle: claim.Handle, UserID: claim.UserID}, nil
	})
	link.Handle(m, link.RouteLocateEmail, func(ctx context.Context, from kurz.Region, in *link.LocateEmailRequest) (*link.LocateEmailResponse, error) {
		if len(in.Locator) != 32 {
			return nil, kurz.FieldError("locator", "an email locator has 32 bytes")
		}
		found, err := c.HasEmail(ctx, in.Locator)
		if err != nil {
			return nil, err
		}
		return &link.LocateEmailResponse{Found: found}, nil
	})
}

// claimHandle records a claim from region from, which may only claim for
// its own people. Only the directory region accepts claims.
func (c *Service) claimHandle(ctx context.Context, from kurz.Region, in *link.ClaimHandleRequest) error {
	if c.Region != c.Directory {
		return kurz.Errorf(kurz.EInvalid, "region %s is not the handle directory", c.Region)
	}
	if r, err := kurz.ParseID(in.UserID); err != nil || r != from {
		return kurz.Errorf(kurz.EForbidden, "a region may only claim handles for its own people")
	}
	h, err := kurz.NormalizeHandle(in.Handle)
	if err != nil {
		return err
	}
	err = c.Store.ClaimHandle(ctx, &kurz.HandleClaim{Handle: h, UserID: in.UserID, ClaimedAt: time.Now()})
	var ke *kurz.Error
	if errors.As(err, &ke) && ke.Code == kurz.EConflict {
		return kurz.Errorf(kurz.EConflict, "this handle is taken")
	}
	return err
}
