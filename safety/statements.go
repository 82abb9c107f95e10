package safety

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"kurz"
	"kurz/link"
	"kurz/transparency"
)

// sendToNotifiers delivers a statement to the region of each notice of
// the item (for an appeal, of the notifier who appealed), which passes it
// to its notifier.
func (c *Service) sendToNotifiers(ctx context.Context, it *kurz.QueueItem, st *transparency.Statement) {
	var to []kurz.ItemReport
	if it.Kind == "appeal" {
		a, err := c.Store.AppealByItem(ctx, it.ID)
		if err == nil && a.Party == "notifier" {
			to = append(to, kurz.ItemReport{NoticeID: a.NoticeID, NoticeRegion: a.NoticeRegion})
		} else if err != nil && !errors.Is(err, kurz.ErrNotFound) {
			c.Log.Warn("statement to an appellant", "err", err)
		}
	} else {
		reports, err := c.Store.ItemReports(ctx, it.ID)
		if err != nil {
			c.Log.Warn("statements to notifiers", "err", err)
			return
		}
		to = reports
	}
	for _, r := range to {
		raw, err := json.Marshal(st)
		if err == nil {
			err = c.Link.DeliverStatement(ctx, r.NoticeRegion, link.DeliverStatementRequest{NoticeID: r.NoticeID, Statement: raw})
		}
		if err != nil {
			c.Log.Warn("statement to a notifier's region", "region", r.NoticeRegion, "err", err)
		}
	}
}

// deliverStatement hands a statement to the notifier of a notice filed
// here. Only the region the notice went to (from) decides it.
func (c *Service) deliverStatement(ctx context.Context, from kurz.Region, noticeID string, st json.RawMessage) error {
	n, err := c.Store.NoticeByID(ctx, noticeID)
	if err != nil {
		return err
	}
	if n.TargetRegion != from {
		return kurz.ErrNotFound
	}
	if n.ReporterID == "" {
		return nil // anonymous: they read it with their receipt (GET /api/v1/reports/{id})
	}
	return c.Tx(ctx, func(q kurz.Queries) error {
		return c.Inbox.Notify(ctx, q, n.ReporterID, "statement_of_reasons", map[string]any{"notice_id": noticeID, "statement": st})
	})
}

// NoticeStatusJSON is what a notice's receipt shows: its queue item's
// status and, once decided, the statement of reasons.
type NoticeStatusJSON struct {
	Status     string    `json:"status"`
	NoticeID   string    `json:"notice_id"`
	ReceivedAt time.Time `json:"received_at"`
	// What the notice was about, as its notifier filed it.
	TargetType     string          `json:"target_type"`
	TargetID       string          `json:"target_id"`
	Category       string          `json:"category"`
	Waiting        string          `json:"waiting,omitempty"`
	Resolution     string          `json:"resolution,omitempty"`
	ResolutionText string          `json:"resolution_text,omitempty"`
	Statement      json.RawMessage `json:"statement,omitempty"` // a transparency.Statement
}

// NoticeStatus is what a receipt shows: the notice and the decision, if any.
func (c *Service) NoticeStatus(ctx context.Context, noticeID string) (*NoticeStatusJSON, error) {
	n, err := c.Store.NoticeByID(ctx, noticeID)
	if err != nil {
		return nil, err
	}
	item, err := c.Link.ItemStatus(ctx, n.TargetRegion, link.ItemStatusRequest{ID: n.ItemID})
	if err != nil {
		return nil, err
	}
	return &NoticeStatusJSON{Status: item.Status, NoticeID: n.ID, ReceivedAt: n.CreatedAt, TargetType: n.TargetType, TargetID: n.TargetID,
		Category: n.Category, Waiting: item.Waiting, Resolution: item.Resolution, ResolutionText: item.ResolutionText, Statement: item.Statement}, nil
}

// MaxMyReports is how many of their notices "my reports" shows a person.
const MaxMyReports = 50

// MyReports lists the notices a signed-in person filed, newest first,
// each with its status and statement. (A signed-out notifier keeps the
// receipt's ID, an unguessable secret, and reads it with NoticeStatus.)
func (c *Service) MyReports(ctx context.Context, viewer *kurz.Profile) ([]*NoticeStatusJSON, error) {
	ids, err := c.Store.NoticesBy(ctx, viewer.ID)
	if err != nil {
		return nil, err
	}
	out := []*NoticeStatusJSON{}
	for i := len(ids) - 1; i >= 0 && len(out) < MaxMyReports && err == nil; i-- {
		var st *NoticeStatusJSON
		if st, err = c.NoticeStatus(ctx, ids[i]); err == nil {
			out = append(out, st)
		}
	}
	return out, err
}

// itemStatus is a queue item's public status for a notice receipt: open,
// claimed, waiting (every moderator of the region is involved), decided
// with its statement, or resolved with its resolution.
func (c *Service) itemStatus(ctx context.Context, itemID string) (*link.ItemStatusResponse, error) {
	it, err := c.Store.ItemByID(ctx, itemID)
	if err != nil {
		return nil, err
	}
	if _, err := c.goneAndResolved(ctx, it); err != nil {
		return nil, err
	}
	if it, err = c.Store.ItemByID(ctx, itemID); err != nil {
		return nil, err
	}
	v := c.itemView(it)
	out := &link.ItemStatusResponse{Status: v.Status}
	switch it.Status {
	case "open", "claimed":
		staff, err := c.staffIDs(ctx)
		if err != nil {
			return nil, err
		}
		inv, err := c.involvement(ctx, c.Store, it)
		if err != nil {
			return nil, err
		}
		if !inv.anyFree(c, staff) {
			out.Status, out.Waiting = "waiting", "waiting for a moderator who is not involved in this content"
		}
	case "resolved":
		out.Resolution = it.Resolution
		if it.Resolution == removedByAuthor {
			out.ResolutionText = "resolved: removed by its author while under review; no decision was needed and your notice does not count as unfounded"
		}
	case "decided":
		ds, err := c.Store.DecisionsAbout(ctx, it.TargetID)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.ItemID == it.ID {
				if out.Statement, err = json.Marshal(transparency.StatementOf(d)); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}
