// Package accounts owns people's accounts: sign-up with the home region
// and the handle directory (claims over the link; the directory's side is
// package directory), sign-in by handle or email locator, sessions (local
// and vouched for by the home region), settings, and in their own types
// the email address (Email: confirmation, change, reset by mail) and
// second factors (Factors: TOTP, recovery codes, passkeys). It never
// imports another concern package.
package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"kurz"
	"kurz/auth"
	"kurz/cell"
	"kurz/link"
)

// Service applies the account rules of one region.
type Service struct {
	*cell.Cell
	// Factors checks and keeps second factors (TOTP, recovery codes,
	// passkeys).
	Factors *Factors
	// Email confirms and changes addresses and sends mailed links.
	Email *Email
}

// New returns the account service of region c.
func New(c *cell.Cell) *Service {
	return &Service{Cell: c, Factors: &Factors{Cell: c}, Email: &Email{Cell: c}}
}

// SignUp is a new person's request. All fields are required.
type SignUp struct {
	Handle    string `json:"handle"`
	Email     string `json:"email"`
	Password  string `json:"password"`
	BirthDate string `json:"birth_date"`
	Country   string `json:"country"`
	// Lang is the language of the mail sent (en, de); optional.
	Lang string `json:"lang,omitempty"`
}

// Validated sign-up fields.
type signUp struct {
	handle, email, password, country string
	birth                            time.Time
	minor                            bool
}

// ValidateSignUp checks every field and returns the normalized country,
// which the caller maps to the home region. It touches no state.
func ValidateSignUp(in *SignUp, now time.Time) (country string, err error) {
	_, err = validateSignUp(in, now)
	if err != nil {
		return "", err
	}
	return kurz.NormalizeCountry(in.Country)
}

// validateSignUp checks every field and reports every bad one at once
// (kurz.FieldErrors), so the form can mark them all.
func validateSignUp(in *SignUp, now time.Time) (*signUp, error) {
	var s signUp
	var errs []error
	check := func(v string, missing *kurz.Error, fn func() error) {
		if v == "" {
			errs = append(errs, missing)
		} else if err := fn(); err != nil {
			errs = append(errs, err)
		}
	}
	check(in.Handle, kurz.FieldError("handle", "choose a handle"), func() (err error) { s.handle, err = kurz.NormalizeHandle(in.Handle); return })
	check(in.Email, kurz.FieldError("email", "enter your email address"), func() (err error) { s.email, err = kurz.NormalizeEmail(in.Email); return })
	check(in.Password, kurz.FieldError("password", "choose a password"), func() error { s.password = in.Password; return auth.CheckPassword(in.Password) })
	check(in.BirthDate, kurz.FieldError("birth_date", "enter your birth date"), func() error {
		var err error
		if s.birth, err = time.Parse(time.DateOnly, in.BirthDate); err != nil {
			return kurz.FieldError("birth_date", "enter a date like 2001-12-31")
		}
		// Ages are counted on the earliest date anywhere on Earth,
		// whatever the server's zone (kurz.AgeAt).
		age := kurz.AgeAt(s.birth, now)
		switch {
		case s.birth.After(kurz.EarliestDate(now)) || age > 130:
			return kurz.FieldError("birth_date", "this birth date is not plausible")
		case age < kurz.MinAge:
			return kurz.FieldError("birth_date", "you must be at least %d years old to use kurz", kurz.MinAge)
		}
		s.minor = age < kurz.AdultAge
		return nil
	})
	check(in.Country, kurz.FieldError("country", "choose your country"), func() (err error) { s.country, err = kurz.NormalizeCountry(in.Country); return })
	if err := kurz.FieldErrors(errs...); err != nil {
		return nil, err
	}
	return &s, nil
}

// SignUp creates a person in this region, which must be their home region.
// The email (as its locator) and the handle are claimed at the directory
// first, so that of concurrent sign-ups in different regions with one
// email or one handle exactly one gets it; if anything later fails the
// claims are released, so nothing is half-created. The new person gets a
// link to confirm their email.
//
// An email that already has an account gets the same answer as a new one
// (a profile with a new ID that is never created), after the same work (a
// password hash), and its owner is mailed by their own region that
// someone tried: the answer tells nobody whether an address is taken.
// Handles are public, so a taken handle is said to be taken.
func (c *Service) SignUp(ctx context.Context, in *SignUp) (*kurz.Profile, error) {
	s, err := validateSignUp(in, c.Now())
	if err != nil {
		return nil, err
	}
	locator := c.EmailLocator(s.email)
	// Accounts made before email claims existed are found by asking every
	// region; the claim below decides between sign-ups racing now.
	if region, err := c.Email.LocateEmail(ctx, locator); err != nil {
		return nil, err
	} else if region != "" {
		return c.signUpTaken(ctx, s, region, locator, in.Lang)
	}
	userID := kurz.NewID(c.Region)
	release, err := c.claim(ctx, userID, s.handle, locator)
	if errors.Is(err, errEmailTaken) {
		region, _ := c.Email.LocateEmail(ctx, locator)
		return c.signUpTaken(ctx, s, region, locator, in.Lang)
	}
	if err != nil {
		return nil, err
	}
	hash := auth.HashPassword(s.password)
	now := c.Now().UTC().Truncate(time.Millisecond)
	p := &kurz.Profile{ID: userID, Handle: s.handle, Private: s.minor, CreatedAt: now}
	dk, wrapped, err := c.Keys.NewDataKey(userID)
	if err == nil {
		err = c.KeyStore.PutPersonKey(ctx, userID, wrapped)
	}
	if err == nil {
		err = c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
			if err := q.CreateProfile(ctx, p); err != nil {
				return err
			}
			if err := c.Outbox.PublishProfile(ctx, q, p); err != nil {
				return err
			}
			err := q.CreateAccount(ctx, &kurz.Account{
				UserID:          userID,
				EmailIndex:      c.EmailIndex(locator),
				EmailSealed:     dk.Seal("email", []byte(s.email)),
				BirthDateSealed: dk.Seal("birth_date", []byte(s.birth.Format(time.DateOnly))),
				CountrySealed:   dk.Seal("country", []byte(s.country)),
				PasswordHash:    hash,
				Minor:           s.minor,
				CreatedAt:       now,
			})
			if err != nil {
				return err
			}
			return c.Email.queueVerify(ctx, tx, q, p, s.email, in.Lang)
		})
		if err != nil {
			c.KeyStore.DeletePersonKey(context.WithoutCancel(ctx), userID)
		}
	}
	if err != nil {
		release()
		if kurz.ErrorCode(err) == kurz.EConflict {
			// A concurrent sign-up with the same email won the race.
			return c.signUpTaken(ctx, s, "", locator, in.Lang)
		}
		return nil, err
	}
	c.Log.Info("account created", "user_id", userID)
	return p, nil
}

// signUpTaken answers a sign-up with an email that has an account like a
// new one: a taken handle is refused as it would be, otherwise the same
// work is done and a made-up profile returned; the holder region (if
// known) mails its person.
func (c *Service) signUpTaken(ctx context.Context, s *signUp, holder kurz.Region, locator []byte, lang string) (*kurz.Profile, error) {
	if _, err := c.ResolveHandle(ctx, s.handle); err == nil {
		return nil, errHandleTaken
	} else if kurz.ErrorCode(err) != kurz.ENotFound {
		return nil, err
	}
	auth.HashPassword(s.password)
	if holder != "" {
		c.Email.notifyTaken(ctx, holder, locator, lang)
	}
	return &kurz.Profile{ID: kurz.NewID(c.Region), Handle: s.handle, Private: s.minor, CreatedAt: c.Now().UTC().Truncate(time.Millisecond)}, nil
}

var errHandleTaken = &kurz.Error{Code: kurz.EConflict, Field: "handle", Message: "this handle is taken"}

var errEmailTaken = &kurz.Error{Code: kurz.EConflict, Field: "email", Message: "an account with this email already exists"}

// claim claims an email locator and a handle for a new person at the
// directory, the email first. It returns a function that gives back both,
// for a sign-up that fails later; a failed claim gives back what it took.
func (c *Service) claim(ctx context.Context, userID, handle string, locator []byte) (release func(), err error) {
	unavailable := func(err error) error {
		return &kurz.Error{Code: kurz.EUnavailable, Message: "sign-up is unavailable right now (the directory region cannot be reached); please try again later", Cause: err}
	}
	releaseEmail := func() {
		if err := c.Link.ReleaseEmail(context.WithoutCancel(ctx), c.Directory, link.ReleaseEmailRequest{UserID: userID}); err != nil {
			c.Log.Error("release email claim after failed sign-up", "user_id", userID, "err", err)
		}
	}
	if err := c.Link.ClaimEmail(ctx, c.Directory, link.ClaimEmailRequest{Locator: locator, UserID: userID}); err != nil {
		switch kurz.ErrorCode(err) {
		case kurz.EConflict:
			return nil, errEmailTaken
		case kurz.EUnavailable:
			// The claim may have been made before the answer was lost.
			releaseEmail()
			return nil, unavailable(err)
		}
		return nil, err
	}
	if err := c.Link.ClaimHandle(ctx, c.Directory, link.ClaimHandleRequest{Handle: handle, UserID: userID}); err != nil {
		releaseEmail()
		switch kurz.ErrorCode(err) {
		case kurz.EConflict:
			return nil, errHandleTaken
		case kurz.EUnavailable:
			return nil, unavailable(err)
		}
		return nil, err
	}
	return func() {
		if err := c.Link.ReleaseHandle(context.WithoutCancel(ctx), c.Directory, link.ReleaseHandleRequest{Handle: handle, UserID: userID}); err != nil {
			c.Log.Error("release handle claim after failed sign-up", "user_id", userID, "err", err)
		}
		releaseEmail()
	}, nil
}

// SessionTTL is how long a session lasts without signing in again.
const SessionTTL = 30 * 24 * time.Hour

// LoginInput is a sign-in attempt at the home region.
type LoginInput struct {
	// UserID is "" when the login matched no account; the dummy hash then
	// keeps the timing the same.
	UserID, Password string
	// Code is a TOTP or recovery code, for accounts with two-factor
	// sign-in on.
	Code string
	IP   netip.Addr
	// Lang is the language of mail this sign-in causes.
	Lang string
	// Device names the browser (DeviceName), for the list of sessions.
	Device string
}

// Login checks a person's password in their home region (this one), then
// their second factor if they have one on, and opens a session. An account
// whose email is still unconfirmed VerifyWithin after sign-up is sent a new
// link instead.
func (c *Service) Login(ctx context.Context, in LoginInput) (token string, p *kurz.Profile, err error) {
	var acct *kurz.Account
	userID := in.UserID
	if userID != "" {
		acct, err = c.Store.AccountByID(ctx, userID)
		if err != nil && !errors.Is(err, kurz.ErrNotFound) {
			return "", nil, err
		}
	}
	hash := ""
	if acct != nil {
		hash = acct.PasswordHash
	}
	if !auth.VerifyPassword(hash, in.Password) {
		return "", nil, kurz.Errorf(kurz.EUnauthorized, "wrong login or password")
	}
	p, err = c.Store.ProfileByID(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	dk, err := c.DataKey(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	if acct.EmailVerifiedAt.IsZero() && c.Now().After(acct.CreatedAt.Add(VerifyWithin)) {
		email, err := dk.Open("email", acct.EmailSealed)
		if err != nil {
			return "", nil, err
		}
		ok, err := c.Email.mailBudget(ctx, userID, "verify_again", 3)
		if err == nil && ok {
			err = c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
				return c.Email.queueVerify(ctx, tx, q, p, string(email), in.Lang)
			})
		}
		if err != nil {
			return "", nil, err
		}
		return "", nil, kurz.Errorf(kurz.EForbidden, "please confirm your email address first: we have sent you a new link")
	}
	second := acct.TOTPSealed != nil
	if second {
		if err := c.Factors.checkSecondFactor(ctx, acct, in.Code); err != nil {
			return "", nil, err
		}
	}
	if acct.SuspendedUntil.After(c.Now()) {
		return "", nil, refuseSuspended(ctx, c.Cell, acct)
	}
	token = auth.NewToken(c.Region)
	now := c.Now().UTC()
	s := &kurz.Session{TokenHash: auth.HashToken(token), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL), SecondFactor: second}
	if in.IP.IsValid() {
		s.IPSealed = dk.Seal("session_ip", []byte(in.IP.String()))
	}
	if in.Device != "" {
		s.DeviceSealed = dk.Seal("session_device", []byte(in.Device))
	}
	if err := c.Store.CreateSession(ctx, s); err != nil {
		return "", nil, err
	}
	p.SecondFactor = second
	return token, p, nil
}

// UserIDByEmail returns the ID of the account with this email locator in
// this region, or "".
func (c *Service) UserIDByEmail(ctx context.Context, locator []byte) (string, error) {
	a, err := c.Store.AccountByEmailIndex(ctx, c.EmailIndex(locator))
	if errors.Is(err, kurz.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return a.UserID, nil
}

// Authenticate returns the person a session token belongs to.
func (c *Service) Authenticate(ctx context.Context, token string) (*kurz.Profile, error) {
	hash, now := auth.HashToken(token), c.Now()
	check := func(ctx context.Context) (*kurz.Profile, error) {
		s, err := c.Store.SessionByTokenHash(ctx, hash)
		if errors.Is(err, kurz.ErrNotFound) || (err == nil && now.After(s.ExpiresAt)) {
			return nil, kurz.Errorf(kurz.EUnauthorized, "your session has ended; please sign in again")
		}
		if err != nil {
			return nil, err
		}
		p, err := c.Store.ProfileByID(ctx, s.UserID)
		if err != nil {
			return nil, err
		}
		p.SecondFactor = s.SecondFactor
		c.Sessions.Put(hash, p, s.ExpiresAt, now)
		c.touch(ctx, s, now)
		return p, nil
	}
	if p, ok, renew := c.Sessions.Lookup(hash, now); ok {
		if renew {
			// Checked again before its moment ends, off the request:
			// a session in use does not make its requests wait for the
			// database every SessionCacheTTL.
			c.Go(func(bg context.Context) { c.Sessions.Verify(bg, hash, check) })
		}
		return p, nil
	}
	return c.Sessions.Verify(ctx, hash, check)
}

// Logout ends the session of token.
func (c *Service) Logout(ctx context.Context, token string) error {
	hash := auth.HashToken(token)
	c.Sessions.Forget(hash)
	err := c.Store.DeleteSession(ctx, hash)
	c.Sessions.Forget(hash) // again: a check (a request's, or the renewal ahead of the moment's end) may have cached it meanwhile
	return err
}

// ResolveHandle asks the directory which person holds a handle. The
// directory speaks for claims, not for people: an answer naming one of
// this region's people must match this region's own record, and one
// naming another region's person must not contradict the public profiles
// that region published (its own log, which only it can sign). A
// contradiction is refused, as an answer that cannot be vouched for.
func (c *Service) ResolveHandle(ctx context.Context, handle string) (string, error) {
	handle = strings.ToLower(handle)
	out, err := c.Link.HandleOwner(ctx, c.Directory, link.HandleOwnerRequest{Handle: handle})
	if err != nil {
		return "", err
	}
	region, _ := kurz.ParseID(out.UserID)
	ok := true
	switch {
	case region == c.Region:
		p, err := c.Store.ProfileByID(ctx, out.UserID)
		if errors.Is(err, kurz.ErrNotFound) {
			// A claim whose person is not (or no longer) here: nobody.
			return "", kurz.ErrNotFound
		} else if err != nil {
			return "", err
		}
		ok = p.Handle == handle
	case !slices.Contains(c.Regions, region):
		ok = false
	default:
		if p, known := c.Index.Profile(out.UserID); known && p.Handle != handle {
			ok = false
		}
		if p, known := c.Index.ProfileByHandle(handle); known && p.ID != out.UserID {
			ok = false
		}
	}
	if !ok {
		return "", &kurz.Error{Code: kurz.EUnavailable, Message: fmt.Sprintf("the handle directory (%s) answered with a holder its region does not know by that handle; the answer is refused", c.Directory),
			Cause: link.ErrForeignID}
	}
	return out.UserID, nil
}

// RemoteSession asks a person's home region who holds a session, by the
// token's hash.
func (c *Service) RemoteSession(ctx context.Context, home kurz.Region, tokenHash []byte) (*kurz.Profile, error) {
	out, err := c.Link.VerifySession(ctx, home, link.VerifySessionRequest{TokenHash: tokenHash})
	if err != nil {
		if kurz.ErrorCode(err) == kurz.ENotFound {
			return nil, kurz.Errorf(kurz.EUnauthorized, "your session has ended; please sign in again")
		}
		return nil, err
	}
	return &kurz.Profile{ID: out.ID, Handle: out.Handle, SecondFactor: out.SecondFactor}, nil
}

// verifySession is the home region's side of RemoteSession.
func (c *Service) verifySession(ctx context.Context, tokenHash []byte) (*link.VerifySessionResponse, error) {
	s, err := c.Store.SessionByTokenHash(ctx, tokenHash)
	if err != nil || c.Now().After(s.ExpiresAt) {
		return nil, kurz.ErrNotFound
	}
	p, err := c.Store.ProfileByID(ctx, s.UserID)
	if err != nil {
		return nil, err
	}
	return &link.VerifySessionResponse{ID: p.ID, Handle: p.Handle, SecondFactor: s.SecondFactor}, nil
}
