package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"kurz"
	"kurz/app"
	"kurz/cell"
	"kurz/internal/leak"
	"kurz/internal/mailtest"
)

// mailServer starts the embedded default with a mailpit as each region's
// own relay.
func mailServer(t *testing.T, edit ...func(*app.Config)) (*server, map[kurz.Region]*mailtest.Server) {
	t.Helper()
	relays := map[kurz.Region]*mailtest.Server{}
	for _, r := range []kurz.Region{"eu", "us", "sg"} {
		relays[r] = mailtest.Start(t)
	}
	s := newServer(t, append([]func(*app.Config){func(c *app.Config) {
		for r, m := range relays {
			c.SMTP[r] = m.URL()
		}
	}}, edit...)...)
	return s, relays
}

// token returns a link's token query parameter.
func linkToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("no token in link %q", link)
	}
	return u.Query().Get("token")
}

// TestMailStaysInHomeRegion: three regions, each with its own relay. An eu
// person's mail (confirmation, someone trying their address from us and
// sg, a reset asked at another region's door) reaches only eu's relay,
// and once sent leaves the queue; us and sg hold the address nowhere, in
// their folders (databases, WAL, keys, mail folders) or the logs.
func TestMailStaysInHomeRegion(t *testing.T) {
	t.Parallel()
	s, relays := mailServer(t, func(c *app.Config) { c.DB = map[kurz.Region]string{} })
	email := canary("canary.mail.") + "@example.org"
	a := s.signUp(canary("m"), email, "1990-01-01", "DE")
	m := relays["eu"].Wait(t, email, "Confirm your email")
	if m.From.Address != "no-reply@localhost" || !strings.Contains(m.HTML, "<a href=") {
		t.Fatalf("confirmation mail: from %q, html %q", m.From.Address, m.HTML)
	}
	// The same address signs up in us and sg: each looks accepted; the
	// owner is told by their own region.
	for _, country := range []string{"US", "SG"} {
		r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": canary("x"), "email": strings.ToUpper(email), "password": "a good long passphrase",
			"birth_date": "1990-01-01", "country": country})
		if r.Status != http.StatusCreated {
			t.Fatalf("taken email from %s: %d %s", country, r.Status, r.Body)
		}
	}
	relays["eu"].Wait(t, email, "Someone tried")
	if r := s.do("POST", "/api/v1/password-resets/requests", map[string]string{"email": email}); r.Status != http.StatusAccepted {
		t.Fatalf("reset request: %d %s", r.Status, r.Body)
	}
	relays["eu"].Wait(t, email, "Set a new password")
	for _, r := range []kurz.Region{"us", "sg"} {
		if n := len(relays[r].All(t)); n != 0 {
			t.Fatalf("%s's relay got %d messages", r, n)
		}
	}
	waitFor(t, "the eu queue to empty", func() bool { return s.count("eu", "mail_queue") == 0 })
	for _, r := range []kurz.Region{"us", "sg"} {
		if n := s.count(r, "mail_queue"); n != 0 {
			t.Fatalf("%s queued %d mails", r, n)
		}
	}
	_ = a
	s.Close()
	for _, r := range []string{"us", "sg"} {
		for _, dir := range []string{filepath.Join(s.Config.DataDir, r), filepath.Join(s.Config.DataDir+"-keys", r)} {
			hits, err := leak.ScanDir(dir, email)
			if err != nil && !strings.Contains(err.Error(), "no such file") {
				t.Fatal(err)
			}
			for _, h := range hits {
				t.Errorf("eu address in %s: %s", r, h)
			}
		}
	}
	for _, h := range leak.Find("server log", []byte(s.logs.String()), email) {
		t.Errorf("address in the logs: %s", h)
	}
	// The scan sees what it looks for: the address is in eu's folder (sealed
	// there, so only its relay's copy counts), and the relay has it.
	if got := relays["eu"].To(t, email); len(got) != 3 {
		t.Fatalf("eu's relay has %d mails for the address, want 3", len(got))
	}
}

// TestSignUpTakenEmailLooksNew: a sign-up with an address that has an
// account answers like one with a new address (status, the body's fields,
// no cookie), creates nothing, and mails the owner; the times of both are
// logged for the report (tests assert no timings).
func TestSignUpTakenEmailLooksNew(t *testing.T) {
	t.Parallel()
	s, relays := mailServer(t)
	owner := "owner." + canary("") + "@example.org"
	s.signUp("owner", owner, "1990-01-01", "DE")
	shape := func(r *response) string {
		var body map[string]any
		r.json(t, &body)
		keys := []string{}
		for k, v := range body {
			if k == "id" {
				k += ":" + strings.SplitN(v.(string), "_", 2)[0]
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return r.Header.Get("Content-Type") + " " + strings.Join(keys, ",") + " cookies=" + strings.Join(r.Header.Values("Set-Cookie"), ";")
	}
	var newTimes, takenTimes []time.Duration
	var lastNew *response
	for range 8 {
		for _, taken := range []bool{false, true} {
			email := canary("fresh") + "@example.org"
			if taken {
				email = owner
			}
			start := time.Now()
			r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": canary("h"), "email": email, "password": "a good long passphrase",
				"birth_date": "1990-01-01", "country": "DE"})
			d := time.Since(start)
			if r.Status != http.StatusCreated {
				t.Fatalf("sign-up (taken %v): %d %s", taken, r.Status, r.Body)
			}
			if taken {
				takenTimes = append(takenTimes, d)
			} else {
				newTimes = append(newTimes, d)
			}
			if taken {
				if got, want := shape(r), shape(lastNew); got != want {
					t.Fatalf("a taken email answers %q, a new one %q", got, want)
				}
			} else {
				lastNew = r
			}
		}
	}
	if n := s.count("eu", "accounts"); n != 9 {
		t.Fatalf("%d accounts, want the owner and 8 new ones", n)
	}
	relays["eu"].Wait(t, owner, "Someone tried")
	slices.Sort(newTimes)
	slices.Sort(takenTimes)
	t.Logf("sign-up medians: new address %v, taken address %v", newTimes[len(newTimes)/2], takenTimes[len(takenTimes)/2])

	// Reset requests: the same status and body for an address with an
	// account and one without.
	var knownTimes, unknownTimes []time.Duration
	var knownBody, unknownBody string
	var known []string
	for i := range 6 {
		known = append(known, canary("k")+"@example.org")
		s.signUp(fmt.Sprintf("resetter%d", i), known[i], "1990-01-01", []string{"DE", "US", "SG"}[i%3])
	}
	// Measured once the sign-ups' own mail is out, alternating.
	waitFor(t, "the sign-up mail to go out", func() bool {
		return s.count("eu", "mail_queue")+s.count("us", "mail_queue")+s.count("sg", "mail_queue") == 0
	})
	for i := range 6 {
		for _, email := range []string{known[i], canary("u") + "@example.org"} {
			start := time.Now()
			r := s.do("POST", "/api/v1/password-resets/requests", map[string]string{"email": email})
			d := time.Since(start)
			if r.Status != http.StatusAccepted {
				t.Fatalf("reset request: %d %s", r.Status, r.Body)
			}
			if email == known[i] {
				knownTimes, knownBody = append(knownTimes, d), string(r.Body)
			} else {
				unknownTimes, unknownBody = append(unknownTimes, d), string(r.Body)
			}
			time.Sleep(250 * time.Millisecond) // the mail made after an answer does not slow the next
		}
	}
	if knownBody != unknownBody {
		t.Fatalf("reset answers differ: %q and %q", knownBody, unknownBody)
	}
	slices.Sort(knownTimes)
	slices.Sort(unknownTimes)
	t.Logf("reset request medians: address with an account %v, without %v", knownTimes[len(knownTimes)/2], unknownTimes[len(unknownTimes)/2])
}

// TestVerifyEmailByMail: the link in the confirmation mail confirms the
// address once; a used or forged link is refused and changes nothing.
func TestVerifyEmailByMail(t *testing.T) {
	t.Parallel()
	s, relays := mailServer(t)
	email := canary("v") + "@example.org"
	a := s.signUp("verity", email, "1990-01-01", "DE")
	s.login(&a) // usable before confirmation
	m := relays["eu"].Wait(t, email, "Confirm your email")
	token := linkToken(t, m.Link(s.URL()+"/account/verify-email"))
	acct := func() *kurz.Account {
		ac, err := s.Cell("eu").Store.AccountByID(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ac
	}
	for _, bad := range []string{token + "x", "eu." + strings.Repeat("A", 43), "nonsense"} {
		if r := s.do("POST", "/api/v1/email-confirmations", map[string]string{"token": bad}); r.Status != 404 {
			t.Fatalf("forged link %q: %d %s", bad, r.Status, r.Body)
		}
	}
	if !acct().EmailVerifiedAt.IsZero() {
		t.Fatal("confirmed by a forged link")
	}
	if r := s.do("POST", "/api/v1/email-confirmations", map[string]string{"token": token}); r.Status != 204 {
		t.Fatalf("confirming: %d %s", r.Status, r.Body)
	}
	if acct().EmailVerifiedAt.IsZero() {
		t.Fatal("not confirmed")
	}
	if r := s.do("POST", "/api/v1/email-confirmations", map[string]string{"token": token}); r.Status != 404 || !strings.Contains(string(r.Body), "not valid") {
		t.Fatalf("the link used twice: %d %s", r.Status, r.Body)
	}
	// Seven days on, an unconfirmed account cannot sign in; the try sends
	// a new link, which confirms.
	late := canary("late") + "@example.org"
	b := s.signUp("latecomer", late, "1990-01-01", "DE")
	relays["eu"].Wait(t, late, "Confirm your email")
	if _, err := rawSQL(s.Cell("eu")).Exec(`UPDATE accounts SET created_at = $1 WHERE user_id = $2`, time.Now().Add(-8*24*time.Hour).UnixMilli(), b.ID); err != nil {
		t.Fatal(err)
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": "latecomer", "password": b.Password}); r.Status != 403 || !strings.Contains(string(r.Body), "confirm your email") {
		t.Fatalf("sign-in unconfirmed after 8 days: %d %s", r.Status, r.Body)
	}
	waitFor(t, "a second confirmation mail", func() bool { return len(relays["eu"].To(t, late)) == 2 })
	m = relays["eu"].Wait(t, late, "Confirm your email") // the newest
	if r := s.do("POST", "/api/v1/email-confirmations", map[string]string{"token": linkToken(t, m.Link(s.URL()+"/account/verify-email"))}); r.Status != 204 {
		t.Fatalf("the new link: %d %s", r.Status, r.Body)
	}
	s.login(&b)
}

// TestChangeEmailByMail: a new address is confirmed by a link sent to it;
// the old address is told; sign-in by the new address works.
func TestChangeEmailByMail(t *testing.T) {
	t.Parallel()
	s, relays := mailServer(t)
	old, next := canary("old")+"@example.org", canary("new")+"@example.org"
	a := s.signUp("changer", old, "1990-01-01", "US")
	s.login(&a)
	auth := []string{"Authorization", "Bearer " + a.Token}
	if r := s.do("POST", "/api/v1/me/email", map[string]string{"email": next, "password": "wrong password here"}, auth...); r.Status != 401 {
		t.Fatalf("wrong password: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/me/email", map[string]string{"email": next, "password": a.Password}, auth...); r.Status != 202 {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	m := relays["us"].Wait(t, next, "Confirm your new email")
	if r := s.do("POST", "/api/v1/email-confirmations", map[string]any{"token": linkToken(t, m.Link(s.URL()+"/account/verify-email")), "change": true}); r.Status != 204 {
		t.Fatalf("confirming the change: %d %s", r.Status, r.Body)
	}
	relays["us"].Wait(t, old, "was changed")
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": next, "password": a.Password}); r.Status != 201 {
		t.Fatalf("sign-in by the new address: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": old, "password": a.Password}); r.Status != 401 {
		t.Fatalf("sign-in by the old address: %d %s", r.Status, r.Body)
	}
}

// TestResetByMail: the reset link works once, for an hour, ends every
// session; reused, expired and forged links are refused with nothing
// changed; an unknown address gets the same answer; requests are limited.
func TestResetByMail(t *testing.T) {
	t.Parallel()
	s, relays := mailServer(t)
	email := canary("r") + "@example.org"
	a := s.signUp("resetme", email, "1990-01-01", "DE")
	s.login(&a)
	other := a
	s.login(&other)
	known := s.do("POST", "/api/v1/password-resets/requests", map[string]string{"email": email})
	unknown := s.do("POST", "/api/v1/password-resets/requests", map[string]string{"email": canary("nobody") + "@example.org"})
	if known.Status != 202 || unknown.Status != 202 || string(known.Body) != string(unknown.Body) {
		t.Fatalf("known %d %s, unknown %d %s", known.Status, known.Body, unknown.Status, unknown.Body)
	}
	m := relays["eu"].Wait(t, email, "Set a new password")
	token := linkToken(t, m.Link(s.URL()+"/reset-password"))
	reset := func(tok, pw string) *response {
		return s.do("POST", "/api/v1/password-resets", map[string]string{"token": tok, "password": pw})
	}
	// Forged: a changed token, another region's prefix, garbage.
	for _, bad := range []string{token[:len(token)-2] + "xx", "us" + token[2:], "garbage"} {
		if r := reset(bad, "a forged new passphrase"); r.Status != 404 {
			t.Fatalf("forged %q: %d %s", bad, r.Status, r.Body)
		}
	}
	resetTokens := func() map[string]bool {
		out := map[string]bool{}
		for _, sm := range relays["eu"].To(t, email) {
			if strings.Contains(sm.Subject, "new password") {
				out[linkToken(t, relays["eu"].Read(t, sm.ID).Link(s.URL()+"/reset-password"))] = true
			}
		}
		return out
	}
	// Expired: a second link, and both moved an hour back.
	s.do("POST", "/api/v1/password-resets/requests", map[string]string{"email": email})
	waitFor(t, "two reset mails", func() bool { return len(resetTokens()) == 2 })
	if _, err := rawSQL(s.Cell("eu")).Exec(`UPDATE password_resets SET expires_at = $1`, time.Now().Add(-time.Minute).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	if r := reset(token, "an expired new passphrase"); r.Status != 404 || !strings.Contains(string(r.Body), "not valid") {
		t.Fatalf("expired: %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+a.Token); r.Status != 200 {
		t.Fatalf("a refused link ended a session: %d", r.Status)
	}
	seen := resetTokens()
	s.do("POST", "/api/v1/password-resets/requests", map[string]string{"email": email})
	var fresh string
	waitFor(t, "a third reset mail", func() bool {
		for tok := range resetTokens() {
			if !seen[tok] {
				fresh = tok
			}
		}
		return fresh != ""
	})
	newPassword := "a fresh mailed passphrase"
	if r := reset(fresh, newPassword); r.Status != 204 {
		t.Fatalf("reset with %s (seen %v): %d %s", fresh, seen, r.Status, r.Body)
	}
	for _, tok := range []string{a.Token, other.Token} {
		if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+tok); r.Status != 401 {
			t.Fatalf("a session after the reset: %d", r.Status)
		}
	}
	if r := reset(fresh, "yet another passphrase"); r.Status != 404 {
		t.Fatalf("reused: %d %s", r.Status, r.Body)
	}
	a.Password = newPassword
	s.login(&a)
	// Limited: past five requests for one address in an hour, 429.
	var last *response
	for range 6 {
		last = s.do("POST", "/api/v1/password-resets/requests", map[string]string{"email": email})
	}
	if last.Status != http.StatusTooManyRequests {
		t.Fatalf("the sixth request in an hour: %d %s", last.Status, last.Body)
	}
}

// enrolTOTP turns two-factor sign-in on for a signed-in account and
// returns the secret and the recovery codes; the session it used now has a
// second factor.
func (s *server) enrolTOTP(a *account) (string, []string) {
	s.t.Helper()
	auth := []string{"Authorization", "Bearer " + a.Token}
	r := s.do("POST", "/api/v1/me/totp", nil, auth...)
	if r.Status != 200 {
		s.t.Fatalf("totp: %d %s", r.Status, r.Body)
	}
	var en struct{ Secret, URL, QR string }
	r.json(s.t, &en)
	if !strings.HasPrefix(en.QR, "data:image/png;base64,") || !strings.HasPrefix(en.URL, "otpauth://totp/") {
		s.t.Fatalf("enrolment: %+v", en)
	}
	code, _ := totp.GenerateCode(en.Secret, time.Now())
	r = s.do("POST", "/api/v1/me/totp/confirm", map[string]string{"code": code}, auth...)
	if r.Status != 200 {
		s.t.Fatalf("totp confirm: %d %s", r.Status, r.Body)
	}
	var out struct {
		Codes []string `json:"recovery_codes"`
	}
	r.json(s.t, &out)
	return en.Secret, out.Codes
}

// TestTOTPSignIn: with TOTP on, sign-in needs a code; a code's time step
// is accepted once; a recovery code works once; a moderator without a
// second factor is refused staff actions, and allowed with one.
func TestTOTPSignIn(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	a := s.signUp("twofa", canary("t")+"@example.org", "1990-01-01", "DE")
	s.login(&a)
	if err := s.Cell("eu").Staff.Grant(t.Context(), "cli", a.ID, cell.RoleModerator); err != nil {
		t.Fatal(err)
	}
	queue := func(tok string) *response {
		return s.do("GET", "/api/v1/moderation/eu/queue", nil, "Authorization", "Bearer "+tok)
	}
	if r := queue(a.Token); r.Status != 403 || !strings.Contains(string(r.Body), "two-factor") {
		t.Fatalf("a moderator without a second factor: %d %s", r.Status, r.Body)
	}
	secret, codes := s.enrolTOTP(&a)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes", len(codes))
	}
	if r := queue(a.Token); r.Status != 200 {
		t.Fatalf("the moderator after enrolment: %d %s", r.Status, r.Body)
	}
	login := func(code string) *response {
		return s.do("POST", "/api/v1/sessions", map[string]string{"login": "twofa", "password": a.Password, "code": code})
	}
	if r := login(""); r.Status != 401 || !strings.Contains(string(r.Body), `"field":"code"`) {
		t.Fatalf("without a code: %d %s", r.Status, r.Body)
	}
	if r := login("000000"); r.Status != 401 {
		t.Fatalf("a wrong code: %d %s", r.Status, r.Body)
	}
	// The enrolment used the current step; the next one is accepted
	// already (one step of clock skew either way).
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	r := login(code)
	if r.Status != 201 {
		t.Fatalf("a fresh code: %d %s", r.Status, r.Body)
	}
	var out struct{ Token string }
	r.json(t, &out)
	a.Token = out.Token
	if r := login(code); r.Status != 401 || !strings.Contains(string(r.Body), "used already") {
		t.Fatalf("the same code again: %d %s", r.Status, r.Body)
	}
	if r := queue(a.Token); r.Status != 200 {
		t.Fatalf("the moderator signed in with a code: %d %s", r.Status, r.Body)
	}
	if r := login(strings.ToUpper(codes[3])); r.Status != 201 {
		t.Fatalf("a recovery code: %d %s", r.Status, r.Body)
	}
	if r := login(codes[3]); r.Status != 401 {
		t.Fatalf("a recovery code twice: %d %s", r.Status, r.Body)
	}
}

// TestSignInAlert: the first device raises no alert; a sign-in from a new
// device puts an entry in the inbox and mails a link that ends that
// session.
func TestSignInAlert(t *testing.T) {
	t.Parallel()
	s, relays := mailServer(t)
	email := canary("alert") + "@example.org"
	a := s.signUp("alerted", email, "1990-01-01", "DE")
	first := s.do("POST", "/api/v1/sessions", map[string]string{"login": "alerted", "password": a.Password})
	device := ""
	for _, c := range first.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "kurz_device=") {
			device = strings.SplitN(c, ";", 2)[0]
		}
	}
	if device == "" {
		t.Fatal("no device cookie")
	}
	again := s.do("POST", "/api/v1/sessions", map[string]string{"login": "alerted", "password": a.Password}, "Cookie", device)
	if again.Status != 201 {
		t.Fatalf("again: %d", again.Status)
	}
	b := a
	s.login(&b) // no cookie: a new device
	m := relays["eu"].Wait(t, email, "New sign-in")
	if len(relays["eu"].To(t, email)) != 2 { // the confirmation and one alert
		t.Fatalf("%d mails", len(relays["eu"].To(t, email)))
	}
	if m.Headers["List-Unsubscribe"] == nil {
		t.Fatalf("no List-Unsubscribe on a notification mail: %v", m.Headers)
	}
	var notes struct{ Items []struct{ Kind string } }
	s.do("GET", "/api/v1/me/notifications", nil, "Authorization", "Bearer "+b.Token).json(t, &notes)
	if len(notes.Items) != 1 || notes.Items[0].Kind != "signin_alert" {
		t.Fatalf("notifications: %+v", notes)
	}
	if r := s.do("POST", "/api/v1/sessions/end", map[string]string{"token": linkToken(t, m.Link(s.URL()+"/account/end-session"))}); r.Status != 204 {
		t.Fatalf("ending the session: %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+b.Token); r.Status != 401 {
		t.Fatalf("the alerted session after ending it: %d", r.Status)
	}
}
