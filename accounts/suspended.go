package accounts

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"kurz"
	"kurz/cell"
)

// A suspended or terminated person may not sign in, but must be able to
// read why and to appeal (DSA Art. 17 and 20). Their sign-in, once their
// password (and second factor, if on) is proven, is refused with the
// statements of reasons in their inbox and an appeal token: a keyed hash
// (the region's index key) of the person and the hour, valid that hour
// and the next, stored nowhere. It stands in for a session on one call
// only, the appeal (AppealAs), and only while the account is suspended.

// appealToken is person's appeal token for the hour of at, shaped like a
// session token (region.secret) so that any region's door carries it home.
func appealToken(c *cell.Cell, personID string, at time.Time) string {
	hour := strconv.FormatInt(at.Unix()/3600, 10)
	mac := c.Keys.Index("appeal_token", []byte(personID+"\x00"+hour))
	return string(c.Region) + "." + base64.RawURLEncoding.EncodeToString(mac)
}

// refuseSuspended is the answer to a proven sign-in of a suspended or
// terminated account, by password (Service.Login) or passkey
// (Factors.FinishPasskeyLogin).
func refuseSuspended(ctx context.Context, c *cell.Cell, acct *kurz.Account) error {
	notes, err := c.Inbox.Notifications(ctx, &kurz.Profile{ID: acct.UserID})
	if err != nil {
		return err
	}
	statements := []json.RawMessage{}
	for _, n := range notes {
		if n.Kind == "statement_of_reasons" {
			statements = append(statements, n.Data)
		}
	}
	terminated := acct.SuspendedUntil.Year() >= 9999
	msg := fmt.Sprintf("your account is suspended until %s; the statements of reasons are below, and you may appeal each decision",
		acct.SuspendedUntil.Format(time.DateOnly))
	details := map[string]any{"statements": statements, "person_id": acct.UserID, "appeal_token": appealToken(c, acct.UserID, c.Now())}
	if terminated {
		msg = "your account has been terminated; the statements of reasons are below, and you may appeal each decision"
		details["terminated"] = true
	} else {
		details["suspended_until"] = acct.SuspendedUntil.UTC().Format(time.DateOnly)
	}
	return &kurz.Error{Code: kurz.EForbidden, Message: msg, Details: details}
}

// AppealAs returns the suspended person an appeal token of this region was
// given to, for their appeal.
func (c *Service) AppealAs(ctx context.Context, token, personID string) (*kurz.Profile, error) {
	bad := kurz.Errorf(kurz.EUnauthorized, "this appeal token is not valid or has expired; sign in again for a new one")
	now := c.Now()
	ok := false
	for _, at := range []time.Time{now, now.Add(-time.Hour)} {
		ok = ok || hmac.Equal([]byte(appealToken(c.Cell, personID, at)), []byte(token))
	}
	if !ok {
		return nil, bad
	}
	acct, err := c.Store.AccountByID(ctx, personID)
	if errors.Is(err, kurz.ErrNotFound) {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	if !acct.SuspendedUntil.After(now) {
		return nil, kurz.Errorf(kurz.EUnauthorized, "your account is no longer suspended: sign in to appeal")
	}
	return c.Store.ProfileByID(ctx, personID)
}
