package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"kurz"
	"kurz/app"
	"kurz/cell"
	"kurz/internal/browsertest"
)

// TestBrowserAccountTrust goes through the account pages in Chromium,
// with a mailpit as each region's relay and the DevTools virtual
// authenticator: sign up, the confirmation mail arrives from the home
// region's relay only and its link confirms; forgot the password, the mail's
// link sets a new one and every old session ends; a moderator without a
// second factor is refused the queue; TOTP is set up from its QR secret and
// a code computed here signs in, after which the queue opens; a passkey is
// registered and signs in without a password.
func TestBrowserAccountTrust(t *testing.T) {
	// Passkeys need a name as the site's origin: localhost, on a port
	// chosen here.
	port := freePort(t)
	s, relays := mailServer(t, func(c *app.Config) {
		c.Addr = fmt.Sprintf("127.0.0.1:%s", port)
		c.PublicURL = fmt.Sprintf("http://localhost:%s", port)
	})
	chrome := needBrowserE2E(t, s)
	base := s.Config.PublicURL
	bctx := browsertest.Start(t, chrome)
	ctx, cancel := context.WithTimeout(bctx, 120*time.Second)
	defer cancel()
	b := newTab(t, ctx)
	b.Do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
		return err
	}))
	viewer := `(JSON.parse(document.getElementById('kurz-boot').textContent).viewer || {}).handle`
	errors := `[...document.querySelectorAll('.form-error, .form-status, [role=status]')].map(e => e.textContent).join('|')`
	email := canary("ada.") + "@example.org"
	signOut := func() {
		b.Do(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`.nav-signout`)), chromedp.Click(chromedp.CSS(`.nav-signout`)))
		b.Wait("signed out", `!!document.querySelector('.nav-signin') && !`+viewer, "", 10*time.Second)
	}
	signIn := func(password string) {
		b.Do(chromedp.Navigate(base+"/signin"), chromedp.WaitVisible(chromedp.ID("signin-form")),
			chromedp.SendKeys(chromedp.ID("login"), "ada_trust"), chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
	}

	// 1. Sign up; the confirmation mail comes from eu's relay; its link
	// confirms.
	b.Do(chromedp.Navigate(base+"/signup"), chromedp.WaitVisible(chromedp.ID("signup-form")),
		chromedp.SendKeys(chromedp.ID("handle"), "ada_trust"), chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), "a good long passphrase"),
		chromedp.SetValue(chromedp.ID("birth_date"), "1990-05-01"), chromedp.SetValue(chromedp.ID("country"), "DE"),
		chromedp.Click(chromedp.CSS(`#signup-form button[type=submit]`)))
	b.Wait("signed in after sign-up", viewer+` === 'ada_trust'`, errors, 20*time.Second)
	m := relays["eu"].Wait(t, email, "Confirm your email")
	for _, r := range []kurz.Region{"us", "sg"} {
		if n := len(relays[r].All(t)); n != 0 {
			t.Fatalf("%s's relay got %d mails", r, n)
		}
	}
	verify := m.Link(base + "/account/verify-email")
	linkToken(t, verify) // fails with the link if it holds no token
	b.Do(chromedp.Navigate(verify), chromedp.WaitVisible(chromedp.ID("account-form")),
		chromedp.Click(chromedp.CSS(`#account-form button[type=submit]`)))
	b.Wait("confirmed", `document.querySelector('.form-status').textContent.includes('confirmed')`, errors, 10*time.Second)
	acct, err := s.Cell("eu").Store.ProfileByHandle(t.Context(), "ada_trust")
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Cell("eu").Store.AccountByID(t.Context(), acct.ID); a == nil || a.EmailVerifiedAt.IsZero() {
		t.Fatal("the link did not confirm the address")
	}

	// 2. Forgot the password: the mail's link sets a new one; every
	// session ends (one opened through the API stands for another device).
	other := account{Handle: "ada_trust", Password: "a good long passphrase"}
	s.login(&other)
	signOut()
	b.Do(chromedp.Navigate(base+"/account/forgot-password"), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email), chromedp.Click(chromedp.CSS(`#account-form button[type=submit]`)))
	b.Wait("reset asked", `document.querySelector('.form-status').textContent.includes('link')`, errors, 10*time.Second)
	m = relays["eu"].Wait(t, email, "Set a new password")
	newPassword := "a new mailed passphrase"
	b.Do(chromedp.Navigate(m.Link(base+"/reset-password")), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), newPassword), chromedp.Submit(chromedp.ID("password")))
	b.Wait("password set", `document.body.innerText.includes('new password is set')`, `document.body.innerText`, 10*time.Second)
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+other.Token); r.Status != 401 {
		t.Fatalf("the other device's session after the reset: %d", r.Status)
	}

	// 3. A moderator without a second factor is refused the queue.
	if err := s.Cell("eu").Staff.Grant(t.Context(), "cli", acct.ID, cell.RoleModerator); err != nil {
		t.Fatal(err)
	}
	signIn(newPassword)
	b.Wait("signed in with the new password", viewer+` === 'ada_trust'`, errors, 20*time.Second)
	b.Do(chromedp.Navigate(base + "/mod?region=eu"))
	b.Wait("the queue refused", `document.body.innerText.includes('two-factor')`, `document.body.innerText`, 10*time.Second)

	// 4. TOTP from the settings page; a code computed here signs in.
	b.Do(chromedp.Navigate(base+"/settings"), chromedp.WaitVisible(chromedp.CSS(`[data-action="totp-start"]`)),
		chromedp.Click(chromedp.CSS(`[data-action="totp-start"]`)))
	b.Wait("the QR code", `document.querySelector('.totp-qr').src.startsWith('data:image/png') && document.querySelector('.totp-qr').naturalWidth > 0`, errors, 10*time.Second)
	secret := b.Str(`document.querySelector('.totp-secret').textContent`)
	code, _ := totp.GenerateCode(secret, time.Now())
	b.Do(chromedp.SendKeys(chromedp.ID("totp-code"), code), chromedp.Click(chromedp.CSS(`#totp-form button[type=submit]`)))
	b.Wait("recovery codes", `document.querySelectorAll('.recovery-codes li').length === 10`, errors, 10*time.Second)
	signOut()
	signIn(newPassword)
	b.Wait("asked for the code", `!document.querySelector('.signin-code').hidden`, errors, 10*time.Second)
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // the enrolment used this step
	b.Do(chromedp.SendKeys(chromedp.ID("code"), next), chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
	b.Wait("signed in with a code", viewer+` === 'ada_trust'`, errors, 20*time.Second)
	b.Do(chromedp.Navigate(base + "/mod?region=eu"))
	b.Wait("the queue open", `document.body.innerText.includes('empty') || !!document.querySelector('table.queue tbody tr') || document.body.innerText.includes('Nothing')`,
		`document.body.innerText`, 10*time.Second)
	if strings.Contains(b.Str(`document.body.innerText`), "two-factor") {
		t.Fatal("the queue still refused after a sign-in with a code")
	}

	// 5. A passkey: registered from the settings, then it alone signs in.
	b.Do(chromedp.Navigate(base+"/settings"), chromedp.WaitVisible(chromedp.CSS(`[data-action="passkey-add"]`)),
		chromedp.Click(chromedp.CSS(`[data-action="passkey-add"]`)))
	b.Wait("passkey added", `document.querySelector('#passkey-form .form-status').textContent.length > 0`, errors, 15*time.Second)
	if keys, _ := s.Cell("eu").Store.PasskeysOf(t.Context(), acct.ID); len(keys) != 1 {
		t.Fatalf("%d passkeys stored", len(keys))
	}
	signOut()
	// A genuine answer carried to this site from another origin (its
	// client data rewritten to name it) is refused; no session is made.
	b.Do(chromedp.Navigate(base+"/signin"), chromedp.WaitVisible(chromedp.CSS(`[data-action="passkey-signin"]`)))
	b.Eval(`window.__wrong = ''; (async () => {
		const post = (p, body) => fetch(p, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
		const o = await (await post('/api/v1/sessions/passkey/options', {})).json();
		const j = (await navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(o.publicKey)})).toJSON();
		const b64 = (s) => s.replace(/-/g, '+').replace(/_/g, '/');
		const cd = JSON.parse(atob(b64(j.response.clientDataJSON)));
		cd.origin = 'http://kurz.evil.example';
		j.response.clientDataJSON = btoa(JSON.stringify(cd)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
		const r = await post('/api/v1/sessions/passkey', j);
		window.__wrong = r.status + ' ' + await r.text();
	})().catch((e) => { window.__wrong = 'error ' + e.message; }); 1`)
	b.Wait("the wrong origin's answer", `window.__wrong !== ''`, `window.__wrong`, 15*time.Second)
	if got := b.Str(`window.__wrong`); !strings.HasPrefix(got, "401 ") || !strings.Contains(got, "wrong site") {
		t.Fatalf("an answer from another origin: %s", got)
	}
	b.Do(chromedp.Reload())
	b.Wait("still signed out", `!!document.querySelector('.nav-signin') && !`+viewer, "", 10*time.Second)
	b.Do(chromedp.Click(chromedp.CSS(`[data-action="passkey-signin"]`)))
	b.Wait("signed in with the passkey", viewer+` === 'ada_trust'`, errors, 20*time.Second)
	b.NoDialogs("account pages")
}
