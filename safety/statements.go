package safety

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"kurz"
	"kurz/link"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Statement is a statement of reasons (DSA Art. 17), in the field names of
// the EU transparency database. It names no person.
type Statement struct {
	PUID                           string   `json:"puid"`
	DecisionVisibility             string   `json:"decision_visibility,omitempty"`
	DecisionAccount                string   `json:"decision_account,omitempty"`
	DecisionProvision              string   `json:"decision_provision,omitempty"`
	DecisionGround                 string   `json:"decision_ground"`
	IllegalContentLegalGround      string   `json:"illegal_content_legal_ground,omitempty"`
	IllegalContentExplanation      string   `json:"illegal_content_explanation,omitempty"`
	IncompatibleContentGround      string   `json:"incompatible_content_ground,omitempty"`
	IncompatibleContentExplanation string   `json:"incompatible_content_explanation,omitempty"`
	Category                       string   `json:"category"`
	ContentType                    []string `json:"content_type"`
	TerritorialScope               []string `json:"territorial_scope"`
	ContentDate                    string   `json:"content_date,omitempty"`
	ApplicationDate                string   `json:"application_date"`
	EndDateVisibilityRestriction   string   `json:"end_date_visibility_restriction,omitempty"`
	DecisionFacts                  string   `json:"decision_facts"`
	SourceType                     string   `json:"source_type"`
	AutomatedDetection             string   `json:"automated_detection"`
	AutomatedDecision              string   `json:"automated_decision"`
	PlatformName                   string   `json:"platform_name"`
	// Not in the database export: the appeal route for the people concerned.
	Appeal   string `json:"how_to_appeal,omitempty"`
	AppealOf string `json:"appeal_of,omitempty"`
	// AppealURL is the page (a path on this site) where a party appeals;
	// AppealOutcome says how an appeal ended (reversed, upheld).
	AppealURL     string `json:"appeal_url,omitempty"`
	AppealOutcome string `json:"appeal_outcome,omitempty"`

	at time.Time // the decision's time, for paging
}

var yesNo = map[bool]string{true: "Yes", false: "No"}

// statement builds the statement of reasons of a decision.
func (c *Service) statement(d *kurz.Decision, it *kurz.QueueItem) *Statement {
	st := &Statement{PUID: d.ID, Category: d.Category, ApplicationDate: d.CreatedAt.Format(time.DateOnly),
		DecisionFacts: d.Facts, PlatformName: "kurz", AutomatedDetection: yesNo[d.AutomatedDetection],
		AutomatedDecision: map[bool]string{true: "AUTOMATED_DECISION_FULLY", false: "AUTOMATED_DECISION_NOT_AUTOMATED"}[d.AutomatedDecision],
		SourceType:        "SOURCE_ARTICLE_16", AppealOf: d.AppealOf, AppealOutcome: map[string]string{"reverse": "reversed", "uphold": "upheld"}[d.Action]}
	// Own initiative: automated detection or decision, or the operator at
	// the command line.
	if d.AutomatedDetection || d.AutomatedDecision || IsOperator(d.ModeratorID) {
		st.SourceType = "SOURCE_VOLUNTARY"
	}
	if st.DecisionFacts == "" {
		st.DecisionFacts = d.Explanation
	}
	switch d.TargetType {
	case "video":
		st.ContentType = []string{"CONTENT_TYPE_VIDEO"}
	case "comment":
		st.ContentType = []string{"CONTENT_TYPE_TEXT"}
	default:
		st.ContentType = []string{"CONTENT_TYPE_OTHER"}
	}
	st.TerritorialScope = strings.Fields(d.TerritorialScope)
	switch d.Action {
	case "remove":
		st.DecisionVisibility = "DECISION_VISIBILITY_CONTENT_REMOVED"
	case "restrict":
		st.DecisionVisibility = "DECISION_VISIBILITY_CONTENT_DISABLED"
	case "age_restrict":
		st.DecisionVisibility = "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED"
	case "reduce_reach":
		st.DecisionVisibility = "DECISION_VISIBILITY_CONTENT_DEMOTED"
	case "label":
		st.DecisionVisibility = "DECISION_VISIBILITY_CONTENT_LABELLED"
	case "strike", "suspend":
		st.DecisionAccount = "DECISION_ACCOUNT_SUSPENDED"
	case "terminate":
		st.DecisionAccount = "DECISION_ACCOUNT_TERMINATED"
	case "no_action", "uphold", "reverse":
		st.DecisionVisibility = "DECISION_VISIBILITY_OTHER"
	}
	if !d.EndDate.IsZero() {
		st.EndDateVisibilityRestriction = d.EndDate.Format(time.DateOnly)
	}
	if d.Ground == "illegal" {
		st.DecisionGround = "DECISION_GROUND_ILLEGAL_CONTENT"
		st.IllegalContentLegalGround, st.IllegalContentExplanation = d.LegalGround, d.Explanation
	} else {
		st.DecisionGround = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
		st.IncompatibleContentGround, st.IncompatibleContentExplanation = "kurz terms of service", d.Explanation
	}
	if d.AppealOf == "" {
		st.AppealURL = "/appeal/" + d.ID
		st.Appeal = "If this decision is about you or you reported the content, you can appeal it once, within 6 months, on " + st.AppealURL + ". A moderator who had no part in it decides."
	}
	st.at = d.CreatedAt
	return st
}

// sendToNotifiers delivers a statement to the region of each notice of
// the item (for an appeal, of the notifier who appealed), which passes it
// to its notifier.
func (c *Service) sendToNotifiers(ctx context.Context, it *kurz.QueueItem, st *Statement) {
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
	Statement      json.RawMessage `json:"statement,omitempty"` // a Statement
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
				if out.Statement, err = json.Marshal(c.statement(d, it)); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// Page sizes of the transparency export.
const (
	DefaultStatementPage = 100
	MaxStatementPage     = 1000
)

// StatementPage is a page of the transparency export.
type StatementPage struct {
	Statements []*Statement `json:"statements"`
	NextCursor string       `json:"next_cursor,omitempty"`

	limit int // the page size asked for
}

// Transparency lists a page of the statements of reasons of this region's
// decisions in [from, to), oldest first, without personal data.
func (c *Service) Transparency(ctx context.Context, from, to time.Time, cursor, size string) (*StatementPage, error) {
	after, err := ParseStatementCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize(size, DefaultStatementPage, MaxStatementPage)
	if err != nil {
		return nil, err
	}
	ds, err := c.Store.Decisions(ctx, from, to, after, limit+1)
	if err != nil {
		return nil, err
	}
	page := &StatementPage{Statements: make([]*Statement, 0, min(len(ds), limit)), limit: limit}
	for i, d := range ds {
		if i == limit {
			page.NextCursor = page.Statements[i-1].Cursor()
			break
		}
		st := c.statement(d, nil)
		st.Appeal, st.AppealURL = "", ""
		page.Statements = append(page.Statements, st)
	}
	return page, nil
}

// MergeStatementPages merges the same page (same range, cursor and size)
// of several regions into one page of that size, in the export's order;
// its cursor continues every region.
func MergeStatementPages(pages []*StatementPage) *StatementPage {
	out := &StatementPage{Statements: []*Statement{}}
	limit := DefaultStatementPage
	if len(pages) > 0 {
		limit = pages[0].limit
	}
	more := false
	for _, p := range pages {
		out.Statements = append(out.Statements, p.Statements...)
		more = more || p.NextCursor != ""
	}
	slices.SortFunc(out.Statements, func(a, b *Statement) int {
		if a.Before(b) {
			return -1
		}
		return 1
	})
	if len(out.Statements) > limit {
		out.Statements, more = out.Statements[:limit], true
	}
	if more && len(out.Statements) > 0 {
		out.NextCursor = out.Statements[len(out.Statements)-1].Cursor()
	}
	return out
}

// Cursor is the position after this statement in the transparency export.
func (st *Statement) Cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(st.at.UnixMilli(), 10) + "." + st.PUID))
}

// Before orders statements as the export does: by time, then ID.
func (st *Statement) Before(o *Statement) bool {
	if !st.at.Equal(o.at) {
		return st.at.Before(o.at)
	}
	return st.PUID < o.PUID
}

// ParseStatementCursor reads a cursor of the transparency export.
func ParseStatementCursor(s string) (kurz.DecisionCursor, error) {
	if s == "" {
		return kurz.DecisionCursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	at, id, ok := strings.Cut(string(b), ".")
	ms, err2 := strconv.ParseInt(at, 10, 64)
	if err != nil || !ok || err2 != nil || id == "" {
		return kurz.DecisionCursor{}, kurz.FieldError("cursor", "cursor is not one this server gave")
	}
	return kurz.DecisionCursor{CreatedAt: time.UnixMilli(ms).UTC(), ID: id}, nil
}

// SafetyReport is a transparency report over a period.
type SafetyReport struct {
	Region              kurz.Region    `json:"region"`
	From                string         `json:"from"`
	To                  string         `json:"to"`
	Decisions           int            `json:"decisions"`
	ByCategory          map[string]int `json:"by_category"`
	ByAction            map[string]int `json:"by_action"`
	Automated           int            `json:"automated"`
	Manual              int            `json:"manual"`
	MedianHoursToAction float64        `json:"median_hours_to_action"`
	Appeals             int            `json:"appeals"`
	Reversals           int            `json:"reversals"`
}

// Report counts the region's decisions in [from, to) by category, action
// and automation, with the median time from first notice to decision and
// the appeals and reversals.
func (c *Service) Report(ctx context.Context, from, to time.Time) (*SafetyReport, error) {
	r := &SafetyReport{Region: c.Region, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
		ByCategory: map[string]int{}, ByAction: map[string]int{}}
	var waits []float64
	// Page by page, so a long period never holds every decision at once.
	for after := (kurz.DecisionCursor{}); ; {
		ds, err := c.Store.Decisions(ctx, from, to, after, MaxStatementPage)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			r.Decisions++
			r.ByCategory[d.Category]++
			r.ByAction[d.Action]++
			if d.AutomatedDecision {
				r.Automated++
			} else {
				r.Manual++
			}
			if d.AppealOf != "" {
				r.Appeals++
				if d.Action == "reverse" {
					r.Reversals++
				}
			}
			if d.ItemID != "" && d.AppealOf == "" {
				if it, err := c.Store.ItemByID(ctx, d.ItemID); err == nil {
					waits = append(waits, d.CreatedAt.Sub(it.CreatedAt).Hours())
				}
			}
		}
		if len(ds) < MaxStatementPage {
			break
		}
		after = kurz.DecisionCursor{CreatedAt: ds[len(ds)-1].CreatedAt, ID: ds[len(ds)-1].ID}
	}
	if len(waits) > 0 {
		sort.Float64s(waits)
		r.MedianHoursToAction = waits[len(waits)/2]
		if len(waits)%2 == 0 {
			r.MedianHoursToAction = (waits[len(waits)/2-1] + waits[len(waits)/2]) / 2
		}
	}
	return r, nil
}
