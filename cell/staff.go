package cell

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"kurz"
)

// Staff roles, granted per region.
const (
	RoleModerator = "moderator"
	RoleAdmin     = "admin"
	RolePrivacy   = "privacy"
)

// auditHash is the chain hash of an entry: it covers the previous hash and
// every field.
func auditHash(a *kurz.AuditEntry) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n%d\n%s\n%s\n%s\n%s\n%s", a.PrevHash, a.Seq, a.At.UnixMilli(), a.ActorID, a.SubjectID, a.Action, a.Fields, a.Reason)
	return hex.EncodeToString(h.Sum(nil))
}

// Audit appends an entry to the region's access audit log.
func (c *Cell) Audit(ctx context.Context, q kurz.Queries, actorID, subjectID, action, fields, reason string) error {
	prev, err := q.LastAudit(ctx)
	if err != nil && !errors.Is(err, kurz.ErrNotFound) {
		return err
	}
	a := &kurz.AuditEntry{Seq: 1, At: c.Now().UTC().Truncate(time.Millisecond), ActorID: actorID, SubjectID: subjectID,
		Action: action, Fields: fields, Reason: reason}
	if prev != nil {
		a.Seq, a.PrevHash = prev.Seq+1, prev.Hash
	}
	a.Hash = auditHash(a)
	return q.AppendAudit(ctx, a)
}

// VerifyAudit checks the whole chain; it names the first broken entry.
func (c *Cell) VerifyAudit(ctx context.Context) (int, error) {
	entries, err := c.Store.AuditEntries(ctx, "")
	if err != nil {
		return 0, err
	}
	prev := ""
	for i, a := range entries {
		if a.Seq != int64(i+1) || a.PrevHash != prev || auditHash(a) != a.Hash {
			return i, fmt.Errorf("access audit log broken at entry %d", a.Seq)
		}
		prev = a.Hash
	}
	return len(entries), nil
}

// Grant gives a person a staff role in this region, audited.
func (c *Cell) Grant(ctx context.Context, by, userID, role string) error {
	switch role {
	case RoleModerator, RoleAdmin, RolePrivacy:
	default:
		return kurz.FieldError("role", "role must be moderator, admin or privacy")
	}
	return c.Tx(ctx, func(q kurz.Queries) error {
		if err := q.GrantRole(ctx, userID, role, by, c.Now().UTC()); err != nil {
			return err
		}
		return c.Audit(ctx, q, by, userID, "grant", "role", "granted "+role+" in "+string(c.Region))
	})
}

// Revoke takes a staff role away from a person in this region, audited.
func (c *Cell) Revoke(ctx context.Context, by, userID, role string) error {
	return c.Tx(ctx, func(q kurz.Queries) error {
		if err := q.RevokeRole(ctx, userID, role); err != nil {
			if errors.Is(err, kurz.ErrNotFound) {
				return kurz.Errorf(kurz.ENotFound, "this person does not hold %s in %s", role, c.Region)
			}
			return err
		}
		return c.Audit(ctx, q, by, userID, "revoke", "role", "revoked "+role+" in "+string(c.Region))
	})
}

// IsStaff reports whether a signed-in person may act in any of the roles
// in this region: they hold one, and their session was opened with a
// second factor (see RequireStaff).
func (c *Cell) IsStaff(ctx context.Context, p *kurz.Profile, roles ...string) bool {
	return c.RequireStaff(ctx, p, "", roles...) == nil
}

// RequireStaff is the one check of every staff action: the person holds
// one of the roles in this region, and signed in with a second factor. A
// person without the role gets refused (EForbidden) with notStaff; one
// without the second factor is told to turn it on.
func (c *Cell) RequireStaff(ctx context.Context, p *kurz.Profile, notStaff string, roles ...string) error {
	if notStaff == "" {
		notStaff = "you have no staff role for this in region " + string(c.Region)
	}
	if p == nil {
		return kurz.Errorf(kurz.EForbidden, "%s", notStaff)
	}
	for _, r := range roles {
		if ok, err := c.Store.HasRole(ctx, p.ID, r); err == nil && ok {
			if !p.SecondFactor {
				return &kurz.Error{Code: kurz.EForbidden, Field: "second_factor",
					Message: "staff actions need two-factor sign-in: turn it on in your settings, then sign in again with a code"}
			}
			return nil
		}
	}
	return kurz.Errorf(kurz.EForbidden, "%s", notStaff)
}

// Hidden reports whether a person of this region is hidden (their erasure
// is pending): their content is shown to nobody.
func (c *Cell) Hidden(ctx context.Context, userID string) bool {
	_, err := c.Store.Erasure(ctx, userID)
	return err == nil
}
