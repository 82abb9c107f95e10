package web

import (
	"strings"
	"testing"
)

// TestAccountPages: the pages behind mail links and the forgotten-password
// form render in both languages, are not indexed and send no referrer
// (their URLs hold tokens); other names under /account/ are 404.
func TestAccountPages(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	for path, want := range map[string][2]string{
		"/account/verify-email?token=eu.x": {"Confirm your email address", "E-Mail-Adresse bestätigen"},
		"/account/forgot-password":         {"Forgot your password?", "Passwort vergessen?"},
		"/account/end-session?token=eu.x":  {"End a session", "Sitzung beenden"},
	} {
		for i, lang := range []string{"en", "de"} {
			res, body := bn.get(t, req{path: path, lang: lang})
			if res.StatusCode != 200 || !strings.Contains(body, want[i]) || !strings.Contains(body, `id="account-form"`) {
				t.Fatalf("%s (%s): %d, missing %q", path, lang, res.StatusCode, want[i])
			}
			if res.Header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(body, "noindex") {
				t.Errorf("%s: Referrer-Policy %q, noindex %v", path, res.Header.Get("Referrer-Policy"), strings.Contains(body, "noindex"))
			}
			if !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("%s: CSP %q", path, res.Header.Get("Content-Security-Policy"))
			}
		}
	}
	if res, _ := bn.get(t, req{path: "/account/settings"}); res.StatusCode != 404 {
		t.Fatalf("/account/settings: %d", res.StatusCode)
	}
	// The sign-in form offers the code field (hidden until asked), passkeys
	// and the forgotten-password page.
	_, body := bn.get(t, req{path: "/signin"})
	for _, want := range []string{`class="signin-code" hidden`, `data-action="passkey-signin"`, `href="/account/forgot-password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-in page lacks %s", want)
		}
	}
}
