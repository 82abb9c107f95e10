package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"time"

	"kurz"
)

type claimRequest struct {
	Handle string `json:"handle"`
	UserID string `json:"user_id"`
}

type locateRequest struct {
	Locator []byte `json:"locator"`
}

type locateResponse struct {
	Found bool `json:"found"`
}

// LinkHandler serves the accounts part of the region link: sessions,
// follows, the handle directory and email location. The caller has
// verified the request's signature; body is its verified payload.
func (c *Service) LinkHandler(ctx context.Context, from kurz.Region, method, path, rawQuery string, body []byte) (any, bool, error) {
	out, err := c.linkHandler(ctx, from, method, path, rawQuery, body)
	if err == errNoCall {
		return nil, false, nil
	}
	return out, true, err
}

var errNoCall = kurz.Errorf(kurz.ENotFound, "no such link call")

func (c *Service) linkHandler(ctx context.Context, from kurz.Region, method, path, rawQuery string, body []byte) (any, error) {
	switch {
	case method == "POST" && path == "/link/v1/sessions/verify":
		var in struct {
			TokenHash []byte `json:"token_hash"`
		}
		if err := json.Unmarshal(body, &in); err != nil || len(in.TokenHash) != 32 {
			return nil, kurz.Errorf(kurz.EInvalid, "bad session")
		}
		return c.verifySession(ctx, in.TokenHash)
	case method == "GET" && path == "/link/v1/follows":
		q, _ := url.ParseQuery(rawQuery)
		follower := q.Get("follower")
		if r, err := kurz.ParseID(follower); err != nil || r != c.Region {
			return nil, kurz.ErrNotFound
		}
		return map[string]bool{"follows": c.IsFollowing(ctx, follower, q.Get("followee"))}, nil
	case method == "POST" && path == "/link/v1/handles/claim":
		var in claimRequest
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, kurz.Errorf(kurz.EInvalid, "bad claim")
		}
		if err := c.claimHandle(ctx, from, &in); err != nil {
			return nil, err
		}
		return struct{}{}, nil
	case method == "POST" && path == "/link/v1/handles/release":
		var in claimRequest
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, kurz.Errorf(kurz.EInvalid, "bad release")
		}
		if r, err := kurz.ParseID(in.UserID); err != nil || r != from {
			return nil, kurz.Errorf(kurz.EForbidden, "a region may only release its own people's handles")
		}
		return struct{}{}, c.Store.ReleaseHandle(ctx, in.Handle, in.UserID)
	case method == "GET" && len(path) > len("/link/v1/handles/") && path[:len("/link/v1/handles/")] == "/link/v1/handles/":
		claim, err := c.Store.HandleClaimOf(ctx, path[len("/link/v1/handles/"):])
		if err != nil {
			return nil, err
		}
		return claimRequest{Handle: claim.Handle, UserID: claim.UserID}, nil
	case method == "POST" && path == "/link/v1/emails/locate":
		var in locateRequest
		if err := json.Unmarshal(body, &in); err != nil || len(in.Locator) != 32 {
			return nil, kurz.Errorf(kurz.EInvalid, "bad locator")
		}
		found, err := c.HasEmail(ctx, in.Locator)
		return locateResponse{Found: found}, err
	}
	return nil, errNoCall
}

// claimHandle records a claim from region from, which may only claim for
// its own people. Only the directory region accepts claims.
func (c *Service) claimHandle(ctx context.Context, from kurz.Region, in *claimRequest) error {
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
