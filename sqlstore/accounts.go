package sqlstore

import (
	"context"
	"time"

	"kurz"
)

// accountQueries are the rows of people: profiles, accounts, person keys,
// sessions, and handle and email claims.
type accountQueries struct{ base }

const profileCols = `id, handle, display_name, bio, private, created_at, followers, following, avatar`

func scanProfile(row scanner) (*kurz.Profile, error) {
	var p kurz.Profile
	var private, created int64
	if err := row.Scan(&p.ID, &p.Handle, &p.DisplayName, &p.Bio, &private, &created, &p.Followers, &p.Following, &p.Avatar); err != nil {
		return nil, err
	}
	p.Private, p.CreatedAt = private != 0, fromMS(created)
	return &p, nil
}

func (q accountQueries) CreateProfile(ctx context.Context, p *kurz.Profile) error {
	return q.exec(ctx, `INSERT INTO profiles (`+profileCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		p.ID, p.Handle, p.DisplayName, p.Bio, b2i(p.Private), ms(p.CreatedAt), p.Followers, p.Following, p.Avatar)
}

func (q accountQueries) ProfileByID(ctx context.Context, id string) (*kurz.Profile, error) {
	p, err := scanProfile(q.r.QueryRowContext(ctx, `SELECT `+profileCols+` FROM profiles WHERE id = $1`, id))
	return p, q.wrap(err)
}

func (q accountQueries) Profiles(ctx context.Context, afterID string, limit int) ([]*kurz.Profile, error) {
	return list(ctx, q.base, scanProfile, `SELECT `+profileCols+` FROM profiles WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
}

func (q accountQueries) ProfileByHandle(ctx context.Context, handle string) (*kurz.Profile, error) {
	p, err := scanProfile(q.r.QueryRowContext(ctx, `SELECT `+profileCols+` FROM profiles WHERE handle = $1`, handle))
	return p, q.wrap(err)
}

const accountCols = `user_id, email_index, email_sealed, birth_date_sealed, country_sealed, password_hash, minor, created_at, suspended_until, feed_opt_out, email_verified_at, totp_sealed, totp_step, show_likes, comments_from`

func scanAccount(row scanner) (*kurz.Account, error) {
	var a kurz.Account
	var minor, created, suspended, optOut, verified, showLikes int64
	if err := row.Scan(&a.UserID, &a.EmailIndex, &a.EmailSealed, &a.BirthDateSealed, &a.CountrySealed,
		&a.PasswordHash, &minor, &created, &suspended, &optOut, &verified, &a.TOTPSealed, &a.TOTPStep, &showLikes, &a.CommentsFrom); err != nil {
		return nil, err
	}
	if verified > 0 {
		a.EmailVerifiedAt = fromMS(verified)
	}
	a.Minor, a.CreatedAt, a.FeedOptOut, a.ShowLikes = minor != 0, fromMS(created), optOut != 0, showLikes != 0
	if suspended > 0 {
		a.SuspendedUntil = fromMS(suspended)
	}
	return &a, nil
}

func (q accountQueries) CreateAccount(ctx context.Context, a *kurz.Account) error {
	return q.exec(ctx, `INSERT INTO accounts (`+accountCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, 0, $12, $13)`,
		a.UserID, a.EmailIndex, a.EmailSealed, a.BirthDateSealed, a.CountrySealed, a.PasswordHash,
		b2i(a.Minor), ms(a.CreatedAt), b2i(a.FeedOptOut), msOrZero(a.EmailVerifiedAt), a.TOTPSealed, b2i(a.ShowLikes), commentsFrom(a.CommentsFrom))
}

func commentsFrom(s string) string {
	if s == "" {
		return kurz.CommentsEveryone
	}
	return s
}

func (q accountQueries) SetPrivacySettings(ctx context.Context, userID string, showLikes bool, from string) error {
	return q.execOne(ctx, `UPDATE accounts SET show_likes = $2, comments_from = $3 WHERE user_id = $1`, userID, b2i(showLikes), commentsFrom(from))
}

func (q accountQueries) SetFeedOptOut(ctx context.Context, userID string, optOut bool) error {
	return q.execOne(ctx, `UPDATE accounts SET feed_opt_out = $2 WHERE user_id = $1`, userID, b2i(optOut))
}

func (q accountQueries) SuspendAccount(ctx context.Context, userID string, until time.Time) error {
	var at int64
	if !until.IsZero() {
		at = ms(until)
	}
	return q.execOne(ctx, `UPDATE accounts SET suspended_until = $2 WHERE user_id = $1`, userID, at)
}

func (q accountQueries) AccountByID(ctx context.Context, userID string) (*kurz.Account, error) {
	a, err := scanAccount(q.r.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE user_id = $1`, userID))
	return a, q.wrap(err)
}

func (q accountQueries) AccountByEmailIndex(ctx context.Context, index []byte) (*kurz.Account, error) {
	a, err := scanAccount(q.r.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE email_index = $1`, index))
	return a, q.wrap(err)
}

func (q accountQueries) PutPersonKey(ctx context.Context, userID string, wrapped []byte) error {
	return q.exec(ctx, `INSERT INTO person_keys (user_id, wrapped_key, created_at) VALUES ($1, $2, $3)`,
		userID, wrapped, ms(time.Now()))
}

func (q accountQueries) PersonKey(ctx context.Context, userID string) ([]byte, error) {
	var k []byte
	err := q.r.QueryRowContext(ctx, `SELECT wrapped_key FROM person_keys WHERE user_id = $1`, userID).Scan(&k)
	return k, q.wrap(err)
}

func (q accountQueries) DeletePersonKey(ctx context.Context, userID string) error {
	return q.exec(ctx, `DELETE FROM person_keys WHERE user_id = $1`, userID)
}

func (q accountQueries) CreateSession(ctx context.Context, s *kurz.Session) error {
	return q.exec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.TokenHash, s.UserID, s.IPSealed, ms(s.CreatedAt), ms(s.ExpiresAt), b2i(s.SecondFactor), s.DeviceSealed, msOrZero(s.UsedAt))
}

const sessionCols = `token_hash, user_id, ip_sealed, created_at, expires_at, second_factor, device_sealed, used_at`

func scanSession(r scanner) (*kurz.Session, error) {
	var s kurz.Session
	var created, expires, second, used int64
	err := r.Scan(&s.TokenHash, &s.UserID, &s.IPSealed, &created, &expires, &second, &s.DeviceSealed, &used)
	s.CreatedAt, s.ExpiresAt, s.SecondFactor = fromMS(created), fromMS(expires), second != 0
	if used > 0 {
		s.UsedAt = fromMS(used)
	}
	return &s, err
}

func (q accountQueries) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	return q.exec(ctx, `UPDATE sessions SET used_at = $2 WHERE token_hash = $1`, hash, ms(at))
}

func (q accountQueries) DeleteSessionsExcept(ctx context.Context, userID string, keep []byte) error {
	return q.exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, keep)
}

func (q accountQueries) SessionByTokenHash(ctx context.Context, hash []byte) (*kurz.Session, error) {
	s, err := scanSession(q.r.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE token_hash = $1`, hash))
	if err != nil {
		return nil, q.wrap(err)
	}
	return s, nil
}

func (q accountQueries) DeleteSession(ctx context.Context, hash []byte) error {
	return q.exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
}

func (q accountQueries) ClaimHandle(ctx context.Context, c *kurz.HandleClaim) error {
	// One statement decides between concurrent claims of a handle or of
	// look-alikes (one key): the first insert wins, the others do nothing
	// (PostgreSQL waits for the winner's commit) and find its row below.
	if err := q.exec(ctx, `INSERT INTO handle_claims (handle, handle_key, user_id, claimed_at) VALUES ($1, NULLIF($2, ''), $3, $4) ON CONFLICT DO NOTHING`,
		c.Handle, c.Key, c.UserID, ms(c.ClaimedAt)); err != nil {
		return err
	}
	rows, err := q.r.QueryContext(ctx, `SELECT handle, user_id FROM handle_claims WHERE handle = $1 OR handle_key = NULLIF($2, '')`, c.Handle, c.Key)
	if err != nil {
		return q.wrap(err)
	}
	defer rows.Close()
	held := false
	for rows.Next() {
		var h, u string
		if err := rows.Scan(&h, &u); err != nil {
			return q.wrap(err)
		}
		if h != c.Handle || u != c.UserID {
			return kurz.Errorf(kurz.EConflict, "this handle is taken")
		}
		held = true
	}
	if err := rows.Err(); err != nil {
		return q.wrap(err)
	}
	if !held {
		// Released between the insert and the read: claim again.
		return kurz.Errorf(kurz.EConflict, "this handle is taken")
	}
	return nil
}

const handleClaimCols = `handle, COALESCE(handle_key, ''), user_id, claimed_at`

func scanHandleClaim(r scanner) (*kurz.HandleClaim, error) {
	var c kurz.HandleClaim
	var at int64
	if err := r.Scan(&c.Handle, &c.Key, &c.UserID, &at); err != nil {
		return nil, err
	}
	c.ClaimedAt = fromMS(at)
	return &c, nil
}

func (q accountQueries) HandleClaimOf(ctx context.Context, handle string) (*kurz.HandleClaim, error) {
	c, err := scanHandleClaim(q.r.QueryRowContext(ctx, `SELECT `+handleClaimCols+` FROM handle_claims WHERE handle = $1`, handle))
	return c, q.wrap(err)
}

func (q accountQueries) HandleClaimsWithoutKey(ctx context.Context, after string, limit int) ([]*kurz.HandleClaim, error) {
	return list(ctx, q.base, scanHandleClaim, `SELECT `+handleClaimCols+` FROM handle_claims WHERE handle_key IS NULL AND handle > $1 ORDER BY handle LIMIT $2`, after, limit)
}

func (q accountQueries) SetHandleKey(ctx context.Context, handle, key string) error {
	return q.execOne(ctx, `UPDATE handle_claims SET handle_key = $2 WHERE handle = $1`, handle, key)
}

func (q accountQueries) ReleaseHandle(ctx context.Context, handle, userID string) error {
	return q.exec(ctx, `DELETE FROM handle_claims WHERE handle = $1 AND user_id = $2`, handle, userID)
}

func (q accountQueries) ClaimEmail(ctx context.Context, key []byte, userID string, at time.Time) error {
	// One statement decides: of concurrent claims, the first insert wins and
	// the others find its row (PostgreSQL waits for the winner's commit).
	if err := q.exec(ctx, `INSERT INTO email_claims (email_key, user_id, claimed_at) VALUES ($1, $2, $3) ON CONFLICT (email_key) DO NOTHING`,
		key, userID, ms(at)); err != nil {
		return err
	}
	holder, err := q.EmailClaimOf(ctx, key)
	if err != nil {
		return err
	}
	if holder != userID {
		return kurz.Errorf(kurz.EConflict, "this email is taken")
	}
	return nil
}

func (q accountQueries) EmailClaimOf(ctx context.Context, key []byte) (string, error) {
	var userID string
	err := q.r.QueryRowContext(ctx, `SELECT user_id FROM email_claims WHERE email_key = $1`, key).Scan(&userID)
	return userID, q.wrap(err)
}

func (q accountQueries) ReleaseEmails(ctx context.Context, userID string) error {
	return q.exec(ctx, `DELETE FROM email_claims WHERE user_id = $1`, userID)
}

func (q accountQueries) UpdateProfile(ctx context.Context, p *kurz.Profile) error {
	return q.execOne(ctx, `UPDATE profiles SET display_name = $2, bio = $3, private = $4, avatar = $5 WHERE id = $1`,
		p.ID, p.DisplayName, p.Bio, b2i(p.Private), p.Avatar)
}
