package sqlstore

import (
	"context"
	"time"

	"kurz"
)

// trustQueries are what signing in safely keeps: password resets and
// hashes, email confirmation, TOTP, single-use account tokens, the
// outgoing mail queue, passkeys and sessions' second factors.
type trustQueries struct{ base }

// msOrZero is ms, with the zero time as 0.
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

func (q trustQueries) SetEmailVerified(ctx context.Context, userID string, at time.Time) error {
	return q.execOne(ctx, `UPDATE accounts SET email_verified_at = $2 WHERE user_id = $1`, userID, msOrZero(at))
}

func (q trustQueries) SetEmail(ctx context.Context, userID string, index, sealed []byte, verifiedAt time.Time) error {
	return q.execOne(ctx, `UPDATE accounts SET email_index = $2, email_sealed = $3, email_verified_at = $4 WHERE user_id = $1`,
		userID, index, sealed, msOrZero(verifiedAt))
}

func (q trustQueries) SetTOTP(ctx context.Context, userID string, sealed []byte) error {
	return q.execOne(ctx, `UPDATE accounts SET totp_sealed = $2, totp_step = 0 WHERE user_id = $1`, userID, sealed)
}

func (q trustQueries) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := q.w.ExecContext(ctx, `UPDATE accounts SET totp_step = $2 WHERE user_id = $1 AND totp_step < $2`, userID, step)
	if err != nil {
		return false, q.wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, q.wrap(err)
}

const tokenCols = `token_hash, user_id, purpose, data_sealed, created_at, expires_at`

func scanToken(r scanner) (*kurz.AccountToken, error) {
	var t kurz.AccountToken
	var created, expires int64
	if err := r.Scan(&t.TokenHash, &t.UserID, &t.Purpose, &t.DataSealed, &created, &expires); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = fromMS(created), fromMS(expires)
	return &t, nil
}

func (q trustQueries) PutAccountToken(ctx context.Context, t *kurz.AccountToken) error {
	return q.exec(ctx, `INSERT INTO account_tokens (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.TokenHash, t.UserID, t.Purpose, t.DataSealed, ms(t.CreatedAt), ms(t.ExpiresAt))
}

func (q trustQueries) TakeAccountToken(ctx context.Context, tokenHash []byte, purpose string) (*kurz.AccountToken, error) {
	t, err := scanToken(q.w.QueryRowContext(ctx, `DELETE FROM account_tokens WHERE token_hash = $1 AND purpose = $2 RETURNING `+tokenCols, tokenHash, purpose))
	return t, q.wrap(err)
}

func (q trustQueries) AccountToken(ctx context.Context, tokenHash []byte, purpose string) (*kurz.AccountToken, error) {
	t, err := scanToken(q.r.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM account_tokens WHERE token_hash = $1 AND purpose = $2`, tokenHash, purpose))
	return t, q.wrap(err)
}

func (q trustQueries) DeleteAccountTokens(ctx context.Context, userID, purpose string) error {
	return q.exec(ctx, `DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2`, userID, purpose)
}

func (q trustQueries) PutMail(ctx context.Context, m *kurz.OutMail) error {
	return q.exec(ctx, `INSERT INTO mail_queue (id, user_id, sealed, created_at) VALUES ($1, $2, $3, $4)`, m.ID, m.UserID, m.Sealed, ms(m.CreatedAt))
}

func (q trustQueries) MailByID(ctx context.Context, id string) (*kurz.OutMail, error) {
	m := kurz.OutMail{ID: id}
	var created int64
	err := q.r.QueryRowContext(ctx, `SELECT user_id, sealed, created_at FROM mail_queue WHERE id = $1`, id).Scan(&m.UserID, &m.Sealed, &created)
	if err != nil {
		return nil, q.wrap(err)
	}
	m.CreatedAt = fromMS(created)
	return &m, nil
}

func (q trustQueries) DeleteMail(ctx context.Context, id string) error {
	return q.exec(ctx, `DELETE FROM mail_queue WHERE id = $1`, id)
}

func (q trustQueries) PutPasskey(ctx context.Context, k *kurz.Passkey) error {
	return q.exec(ctx, `INSERT INTO passkeys (credential_id, user_id, sealed, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (credential_id) DO UPDATE SET sealed = excluded.sealed WHERE passkeys.user_id = excluded.user_id`,
		k.CredentialID, k.UserID, k.Sealed, ms(k.CreatedAt))
}

func (q trustQueries) PasskeysOf(ctx context.Context, userID string) ([]*kurz.Passkey, error) {
	return list(ctx, q.base, func(r scanner) (*kurz.Passkey, error) {
		var k kurz.Passkey
		var created int64
		err := r.Scan(&k.CredentialID, &k.UserID, &k.Sealed, &created)
		k.CreatedAt = fromMS(created)
		return &k, err
	}, `SELECT credential_id, user_id, sealed, created_at FROM passkeys WHERE user_id = $1 ORDER BY created_at`, userID)
}

func (q trustQueries) MarkSecondFactor(ctx context.Context, tokenHash []byte) error {
	return q.execOne(ctx, `UPDATE sessions SET second_factor = 1 WHERE token_hash = $1`, tokenHash)
}

func (q trustQueries) PutPasswordReset(ctx context.Context, r *kurz.PasswordReset) error {
	return q.exec(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		r.TokenHash, r.UserID, ms(r.CreatedAt), ms(r.ExpiresAt))
}

func (q trustQueries) TakePasswordReset(ctx context.Context, tokenHash []byte) (*kurz.PasswordReset, error) {
	r := kurz.PasswordReset{TokenHash: tokenHash}
	var created, expires int64
	err := q.w.QueryRowContext(ctx, `DELETE FROM password_resets WHERE token_hash = $1 RETURNING user_id, created_at, expires_at`, tokenHash).
		Scan(&r.UserID, &created, &expires)
	if err != nil {
		return nil, q.wrap(err)
	}
	r.CreatedAt, r.ExpiresAt = fromMS(created), fromMS(expires)
	return &r, nil
}

func (q trustQueries) SetPasswordHash(ctx context.Context, userID, hash string) error {
	return q.execOne(ctx, `UPDATE accounts SET password_hash = $2 WHERE user_id = $1`, userID, hash)
}
