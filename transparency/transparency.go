// Package transparency shapes what anyone may know of a region's
// moderation decisions: a decision's statement of reasons (DSA Art. 17)
// in the field names of the EU transparency database, the export of a
// region's statements page by page (merged across regions with one
// cursor), and the transparency report's counts. It names no person.
//
// It is a leaf: it imports only the root package, and reads decisions
// through the Decisions interface (a region's store). Package safety
// makes the statements of the decisions it takes; httpapi and the
// command line serve the export and the report.
package transparency

import (
	"context"
	"encoding/base64"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"kurz"
)

// Decisions is what the export and the report read of a region's store.
type Decisions interface {
	Decisions(ctx context.Context, from, to time.Time, after kurz.DecisionCursor, limit int) ([]*kurz.Decision, error)
	ItemByID(ctx context.Context, id string) (*kurz.QueueItem, error)
}

// IsOperator reports whether a decider is the operator at the command line
// ("operator:NAME") rather than a moderator: their decisions are taken on
// the platform's own initiative.
func IsOperator(deciderID string) bool { return strings.HasPrefix(deciderID, "operator:") }

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

// StatementOf builds the statement of reasons of a decision.
func StatementOf(d *kurz.Decision) *Statement {
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

// Statements lists a page of the statements of reasons of a region's decisions
// (store's) in [from, to), oldest first, without personal data.
func Statements(ctx context.Context, store Decisions, from, to time.Time, cursor, size string) (*StatementPage, error) {
	after, err := ParseStatementCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize(size, DefaultStatementPage, MaxStatementPage)
	if err != nil {
		return nil, err
	}
	ds, err := store.Decisions(ctx, from, to, after, limit+1)
	if err != nil {
		return nil, err
	}
	page := &StatementPage{Statements: make([]*Statement, 0, min(len(ds), limit)), limit: limit}
	for i, d := range ds {
		if i == limit {
			page.NextCursor = page.Statements[i-1].Cursor()
			break
		}
		st := StatementOf(d)
		st.Appeal, st.AppealURL = "", ""
		page.Statements = append(page.Statements, st)
	}
	return page, nil
}

// pageSize reads a requested page size ("": the default).
func pageSize(s string, def, max int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, kurz.FieldError("limit", "limit must be a whole number from 1 to %d", max)
	}
	return n, nil
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

// Report counts region's decisions (store's) in [from, to) by category,
// action and automation, with the median time from first notice to
// decision and the appeals and reversals.
func Report(ctx context.Context, store Decisions, region kurz.Region, from, to time.Time) (*SafetyReport, error) {
	r := &SafetyReport{Region: region, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
		ByCategory: map[string]int{}, ByAction: map[string]int{}}
	var waits []float64
	// Page by page, so a long period never holds every decision at once.
	for after := (kurz.DecisionCursor{}); ; {
		ds, err := store.Decisions(ctx, from, to, after, MaxStatementPage)
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
				if it, err := store.ItemByID(ctx, d.ItemID); err == nil {
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
