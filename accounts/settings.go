package accounts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"kurz"
	"kurz/auth"
)

// Settings of an account: the list of its sessions (device, sign-in,
// last use), ending one or all, changing the password (which ends every
// other session), and the privacy switches kept on the account.

// SessionInfo is one session as its owner sees it in settings. ID names
// it for ending it; it is derived from the token's hash and useless for
// anything else.
type SessionInfo struct {
	ID        string    `json:"id"`
	Device    string    `json:"device"`
	CreatedAt time.Time `json:"created_at"`
	UsedAt    time.Time `json:"used_at"`
	Current   bool      `json:"current"`
}

// sessionID is the ID settings show for a session.
func sessionID(tokenHash []byte) string {
	h := sha256.Sum256(append([]byte("session-id\x00"), tokenHash...))
	return hex.EncodeToString(h[:12])
}

// touchEvery is how often a session's last use is written.
const touchEvery = time.Minute

// touch records a session's use, at most once per touchEvery.
func (c *Service) touch(ctx context.Context, s *kurz.Session, now time.Time) {
	if now.Sub(s.UsedAt) < touchEvery {
		return
	}
	if err := c.Store.TouchSession(ctx, s.TokenHash, now.UTC().Truncate(time.Minute)); err != nil {
		c.Log.Warn("session last use", "err", err)
	}
}

// ListSessions lists the person's sessions, the current one (token) first,
// then by last use.
func (c *Service) ListSessions(ctx context.Context, p *kurz.Profile, token string) ([]SessionInfo, error) {
	list, err := c.Store.SessionsOf(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	dk, err := c.DataKey(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	cur, now := auth.HashToken(token), c.Now()
	out := []SessionInfo{}
	for _, s := range list {
		if now.After(s.ExpiresAt) {
			continue
		}
		info := SessionInfo{ID: sessionID(s.TokenHash), CreatedAt: s.CreatedAt, UsedAt: s.UsedAt, Current: string(s.TokenHash) == string(cur)}
		if info.UsedAt.IsZero() {
			info.UsedAt = s.CreatedAt
		}
		if d, err := dk.Open("session_device", s.DeviceSealed); err == nil && len(d) > 0 {
			info.Device = string(d)
		}
		out = append(out, info)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Current != out[j].Current {
			return out[i].Current
		}
		return out[i].UsedAt.After(out[j].UsedAt)
	})
	return out, nil
}

// EndSessionByID ends one of the person's sessions, named by its ID in
// ListSessions. Another person's session, or an unknown one, is not found.
func (c *Service) EndSessionByID(ctx context.Context, p *kurz.Profile, id string) error {
	list, err := c.Store.SessionsOf(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, s := range list {
		if sessionID(s.TokenHash) == id {
			c.Sessions.Forget(s.TokenHash)
			err := c.Store.DeleteSession(ctx, s.TokenHash)
			c.Sessions.Forget(s.TokenHash) // again: a request may have cached it meanwhile
			return err
		}
	}
	return kurz.ErrNotFound
}

// EndAllSessions signs the person out everywhere, this session included.
func (c *Service) EndAllSessions(ctx context.Context, p *kurz.Profile) error {
	c.Sessions.ForgetPerson(p.ID)
	err := c.Store.DeleteSessionsOf(ctx, p.ID)
	c.Sessions.ForgetPerson(p.ID)
	return err
}

// ChangePassword replaces the person's password after checking the
// current one, and ends every session but the one it is changed from
// (token). Callers run it under the password-check throttles.
func (c *Service) ChangePassword(ctx context.Context, p *kurz.Profile, token, current, next string) error {
	if current == "" {
		return kurz.FieldError("current_password", "enter your current password")
	}
	if len(current) > auth.MaxPasswordLen {
		current = current[:auth.MaxPasswordLen+1]
	}
	if err := auth.CheckPassword(next); err != nil {
		e := kurz.AsError(err)
		return kurz.FieldError("new_password", "%s", e.Message)
	}
	acct, err := c.Store.AccountByID(ctx, p.ID)
	if err != nil {
		return err
	}
	if !auth.VerifyPassword(acct.PasswordHash, current) {
		return &kurz.Error{Code: kurz.EUnauthorized, Field: "current_password", Message: "the current password is wrong"}
	}
	hash := auth.HashPassword(next)
	keep := auth.HashToken(token)
	err = c.Tx(ctx, func(q kurz.Queries) error {
		if err := q.SetPasswordHash(ctx, p.ID, hash); err != nil {
			return err
		}
		return q.DeleteSessionsExcept(ctx, p.ID, keep)
	})
	c.Sessions.ForgetPerson(p.ID)
	if err == nil {
		c.Log.Info("password changed; other sessions ended", "user_id", p.ID)
	}
	return err
}

// Privacy are the privacy switches kept on the account.
type Privacy struct {
	ShowLikes    bool
	CommentsFrom string
}

// PrivacySettings returns the person's switches.
func (c *Service) PrivacySettings(ctx context.Context, p *kurz.Profile) (Privacy, error) {
	a, err := c.Store.AccountByID(ctx, p.ID)
	if err != nil {
		return Privacy{}, err
	}
	return Privacy{ShowLikes: a.ShowLikes, CommentsFrom: a.CommentsFrom}, nil
}

// SetPrivacySettings changes what is not nil.
func (c *Service) SetPrivacySettings(ctx context.Context, p *kurz.Profile, showLikes *bool, commentsFrom *string) error {
	if commentsFrom != nil {
		switch *commentsFrom {
		case kurz.CommentsEveryone, kurz.CommentsFollowers, kurz.CommentsNobody:
		default:
			return kurz.FieldError("comments_from", "who may comment is one of: everyone, followers, nobody")
		}
	}
	return c.Tx(ctx, func(q kurz.Queries) error {
		a, err := q.AccountByID(ctx, p.ID)
		if err != nil {
			return err
		}
		if showLikes != nil {
			a.ShowLikes = *showLikes
		}
		if commentsFrom != nil {
			a.CommentsFrom = *commentsFrom
		}
		return q.SetPrivacySettings(ctx, p.ID, a.ShowLikes, a.CommentsFrom)
	})
}

// DeviceName describes a browser by its User-Agent for the list of
// sessions ("Firefox on Android"); only this description is kept.
func DeviceName(ua string) string {
	browser := "a browser"
	for _, b := range [][2]string{{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}} {
		if strings.Contains(ua, b[0]) {
			browser = b[1]
			break
		}
	}
	if strings.Contains(ua, "HeadlessChrome") {
		browser = "Chrome"
	}
	for _, o := range [][2]string{{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, o[0]) {
			return browser + " on " + o[1]
		}
	}
	if ua == "" || browser == "a browser" {
		return "an app or unknown browser"
	}
	return browser
}
