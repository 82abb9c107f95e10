package storetest

import (
	"bytes"
	"testing"

	"kurz"
)

// Trust: email confirmation, second factors, single-use tokens, the mail
// queue and passkeys.
var trustTests = []test{
	{"EmailAndTOTP", testEmailAndTOTP},
	{"AccountTokens", testAccountTokens},
	{"MailQueue", testMailQueue},
	{"Passkeys", testPasskeys},
}

func trustAccount(t *testing.T, s kurz.Store, handle string) *kurz.Profile {
	p := mustProfile(t, s, handle)
	noErr(t, s.CreateAccount(ctx(), &kurz.Account{UserID: p.ID, EmailIndex: []byte(handle), EmailSealed: []byte{1}, BirthDateSealed: []byte{1},
		CountrySealed: []byte{1}, PasswordHash: "$h", CreatedAt: at(1)}))
	return p
}

// testEmailAndTOTP: confirmation and the email can be replaced; a TOTP
// step is accepted once and never an older one; a new secret starts over.
func testEmailAndTOTP(t *testing.T, s kurz.Store) {
	p := trustAccount(t, s, "verity")
	if a := must(s.AccountByID(ctx(), p.ID))(t); !a.EmailVerifiedAt.IsZero() || a.TOTPSealed != nil || a.TOTPStep != 0 {
		t.Fatalf("new account = %+v", a)
	}
	noErr(t, s.SetEmailVerified(ctx(), p.ID, at(7)))
	if a := must(s.AccountByID(ctx(), p.ID))(t); !a.EmailVerifiedAt.Equal(at(7)) {
		t.Fatalf("verified at %v", a.EmailVerifiedAt)
	}
	noErr(t, s.SetEmail(ctx(), p.ID, []byte("new"), []byte{2, 0}, at(9)))
	a := must(s.AccountByEmailIndex(ctx(), []byte("new")))(t)
	if a.UserID != p.ID || !bytes.Equal(a.EmailSealed, []byte{2, 0}) || !a.EmailVerifiedAt.Equal(at(9)) {
		t.Fatalf("after SetEmail: %+v", a)
	}
	wantNotFound(t, s.SetEmailVerified(ctx(), kurz.NewID("eu"), at(1)), "SetEmailVerified of nobody")

	noErr(t, s.SetTOTP(ctx(), p.ID, []byte{7, 0, 7}))
	if ok := must(s.UseTOTPStep(ctx(), p.ID, 100))(t); !ok {
		t.Fatal("first use of step 100 refused")
	}
	for _, step := range []int64{100, 99} {
		if ok := must(s.UseTOTPStep(ctx(), p.ID, step))(t); ok {
			t.Fatalf("step %d accepted after 100", step)
		}
	}
	if a := must(s.AccountByID(ctx(), p.ID))(t); !bytes.Equal(a.TOTPSealed, []byte{7, 0, 7}) || a.TOTPStep != 100 {
		t.Fatalf("totp = %v %d", a.TOTPSealed, a.TOTPStep)
	}
	noErr(t, s.SetTOTP(ctx(), p.ID, nil))
	if a := must(s.AccountByID(ctx(), p.ID))(t); a.TOTPSealed != nil || a.TOTPStep != 0 {
		t.Fatalf("totp after removal = %v %d", a.TOTPSealed, a.TOTPStep)
	}
}

// testAccountTokens: a token is taken once, only under its purpose; a
// person's tokens of a purpose can be dropped; tokens go with the person.
func testAccountTokens(t *testing.T, s kurz.Store) {
	p := trustAccount(t, s, "tokener")
	tok := &kurz.AccountToken{TokenHash: []byte{1, 0, 1}, UserID: p.ID, Purpose: "verify", DataSealed: []byte{3}, CreatedAt: at(1), ExpiresAt: at(10)}
	noErr(t, s.PutAccountToken(ctx(), tok))
	wantCode(t, s.PutAccountToken(ctx(), tok), kurz.EConflict)
	_, err := s.TakeAccountToken(ctx(), tok.TokenHash, "reset")
	wantNotFound(t, err, "a token under another purpose")
	got := must(s.AccountToken(ctx(), tok.TokenHash, "verify"))(t)
	if got.UserID != p.ID || !bytes.Equal(got.DataSealed, []byte{3}) || !got.ExpiresAt.Equal(at(10)) {
		t.Fatalf("AccountToken = %+v", got)
	}
	must(s.TakeAccountToken(ctx(), tok.TokenHash, "verify"))(t)
	_, err = s.TakeAccountToken(ctx(), tok.TokenHash, "verify")
	wantNotFound(t, err, "a token taken twice")

	for i := byte(0); i < 3; i++ {
		noErr(t, s.PutAccountToken(ctx(), &kurz.AccountToken{TokenHash: []byte{2, i}, UserID: p.ID, Purpose: "recovery", CreatedAt: at(1), ExpiresAt: at(10)}))
	}
	noErr(t, s.PutAccountToken(ctx(), &kurz.AccountToken{TokenHash: []byte{3}, UserID: p.ID, Purpose: "device", CreatedAt: at(1), ExpiresAt: at(10)}))
	noErr(t, s.DeleteAccountTokens(ctx(), p.ID, "recovery"))
	_, err = s.AccountToken(ctx(), []byte{2, 1}, "recovery")
	wantNotFound(t, err, "a dropped recovery code")
	must(s.AccountToken(ctx(), []byte{3}, "device"))(t)
	noErr(t, s.DeletePerson(ctx(), p.ID))
	_, err = s.AccountToken(ctx(), []byte{3}, "device")
	wantNotFound(t, err, "a token of an erased person")
}

// testMailQueue: a message is read by ID and deleted once sent; messages
// go with the person.
func testMailQueue(t *testing.T, s kurz.Store) {
	p := trustAccount(t, s, "mailee")
	m := &kurz.OutMail{ID: kurz.NewID("eu"), UserID: p.ID, Sealed: []byte{5, 0, 5}, CreatedAt: at(3)}
	noErr(t, s.PutMail(ctx(), m))
	got := must(s.MailByID(ctx(), m.ID))(t)
	if got.UserID != p.ID || !bytes.Equal(got.Sealed, m.Sealed) || !got.CreatedAt.Equal(at(3)) {
		t.Fatalf("MailByID = %+v", got)
	}
	noErr(t, s.DeleteMail(ctx(), m.ID))
	_, err := s.MailByID(ctx(), m.ID)
	wantNotFound(t, err, "a sent message")
	m2 := &kurz.OutMail{ID: kurz.NewID("eu"), UserID: p.ID, Sealed: []byte{1}, CreatedAt: at(4)}
	noErr(t, s.PutMail(ctx(), m2))
	noErr(t, s.DeletePerson(ctx(), p.ID))
	_, err = s.MailByID(ctx(), m2.ID)
	wantNotFound(t, err, "a message of an erased person")
}

// testPasskeys: a person's passkeys are listed oldest first; storing one
// again replaces it; another person's credential ID is not taken over; a
// session can be marked as opened with a second factor.
func testPasskeys(t *testing.T, s kurz.Store) {
	p, q := trustAccount(t, s, "keyholder"), trustAccount(t, s, "otherkey")
	noErr(t, s.PutPasskey(ctx(), &kurz.Passkey{CredentialID: []byte{1}, UserID: p.ID, Sealed: []byte{1}, CreatedAt: at(1)}))
	noErr(t, s.PutPasskey(ctx(), &kurz.Passkey{CredentialID: []byte{2}, UserID: p.ID, Sealed: []byte{2}, CreatedAt: at(2)}))
	noErr(t, s.PutPasskey(ctx(), &kurz.Passkey{CredentialID: []byte{1}, UserID: p.ID, Sealed: []byte{9}, CreatedAt: at(3)}))
	noErr(t, s.PutPasskey(ctx(), &kurz.Passkey{CredentialID: []byte{1}, UserID: q.ID, Sealed: []byte{6}, CreatedAt: at(4)}))
	keys := must(s.PasskeysOf(ctx(), p.ID))(t)
	if len(keys) != 2 || !bytes.Equal(keys[0].Sealed, []byte{9}) || !bytes.Equal(keys[1].CredentialID, []byte{2}) {
		t.Fatalf("PasskeysOf = %+v", keys)
	}
	if keys := must(s.PasskeysOf(ctx(), q.ID))(t); len(keys) != 0 {
		t.Fatalf("another person's credential was taken over: %+v", keys)
	}
	sess := &kurz.Session{TokenHash: []byte{4, 4}, UserID: p.ID, CreatedAt: at(1), ExpiresAt: at(100)}
	noErr(t, s.CreateSession(ctx(), sess))
	if got := must(s.SessionByTokenHash(ctx(), sess.TokenHash))(t); got.SecondFactor {
		t.Fatal("a new session has a second factor")
	}
	noErr(t, s.MarkSecondFactor(ctx(), sess.TokenHash))
	if got := must(s.SessionByTokenHash(ctx(), sess.TokenHash))(t); !got.SecondFactor {
		t.Fatal("MarkSecondFactor did not hold")
	}
	wantNotFound(t, s.MarkSecondFactor(ctx(), []byte{9}), "MarkSecondFactor of no session")
}
