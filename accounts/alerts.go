package accounts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"net/url"
	"time"

	"kurz"
	"kurz/mail"
)

// Sign-in alerts: a sign-in from a device the account has not used before
// (by its device cookie) puts an entry in the person's inbox and mails
// them, with a link that ends that session. The first device of an
// account raises none. Devices are remembered as keyed hashes only.

// deviceTTL is how long a device stays known without signing in.
const deviceTTL = 365 * 24 * time.Hour

func deviceKey(userID, device string) []byte {
	h := sha256.Sum256([]byte("device\x00" + userID + "\x00" + device))
	return h[:]
}

// NoteSignIn records the device of a new session and alerts the person
// if it is new to the account. device is the device cookie's value (""
// if none); what names the device for the person (its browser).
func (c *Service) NoteSignIn(ctx context.Context, p *kurz.Profile, sessionHash []byte, device, what, lang string) error {
	if device == "" {
		return nil
	}
	key, seen := deviceKey(p.ID, device), deviceKey(p.ID, "\x00any")
	if _, err := c.Store.AccountToken(ctx, key, purposeDevice); err == nil {
		return nil
	} else if !errors.Is(err, kurz.ErrNotFound) {
		return err
	}
	acct, err := c.Store.AccountByID(ctx, p.ID)
	if err != nil {
		return err
	}
	dk, err := c.DataKey(ctx, p.ID)
	if err != nil {
		return err
	}
	email, err := dk.Open("email", acct.EmailSealed)
	if err != nil {
		return err
	}
	now := c.Now().UTC().Truncate(time.Millisecond)
	return c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		if err := q.PutAccountToken(ctx, &kurz.AccountToken{TokenHash: key, UserID: p.ID, Purpose: purposeDevice, CreatedAt: now, ExpiresAt: now.Add(deviceTTL)}); err != nil {
			return err
		}
		if _, err := q.AccountToken(ctx, seen, purposeDevice); errors.Is(err, kurz.ErrNotFound) {
			// The account's first device.
			return q.PutAccountToken(ctx, &kurz.AccountToken{TokenHash: seen, UserID: p.ID, Purpose: purposeDevice, CreatedAt: now,
				ExpiresAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)})
		} else if err != nil {
			return err
		}
		token, err := c.Email.newLinkToken(ctx, q, p.ID, purposeEndSession, SessionTTL, dk.Seal("end_session", sessionHash))
		if err != nil {
			return err
		}
		link := c.MailLink("/account/end-session?token=" + url.QueryEscape(token))
		when := now.Format("2006-01-02 15:04 UTC")
		if err := c.Inbox.Notify(ctx, q, p.ID, "signin_alert", map[string]string{"device": what, "time": when, "end_session": link}); err != nil {
			return err
		}
		return c.QueueMail(ctx, tx, q, p.ID, &mail.Message{To: string(email), Lang: Lang(lang), Kind: mail.KindSignInAlert, Link: link,
			Unsubscribe: c.MailLink("/settings"), Data: map[string]string{"handle": p.Handle, "device": what, "time": when}})
	})
}

// EndSession ends the session an alert's link names.
func (c *Service) EndSession(ctx context.Context, token string) error {
	var userID string
	var hash []byte
	err := c.Email.txLink(ctx, token, purposeEndSession, func(_ *sql.Tx, q kurz.Queries, t *kurz.AccountToken) error {
		dk, err := c.DataKey(ctx, t.UserID)
		if err != nil {
			return err
		}
		if hash, err = dk.Open("end_session", t.DataSealed); err != nil {
			return errLink
		}
		userID = t.UserID
		return q.DeleteSession(ctx, hash)
	})
	if err == nil {
		c.Sessions.Forget(hash)
		c.Log.Info("session ended from a sign-in alert", "user_id", userID)
	}
	return err
}
