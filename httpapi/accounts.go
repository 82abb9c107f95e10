package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"kurz"
	"kurz/accounts"
	"kurz/apijson"
	"kurz/auth"
	"kurz/guard"
	"kurz/region"
	"kurz/trust"
)

func userOf(p *kurz.Profile) apijson.User {
	return apijson.User{ID: p.ID, Handle: p.Handle, Region: string(p.Region())}
}

func rateLimited(wait time.Duration) error { return guard.RateLimited(wait) }

// createAccount signs a person up in their home region, chosen from their
// country. The country is used at the door only to route; it is stored
// only in the home region, sealed.
func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) {
	var in accounts.SignUp
	body, err := readJSON(w, r, &in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	country, err := accounts.ValidateSignUp(&in, time.Now())
	if err != nil {
		s.error(w, r, err)
		return
	}
	if ok, wait := s.signupIP.Allow(auth.IPKey(s.clientIP(r))); !ok {
		s.error(w, r, rateLimited(wait))
		return
	}
	home := s.Residency.HomeRegion(country)
	c, ok := s.Cells[home]
	if !ok {
		s.forward(w, r, home, body)
		return
	}
	if in.Lang == "" {
		in.Lang = trust.Lang(r)
	}
	p, err := c.Accounts.SignUp(r.Context(), &in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userOf(p))
}

// createSession signs a person in by handle or email. Unknown logins and
// wrong passwords get the same answer after the same work.
func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	var in apijson.Login
	body, err := readJSON(w, r, &in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if in.Login == "" || in.Password == "" {
		s.error(w, r, kurz.Errorf(kurz.EInvalid, "login and password are required"))
		return
	}
	if len(in.Password) > auth.MaxPasswordLen {
		in.Password = in.Password[:auth.MaxPasswordLen+1] // can never match; bounds the hashing
	}
	if err := s.checkIP(r); err != nil {
		s.error(w, r, err)
		return
	}
	ctx := r.Context()
	door := s.Door
	var userID string
	login := strings.ToLower(strings.TrimSpace(in.Login))
	if strings.Contains(login, "@") && !strings.HasPrefix(login, "@") {
		if email, nerr := kurz.NormalizeEmail(login); nerr == nil {
			locator := door.EmailLocator(email)
			var region kurz.Region
			region, err = door.Accounts.Email.LocateEmail(ctx, locator)
			if err == nil && region != "" {
				c, ok := s.Cells[region]
				if !ok {
					s.forward(w, r, region, body)
					return
				}
				userID, err = c.Accounts.UserIDByEmail(ctx, locator)
			}
		}
	} else if h, nerr := kurz.NormalizeHandle(login); nerr == nil {
		userID, err = door.Accounts.ResolveHandle(ctx, h)
		if kurz.ErrorCode(err) == kurz.ENotFound {
			userID, err = "", nil
		}
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	home := door
	if userID != "" {
		region, _ := kurz.ParseID(userID)
		var ok bool
		if home, ok = s.Cells[region]; !ok {
			// The home region checks the password, under its throttles.
			s.forward(w, r, region, body)
			return
		}
	}
	// The per-account limits are keyed by the account when it exists, so
	// switching between handle and email does not double the attempts.
	acctKey := userID
	if acctKey == "" {
		sum := sha256.Sum256([]byte(login))
		acctKey = "login:" + hex.EncodeToString(sum[:12])
	}
	var token string
	var p *kurz.Profile
	err = s.checkPassword(w, r, acctKey, func() (err error) {
		token, p, err = home.Accounts.Login(ctx, accounts.LoginInput{UserID: userID, Password: in.Password, Code: in.Code,
			IP: s.clientIP(r), Lang: trust.Lang(r), Device: accounts.DeviceName(r.UserAgent())})
		return err
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := home.Accounts.NoteSignIn(ctx, p, auth.HashToken(token), trust.DeviceOf(w, guard.DeviceCookie), trust.Browser(r), trust.Lang(r)); err != nil {
		s.Log.Error("sign-in alert", "err", err)
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(accounts.SessionTTL.Seconds())})
	writeJSON(w, http.StatusCreated, apijson.Session{Token: token, User: userOf(p)})
}

// token returns the session token of a request: the bearer token, or the
// session cookie.
func token(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
		return ""
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// authenticate returns the signed-in person and their cell.
func (s *Server) authenticate(r *http.Request) (*kurz.Profile, *region.Region, error) {
	t := token(r)
	if t == "" {
		return nil, nil, kurz.Errorf(kurz.EUnauthorized, "please sign in")
	}
	region, err := auth.TokenRegion(t)
	if err != nil {
		return nil, nil, err
	}
	c, ok := s.Cells[region]
	if !ok && s.Peers[region] == "" {
		return nil, nil, kurz.Errorf(kurz.EUnauthorized, "invalid session")
	}
	if !ok {
		// A person of another process's region (staff at their tools):
		// their home region vouches for the session; only its hash travels.
		p, err := s.Door.Accounts.RemoteSession(r.Context(), region, auth.HashToken(t))
		return p, s.Door, err
	}
	p, err := c.Accounts.Authenticate(r.Context(), t)
	if err != nil {
		return nil, nil, err
	}
	return p, c, nil
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	_, c, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := c.Accounts.Logout(r.Context(), token(r)); err != nil {
		s.error(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p, _, err := s.authenticate(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userOf(p))
}
