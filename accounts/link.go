package accounts

import (
	"context"
	"errors"
	"time"

	"kurz"
	"kurz/link"
)

// RegisterLink registers the accounts part of the region link on m:
// sessions, follows, the directory's handle and email claims, and email
// location. Each call
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
		return nil, c.atDirectory(ctx, func(q kurz.Queries) error { return q.ReleaseHandle(ctx, in.Handle, in.UserID) })
	})
	link.Handle(m, link.RouteHandleOwner, func(ctx context.Context, from kurz.Region, in *link.HandleOwnerRequest) (*link.HandleOwnerResponse, error) {
		claim, err := c.Store.HandleClaimOf(ctx, in.Handle)
		if err != nil {
			return nil, err
		}
		return &link.HandleOwnerResponse{Handle: claim.Handle, UserID: claim.UserID}, nil
	})
	link.Handle(m, link.RouteClaimEmail, func(ctx context.Context, from kurz.Region, in *link.ClaimEmailRequest) (*link.Empty, error) {
		return nil, c.claimEmail(ctx, from, in)
	})
	link.Handle(m, link.RouteReleaseEmail, func(ctx context.Context, from kurz.Region, in *link.ReleaseEmailRequest) (*link.Empty, error) {
		return nil, c.releaseEmail(ctx, from, in)
	})
	link.Handle(m, link.RouteEmailTaken, func(ctx context.Context, from kurz.Region, in *link.EmailTakenRequest) (*link.Empty, error) {
		if len(in.Locator) != 32 {
			return nil, kurz.FieldError("locator", "an email locator has 32 bytes")
		}
		return nil, c.emailTaken(ctx, in)
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
// its own people. Only the directory region accepts claims. A handle that
// looks like one already claimed (kurz.HandleKey) is taken.
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
	err = c.atDirectory(ctx, func(q kurz.Queries) error {
		return q.ClaimHandle(ctx, &kurz.HandleClaim{Handle: h, Key: kurz.HandleKey(h), UserID: in.UserID, ClaimedAt: time.Now()})
	})
	var ke *kurz.Error
	if errors.As(err, &ke) && ke.Code == kurz.EConflict {
		return kurz.Errorf(kurz.EConflict, "this handle is taken")
	}
	return err
}

// claimEmail records, at the directory, that a person of region from
// holds an email. Only the locator arrives; the directory stores its own
// keyed hash of it (emailKey), so its table cannot be joined with
// locators seen elsewhere without its keys.
func (c *Service) claimEmail(ctx context.Context, from kurz.Region, in *link.ClaimEmailRequest) error {
	if c.Region != c.Directory {
		return kurz.Errorf(kurz.EInvalid, "region %s is not the directory", c.Region)
	}
	if r, err := kurz.ParseID(in.UserID); err != nil || r != from {
		return kurz.Errorf(kurz.EForbidden, "a region may only claim emails for its own people")
	}
	if len(in.Locator) != 32 {
		return kurz.FieldError("locator", "an email locator has 32 bytes")
	}
	err := c.atDirectory(ctx, func(q kurz.Queries) error { return q.ClaimEmail(ctx, c.emailKey(in.Locator), in.UserID, c.Now()) })
	if kurz.ErrorCode(err) == kurz.EConflict {
		return kurz.Errorf(kurz.EConflict, "an account with this email already exists")
	}
	return err
}

// releaseEmail drops the email claims of a person of region from (after a
// failed sign-up, or at erasure).
func (c *Service) releaseEmail(ctx context.Context, from kurz.Region, in *link.ReleaseEmailRequest) error {
	if c.Region != c.Directory {
		return kurz.Errorf(kurz.EInvalid, "region %s is not the directory", c.Region)
	}
	if r, err := kurz.ParseID(in.UserID); err != nil || r != from {
		return kurz.Errorf(kurz.EForbidden, "a region may only release its own people's emails")
	}
	return c.atDirectory(ctx, func(q kurz.Queries) error { return q.ReleaseEmails(ctx, in.UserID) })
}

// atDirectory runs a change of the directory's claims in one transaction
// that holds the directory first: once it has moved to another region
// (kurz directory export), every claim and release is refused, so none is
// lost with the copy the move carries. The region that asked retries a
// release (an erasure step) until it reaches the new directory.
func (c *Service) atDirectory(ctx context.Context, fn func(kurz.Queries) error) error {
	return c.Store.Tx(ctx, func(q kurz.Queries) error {
		if err := q.HoldDirectory(ctx); err != nil {
			return err
		}
		return fn(q)
	})
}

// emailKey is the directory's keyed hash of an email locator.
func (c *Service) emailKey(locator []byte) []byte { return c.Keys.Index("email_claim", locator) }

// BackfillHandleKeys gives the directory's claims made before handle keys
// existed their key, so that new look-alikes of old handles collide too.
// Where two old handles look alike, the first by name keeps the key; both
// stay theirs. It runs at start, in the directory region only.
func (c *Service) BackfillHandleKeys(ctx context.Context) {
	if c.Region != c.Directory {
		return
	}
	after, done := "", 0
	for {
		claims, err := c.Store.HandleClaimsWithoutKey(ctx, after, 500)
		if err != nil {
			c.Log.Warn("handle keys", "err", err)
			return
		}
		for _, cl := range claims {
			err := c.Store.SetHandleKey(ctx, cl.Handle, kurz.HandleKey(cl.Handle))
			if err != nil && kurz.ErrorCode(err) != kurz.EConflict && kurz.ErrorCode(err) != kurz.ENotFound {
				c.Log.Warn("handle keys", "err", err)
				return
			}
			done++
			after = cl.Handle
		}
		if len(claims) < 500 {
			break
		}
	}
	if done > 0 {
		c.Log.Info("handle keys filled in", "claims", done)
	}
}
