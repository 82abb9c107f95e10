package sqlstore

import (
	"context"
	"time"

	"kurz"
)

const profileCols = `id, handle, display_name, bio, private, created_at, followers, following`

func scanProfile(row scanner) (*kurz.Profile, error) {
	var p kurz.Profile
	var private, created int64
	if err := row.Scan(&p.ID, &p.Handle, &p.DisplayName, &p.Bio, &private, &created, &p.Followers, &p.Following); err != nil {
		return nil, err
	}
	p.Private, p.CreatedAt = private != 0, fromMS(created)
	return &p, nil
}

func (q queries) CreateProfile(ctx context.Context, p *kurz.Profile) error {
	return q.exec(ctx, `INSERT INTO profiles (`+profileCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		p.ID, p.Handle, p.DisplayName, p.Bio, b2i(p.Private), ms(p.CreatedAt), p.Followers, p.Following)
}

func (q queries) ProfileByID(ctx context.Context, id string) (*kurz.Profile, error) {
	p, err := scanProfile(q.r.QueryRowContext(ctx, `SELECT `+profileCols+` FROM profiles WHERE id = $1`, id))
	return p, q.wrap(err)
}

func (q queries) Profiles(ctx context.Context, afterID string, limit int) ([]*kurz.Profile, error) {
	return list(ctx, q, scanProfile, `SELECT `+profileCols+` FROM profiles WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
}

func (q queries) ProfileByHandle(ctx context.Context, handle string) (*kurz.Profile, error) {
	p, err := scanProfile(q.r.QueryRowContext(ctx, `SELECT `+profileCols+` FROM profiles WHERE handle = $1`, handle))
	return p, q.wrap(err)
}

const accountCols = `user_id, email_index, email_sealed, birth_date_sealed, country_sealed, password_hash, minor, created_at, suspended_until`

func scanAccount(row scanner) (*kurz.Account, error) {
	var a kurz.Account
	var minor, created, suspended int64
	if err := row.Scan(&a.UserID, &a.EmailIndex, &a.EmailSealed, &a.BirthDateSealed, &a.CountrySealed,
		&a.PasswordHash, &minor, &created, &suspended); err != nil {
		return nil, err
	}
	a.Minor, a.CreatedAt = minor != 0, fromMS(created)
	if suspended > 0 {
		a.SuspendedUntil = fromMS(suspended)
	}
	return &a, nil
}

func (q queries) CreateAccount(ctx context.Context, a *kurz.Account) error {
	return q.exec(ctx, `INSERT INTO accounts (`+accountCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)`,
		a.UserID, a.EmailIndex, a.EmailSealed, a.BirthDateSealed, a.CountrySealed, a.PasswordHash,
		b2i(a.Minor), ms(a.CreatedAt))
}

func (q queries) SuspendAccount(ctx context.Context, userID string, until time.Time) error {
	var at int64
	if !until.IsZero() {
		at = ms(until)
	}
	return q.execOne(ctx, `UPDATE accounts SET suspended_until = $2 WHERE user_id = $1`, userID, at)
}

func (q queries) AccountByID(ctx context.Context, userID string) (*kurz.Account, error) {
	a, err := scanAccount(q.r.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE user_id = $1`, userID))
	return a, q.wrap(err)
}

func (q queries) AccountByEmailIndex(ctx context.Context, index []byte) (*kurz.Account, error) {
	a, err := scanAccount(q.r.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE email_index = $1`, index))
	return a, q.wrap(err)
}

func (q queries) PutPersonKey(ctx context.Context, userID string, wrapped []byte) error {
	return q.exec(ctx, `INSERT INTO person_keys (user_id, wrapped_key, created_at) VALUES ($1, $2, $3)`,
		userID, wrapped, ms(time.Now()))
}

func (q queries) PersonKey(ctx context.Context, userID string) ([]byte, error) {
	var k []byte
	err := q.r.QueryRowContext(ctx, `SELECT wrapped_key FROM person_keys WHERE user_id = $1`, userID).Scan(&k)
	return k, q.wrap(err)
}

func (q queries) DeletePersonKey(ctx context.Context, userID string) error {
	return q.exec(ctx, `DELETE FROM person_keys WHERE user_id = $1`, userID)
}

func (q queries) CreateSession(ctx context.Context, s *kurz.Session) error {
	return q.exec(ctx, `INSERT INTO sessions (token_hash, user_id, ip_sealed, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		s.TokenHash, s.UserID, s.IPSealed, ms(s.CreatedAt), ms(s.ExpiresAt))
}

const sessionCols = `token_hash, user_id, ip_sealed, created_at, expires_at`

func scanSession(r scanner) (*kurz.Session, error) {
	var s kurz.Session
	var created, expires int64
	err := r.Scan(&s.TokenHash, &s.UserID, &s.IPSealed, &created, &expires)
	s.CreatedAt, s.ExpiresAt = fromMS(created), fromMS(expires)
	return &s, err
}

func (q queries) SessionByTokenHash(ctx context.Context, hash []byte) (*kurz.Session, error) {
	s, err := scanSession(q.r.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE token_hash = $1`, hash))
	if err != nil {
		return nil, q.wrap(err)
	}
	return s, nil
}

func (q queries) DeleteSession(ctx context.Context, hash []byte) error {
	return q.exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
}

func (q queries) ClaimHandle(ctx context.Context, c *kurz.HandleClaim) error {
	if err := q.exec(ctx, `INSERT INTO handle_claims (handle, user_id, claimed_at) VALUES ($1, $2, $3) ON CONFLICT (handle) DO NOTHING`,
		c.Handle, c.UserID, ms(c.ClaimedAt)); err != nil {
		return err
	}
	cur, err := q.HandleClaimOf(ctx, c.Handle)
	if err != nil {
		return err
	}
	if cur.UserID != c.UserID {
		return kurz.Errorf(kurz.EConflict, "this handle is taken")
	}
	return nil
}

func (q queries) HandleClaimOf(ctx context.Context, handle string) (*kurz.HandleClaim, error) {
	var c kurz.HandleClaim
	var at int64
	err := q.r.QueryRowContext(ctx, `SELECT handle, user_id, claimed_at FROM handle_claims WHERE handle = $1`, handle).Scan(&c.Handle, &c.UserID, &at)
	if err != nil {
		return nil, q.wrap(err)
	}
	c.ClaimedAt = fromMS(at)
	return &c, nil
}

func (q queries) ReleaseHandle(ctx context.Context, handle, userID string) error {
	return q.exec(ctx, `DELETE FROM handle_claims WHERE handle = $1 AND user_id = $2`, handle, userID)
}
