package accounts

import (
	"context"
	"errors"
	"time"

	"kurz"
	"kurz/auth"
)

// Password resets: the operator prints a one-time link for a person who
// lost their password (kurz admin reset-password); the person opens it and
// sets a new password. Only the token's hash is stored; the link works once
// and until it expires; setting the password ends every session.

// MaxResetTTL bounds how long a reset link may work.
const MaxResetTTL = 7 * 24 * time.Hour

// IssuePasswordReset makes a one-time link token for a person of this
// region, valid for ttl, and records it in the access audit log as done by
// operator.
func (c *Service) IssuePasswordReset(ctx context.Context, operator, userID string, ttl time.Duration) (string, time.Time, error) {
	if ttl <= 0 || ttl > MaxResetTTL {
		return "", time.Time{}, kurz.FieldError("ttl", "a reset link lasts between a minute and 7 days")
	}
	if r, err := kurz.ParseID(userID); err != nil || r != c.Region {
		return "", time.Time{}, kurz.ErrNotFound
	}
	token := auth.NewToken(c.Region)
	now := c.Now().UTC().Truncate(time.Millisecond)
	exp := now.Add(ttl)
	err := c.Tx(ctx, func(q kurz.Queries) error {
		if _, err := q.AccountByID(ctx, userID); err != nil {
			return err
		}
		if err := q.PutPasswordReset(ctx, &kurz.PasswordReset{TokenHash: auth.HashToken(token), UserID: userID, CreatedAt: now, ExpiresAt: exp}); err != nil {
			return err
		}
		return c.Staff.Audit(ctx, q, operator, userID, "password_reset_link", "password", "one-time link until "+exp.Format(time.RFC3339))
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, exp, nil
}

// errResetLink is the one answer for unknown, used and expired links, so a
// link reveals nothing about others.
var errResetLink = kurz.Errorf(kurz.ENotFound, "this link is not valid (any more); ask the operator for a new one")

// ResetPassword sets a new password with a one-time link token: the link is
// used up whether or not it had expired, and every session of the person
// ends.
func (c *Service) ResetPassword(ctx context.Context, token, password string) error {
	if r, err := auth.TokenRegion(token); err != nil || r != c.Region {
		return errResetLink
	}
	if err := auth.CheckPassword(password); err != nil {
		return err
	}
	hash := auth.HashPassword(password)
	var userID string
	err := c.Tx(ctx, func(q kurz.Queries) error {
		r, err := q.TakePasswordReset(ctx, auth.HashToken(token))
		if errors.Is(err, kurz.ErrNotFound) {
			return errResetLink
		} else if err != nil {
			return err
		}
		if !c.Now().Before(r.ExpiresAt) {
			return errExpired
		}
		if err := q.SetPasswordHash(ctx, r.UserID, hash); err != nil {
			return err
		}
		userID = r.UserID
		c.Sessions.ForgetPerson(r.UserID)
		return q.DeleteSessionsOf(ctx, r.UserID)
	})
	if err == nil {
		c.Sessions.ForgetPerson(userID) // again: a request may have cached one before the commit
	}
	if errors.Is(err, errExpired) {
		// The expired link is still used up: take it out of the store.
		c.Store.TakePasswordReset(context.WithoutCancel(ctx), auth.HashToken(token))
		return errResetLink
	}
	return err
}

var errExpired = errors.New("reset link expired")
