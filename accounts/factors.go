package accounts

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"kurz"
	"kurz/cell"
)

// Factors owns second factors: a TOTP authenticator, confirmed with a
// code before it counts, and ten one-time recovery codes (only their
// hashes are kept); and passkeys (passkeys.go). A person with TOTP signs
// in with password and code (Service.Login asks checkSecondFactor); a
// code's time step is accepted once (UseTOTPStep), so a code seen over a
// shoulder cannot be replayed within its window. A session opened this
// way (or with a passkey, or upgraded at enrolment) is marked as having a
// second factor: staff actions need one (cell.RequireStaff).
type Factors struct {
	*cell.Cell
	ceremonies ceremonies // passkey challenges in flight
}

// RecoveryCodes is how many recovery codes a person gets.
const RecoveryCodes = 10

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPEnrolment is what a person needs to add kurz to an authenticator.
type TOTPEnrolment struct {
	Secret string `json:"secret"`
	URL    string `json:"url"`
	// QR is the URL as a PNG QR code, as a data: URL.
	QR string `json:"qr"`
}

func pendingKey(userID string) []byte {
	h := sha256.Sum256([]byte("totp-pending\x00" + userID))
	return h[:]
}

// BeginTOTP makes a new TOTP secret for a signed-in person and keeps it,
// sealed, until ConfirmTOTP proves the authenticator has it.
func (c *Factors) BeginTOTP(ctx context.Context, p *kurz.Profile, issuer string) (*TOTPEnrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: "@" + p.Handle, Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, err
	}
	dk, err := c.DataKey(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	err = c.Store.Tx(ctx, func(q kurz.Queries) error {
		q.TakeAccountToken(ctx, pendingKey(p.ID), "totp_pending")
		now := c.Now().UTC()
		return q.PutAccountToken(ctx, &kurz.AccountToken{TokenHash: pendingKey(p.ID), UserID: p.ID, Purpose: "totp_pending",
			DataSealed: dk.Seal("totp", []byte(key.Secret())), CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute)})
	})
	if err != nil {
		return nil, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Secret: key.Secret(), URL: key.URL(), QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())}, nil
}

// ConfirmTOTP turns the pending secret on once a code from it checks out,
// replaces the recovery codes (returned once, here), and marks the session
// (by its token's hash) as having a second factor.
func (c *Factors) ConfirmTOTP(ctx context.Context, p *kurz.Profile, sessionHash []byte, code string) ([]string, error) {
	dk, err := c.DataKey(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	var codes []string
	err = c.Store.Tx(ctx, func(q kurz.Queries) error {
		t, err := q.AccountToken(ctx, pendingKey(p.ID), "totp_pending")
		if errors.Is(err, kurz.ErrNotFound) || (err == nil && !c.Now().Before(t.ExpiresAt)) {
			return kurz.Errorf(kurz.ENotFound, "start setting up two-factor sign-in again; the secret was not confirmed in time")
		} else if err != nil {
			return err
		}
		secret, err := dk.Open("totp", t.DataSealed)
		if err != nil {
			return err
		}
		step, ok := matchTOTP(string(secret), code, c.Now())
		if !ok {
			return kurz.FieldError("code", "this code does not match; check the authenticator's clock and try the next code")
		}
		if _, err := q.TakeAccountToken(ctx, pendingKey(p.ID), "totp_pending"); err != nil {
			return err
		}
		if err := q.SetTOTP(ctx, p.ID, dk.Seal("totp", secret)); err != nil {
			return err
		}
		if _, err := q.UseTOTPStep(ctx, p.ID, step); err != nil {
			return err
		}
		if codes, err = c.newRecoveryCodes(ctx, q, p.ID); err != nil {
			return err
		}
		if err := q.MarkSecondFactor(ctx, sessionHash); err != nil && !errors.Is(err, kurz.ErrNotFound) {
			return err
		}
		return c.Staff.Audit(ctx, q, p.ID, p.ID, "second_factor_on", "totp", "two-factor sign-in turned on")
	})
	if err == nil {
		c.Sessions.ForgetPerson(p.ID)
	}
	return codes, err
}

// newRecoveryCodes replaces a person's recovery codes.
func (c *Factors) newRecoveryCodes(ctx context.Context, q kurz.Queries, userID string) ([]string, error) {
	if err := q.DeleteAccountTokens(ctx, userID, purposeRecovery); err != nil {
		return nil, err
	}
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	codes := make([]string, RecoveryCodes)
	for i := range codes {
		var b [10]byte
		rand.Read(b[:])
		var s strings.Builder
		for j, x := range b {
			if j == 5 {
				s.WriteByte('-')
			}
			s.WriteByte(alphabet[int(x)%len(alphabet)])
		}
		codes[i] = s.String()
		err := q.PutAccountToken(ctx, &kurz.AccountToken{TokenHash: recoveryHash(userID, codes[i]), UserID: userID, Purpose: purposeRecovery,
			CreatedAt: c.Now().UTC(), ExpiresAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return nil, err
		}
	}
	return codes, nil
}

func recoveryHash(userID, code string) []byte {
	code = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))
	h := sha256.Sum256([]byte("recovery\x00" + userID + "\x00" + code))
	return h[:]
}

// matchTOTP finds the time step a code belongs to, within one step of now.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	for _, d := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(d) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err == nil && want == code {
			return t.Unix() / 30, true
		}
	}
	return 0, false
}

// errCodeNeeded asks for the second factor after a right password.
var errCodeNeeded = &kurz.Error{Code: kurz.EUnauthorized, Field: "code", Message: "enter the code from your authenticator app, or a recovery code"}

// checkSecondFactor checks a TOTP or recovery code of an account with
// TOTP on. A TOTP code's step is used up; a recovery code is used up.
func (c *Factors) checkSecondFactor(ctx context.Context, acct *kurz.Account, code string) error {
	if strings.TrimSpace(code) == "" {
		return errCodeNeeded
	}
	dk, err := c.DataKey(ctx, acct.UserID)
	if err != nil {
		return err
	}
	secret, err := dk.Open("totp", acct.TOTPSealed)
	if err != nil {
		return err
	}
	if step, ok := matchTOTP(string(secret), code, c.Now()); ok {
		fresh, err := c.Store.UseTOTPStep(ctx, acct.UserID, step)
		if err != nil {
			return err
		}
		if !fresh {
			return &kurz.Error{Code: kurz.EUnauthorized, Field: "code", Message: "this code was used already; wait for the next one"}
		}
		return nil
	}
	_, err = c.Store.TakeAccountToken(ctx, recoveryHash(acct.UserID, code), purposeRecovery)
	if errors.Is(err, kurz.ErrNotFound) {
		return &kurz.Error{Code: kurz.EUnauthorized, Field: "code", Message: "this code is not right"}
	}
	return err
}

// SecondFactorOn reports whether a person has TOTP turned on.
func (c *Factors) SecondFactorOn(ctx context.Context, userID string) (bool, error) {
	a, err := c.Store.AccountByID(ctx, userID)
	if err != nil {
		return false, err
	}
	return a.TOTPSealed != nil, nil
}
