package standing

import (
	"bytes"
	"context"
	"slices"
	"time"

	"kurz"
)

// Notifiers whose notices keep needing no action are slowed to one notice
// an hour after SlowAfter unfounded ones, and suspended from reporting for
// ReportSuspension after SuspendAfter (DSA Art. 23). Never by count of
// reports against them: only by decisions on their own notices.
const (
	SlowAfter        = 3
	SuspendAfter     = 10
	ReportSuspension = 30 * 24 * time.Hour
)

// CheckNotifier refuses a notice (or slows it) from a notifier whose
// notices keep needing no action.
func (c *Service) CheckNotifier(ctx context.Context, hash []byte) error {
	n, until, err := c.Store.ReporterStanding(ctx, hash)
	if err != nil {
		return err
	}
	if until.After(c.Now()) {
		return kurz.Errorf(kurz.EForbidden, "you are suspended from reporting in this region until %s, because many of your notices needed no action", until.Format(time.DateOnly))
	}
	if n >= SlowAfter {
		last, err := c.Store.LastReportAt(ctx, hash)
		if err != nil {
			return err
		}
		if wait := last.Add(time.Hour).Sub(c.Now()); wait > 0 {
			return &kurz.Error{Code: kurz.ERateLimited, Message: "several of your notices needed no action; you can send one notice an hour", RetryAfter: int(wait.Seconds()) + 1}
		}
	}
	return nil
}

// CountUnfounded marks the notifiers of an item decided with no action,
// in transaction q.
func (c *Service) CountUnfounded(ctx context.Context, q kurz.Queries, itemID string) error {
	reports, err := q.ItemReports(ctx, itemID)
	if err != nil {
		return err
	}
	// In one order for every decision, so two decisions sharing notifiers
	// take their standing rows' locks without deadlocking on PostgreSQL.
	slices.SortFunc(reports, func(a, b kurz.ItemReport) int { return bytes.Compare(a.ReporterHash, b.ReporterHash) })
	for _, r := range reports {
		// The count comes back from the write itself, so two decisions at
		// once cannot both miss the threshold.
		n, err := q.AddUnfounded(ctx, r.ReporterHash, time.Time{}, c.Now())
		if err == nil && n >= SuspendAfter {
			err = q.SuspendReporter(ctx, r.ReporterHash, c.Now().Add(ReportSuspension))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
