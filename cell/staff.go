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

// Staff is a region's staff roles (moderator, admin, privacy officer:
// granted, revoked, and the one check every staff action passes,
// Require) and its access audit log: a hash chain of staff looks at
// personal data, role changes, reset links, second factors added, and
// erasures.
type Staff struct{ c *Cell }

// auditHash is the chain hash of an entry: it covers the previous hash and
// every field.
func auditHash(a *kurz.AuditEntry) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n%d\n%s\n%s\n%s\n%s\n%s", a.PrevHash, a.Seq, a.At.UnixMilli(), a.ActorID, a.SubjectID, a.Action, a.Fields, a.Reason)
	return hex.EncodeToString(h.Sum(nil))
}

// Audit appends an entry to the region's access audit log.
func (s *Staff) Audit(ctx context.Context, q kurz.Queries, actorID, subjectID, action, fields, reason string) error {
	prev, err := q.LastAudit(ctx)
	if err != nil && !errors.Is(err, kurz.ErrNotFound) {
		return err
	}
	a := &kurz.AuditEntry{Seq: 1, At: s.c.Now().UTC().Truncate(time.Millisecond), ActorID: actorID, SubjectID: subjectID,
		Action: action, Fields: fields, Reason: reason}
	if prev != nil {
		a.Seq, a.PrevHash = prev.Seq+1, prev.Hash
	}
	a.Hash = auditHash(a)
	return q.AppendAudit(ctx, a)
}

// VerifyAudit checks the whole chain; it names the first broken entry.
func (s *Staff) VerifyAudit(ctx context.Context) (int, error) {
	entries, err := s.c.Store.AuditEntries(ctx, "")
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
func (s *Staff) Grant(ctx context.Context, by, userID, role string) error {
	switch role {
	case RoleModerator, RoleAdmin, RolePrivacy:
	default:
		return kurz.FieldError("role", "role must be moderator, admin or privacy")
	}
	return s.c.Tx(ctx, func(q kurz.Queries) error {
		if err := q.GrantRole(ctx, userID, role, by, s.c.Now().UTC()); err != nil {
			return err
		}
		return s.Audit(ctx, q, by, userID, "grant", "role", "granted "+role+" in "+string(s.c.Region))
	})
}

// Revoke takes a staff role away from a person in this region, audited.
func (s *Staff) Revoke(ctx context.Context, by, userID, role string) error {
	return s.c.Tx(ctx, func(q kurz.Queries) error {
		if err := q.RevokeRole(ctx, userID, role); err != nil {
			if errors.Is(err, kurz.ErrNotFound) {
				return kurz.Errorf(kurz.ENotFound, "this person does not hold %s in %s", role, s.c.Region)
			}
			return err
		}
		return s.Audit(ctx, q, by, userID, "revoke", "role", "revoked "+role+" in "+string(s.c.Region))
	})
}

// Is reports whether a signed-in person may act in any of the roles
// in this region: they hold one, and their session was opened with a
// second factor (see Require).
func (s *Staff) Is(ctx context.Context, p *kurz.Profile, roles ...string) bool {
	return s.Require(ctx, p, "", roles...) == nil
}

// Require is the one check of every staff action: the person holds
// one of the roles in this region, and signed in with a second factor. A
// person without the role gets refused (EForbidden) with notStaff; one
// without the second factor is told to turn it on.
func (s *Staff) Require(ctx context.Context, p *kurz.Profile, notStaff string, roles ...string) error {
	if notStaff == "" {
		notStaff = "you have no staff role for this in region " + string(s.c.Region)
	}
	if p == nil {
		return kurz.Errorf(kurz.EForbidden, "%s", notStaff)
	}
	for _, r := range roles {
		if ok, err := s.c.Store.HasRole(ctx, p.ID, r); err == nil && ok {
			if !p.SecondFactor {
				return &kurz.Error{Code: kurz.EForbidden, Field: "second_factor",
					Message: "staff actions need two-factor sign-in: turn it on in your settings, then sign in again with a code"}
			}
			return nil
		}
	}
	return kurz.Errorf(kurz.EForbidden, "%s", notStaff)
}
