// Package trust serves the HTTP API of accounts people can trust: email
// confirmation and change, password reset by mail, two-factor sign-in
// (TOTP, recovery codes) and sign-in alerts. The rules live in package
// accounts; this package carries requests to the person's home region
// (here, or forwarded through the Door) and answers in the API's one
// error shape. It imports no other HTTP package: httpapi hands it a Door.
package trust

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kurz"
	"kurz/accounts"
	"kurz/apidoc"
	"kurz/auth"
	"kurz/region"
)

// Door is what the API server offers these handlers.
type Door interface {
	// Authenticate returns the signed-in person, their region (hosted
	// here) and their session token.
	Authenticate(r *http.Request) (*kurz.Profile, *region.Region, string, error)
	Error(w http.ResponseWriter, r *http.Request, err error)
	ReadJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, error)
	// Cell is a region hosted here, or nil.
	Cell(r kurz.Region) *region.Region
	// Entry is the region this process answers for first.
	Entry() *region.Region
	// Forward carries a request to a region hosted elsewhere.
	Forward(w http.ResponseWriter, r *http.Request, to kurz.Region, body []byte)
	// CheckIP counts a password-like attempt of the caller's address;
	// CheckPassword runs a password check under the sign-in throttles.
	CheckIP(r *http.Request) error
	CheckPassword(w http.ResponseWriter, r *http.Request, account string, check func() error) error
	// SetSession sets the session cookie of a new sign-in.
	SetSession(w http.ResponseWriter, token string)
}

// Handlers serves the routes.
type Handlers struct {
	D Door
	// Resets bounds reset requests per address (an IP key) and per email.
	Resets *auth.Limiter
}

// Register adds the routes to mux.
func (h *Handlers) Register(mux *http.ServeMux) {
	for _, rt := range h.Routes() {
		mux.HandleFunc(rt.Pattern, rt.H)
	}
}

// Route is one route of this API, for the front door's route table (and
// so its OpenAPI document). Status is the success status; NoBody says the
// success answer has none; SignedIn that it needs a session.
type Route struct {
	Pattern, Summary string
	H                http.HandlerFunc
	Status           int
	NoBody, SignedIn bool
}

// Op describes rt for the OpenAPI document. Bodies are documented as
// JSON objects: the WebAuthn ones follow the WebAuthn standard's own
// (camelCase) names.
func (rt Route) Op() apidoc.Op {
	op := apidoc.Op{Summary: rt.Summary, In: apidoc.Object{}, InOptional: true, Status: rt.Status}
	if rt.SignedIn {
		op.Auth = apidoc.Required
	}
	if !rt.NoBody {
		op.Out = apidoc.Object{}
	}
	return op
}

// Routes lists this API's routes.
func (h *Handlers) Routes() []Route {
	return []Route{
		{"POST /api/v1/email-confirmations", "Confirm an email address with the token of its mail", h.confirmEmail, 204, true, false},
		{"POST /api/v1/me/email", "Change the email address (a link goes to the new one)", h.changeEmail, 202, false, true},
		{"POST /api/v1/password-resets/requests", "Ask for a reset link by mail (the same answer for any address)", h.requestReset, 202, false, false},
		{"POST /api/v1/password-resets", "Set a new password with a reset link's token", h.resetPassword, 204, true, false},
		{"POST /api/v1/me/totp", "Begin two-factor sign-in: a TOTP secret and its QR code", h.beginTOTP, 200, false, true},
		{"POST /api/v1/me/totp/confirm", "Confirm two-factor sign-in with a code; answers the recovery codes", h.confirmTOTP, 200, false, true},
		{"POST /api/v1/sessions/end", "End a session named in a sign-in alert", h.endSession, 204, true, false},
		{"POST /api/v1/me/passkeys/options", "WebAuthn options to register a passkey", h.passkeyOptions, 200, false, true},
		{"POST /api/v1/me/passkeys", "Register a passkey (a WebAuthn credential)", h.addPasskey, 201, true, true},
		{"POST /api/v1/sessions/passkey/options", "WebAuthn options to sign in with a passkey", h.passkeyLoginOptions, 200, false, false},
		{"POST /api/v1/sessions/passkey", "Sign in with a passkey", h.passkeyLogin, 201, false, false},
	}
}

// Lang is the mail language a request asks for (Accept-Language).
func Lang(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		if strings.HasPrefix(tag, "de") {
			return "de"
		}
		if strings.HasPrefix(tag, "en") {
			return "en"
		}
	}
	return "en"
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// authenticate returns the signed-in person, their home region and their
// session token; a person of a region hosted by another process is sent
// there.
func (h *Handlers) authenticate(r *http.Request) (*kurz.Profile, *region.Region, string, error) {
	p, c, token, err := h.D.Authenticate(r)
	if err == nil && c.Region != p.Region() {
		err = kurz.Errorf(kurz.EUnavailable, "this is served by your home region's own server")
	}
	return p, c, token, err
}

// tokenCell returns the hosted region a link token belongs to; false
// after forwarding (or answering) it.
func (h *Handlers) tokenCell(w http.ResponseWriter, r *http.Request, token string, body []byte) (*region.Region, bool) {
	reg, err := auth.TokenRegion(token)
	if err != nil {
		h.D.Error(w, r, kurz.Errorf(kurz.ENotFound, "this link is not valid (any more); links work once and expire"))
		return nil, false
	}
	if c := h.D.Cell(reg); c != nil {
		return c, true
	}
	h.D.Forward(w, r, reg, body)
	return nil, false
}

// ConfirmRequest confirms an email (or a change of it) with a link's token.
type ConfirmRequest struct {
	Token  string `json:"token"`
	Change bool   `json:"change,omitempty"`
}

func (h *Handlers) confirmEmail(w http.ResponseWriter, r *http.Request) {
	var in ConfirmRequest
	body, err := h.D.ReadJSON(w, r, &in)
	if err == nil && in.Token == "" {
		err = kurz.FieldError("token", "token is required")
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	c, ok := h.tokenCell(w, r, in.Token, body)
	if !ok {
		return
	}
	if in.Change {
		err = c.Accounts.Email.ConfirmEmailChange(r.Context(), in.Token, Lang(r))
	} else {
		err = c.Accounts.Email.VerifyEmail(r.Context(), in.Token)
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) changeEmail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	_, err := h.D.ReadJSON(w, r, &in)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	p, c, _, err := h.authenticate(r)
	if err == nil {
		err = h.D.CheckIP(r)
	}
	if err == nil {
		err = h.D.CheckPassword(w, r, p.ID, func() error {
			return c.Accounts.Email.ChangeEmail(r.Context(), p, in.Password, in.Email, Lang(r))
		})
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "we have sent a link to the new address; your email changes when it is opened"})
}

// resetAnswer is the one answer to a reset request, whether or not the
// address has an account.
var resetAnswer = map[string]string{"status": "if this address has an account, we have sent it a link to set a new password"}

// requestReset mails a reset link to the owner of an address, from their
// home region. The answer is the same whether or not the address has an
// account, and comes before any of the home region's work: only the
// search for the region (done for every address alike) is waited for.
func (h *Handlers) requestReset(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	body, err := h.D.ReadJSON(w, r, &in)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	email, err := kurz.NormalizeEmail(in.Email)
	if err == nil {
		err = h.D.CheckIP(r)
	}
	if err == nil && h.Resets != nil {
		if ok, wait := h.Resets.Allow("email:" + string(h.D.Entry().EmailLocator(email))); !ok {
			err = &kurz.Error{Code: kurz.ERateLimited, Message: "too many attempts; please wait and try again", RetryAfter: int(wait/time.Second) + 1}
		}
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	ctx := r.Context()
	door := h.D.Entry()
	locator := door.EmailLocator(email)
	home, err := door.Accounts.Email.LocateEmail(ctx, locator)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	var c *region.Region
	if home != "" {
		if c = h.D.Cell(home); c == nil {
			h.D.Forward(w, r, home, body)
			return
		}
	}
	// The answer goes out whole (its length given) before the mail is
	// made, so the caller cannot time the home region's work.
	answer, _ := json.Marshal(resetAnswer)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(answer)+1))
	w.WriteHeader(http.StatusAccepted)
	w.Write(append(answer, '\n'))
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if c != nil {
		lang := Lang(r)
		c.Go(func(ctx context.Context) {
			// A moment later, so the work shares no CPU with the answer.
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			if err := c.Accounts.Email.RequestPasswordReset(ctx, locator, lang); err != nil {
				c.Log.Error("password reset mail", "err", err)
			}
		})
	}
}

func (h *Handlers) beginTOTP(w http.ResponseWriter, r *http.Request) {
	p, c, _, err := h.authenticate(r)
	var out *accounts.TOTPEnrolment
	if err == nil {
		out, err = c.Accounts.Factors.BeginTOTP(r.Context(), p, "kurz")
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handlers) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string `json:"code"`
	}
	if _, err := h.D.ReadJSON(w, r, &in); err != nil {
		h.D.Error(w, r, err)
		return
	}
	p, c, token, err := h.authenticate(r)
	var codes []string
	if err == nil {
		codes, err = c.Accounts.Factors.ConfirmTOTP(r.Context(), p, auth.HashToken(token), in.Code)
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
}

func (h *Handlers) endSession(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	body, err := h.D.ReadJSON(w, r, &in)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	c, ok := h.tokenCell(w, r, in.Token, body)
	if !ok {
		return
	}
	if err := c.Accounts.EndSession(r.Context(), in.Token); err != nil {
		h.D.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// DeviceOf returns the device cookie a sign-in just set or renewed on w
// (set by the password throttles), for sign-in alerts.
func DeviceOf(w http.ResponseWriter, name string) string {
	for _, line := range w.Header().Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (h *Handlers) passkeyOptions(w http.ResponseWriter, r *http.Request) {
	p, c, _, err := h.authenticate(r)
	var out any
	if err == nil {
		out, err = c.Accounts.Factors.BeginPasskey(r.Context(), p)
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handlers) addPasskey(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	body, err := h.D.ReadJSON(w, r, &raw)
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	p, c, _, err := h.authenticate(r)
	if err == nil {
		err = c.Accounts.Factors.FinishPasskey(r.Context(), p, body)
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func (h *Handlers) passkeyLoginOptions(w http.ResponseWriter, r *http.Request) {
	if err := h.D.CheckIP(r); err != nil {
		h.D.Error(w, r, err)
		return
	}
	out, err := h.D.Entry().Accounts.Factors.BeginPasskeyLogin()
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// passkeyLogin finishes a password-less sign-in begun at this door; the
// person's home region (hosted here) checks the answer against their
// passkeys.
func (h *Handlers) passkeyLogin(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	body, err := h.D.ReadJSON(w, r, &raw)
	if err == nil {
		err = h.D.CheckIP(r)
	}
	var userID string
	if err == nil {
		_, userID, err = accounts.PasskeyChallenge(body)
	}
	var c *region.Region
	if err == nil {
		reg, perr := kurz.ParseID(userID)
		if c = h.D.Cell(reg); perr != nil || c == nil {
			err = kurz.Errorf(kurz.EUnauthorized, "this passkey answer was refused (wrong site, expired or not a passkey of this account); nothing was changed")
		}
	}
	var token string
	var p *kurz.Profile
	if err == nil {
		token, p, err = c.Accounts.Factors.FinishPasskeyLogin(r.Context(), h.D.Entry().Accounts.Factors, body, accounts.DeviceName(r.UserAgent()))
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	h.D.SetSession(w, token)
	writeJSON(w, http.StatusCreated, map[string]any{"token": token, "user": map[string]string{"id": p.ID, "handle": p.Handle, "region": string(p.Region())}})
}

// resetPassword serves POST /api/v1/password-resets: a new password with a
// one-time link's token, which names its region; a region hosted
// elsewhere gets the request forwarded. It is throttled like sign-in, per
// address.
func (h *Handlers) resetPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	body, err := h.D.ReadJSON(w, r, &in)
	if err == nil && (in.Token == "" || in.Password == "") {
		err = kurz.Errorf(kurz.EInvalid, "token and password are required")
	}
	if err == nil {
		err = h.D.CheckIP(r)
	}
	if err != nil {
		h.D.Error(w, r, err)
		return
	}
	reg, err := auth.TokenRegion(in.Token)
	if err != nil {
		h.D.Error(w, r, kurz.Errorf(kurz.ENotFound, "this link is not valid (any more); ask the operator for a new one"))
		return
	}
	c := h.D.Cell(reg)
	if c == nil {
		h.D.Forward(w, r, reg, body)
		return
	}
	if err := c.Accounts.ResetPassword(r.Context(), in.Token, in.Password); err != nil {
		h.D.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Browser names a sign-in's browser for its alert, coarsely (never the
// address).
func Browser(r *http.Request) string {
	ua := r.UserAgent()
	for _, b := range []string{"Edg", "Firefox", "Chrome", "Safari"} {
		if strings.Contains(ua, b) {
			if b == "Edg" {
				b = "Edge"
			}
			return b
		}
	}
	return "a browser or app"
}
