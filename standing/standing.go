// Package standing keeps people's account standing: what a decision of
// any region means for the account of a person of this one. A decision
// about a person of another region (the author of a comment on a video
// there) reaches this region, their home, over the link; a suspension or
// termination ends their sessions and refuses sign-in until the end date
// or for good, the visibility policy hides what the decision hides (a
// termination: everything, republished on the public log), a terminated
// person's comments are hidden in every region, and the statement of
// reasons goes to their inbox. It never imports another concern.
package standing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"kurz"
	"kurz/cell"
	"kurz/link"
)

// MaxSuspension is the longest suspension another region may ask for
// (safety.MaxSuspension, with a day's slack either side for clocks and
// time zones).
const MaxSuspension = 2*366*24*time.Hour + 48*time.Hour

// Service keeps the account standing of one region's people.
type Service struct {
	*cell.Cell
	// Decisions records the automated decisions of the strike rule; set
	// after New, once the service it is exists.
	Decisions Decisions
}

// Decisions records automated decisions (package safety).
type Decisions interface {
	// StrikeSuspension records the automated decision suspending a person
	// of this region until until under the strike rule, for the strikes
	// of the decisions listed, in q; it returns the decision's ID and its
	// statement of reasons.
	StrikeSuspension(ctx context.Context, q kurz.Queries, person string, strikes []string, until time.Time) (id string, statement any, err error)
}

// The strike rule: every StrikesToSuspend strikes within StrikeWindow
// that have not yet counted toward a suspension suspend the account for
// StrikeSuspension, by an automated decision with its own statement of
// reasons (sent to the person, appealable like any decision). Strikes
// count in the person's home region, whichever region gave them; a
// longer suspension or a termination already in force stands, and the
// strikes then stay uncounted (they may count toward a later one within
// their window). A strike reversed on appeal no longer counts; a
// suspension it already counted toward stands until it is appealed
// itself.
const (
	StrikesToSuspend = 3
	StrikeWindow     = 90 * 24 * time.Hour
	StrikeSuspension = 7 * 24 * time.Hour
)

// strike records a strike of decision decisionID against a person of
// this region, in q, and applies the strike rule.
func (c *Service) strike(ctx context.Context, tx *sql.Tx, q kurz.Queries, person, decisionID string) error {
	now := c.Now().UTC()
	if added, err := q.AddStrike(ctx, person, decisionID, now); err != nil || !added {
		return err
	}
	ids, err := q.UncountedStrikes(ctx, person, now.Add(-StrikeWindow))
	if err != nil || len(ids) < StrikesToSuspend {
		return err
	}
	acct, err := q.AccountByID(ctx, person)
	if err != nil {
		return err
	}
	until := now.Add(StrikeSuspension)
	if acct.SuspendedUntil.After(until) {
		return nil
	}
	id, st, err := c.Decisions.StrikeSuspension(ctx, q, person, ids, until)
	if err != nil {
		return err
	}
	if err := q.CountStrikes(ctx, person, ids, id); err != nil {
		return err
	}
	if err := c.Apply(ctx, tx, q, link.AccountDecisionRequest{DecisionID: id, Person: person, Effect: link.EffectSuspend, Until: until}); err != nil {
		return err
	}
	return c.Inbox.Notify(ctx, q, person, "statement_of_reasons", st)
}

// New returns the standing service of region c and registers its jobs.
func New(c *cell.Cell) *Service {
	s := &Service{Cell: c}
	river.AddWorker(c.Workers, &accountDecisionWorker{c: s})
	river.AddWorker(c.Workers, &hideAuthorWorker{c: s})
	return s
}

// RegisterLink registers the decisions of other regions about people of
// this one on m.
func (c *Service) RegisterLink(m *link.Mux) {
	link.Handle(m, link.RouteAccountDecision, func(ctx context.Context, from kurz.Region, in *link.AccountDecisionRequest) (*link.Empty, error) {
		return nil, c.receive(ctx, from, in)
	})
}

// forever is the suspension end that records a termination.
var forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// terminated reports whether a suspension end is a termination.
func terminated(until time.Time) bool { return until.Year() >= 9999 }

// Send enqueues, in tx, the job that sends a decision about a person of
// another region to their home region.
func (c *Service) Send(ctx context.Context, tx *sql.Tx, req link.AccountDecisionRequest) error {
	region, err := kurz.ParseID(req.Person)
	if err != nil {
		return err
	}
	_, err = c.Jobs.InsertTx(ctx, tx, AccountDecisionArgs{Region: region, Request: req}, nil)
	return err
}

// receive is the home region's side: a decision of region
// from about a person of this region.
func (c *Service) receive(ctx context.Context, from kurz.Region, in *link.AccountDecisionRequest) error {
	if r, err := kurz.ParseID(in.DecisionID); err != nil || r != from {
		return kurz.Errorf(kurz.EForbidden, "a region may only send its own decisions")
	}
	if r, err := kurz.ParseID(in.Person); err != nil || r != c.Region {
		return kurz.ErrNotFound
	}
	switch in.Effect {
	case link.EffectNone, link.EffectStrike, link.EffectTerminate:
	case link.EffectLift:
		if r, err := kurz.ParseID(in.Reverses); err != nil || r != from {
			return kurz.FieldError("reverses", "a lift names the decision of the calling region it reverses")
		}
	case link.EffectSuspend:
		if !in.Until.After(c.Now()) || in.Until.Sub(c.Now()) > MaxSuspension {
			return kurz.FieldError("until", "a suspension ends after today and at most two years ahead")
		}
	default:
		return kurz.FieldError("effect", "unknown effect")
	}
	if !json.Valid(in.Statement) || len(in.Statement) == 0 {
		return kurz.FieldError("statement", "a decision comes with its statement of reasons")
	}
	return c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		if _, err := q.AccountByID(ctx, in.Person); err != nil {
			return err
		}
		if err := c.Apply(ctx, tx, q, *in); err != nil {
			return err
		}
		return c.Inbox.Notify(ctx, q, in.Person, "statement_of_reasons", in.Statement)
	})
}

// Apply applies what a decision means for the account of a person of
// this region (req.Effect, link.Effect…) in transaction q (tx for its
// jobs): a suspension (until; one already lasting longer is not
// shortened) or a termination ends their sessions and refuses sign-in; a
// strike counts toward a suspension (the strike rule); a lift takes back
// the strike, suspension or termination of the decision it reverses. The
// policy then decides what of theirs stays up (a suspension keeps the
// content, a termination hides it), republished for every region; a
// termination or its lift hides or shows their comments in every region.
func (c *Service) Apply(ctx context.Context, tx *sql.Tx, q kurz.Queries, req link.AccountDecisionRequest) error {
	person, effect, until := req.Person, req.Effect, req.Until
	acct, err := q.AccountByID(ctx, person)
	if err != nil {
		return err
	}
	switch effect {
	case link.EffectStrike:
		return c.strike(ctx, tx, q, person, req.DecisionID)
	case link.EffectTerminate:
		until = forever
	case link.EffectSuspend:
		if acct.SuspendedUntil.After(until) {
			until = acct.SuspendedUntil
		}
	case link.EffectLift:
		if struck, err := q.DeleteStrike(ctx, person, req.Reverses); err != nil || struck {
			return err // a strike taken back; a suspension it counted toward stands (it has its own appeal)
		}
		until = time.Time{}
	default:
		return nil
	}
	if err := q.SuspendAccount(ctx, person, until); err != nil {
		return err
	}
	if effect != link.EffectLift {
		c.Sessions.ForgetPerson(person)
		if err := q.DeleteSessionsOf(ctx, person); err != nil {
			return err
		}
	}
	if err := c.Outbox.SyncPersonLog(ctx, q, person); err != nil {
		return err
	}
	if terminated(acct.SuspendedUntil) == terminated(until) {
		return nil
	}
	_, err = c.Jobs.InsertManyTx(ctx, tx, c.HideAuthorJobs(person))
	return err
}

// AccountDecisionArgs sends a decision to the affected person's home
// region.
type AccountDecisionArgs struct {
	Region  kurz.Region                 `json:"region"`
	Request link.AccountDecisionRequest `json:"request"`
}

// Kind names the job.
func (AccountDecisionArgs) Kind() string { return "account_decision" }

// InsertOpts retries for about a day.
func (AccountDecisionArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

type accountDecisionWorker struct {
	river.WorkerDefaults[AccountDecisionArgs]
	c *Service
}

func (w *accountDecisionWorker) Work(ctx context.Context, job *river.Job[AccountDecisionArgs]) error {
	err := w.c.Link.AccountDecision(ctx, job.Args.Region, job.Args.Request)
	if kurz.ErrorCode(err) == kurz.ENotFound {
		return river.JobCancel(err) // the person is gone (erased)
	}
	return err
}

type hideAuthorWorker struct {
	river.WorkerDefaults[cell.HideAuthorArgs]
	c *Service
}

func (w *hideAuthorWorker) Work(ctx context.Context, job *river.Job[cell.HideAuthorArgs]) error {
	acct, err := w.c.Store.AccountByID(ctx, job.Args.Author)
	if errors.Is(err, kurz.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("hide comments: the person is gone: %w", err))
	}
	if err != nil {
		return err
	}
	hidden := terminated(acct.SuspendedUntil) || w.c.Hidden(ctx, job.Args.Author)
	return w.c.Link.HideAuthor(ctx, job.Args.Region, link.HideAuthorRequest{Author: job.Args.Author, Hidden: hidden})
}
