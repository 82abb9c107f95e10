package mail_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kurz/internal/mailtest"
	"kurz/mail"
)

func TestParseSMTP(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"smtp://user:secret@relay.example:587":      "smtp relay relay.example:587 (starttls)",
		"smtp://relay.example":                      "smtp relay relay.example:587 (starttls)",
		"smtps://user:secret@relay.example":         "smtp relay relay.example:465 (tls)",
		"smtp://127.0.0.1:1025?tls=none":            "smtp relay 127.0.0.1:1025 (none)",
		"http://relay.example":                      "",
		"smtp://":                                   "",
		"smtp://relay.example:99999":                "",
		"smtp://user:secret@relay.example?tls=none": "", // never credentials in the clear
		"smtps://relay.example?tls=none":            "",
		"smtp://relay.example?tls=maybe":            "",
	} {
		s, err := mail.ParseSMTP(raw)
		switch {
		case want == "" && err == nil:
			t.Errorf("%s: accepted", raw)
		case want != "" && err != nil:
			t.Errorf("%s: %v", raw, err)
		case want != "" && s.Describe() != want:
			t.Errorf("%s: %s, want %s", raw, s.Describe(), want)
		}
		if s != nil && strings.Contains(s.Describe(), "secret") {
			t.Errorf("%s: the description shows the password", raw)
		}
	}
}

// TestRender: every kind has both languages; the link stands in the text
// and as a link in the HTML; text from the data is escaped in HTML.
func TestRender(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{mail.KindVerify, mail.KindSignupTaken, mail.KindVerifyNew, mail.KindEmailChanged, mail.KindReset, mail.KindSignInAlert} {
		for _, lang := range []string{"en", "de"} {
			m := &mail.Message{To: "a@example.org", Lang: lang, Kind: kind, Link: "https://kurz.example/x?token=a&b=c",
				Data: map[string]string{"handle": "ada", "device": "<b>Firefox</b>", "time": "now"}}
			subject, text, html, err := mail.Render(m)
			if err != nil || subject == "" {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			if !strings.Contains(text, m.Link) || !strings.Contains(html, `href="https://kurz.example/x?token=a&amp;b=c"`) {
				t.Errorf("%s/%s: link missing:\n%s\n%s", kind, lang, text, html)
			}
			if strings.Contains(html, "<b>Firefox</b>") {
				t.Errorf("%s/%s: data not escaped in HTML", kind, lang)
			}
		}
	}
	if _, _, _, err := mail.Render(&mail.Message{Kind: "nonsense"}); err == nil {
		t.Error("an unknown kind rendered")
	}
}

// TestSMTPAndFolder: a message sent through a real SMTP server arrives
// as text and HTML, in its language, with List-Unsubscribe for
// notification mail; without a relay it lands in a folder.
func TestSMTPAndFolder(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	relay, err := mail.ParseSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	m := &mail.Message{To: "ada@example.org", Lang: "de", Kind: mail.KindSignInAlert, Link: "https://kurz.example/account/end-session?token=t",
		Unsubscribe: "https://kurz.example/settings", Data: map[string]string{"handle": "ada", "device": "Firefox", "time": "now"}}
	if err := relay.Send(t.Context(), m, "kurz <no-reply@kurz.example>"); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, "ada@example.org", "Neue Anmeldung")
	if !strings.Contains(got.Text, "Firefox") || !strings.Contains(got.HTML, "<a href=") || got.From.Address != "no-reply@kurz.example" {
		t.Fatalf("caught: %+v", got)
	}
	if u := got.Headers["List-Unsubscribe"]; len(u) != 1 || u[0] != "<https://kurz.example/settings>" {
		t.Fatalf("List-Unsubscribe: %v", got.Headers)
	}
	if err := relay.Send(t.Context(), &mail.Message{To: "not an address", Kind: mail.KindReset}, "kurz <no-reply@kurz.example>"); err == nil {
		t.Fatal("a message to no address was sent")
	}

	dir := filepath.Join(t.TempDir(), "mail")
	if err := (&mail.Folder{Dir: dir}).Send(t.Context(), m, "kurz <no-reply@kurz.example>"); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("folder: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "List-Unsubscribe") || !strings.Contains(string(b), "multipart/alternative") {
		t.Fatalf("the file:\n%s", b)
	}
}
