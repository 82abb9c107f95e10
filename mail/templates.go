package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"
)

// Kinds of mail.
const (
	KindVerify       = "verify"        // confirm the address given at sign-up
	KindSignupTaken  = "signup_taken"  // someone tried to sign up with an address that has an account
	KindVerifyNew    = "verify_new"    // confirm a new address (change of email)
	KindEmailChanged = "email_changed" // to the old address: it was replaced
	KindReset        = "reset"         // a link that sets a new password
	KindSignInAlert  = "signin_alert"  // a sign-in from a new device (notification mail)
)

// text is one template in one language: a subject and a body of
// paragraphs; {{.Link}} stands alone on a line of its own in the body.
type text struct{ subject, body string }

var templates = map[string]map[string]text{
	KindVerify: {
		"en": {"Confirm your email address for kurz", "Hello @{{.Data.handle}},\n\nplease confirm that this is your email address by opening this link within 7 days:\n\n{{.Link}}\n\nIf you did not sign up for kurz, ignore this mail; the account stays unconfirmed."},
		"de": {"Bestätige deine E-Mail-Adresse für kurz", "Hallo @{{.Data.handle}},\n\nbitte bestätige innerhalb von 7 Tagen mit diesem Link, dass dies deine E-Mail-Adresse ist:\n\n{{.Link}}\n\nWenn du dich nicht bei kurz angemeldet hast, ignoriere diese Mail."},
	},
	KindSignupTaken: {
		"en": {"Someone tried to sign up to kurz with your address", "Hello,\n\nsomeone just tried to make a new kurz account with this email address, which already has an account. Nothing was changed.\n\nIf it was you and you forgot your password, you can set a new one here:\n\n{{.Link}}\n\nIf it was not you, you need not do anything."},
		"de": {"Jemand wollte sich mit deiner Adresse bei kurz anmelden", "Hallo,\n\njemand hat gerade versucht, mit dieser E-Mail-Adresse ein neues kurz-Konto anzulegen; zu ihr gibt es schon ein Konto. Es wurde nichts geändert.\n\nWarst du es und hast dein Passwort vergessen, kannst du hier ein neues setzen:\n\n{{.Link}}\n\nWarst du es nicht, musst du nichts tun."},
	},
	KindVerifyNew: {
		"en": {"Confirm your new email address for kurz", "Hello @{{.Data.handle}},\n\nyou asked to use this address for your kurz account. Open this link within 7 days to confirm it:\n\n{{.Link}}\n\nUntil then your account keeps its old address."},
		"de": {"Bestätige deine neue E-Mail-Adresse für kurz", "Hallo @{{.Data.handle}},\n\ndu möchtest diese Adresse für dein kurz-Konto verwenden. Öffne innerhalb von 7 Tagen diesen Link, um sie zu bestätigen:\n\n{{.Link}}\n\nBis dahin behält dein Konto die alte Adresse."},
	},
	KindEmailChanged: {
		"en": {"The email address of your kurz account was changed", "Hello @{{.Data.handle}},\n\nthe email address of your kurz account was just replaced by another one. This address will get no more mail from kurz.\n\nIf you did not do this, set a new password at once and write to the operator:\n\n{{.Link}}"},
		"de": {"Die E-Mail-Adresse deines kurz-Kontos wurde geändert", "Hallo @{{.Data.handle}},\n\ndie E-Mail-Adresse deines kurz-Kontos wurde gerade durch eine andere ersetzt. An diese Adresse schickt kurz keine Mail mehr.\n\nWarst du das nicht, setze sofort ein neues Passwort und schreibe dem Betreiber:\n\n{{.Link}}"},
	},
	KindReset: {
		"en": {"Set a new password for kurz", "Hello @{{.Data.handle}},\n\nsomeone asked to set a new password for your kurz account. This link works once, for one hour:\n\n{{.Link}}\n\nSetting a new password signs you out everywhere. If you did not ask for this, ignore this mail; your password stays as it is."},
		"de": {"Setze ein neues Passwort für kurz", "Hallo @{{.Data.handle}},\n\njemand möchte ein neues Passwort für dein kurz-Konto setzen. Dieser Link funktioniert einmal, eine Stunde lang:\n\n{{.Link}}\n\nEin neues Passwort meldet dich überall ab. Wenn du das nicht wolltest, ignoriere diese Mail; dein Passwort bleibt, wie es ist."},
	},
	KindSignInAlert: {
		"en": {"New sign-in to your kurz account", "Hello @{{.Data.handle}},\n\nyour account was just signed in to from a device it had not used before ({{.Data.device}}, {{.Data.time}}).\n\nIf this was not you, end that session with this link and set a new password:\n\n{{.Link}}"},
		"de": {"Neue Anmeldung bei deinem kurz-Konto", "Hallo @{{.Data.handle}},\n\ndein Konto wurde gerade von einem Gerät aus angemeldet, das es noch nicht benutzt hatte ({{.Data.device}}, {{.Data.time}}).\n\nWarst du das nicht, beende diese Sitzung mit diesem Link und setze ein neues Passwort:\n\n{{.Link}}"},
	},
}

var htmlPage = htmltemplate.Must(htmltemplate.New("mail").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:36em">
{{range .Paragraphs}}{{if .Link}}<p><a href="{{.Link}}">{{.Link}}</a></p>{{else}}<p>{{.Text}}</p>{{end}}
{{end}}{{if .Unsubscribe}}<p style="color:#666;font-size:small"><a href="{{.Unsubscribe}}">{{.UnsubscribeText}}</a></p>{{end}}
</body></html>
`))

var unsubscribeText = map[string]string{"en": "Mail settings", "de": "Mail-Einstellungen"}

// Render returns a message's subject, plain text and HTML, in its
// language (English where the language has no template).
func Render(m *Message) (subject, plain, html string, err error) {
	byLang, ok := templates[m.Kind]
	if !ok {
		return "", "", "", fmt.Errorf("mail: no template %q", m.Kind)
	}
	lang := m.Lang
	if _, ok := byLang[lang]; !ok {
		lang = "en"
	}
	t := byLang[lang]
	var b bytes.Buffer
	tmpl, err := template.New("body").Option("missingkey=zero").Parse(t.body)
	if err != nil {
		return "", "", "", err
	}
	if err := tmpl.Execute(&b, m); err != nil {
		return "", "", "", err
	}
	plain = b.String()
	type para struct{ Text, Link string }
	var paras []para
	for _, p := range strings.Split(plain, "\n\n") {
		if p == m.Link && m.Link != "" {
			paras = append(paras, para{Link: p})
		} else {
			paras = append(paras, para{Text: p})
		}
	}
	if m.Unsubscribe != "" {
		plain += "\n\n-- \n" + unsubscribeText[lang] + ": " + m.Unsubscribe
	}
	b.Reset()
	err = htmlPage.Execute(&b, map[string]any{"Lang": lang, "Subject": t.subject, "Paragraphs": paras,
		"Unsubscribe": m.Unsubscribe, "UnsubscribeText": unsubscribeText[lang]})
	return t.subject, plain, b.String(), err
}
