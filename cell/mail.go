package cell

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"kurz"
	"kurz/mail"
)

// Outgoing mail: a message to a person of this region waits in this
// region's database only (mail_queue), sealed with the person's data key
// because it holds an address, and a job per message delivers it through
// the region's own relay (or folder) and deletes it. Mail to a person of
// another region is asked of that region over the link; it never passes
// through this one.

// MailConfig is how a region sends mail.
type MailConfig struct {
	// Sender delivers: the region's SMTP relay, or a folder.
	Sender mail.Sender
	// From is the sender address.
	From string
	// BaseURL is the public origin that links in mail point to.
	BaseURL string
}

// SendMailArgs is the job that delivers one queued message.
type SendMailArgs struct {
	MailID string `json:"mail_id"`
}

// Kind names the job.
func (SendMailArgs) Kind() string { return "send_mail" }

// InsertOpts: a relay that is down is retried for about a day.
func (SendMailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

type sendMailWorker struct {
	river.WorkerDefaults[SendMailArgs]
	c *Cell
}

func (w *sendMailWorker) Timeout(*river.Job[SendMailArgs]) time.Duration { return time.Minute }

func (w *sendMailWorker) Work(ctx context.Context, job *river.Job[SendMailArgs]) error {
	return w.c.deliverMail(ctx, job.Args.MailID)
}

// QueueMail queues a message to a person of this region in the caller's
// transaction: the row and its job commit or roll back with the change
// that caused them.
func (c *Cell) QueueMail(ctx context.Context, tx *sql.Tx, q kurz.Queries, userID string, m *mail.Message) error {
	if r, err := kurz.ParseID(userID); err != nil || r != c.Region {
		return errors.New("mail: a region sends mail only to its own people")
	}
	dk, err := c.DataKey(ctx, userID)
	if err != nil {
		return err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	id := kurz.NewID(c.Region)
	if err := q.PutMail(ctx, &kurz.OutMail{ID: id, UserID: userID, Sealed: dk.Seal("mail:"+id, b), CreatedAt: c.Now().UTC()}); err != nil {
		return err
	}
	_, err = c.Jobs.InsertTx(ctx, tx, SendMailArgs{MailID: id}, nil)
	return err
}

// MailLink is an absolute link into the app for a mail.
func (c *Cell) MailLink(path string) string { return c.Mail.BaseURL + path }

// deliverMail sends one queued message and deletes it. A message whose
// person or key is gone (erased) is dropped.
func (c *Cell) deliverMail(ctx context.Context, id string) error {
	row, err := c.Store.MailByID(ctx, id)
	if errors.Is(err, kurz.ErrNotFound) {
		return nil // sent before, or erased with its person
	} else if err != nil {
		return err
	}
	dk, err := c.DataKey(ctx, row.UserID)
	if errors.Is(err, kurz.ErrNotFound) {
		return c.Store.DeleteMail(ctx, id)
	} else if err != nil {
		return err
	}
	b, err := dk.Open("mail:"+id, row.Sealed)
	if err != nil {
		c.Log.Error("mail: a queued message cannot be opened; dropped", "mail_id", id)
		return c.Store.DeleteMail(ctx, id)
	}
	var m mail.Message
	if err := json.Unmarshal(b, &m); err != nil {
		return c.Store.DeleteMail(ctx, id)
	}
	if c.Mail.Sender == nil {
		return errors.New("mail: no sender configured")
	}
	if err := c.Mail.Sender.Send(ctx, &m, c.Mail.From); err != nil {
		if kurz.ErrorCode(err) == kurz.EInvalid {
			c.Log.Warn("mail: undeliverable message dropped", "mail_id", id, "kind", m.Kind)
			return c.Store.DeleteMail(ctx, id)
		}
		c.Log.Warn("mail: delivery failed; will retry", "mail_id", id, "kind", m.Kind, "err", err)
		return err
	}
	c.Log.Info("mail sent", "mail_id", id, "kind", m.Kind, "user_id", row.UserID)
	return c.Store.DeleteMail(ctx, id)
}
