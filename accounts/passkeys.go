package accounts

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"kurz"
	"kurz/auth"
)

// Passkeys (WebAuthn): a person registers one while signed in; it then
// signs them in without a password, and such a session counts as having a
// second factor (the authenticator verified its user). The relying party
// is the public origin (cell.MailConfig.BaseURL): an answer made for any
// other origin is refused. Credentials are stored sealed with the
// person's data key; a ceremony's challenge is kept in this node's memory
// for five minutes and used once, so a ceremony is finished at the node
// (and region's door) that began it.

const ceremonyTTL = 5 * time.Minute

type ceremony struct {
	data    webauthn.SessionData
	userID  string
	expires time.Time
}

// ceremonies are the challenges in flight, by challenge.
type ceremonies struct {
	mu sync.Mutex
	m  map[string]ceremony
}

func (cs *ceremonies) put(c ceremony) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.m == nil || len(cs.m) > 10000 {
		cs.m = map[string]ceremony{}
	}
	cs.m[c.data.Challenge] = c
}

// take returns and forgets a live ceremony.
func (cs *ceremonies) take(challenge string, now time.Time) (ceremony, bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c, ok := cs.m[challenge]
	delete(cs.m, challenge)
	return c, ok && now.Before(c.expires)
}

// webauthnUser is a person as the WebAuthn library sees them.
type webauthnUser struct {
	p     *kurz.Profile
	creds []webauthn.Credential
}

func (u *webauthnUser) WebAuthnID() []byte                         { return []byte(u.p.ID) }
func (u *webauthnUser) WebAuthnName() string                       { return u.p.Handle }
func (u *webauthnUser) WebAuthnDisplayName() string                { return "@" + u.p.Handle }
func (u *webauthnUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// relyingParty is this deployment as WebAuthn's relying party: its public
// origin.
func (c *Factors) relyingParty() (*webauthn.WebAuthn, error) {
	u, err := url.Parse(c.Mail.BaseURL)
	if err != nil || u.Hostname() == "" {
		return nil, kurz.Errorf(kurz.EUnavailable, "passkeys need the server's public URL (--public-url)")
	}
	return webauthn.New(&webauthn.Config{RPID: u.Hostname(), RPDisplayName: "kurz", RPOrigins: []string{u.Scheme + "://" + u.Host}})
}

func (c *Factors) passkeyUser(ctx context.Context, p *kurz.Profile) (*webauthnUser, error) {
	keys, err := c.Store.PasskeysOf(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	dk, err := c.DataKey(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	u := &webauthnUser{p: p}
	for _, k := range keys {
		raw, err := dk.Open("passkey", k.Sealed)
		if err != nil {
			continue
		}
		var cred webauthn.Credential
		if json.Unmarshal(raw, &cred) == nil {
			u.creds = append(u.creds, cred)
		}
	}
	return u, nil
}

// errPasskey is the one answer for an answer that does not check out.
var errPasskey = kurz.Errorf(kurz.EUnauthorized, "this passkey answer was refused (wrong site, expired or not a passkey of this account); nothing was changed")

// BeginPasskey starts registering a passkey for a signed-in person.
func (c *Factors) BeginPasskey(ctx context.Context, p *kurz.Profile) (*protocol.CredentialCreation, error) {
	rp, err := c.relyingParty()
	if err != nil {
		return nil, err
	}
	u, err := c.passkeyUser(ctx, p)
	if err != nil {
		return nil, err
	}
	var exclude []protocol.CredentialDescriptor
	for _, cr := range u.creds {
		exclude = append(exclude, cr.Descriptor())
	}
	opts, data, err := rp.BeginRegistration(u, webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(exclude), webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, UserVerification: protocol.VerificationRequired}))
	if err != nil {
		return nil, err
	}
	c.ceremonies.put(ceremony{data: *data, userID: p.ID, expires: c.Now().Add(ceremonyTTL)})
	return opts, nil
}

// FinishPasskey stores the passkey the browser made (body is its JSON
// answer).
func (c *Factors) FinishPasskey(ctx context.Context, p *kurz.Profile, body []byte) error {
	rp, err := c.relyingParty()
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return errPasskey
	}
	cer, ok := c.ceremonies.take(parsed.Response.CollectedClientData.Challenge, c.Now())
	if !ok || cer.userID != p.ID {
		return errPasskey
	}
	u, err := c.passkeyUser(ctx, p)
	if err != nil {
		return err
	}
	cred, err := rp.CreateCredential(u, cer.data, parsed)
	if err != nil {
		return errPasskey
	}
	dk, err := c.DataKey(ctx, p.ID)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	return c.Tx(ctx, func(q kurz.Queries) error {
		if err := q.PutPasskey(ctx, &kurz.Passkey{CredentialID: cred.ID, UserID: p.ID, Sealed: dk.Seal("passkey", raw), CreatedAt: c.Now().UTC()}); err != nil {
			return err
		}
		return c.Staff.Audit(ctx, q, p.ID, p.ID, "passkey_added", "passkey", "a passkey was registered")
	})
}

// BeginPasskeyLogin starts a password-less sign-in: any passkey of this
// site may answer.
func (c *Factors) BeginPasskeyLogin() (*protocol.CredentialAssertion, error) {
	rp, err := c.relyingParty()
	if err != nil {
		return nil, err
	}
	opts, data, err := rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, err
	}
	c.ceremonies.put(ceremony{data: *data, expires: c.Now().Add(ceremonyTTL)})
	return opts, nil
}

// PasskeyChallenge returns the challenge of a sign-in answer and the person
// it names (the user handle is their ID), for routing to the home region.
func PasskeyChallenge(body []byte) (challenge, userID string, err error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return "", "", errPasskey
	}
	return parsed.Response.CollectedClientData.Challenge, string(parsed.Response.UserHandle), nil
}

// FinishPasskeyLogin checks a sign-in answer against the person's
// passkeys (in this region, their home) and opens a session with a second
// factor. door holds the ceremony (the region that began it, maybe this).
func (c *Factors) FinishPasskeyLogin(ctx context.Context, door *Factors, body []byte, device string) (string, *kurz.Profile, error) {
	rp, err := c.relyingParty()
	if err != nil {
		return "", nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return "", nil, errPasskey
	}
	cer, ok := door.ceremonies.take(parsed.Response.CollectedClientData.Challenge, c.Now())
	if !ok {
		return "", nil, errPasskey
	}
	var user *webauthnUser
	cred, err := rp.ValidateDiscoverableLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
		userID := string(userHandle)
		if r, err := kurz.ParseID(userID); err != nil || r != c.Region {
			return nil, errPasskey
		}
		p, err := c.Store.ProfileByID(ctx, userID)
		if err != nil {
			return nil, errPasskey
		}
		user, err = c.passkeyUser(ctx, p)
		return user, err
	}, cer.data, parsed)
	if err != nil || user == nil {
		return "", nil, errPasskey
	}
	acct, err := c.Store.AccountByID(ctx, user.p.ID)
	if err != nil {
		return "", nil, err
	}
	if acct.SuspendedUntil.After(c.Now()) {
		return "", nil, refuseSuspended(ctx, c.Cell, acct)
	}
	dk, err := c.DataKey(ctx, user.p.ID)
	if err != nil {
		return "", nil, err
	}
	raw, _ := json.Marshal(cred)
	for _, k := range user.creds {
		if bytes.Equal(k.ID, cred.ID) {
			// The sign count moves on; a cloned authenticator shows as
			// one whose count goes back (the library flags it).
			c.Store.PutPasskey(ctx, &kurz.Passkey{CredentialID: cred.ID, UserID: user.p.ID, Sealed: dk.Seal("passkey", raw), CreatedAt: c.Now().UTC()})
		}
	}
	token := auth.NewToken(c.Region)
	now := c.Now().UTC()
	if err := c.Store.CreateSession(ctx, &kurz.Session{TokenHash: auth.HashToken(token), UserID: user.p.ID, CreatedAt: now,
		ExpiresAt: now.Add(SessionTTL), SecondFactor: true, DeviceSealed: dk.Seal("session_device", []byte(device))}); err != nil {
		return "", nil, err
	}
	user.p.SecondFactor = true
	return token, user.p, nil
}
