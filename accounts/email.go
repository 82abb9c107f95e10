package accounts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"net/url"
	"time"

	"kurz"
	"kurz/auth"
	"kurz/cell"
	"kurz/link"
	"kurz/mail"
)

// Email owns people's email addresses: which region holds one (by its
// locator), confirmation and change, reset by mail, telling an address's
// owner that someone tried it, and the single-use mailed links and hourly
// mail budgets these (and sign-in alerts) share. Tokens are single-use,
// expire, and only their hashes are stored (account_tokens). Mail goes to
// a person of this region only, queued in this region (cell.QueueMail); a
// person of another region is mailed by their own region, asked over the
// link.
type Email struct {
	*cell.Cell
}

// VerifyWithin is how long a new account works before its email is
// confirmed; after it, sign-in waits for the confirmation (a new link is
// sent at each try).
const VerifyWithin = 7 * 24 * time.Hour

// Token purposes (account_tokens.purpose).
const (
	purposeVerify      = "verify"
	purposeChangeEmail = "change_email"
	purposeMailBudget  = "mail_budget"
	purposeRecovery    = "recovery"
	purposeDevice      = "device"
	purposeEndSession  = "end_session"
)

// Lang picks a mail language: de or en.
func Lang(lang string) string {
	if lang == "de" {
		return "de"
	}
	return "en"
}

// LocateEmail asks every region (through the link) whether it holds an
// account with this email locator, and returns that region or "".
func (c *Email) LocateEmail(ctx context.Context, locator []byte) (kurz.Region, error) {
	type result struct {
		region kurz.Region
		found  bool
		err    error
	}
	ch := make(chan result, len(c.Regions))
	for _, r := range c.Regions {
		go func() {
			out, err := c.Link.LocateEmail(ctx, r, link.LocateEmailRequest{Locator: locator})
			ch <- result{r, err == nil && out.Found, err}
		}()
	}
	var found kurz.Region
	var errs []error
	for range c.Regions {
		res := <-ch
		if res.err != nil {
			errs = append(errs, res.err)
		} else if res.found {
			found = res.region
		}
	}
	if found != "" {
		return found, nil
	}
	if len(errs) > 0 {
		return "", &kurz.Error{Code: kurz.EUnavailable, Message: "a region cannot be reached right now; please try again later", Cause: errors.Join(errs...)}
	}
	return "", nil
}

// HasEmail reports whether this region holds an account with the locator.
func (c *Email) HasEmail(ctx context.Context, locator []byte) (bool, error) {
	_, err := c.Store.AccountByEmailIndex(ctx, c.EmailIndex(locator))
	if errors.Is(err, kurz.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// mailBudget takes one of n mails of a kind to a person per hour; false
// once the hour's n are used (a stranger cannot flood an inbox). It
// counts in account_tokens under keys derived from person, kind and hour,
// each insert a statement of its own (a refused insert would end a
// PostgreSQL transaction), before the mail's transaction.
func (c *Email) mailBudget(ctx context.Context, userID, kind string, n int) (bool, error) {
	q := c.Store
	hour := c.Now().Unix() / 3600
	for i := range n {
		h := sha256.New()
		h.Write([]byte("mail-budget\x00" + userID + "\x00" + kind + "\x00"))
		binary.Write(h, binary.BigEndian, [2]int64{hour, int64(i)})
		err := q.PutAccountToken(ctx, &kurz.AccountToken{TokenHash: h.Sum(nil), UserID: userID, Purpose: purposeMailBudget,
			CreatedAt: c.Now().UTC(), ExpiresAt: c.Now().UTC().Add(time.Hour)})
		if err == nil {
			return true, nil
		}
		if kurz.ErrorCode(err) != kurz.EConflict {
			return false, err
		}
	}
	return false, nil
}

// newLinkToken stores a single-use token of a purpose for a person and
// returns it.
func (c *Email) newLinkToken(ctx context.Context, q kurz.Queries, userID, purpose string, ttl time.Duration, data []byte) (string, error) {
	token := auth.NewToken(c.Region)
	now := c.Now().UTC().Truncate(time.Millisecond)
	err := q.PutAccountToken(ctx, &kurz.AccountToken{TokenHash: auth.HashToken(token), UserID: userID, Purpose: purpose,
		DataSealed: data, CreatedAt: now, ExpiresAt: now.Add(ttl)})
	return token, err
}

// queueVerify issues a confirmation link for the email of a person and
// queues the mail.
func (c *Email) queueVerify(ctx context.Context, tx *sql.Tx, q kurz.Queries, p *kurz.Profile, email, lang string) error {
	token, err := c.newLinkToken(ctx, q, p.ID, purposeVerify, VerifyWithin, nil)
	if err != nil {
		return err
	}
	return c.QueueMail(ctx, tx, q, p.ID, &mail.Message{To: email, Lang: Lang(lang), Kind: mail.KindVerify,
		Link: c.MailLink("/account/verify-email?token=" + url.QueryEscape(token)), Data: map[string]string{"handle": p.Handle}})
}

// errLink is the one answer for unknown, used and expired links.
var errLink = kurz.Errorf(kurz.ENotFound, "this link is not valid (any more); links work once and expire")

// takeLink takes a single-use token of a purpose: unknown, used and
// expired ones get one answer; an expired one is used up all the same.
func (c *Email) takeLink(ctx context.Context, q kurz.Queries, token, purpose string) (*kurz.AccountToken, error) {
	if r, err := auth.TokenRegion(token); err != nil || r != c.Region {
		return nil, errLink
	}
	t, err := q.TakeAccountToken(ctx, auth.HashToken(token), purpose)
	if errors.Is(err, kurz.ErrNotFound) {
		return nil, errLink
	} else if err != nil {
		return nil, err
	}
	if !c.Now().Before(t.ExpiresAt) {
		return nil, errExpiredLink
	}
	return t, nil
}

var errExpiredLink = errors.New("link expired")

// txLink runs fn in a transaction around a taken link; an expired link is
// used up (deleted) and answered like an unknown one.
func (c *Email) txLink(ctx context.Context, token, purpose string, fn func(tx *sql.Tx, q kurz.Queries, t *kurz.AccountToken) error) error {
	err := c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		t, err := c.takeLink(ctx, q, token, purpose)
		if err != nil {
			return err
		}
		return fn(tx, q, t)
	})
	if errors.Is(err, errExpiredLink) {
		c.Store.TakeAccountToken(context.WithoutCancel(ctx), auth.HashToken(token), purpose)
		return errLink
	}
	return err
}

// VerifyEmail confirms a person's email with the link's token.
func (c *Email) VerifyEmail(ctx context.Context, token string) error {
	return c.txLink(ctx, token, purposeVerify, func(_ *sql.Tx, q kurz.Queries, t *kurz.AccountToken) error {
		if err := q.SetEmailVerified(ctx, t.UserID, c.Now().UTC()); err != nil {
			return err
		}
		return q.DeleteAccountTokens(ctx, t.UserID, purposeVerify)
	})
}

// ChangeEmail starts a change of a signed-in person's email: the new
// address gets a confirmation link; nothing changes until it is opened.
// The password is checked first (the caller throttles it like a sign-in).
// The answer is the same whether or not the new address has an account
// elsewhere; if it has, its owner is told someone tried, and no link is
// sent.
func (c *Email) ChangeEmail(ctx context.Context, p *kurz.Profile, password, newEmail, lang string) error {
	email, err := kurz.NormalizeEmail(newEmail)
	if err != nil {
		return err
	}
	acct, err := c.Store.AccountByID(ctx, p.ID)
	if err != nil {
		return err
	}
	if !auth.VerifyPassword(acct.PasswordHash, password) {
		return kurz.Errorf(kurz.EUnauthorized, "wrong password")
	}
	locator := c.EmailLocator(email)
	holder, err := c.LocateEmail(ctx, locator)
	if err != nil {
		return err
	}
	if holder != "" {
		c.notifyTaken(ctx, holder, locator, lang)
		return nil
	}
	dk, err := c.DataKey(ctx, p.ID)
	if err != nil {
		return err
	}
	if ok, err := c.mailBudget(ctx, p.ID, mail.KindVerifyNew, 5); err != nil || !ok {
		return err
	}
	return c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		token, err := c.newLinkToken(ctx, q, p.ID, purposeChangeEmail, VerifyWithin, dk.Seal("new_email", []byte(email)))
		if err != nil {
			return err
		}
		return c.QueueMail(ctx, tx, q, p.ID, &mail.Message{To: email, Lang: Lang(lang), Kind: mail.KindVerifyNew,
			Link: c.MailLink("/account/verify-email?change=1&token=" + url.QueryEscape(token)), Data: map[string]string{"handle": p.Handle}})
	})
}

// ConfirmEmailChange makes the new address the account's, confirmed, once
// it is claimed at the directory, and tells the old address. The old
// address stays claimed for the account (nobody else can sign up with it)
// until the person is erased.
func (c *Email) ConfirmEmailChange(ctx context.Context, token, lang string) error {
	return c.txLink(ctx, token, purposeChangeEmail, func(tx *sql.Tx, q kurz.Queries, t *kurz.AccountToken) error {
		dk, err := c.DataKey(ctx, t.UserID)
		if err != nil {
			return err
		}
		raw, err := dk.Open("new_email", t.DataSealed)
		if err != nil {
			return errLink
		}
		acct, err := q.AccountByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		p, err := q.ProfileByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		oldEmail, err := dk.Open("email", acct.EmailSealed)
		if err != nil {
			return err
		}
		locator := c.EmailLocator(string(raw))
		if err := c.Link.ClaimEmail(ctx, c.Directory, link.ClaimEmailRequest{Locator: locator, UserID: t.UserID}); err != nil {
			if kurz.ErrorCode(err) == kurz.EConflict {
				return kurz.Errorf(kurz.EConflict, "this address has an account of its own by now; nothing was changed")
			}
			return err
		}
		if err := q.SetEmail(ctx, t.UserID, c.EmailIndex(locator), dk.Seal("email", raw), c.Now().UTC()); err != nil {
			return err
		}
		return c.QueueMail(ctx, tx, q, t.UserID, &mail.Message{To: string(oldEmail), Lang: Lang(lang), Kind: mail.KindEmailChanged,
			Link: c.MailLink("/account/forgot-password"), Data: map[string]string{"handle": p.Handle}})
	})
}

// notifyTaken asks the region holding an email to tell its owner that
// someone tried to sign up with it. Failures are logged, never shown: the
// answer must not differ.
func (c *Email) notifyTaken(ctx context.Context, holder kurz.Region, locator []byte, lang string) {
	if err := c.Link.EmailTaken(ctx, holder, link.EmailTakenRequest{Locator: locator, Lang: Lang(lang)}); err != nil {
		c.Log.Warn("telling an address's owner of a sign-up attempt", "region", holder, "err", err)
	}
}

// emailTaken is the holder region's side of notifyTaken: at most one such
// mail per person and hour.
func (c *Email) emailTaken(ctx context.Context, in *link.EmailTakenRequest) error {
	acct, err := c.Store.AccountByEmailIndex(ctx, c.EmailIndex(in.Locator))
	if errors.Is(err, kurz.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	dk, err := c.DataKey(ctx, acct.UserID)
	if err != nil {
		return err
	}
	email, err := dk.Open("email", acct.EmailSealed)
	if err != nil {
		return err
	}
	if ok, err := c.mailBudget(ctx, acct.UserID, mail.KindSignupTaken, 1); err != nil || !ok {
		return err
	}
	return c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		return c.QueueMail(ctx, tx, q, acct.UserID, &mail.Message{To: string(email), Lang: Lang(in.Lang), Kind: mail.KindSignupTaken,
			Link: c.MailLink("/account/forgot-password")})
	})
}

// RequestPasswordReset mails a one-time link (an hour, used once) to the
// person with this email locator in this region, if there is one; at most
// three per person and hour. It answers nothing either way.
func (c *Email) RequestPasswordReset(ctx context.Context, locator []byte, lang string) error {
	acct, err := c.Store.AccountByEmailIndex(ctx, c.EmailIndex(locator))
	if errors.Is(err, kurz.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	dk, err := c.DataKey(ctx, acct.UserID)
	if err != nil {
		return err
	}
	email, err := dk.Open("email", acct.EmailSealed)
	if err != nil {
		return err
	}
	p, err := c.Store.ProfileByID(ctx, acct.UserID)
	if err != nil {
		return err
	}
	if ok, err := c.mailBudget(ctx, acct.UserID, mail.KindReset, 3); err != nil || !ok {
		return err
	}
	return c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		token := auth.NewToken(c.Region)
		now := c.Now().UTC().Truncate(time.Millisecond)
		if err := q.PutPasswordReset(ctx, &kurz.PasswordReset{TokenHash: auth.HashToken(token), UserID: acct.UserID, CreatedAt: now, ExpiresAt: now.Add(ResetMailTTL)}); err != nil {
			return err
		}
		return c.QueueMail(ctx, tx, q, acct.UserID, &mail.Message{To: string(email), Lang: Lang(lang), Kind: mail.KindReset,
			Link: c.MailLink("/reset-password?token=" + url.QueryEscape(token)), Data: map[string]string{"handle": p.Handle}})
	})
}

// ResetMailTTL is how long a mailed reset link works.
const ResetMailTTL = time.Hour
