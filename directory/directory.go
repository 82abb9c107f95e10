// Package directory is the handle and email directory: in the one region
// configured as the directory, the record of which person holds each
// handle and each email (by its keyed locator, never the address), so
// that of concurrent sign-ups in different regions with one handle or one
// email exactly one gets it. Regions claim and release over the link, each
// for its own people only; any region asks who holds a handle (package
// accounts vouches for the answer). It never imports another concern
// package.
package directory

import (
	"context"
	"errors"
	"time"

	"kurz"
	"kurz/cell"
	"kurz/link"
)

// Service is the directory's side of claims in one region; a region that
// is not the directory refuses them.
type Service struct {
	*cell.Cell
}

// New returns the directory service of region c.
func New(c *cell.Cell) *Service { return &Service{Cell: c} }

// RegisterLink registers the directory's part of the region link on m:
// handle claims, releases and their holders, and email claims and
// releases. Each call gets the sender the link verified.
func (c *Service) RegisterLink(m *link.Mux) {
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
