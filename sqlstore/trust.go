package sqlstore

import (
	"context"
	"time"

	"kurz"
)

// msOrZero is ms, with the zero time as 0.
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

func (q queries) SetEmailVerified(ctx context.Context, userID string, at time.Time) error {
	return q.execOne(ctx, `UPDATE accounts SET email_verified_at = $2 WHERE user_id = $1`, userID, msOrZero(at))
}

func (q queries) SetEmail(ctx context.Context, userID string, index, sealed []byte, verifiedAt time.Time) error {
	return q.execOne(ctx, `UPDATE accounts SET email_index = $2, email_sealed = $3, email_verified_at = $4 WHERE user_id = $1`,
		userID, index, sealed, msOrZero(verifiedAt))
}

func (q queries) SetTOTP(ctx context.Context, userID string, sealed []byte) error {
	return q.execOne(ctx, `UPDATE accounts SET totp_sealed = $2, totp_step = 0 WHERE user_id = $1`, userID, sealed)
}

func (q queries) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
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

func (q queries) PutAccountToken(ctx context.Context, t *kurz.AccountToken) error {
	return q.exec(ctx, `INSERT INTO account_tokens (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.TokenHash, t.UserID, t.Purpose, t.DataSealed, ms(t.CreatedAt), ms(t.ExpiresAt))
}

func (q queries) TakeAccountToken(ctx context.Context, tokenHash []byte, purpose string) (*kurz.AccountToken, error) {
	t, err := scanToken(q.w.QueryRowContext(ctx, `DELETE FROM account_tokens WHERE token_hash = $1 AND purpose = $2 RETURNING `+tokenCols, tokenHash, purpose))
	return t, q.wrap(err)
}

func (q queries) AccountToken(ctx context.Context, tokenHash []byte, purpose string) (*kurz.AccountToken, error) {
	t, err := scanToken(q.r.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM account_tokens WHERE token_hash = $1 AND purpose = $2`, tokenHash, purpose))
	return t, q.wrap(err)
}

func (q queries) DeleteAccountTokens(ctx context.Context, userID, purpose string) error {
	return q.exec(ctx, `DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2`, userID, purpose)
}

func (q queries) PutMail(ctx context.Context, m *kurz.OutMail) error {
	return q.exec(ctx, `INSERT INTO mail_queue (id, user_id, sealed, created_at) VALUES ($1, $2, $3, $4)`, m.ID, m.UserID, m.Sealed, ms(m.CreatedAt))
}

func (q queries) MailByID(ctx context.Context, id string) (*kurz.OutMail, error) {
	m := kurz.OutMail{ID: id}
	var created int64
	err := q.r.QueryRowContext(ctx, `SELECT user_id, sealed, created_at FROM mail_queue WHERE id = $1`, id).Scan(&m.UserID, &m.Sealed, &created)
	if err != nil {
		return nil, q.wrap(err)
	}
	m.CreatedAt = fromMS(created)
	return &m, nil
}

func (q queries) DeleteMail(ctx context.Context, id string) error {
	return q.exec(ctx, `DELETE FROM mail_queue WHERE id = $1`, id)
}

func (q queries) PutPasskey(ctx context.Context, k *kurz.Passkey) error {
	return q.exec(ctx, `INSERT INTO passkeys (credential_id, user_id, sealed, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (credential_id) DO UPDATE SET sealed = excluded.sealed WHERE passkeys.user_id = excluded.user_id`,
		k.CredentialID, k.UserID, k.Sealed, ms(k.CreatedAt))
}

func (q queries) PasskeysOf(ctx context.Context, userID string) ([]*kurz.Passkey, error) {
	return list(ctx, q, func(r scanner) (*kurz.Passkey, error) {
		var k kurz.Passkey
		var created int64
		err := r.Scan(&k.CredentialID, &k.UserID, &k.Sealed, &created)
		k.CreatedAt = fromMS(created)
		return &k, err
	}, `SELECT credential_id, user_id, sealed, created_at FROM passkeys WHERE user_id = $1 ORDER BY created_at`, userID)
}

func (q queries) MarkSecondFactor(ctx context.Context, tokenHash []byte) error {
	return q.execOne(ctx, `UPDATE sessions SET second_factor = 1 WHERE token_hash = $1`, tokenHash)
}
