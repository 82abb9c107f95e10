// Package mail composes and delivers kurz's outgoing mail: localized
// templates (plain text and HTML), delivery through a region's own SMTP
// relay, or into a folder where no relay is configured. It knows nothing of
// queues, people or regions (cell queues messages, sealed, in the home
// region) and imports only the root package.
package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"kurz"
)

// Message is one mail to send, as it waits in the queue (sealed, since it
// holds the address).
type Message struct {
	To   string `json:"to"`
	Lang string `json:"lang,omitempty"`
	// Kind names the template (see templates.go).
	Kind string `json:"kind"`
	// Link is the action the mail offers (verify, reset, end a session).
	Link string `json:"link,omitempty"`
	// Unsubscribe, for notification mail, is where the person turns such
	// mail off (List-Unsubscribe).
	Unsubscribe string `json:"unsubscribe,omitempty"`
	// Data fills the template (handle, device, time).
	Data map[string]string `json:"data,omitempty"`
}

// Sender delivers composed mail.
type Sender interface {
	Send(ctx context.Context, m *Message, from string) error
	// Describe names where mail goes, for the start-up log (no secrets).
	Describe() string
}

// compose renders m into a message from from.
func compose(m *Message, from string) (*gomail.Msg, error) {
	subject, text, html, err := Render(m)
	if err != nil {
		return nil, err
	}
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: sender address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, kurz.Errorf(kurz.EInvalid, "the address cannot receive mail")
	}
	msg.Subject(subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, text)
	msg.AddAlternativeString(gomail.TypeTextHTML, html)
	if m.Unsubscribe != "" {
		msg.SetGenHeader("List-Unsubscribe", "<"+m.Unsubscribe+">")
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	return msg, nil
}

// SMTP delivers through a relay named by a URL:
// smtp://user:pass@host:587 (STARTTLS required), smtps://…:465 (TLS from
// the start), or smtp://host:1025?tls=none (no TLS; for a relay on the
// same machine or a test server only: credentials are then refused).
type SMTP struct {
	host       string
	port       int
	user, pass string
	mode       string // "starttls", "tls", "none"
}

// ParseSMTP checks a relay URL.
func ParseSMTP(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("smtp relay: not a URL")
	}
	s := &SMTP{host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.mode, s.port = "starttls", 587
	case "smtps":
		s.mode, s.port = "tls", 465
	default:
		return nil, fmt.Errorf("smtp relay: the URL must start with smtp:// or smtps://")
	}
	if s.host == "" {
		return nil, fmt.Errorf("smtp relay: no host")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("smtp relay: bad port %q", p)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	switch t := u.Query().Get("tls"); t {
	case "":
	case "none":
		if s.mode == "tls" {
			return nil, fmt.Errorf("smtp relay: smtps:// always uses TLS")
		}
		if s.user != "" {
			return nil, fmt.Errorf("smtp relay: credentials are never sent without TLS")
		}
		s.mode = "none"
	default:
		return nil, fmt.Errorf("smtp relay: tls=%q: only tls=none is known", t)
	}
	return s, nil
}

// Describe names the relay without its credentials.
func (s *SMTP) Describe() string {
	return "smtp relay " + net.JoinHostPort(s.host, strconv.Itoa(s.port)) + " (" + s.mode + ")"
}

// Send delivers one message.
func (s *SMTP) Send(ctx context.Context, m *Message, from string) error {
	msg, err := compose(m, from)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(30 * time.Second)}
	switch s.mode {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return err
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		// The relay's answer may quote the address; the cause stays
		// out of logs (see cell's mail worker), the kind is kept.
		return errors.New("smtp relay refused or could not be reached")
	}
	return nil
}

// Folder writes each message as an .eml file into Dir: the region's mail
// when no relay is configured, for the operator to read or hand on.
type Folder struct{ Dir string }

// Describe names the folder.
func (f *Folder) Describe() string { return "folder " + f.Dir }

// Send writes one message.
func (f *Folder) Send(ctx context.Context, m *Message, from string) error {
	msg, err := compose(m, from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return err
	}
	name := filepath.Join(f.Dir, time.Now().UTC().Format("20060102T150405.000000000")+"-"+strings.ToLower(m.Kind)+".eml")
	tmp := name + ".tmp"
	file, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := msg.WriteTo(file); err != nil {
		file.Close()
		os.Remove(tmp)
		return err
	}
	if err := file.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, name)
}
