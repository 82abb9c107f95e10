// Package safety owns Trust & Safety: notices (DSA Art. 16), the
// moderation queue, decisions with statements of reasons, appeals,
// enforcement, the block list of known-bad media, the review hold for new
// accounts and the operator's word filter. It never imports another
// concern package; the API shapes of the things it shows moderators come
// through Shapes.
package safety

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"kurz"
	"kurz/cell"
	"kurz/ffmpeg"
	"kurz/textnorm"
)

// Shapes renders the objects a moderator looks at, as the API shows them.
type Shapes interface {
	Video(ctx context.Context, viewer *kurz.Profile, v *kurz.Video) (any, error)
	Comment(cm *kurz.Comment) any
}

// Service applies the Trust & Safety rules of one region.
type Service struct {
	*cell.Cell
	Safety SafetyConfig
	Shapes Shapes
}

// New returns the Trust & Safety service of region c. Shapes may be set
// after New, once the services it renders with exist.
func New(c *cell.Cell, cfg SafetyConfig) *Service { return &Service{Cell: c, Safety: cfg} }

// Categories are the statement-of-reasons categories of the EU DSA
// transparency database.
var Categories = map[string]bool{
	"STATEMENT_CATEGORY_ANIMAL_WELFARE": true, "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS": true,
	"STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH": true, "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS": true,
	"STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS": true, "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR": true,
	"STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT": true, "STATEMENT_CATEGORY_PROTECTION_OF_MINORS": true,
	"STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY": true, "STATEMENT_CATEGORY_SCAMS_AND_FRAUD": true,
	"STATEMENT_CATEGORY_SELF_HARM": true, "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE": true,
	"STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS": true, "STATEMENT_CATEGORY_VIOLENCE": true,
	"STATEMENT_CATEGORY_CYBER_VIOLENCE": true, "STATEMENT_CATEGORY_OTHER_VIOLATION_TC": true,
}

// urgent categories go to the front of the queue.
var urgent = map[string]bool{"STATEMENT_CATEGORY_PROTECTION_OF_MINORS": true, "STATEMENT_CATEGORY_SELF_HARM": true}

// NoticeInput is a report (DSA Art. 16) from anyone, signed in or not.
type NoticeInput struct {
	TargetType  string `json:"target_type"` // video, comment, account
	TargetID    string `json:"target_id"`
	Category    string `json:"category"`
	Explanation string `json:"explanation"`
	// For notices of illegal content: the legal ground, the notifier's name
	// and email, and a statement of good faith.
	Illegal     bool   `json:"illegal"`
	LegalGround string `json:"legal_ground"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	GoodFaith   bool   `json:"good_faith"`
}

type noticeLink struct {
	NoticeID     string      `json:"notice_id"`
	NoticeRegion kurz.Region `json:"notice_region"`
	ReporterHash []byte      `json:"reporter_hash"`
	TargetType   string      `json:"target_type"`
	TargetID     string      `json:"target_id"`
	Category     string      `json:"category"`
	Explanation  string      `json:"explanation"`
}

// FileNotice records a notice in the notifier's region (this one) and
// sends the part moderators need (target, category, explanation, and a
// keyed hash standing for the notifier) to the content's region, whose
// queue receives it. The notifier's identity and contact stay here.
// reporterKey identifies the notifier for de-duplication: their ID, or
// for anonymous notifiers their network.
func (c *Service) FileNotice(ctx context.Context, reporter *kurz.Profile, reporterKey string, in NoticeInput) (string, error) {
	if !Categories[in.Category] {
		return "", kurz.FieldError("category", "unknown category; use one of the DSA statement categories")
	}
	switch in.TargetType {
	case "video", "comment", "account":
	default:
		return "", kurz.FieldError("target_type", "target_type must be video, comment or account")
	}
	in.Explanation = strings.TrimSpace(in.Explanation)
	if n := utf8.RuneCountInString(in.Explanation); n < 1 || n > 5000 {
		return "", kurz.FieldError("explanation", "explain in 1 to 5000 characters what is wrong")
	}
	if in.Illegal {
		if strings.TrimSpace(in.LegalGround) == "" || strings.TrimSpace(in.Name) == "" || !in.GoodFaith {
			return "", kurz.FieldError("legal_ground", "a notice of illegal content needs the legal ground, your name, your email and a statement of good faith")
		}
		if _, err := kurz.NormalizeEmail(in.Email); err != nil {
			return "", err
		}
	}
	region, err := kurz.ParseID(in.TargetID)
	if err != nil {
		return "", kurz.FieldError("target_id", "no such content")
	}
	id := cell.RandomID()
	m := hmac.New(sha256.New, c.Locator)
	m.Write([]byte("reporter\x00" + reporterKey))
	var item struct {
		ItemID string `json:"item_id"`
	}
	err = c.Link.Call(ctx, region, "POST", "/link/v1/notices", noticeLink{NoticeID: id, NoticeRegion: c.Region, ReporterHash: m.Sum(nil),
		TargetType: in.TargetType, TargetID: in.TargetID, Category: in.Category, Explanation: in.Explanation}, &item)
	if err != nil {
		return "", err
	}
	n := &kurz.Notice{ID: id, TargetRegion: region, TargetType: in.TargetType, TargetID: in.TargetID, Category: in.Category,
		Explanation: in.Explanation, ItemID: item.ItemID, CreatedAt: c.Now().UTC()}
	details, _ := json.Marshal(map[string]any{"name": in.Name, "email": in.Email, "legal_ground": in.LegalGround, "good_faith": in.GoodFaith, "illegal": in.Illegal})
	if reporter != nil {
		n.ReporterID = reporter.ID
		dk, err := c.DataKey(ctx, reporter.ID)
		if err != nil {
			return "", err
		}
		n.NotifierSealed = dk.Seal("notice:"+id, details)
	} else {
		// An anonymous notifier's details get a key of their own.
		dk, wrapped, err := c.Keys.NewDataKey("notice_" + id)
		if err != nil {
			return "", err
		}
		if err := c.KeyStore.PutPersonKey(ctx, "notice_"+id, wrapped); err != nil {
			return "", err
		}
		n.NotifierSealed = dk.Seal("notice:"+id, details)
	}
	return id, c.Store.CreateNotice(ctx, n)
}

// receiveNotice adds a notice to this region's queue: one item per piece
// of content, one count per distinct notifier, whatever their number.
func (c *Service) receiveNotice(ctx context.Context, in *noticeLink) (string, error) {
	if r, err := kurz.ParseID(in.TargetID); err != nil || r != c.Region {
		return "", kurz.ErrNotFound
	}
	if err := c.checkStanding(ctx, in.ReporterHash); err != nil {
		return "", err
	}
	owner, reach, err := c.targetOwner(ctx, in.TargetType, in.TargetID)
	if err != nil {
		return "", err
	}
	var itemID string
	err = c.Store.Tx(ctx, func(q kurz.Queries) error {
		now := c.Now().UTC()
		it, err := q.OpenItemFor(ctx, "notice", in.TargetID)
		if errors.Is(err, kurz.ErrNotFound) {
			it = &kurz.QueueItem{ID: kurz.NewID(c.Region), Kind: "notice", TargetType: in.TargetType, TargetID: in.TargetID, OwnerID: owner,
				Category: in.Category, Status: "open", Explanation: in.Explanation, CreatedAt: now}
		} else if err != nil {
			return err
		}
		itemID = it.ID
		fresh, err := q.AddItemReport(ctx, it.ID, in.ReporterHash, in.NoticeID, in.NoticeRegion, now)
		if err != nil {
			return err
		}
		if fresh {
			it.Reports++
		}
		if urgent[in.Category] && !urgent[it.Category] {
			it.Category = in.Category
		}
		it.Priority = priority(it.Category, it.Reports, reach)
		it.UpdatedAt = now
		return q.PutItem(ctx, it)
	})
	return itemID, err
}

// priority orders the queue: minors and self-harm first, then by how many
// people reported it and how far it reaches.
func priority(category string, reports int, reach int64) int {
	p := min(reports, 1000)*10 + int(math.Log1p(float64(reach))*10)
	if urgent[category] {
		p += 1_000_000
	}
	return p
}

// targetOwner returns the affected person of a piece of this region's
// content and its reach (views).
func (c *Service) targetOwner(ctx context.Context, typ, id string) (string, int64, error) {
	switch typ {
	case "video":
		v, err := c.Store.VideoByID(ctx, id)
		if err != nil {
			return "", 0, err
		}
		return v.OwnerID, v.Views, nil
	case "comment":
		cm, err := c.Store.CommentByID(ctx, id)
		if err != nil {
			return "", 0, err
		}
		return cm.AuthorID, 0, nil
	case "account":
		p, err := c.Store.ProfileByID(ctx, id)
		if err != nil {
			return "", 0, err
		}
		return p.ID, p.Followers, nil
	}
	return "", 0, kurz.ErrNotFound
}

// requireModerator checks that staff may moderate this region.
func (c *Service) requireModerator(ctx context.Context, staff *kurz.Profile) error {
	if staff == nil || !c.IsStaff(ctx, staff.ID, cell.RoleModerator, cell.RoleAdmin) {
		return kurz.Errorf(kurz.EForbidden, "you are not a moderator of region %s", c.Region)
	}
	return nil
}

// Queue lists open items, most urgent first.
func (c *Service) Queue(ctx context.Context, staff *kurz.Profile) ([]*kurz.QueueItem, error) {
	if err := c.requireModerator(ctx, staff); err != nil {
		return nil, err
	}
	return c.Store.OpenItems(ctx, 100)
}

// ClaimTTL is how long a claim keeps other moderators off an item.
const ClaimTTL = 30 * time.Minute

// ItemView is what a moderator sees of an item: the content with its
// public context and the decisions taken on it before.
type ItemView struct {
	Item      *kurz.QueueItem  `json:"item"`
	Video     any              `json:"video,omitempty"`
	Comment   any              `json:"comment,omitempty"`
	Decisions []*kurz.Decision `json:"prior_decisions"`
}

// Claim gives an item to one moderator at a time and shows it.
func (c *Service) Claim(ctx context.Context, staff *kurz.Profile, itemID string) (*ItemView, error) {
	if err := c.requireModerator(ctx, staff); err != nil {
		return nil, err
	}
	var it *kurz.QueueItem
	err := c.Store.Tx(ctx, func(q kurz.Queries) error {
		var err error
		if it, err = q.ItemByID(ctx, itemID); err != nil {
			return err
		}
		if it.Status == "decided" {
			return kurz.Errorf(kurz.EConflict, "this item is decided")
		}
		if it.Status == "claimed" && it.ClaimedBy != staff.ID && c.Now().Sub(it.ClaimedAt) < ClaimTTL {
			return kurz.Errorf(kurz.EConflict, "another moderator is working on this item")
		}
		it.Status, it.ClaimedBy, it.ClaimedAt, it.UpdatedAt = "claimed", staff.ID, c.Now().UTC(), c.Now().UTC()
		return q.PutItem(ctx, it)
	})
	if err != nil {
		return nil, err
	}
	view := &ItemView{Item: it}
	switch it.TargetType {
	case "video":
		if v, err := c.Store.VideoByID(ctx, it.TargetID); err == nil {
			view.Video, _ = c.Shapes.Video(ctx, &kurz.Profile{ID: v.OwnerID}, v)
		}
	case "comment":
		if cm, err := c.Store.CommentByID(ctx, it.TargetID); err == nil {
			view.Comment = c.Shapes.Comment(cm)
		}
	}
	view.Decisions, err = c.Store.DecisionsAbout(ctx, it.TargetID)
	return view, err
}

// DecisionInput is a moderator's decision on a claimed item.
type DecisionInput struct {
	// Action: remove, restrict, age_restrict, reduce_reach, label, strike,
	// suspend, terminate, no_action; on appeals uphold or reverse.
	Action           string `json:"action"`
	Ground           string `json:"ground"` // illegal or terms
	LegalGround      string `json:"legal_ground"`
	Explanation      string `json:"explanation"`
	Facts            string `json:"facts"`
	TerritorialScope string `json:"territorial_scope"` // countries, e.g. "DE FR"; default all
	EndDate          string `json:"end_date"`          // for suspensions, YYYY-MM-DD
	BlockMedia       bool   `json:"block_media"`       // add a removed video's hash to the block list
}

var actions = map[string]bool{"remove": true, "restrict": true, "age_restrict": true, "reduce_reach": true, "label": true,
	"strike": true, "suspend": true, "terminate": true, "no_action": true}

// Decide records a decision on a claimed item, enforces it, and sends the
// statement of reasons to the affected person and every notifier.
func (c *Service) Decide(ctx context.Context, staff *kurz.Profile, itemID string, in DecisionInput) (*Statement, error) {
	if err := c.requireModerator(ctx, staff); err != nil {
		return nil, err
	}
	it, err := c.Store.ItemByID(ctx, itemID)
	if err != nil {
		return nil, err
	}
	if it.Status != "claimed" || it.ClaimedBy != staff.ID {
		return nil, kurz.Errorf(kurz.EConflict, "claim the item before deciding it")
	}
	if strings.TrimSpace(in.Explanation) == "" {
		return nil, kurz.FieldError("explanation", "a decision needs an explanation for the person affected")
	}
	var original *kurz.Decision
	if it.Kind == "appeal" {
		if in.Action != "uphold" && in.Action != "reverse" {
			return nil, kurz.FieldError("action", "an appeal is decided with uphold or reverse")
		}
		if original, err = c.Store.DecisionByID(ctx, it.AppealOf); err != nil {
			return nil, err
		}
		if original.ModeratorID == staff.ID {
			return nil, kurz.Errorf(kurz.EForbidden, "a different moderator must decide the appeal")
		}
		in.Ground, in.LegalGround = original.Ground, original.LegalGround
	} else if !actions[in.Action] {
		return nil, kurz.FieldError("action", "unknown action")
	}
	if in.Ground != "illegal" && in.Ground != "terms" {
		return nil, kurz.FieldError("ground", "ground must be illegal or terms")
	}
	if in.Ground == "illegal" && strings.TrimSpace(in.LegalGround) == "" {
		return nil, kurz.FieldError("legal_ground", "name the law the content breaks")
	}
	d := &kurz.Decision{ID: kurz.NewID(c.Region), ItemID: it.ID, TargetType: it.TargetType, TargetID: it.TargetID, OwnerID: it.OwnerID,
		ModeratorID: staff.ID, Action: in.Action, Ground: in.Ground, LegalGround: in.LegalGround, Category: it.Category,
		Explanation: strings.TrimSpace(in.Explanation), Facts: strings.TrimSpace(in.Facts), TerritorialScope: strings.TrimSpace(in.TerritorialScope),
		AppealOf: it.AppealOf, CreatedAt: c.Now().UTC().Truncate(time.Millisecond)}
	if d.TerritorialScope == "" {
		d.TerritorialScope = "ALL"
	}
	if in.EndDate != "" {
		end, err := time.Parse(time.DateOnly, in.EndDate)
		if err != nil {
			return nil, kurz.FieldError("end_date", "end_date must be a date like 2027-01-31")
		}
		d.EndDate = end
	}
	err = c.Tx(ctx, func(q kurz.Queries) error {
		if it.Kind == "hold" && d.Action == "no_action" {
			if err := c.release(ctx, q, it.TargetID); err != nil {
				return err
			}
		}
		if err := c.enforce(ctx, q, d, original, in.BlockMedia, staff.ID); err != nil {
			return err
		}
		if err := q.PutDecision(ctx, d); err != nil {
			return err
		}
		it.Status, it.UpdatedAt = "decided", c.Now().UTC()
		if err := q.PutItem(ctx, it); err != nil {
			return err
		}
		if it.Kind == "notice" && d.Action == "no_action" {
			if err := c.countUnfounded(ctx, q, it.ID); err != nil {
				return err
			}
		}
		st := c.statement(d, it)
		if r, _ := kurz.ParseID(d.OwnerID); r == c.Region {
			if err := c.Notify(ctx, q, d.OwnerID, "statement_of_reasons", st); err != nil && !errors.Is(err, kurz.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st := c.statement(d, it)
	c.sendToNotifiers(ctx, it, st)
	return st, nil
}

// enforce applies a decision's effect in transaction q.
func (c *Service) enforce(ctx context.Context, q kurz.Queries, d *kurz.Decision, original *kurz.Decision, block bool, by string) error {
	action := d.Action
	if d.Action == "reverse" {
		action = "restore:" + original.Action
	}
	switch {
	case (action == "remove" || action == "terminate") && d.TargetType == "video":
		v, err := q.VideoByID(ctx, d.TargetID)
		if err != nil {
			return err
		}
		v.Status, v.Error, v.UpdatedAt = kurz.StatusRemoved, "removed by moderation: "+d.Explanation, c.Now().UTC()
		if err := q.UpdateVideo(ctx, v); err != nil {
			return err
		}
		if block && v.PHash != "" {
			if err := q.AddBlockedMedia(ctx, v.PHash, "decision "+d.ID, by, c.Now().UTC()); err != nil {
				return err
			}
		}
		return c.SyncVideoLog(ctx, q, v)
	case action == "restore:remove" || action == "restore:terminate":
		if d.TargetType != "video" {
			return nil
		}
		v, err := q.VideoByID(ctx, d.TargetID)
		if err != nil {
			return err
		}
		if v.Status == kurz.StatusRemoved {
			v.Status, v.Error, v.UpdatedAt = kurz.StatusReady, "", c.Now().UTC()
			if err := q.UpdateVideo(ctx, v); err != nil {
				return err
			}
		}
		return c.SyncVideoLog(ctx, q, v)
	case action == "remove" && d.TargetType == "comment":
		cm, err := q.CommentByID(ctx, d.TargetID)
		if err != nil {
			return err
		}
		if err := q.DeleteComment(ctx, cm.ID); err != nil {
			return err
		}
		if err := q.AddCounter(ctx, "videos", cm.VideoID, "comments", -1); err != nil {
			return err
		}
		v, err := q.VideoByID(ctx, cm.VideoID)
		if err != nil {
			return err
		}
		return c.SyncVideoLog(ctx, q, v)
	case d.TargetType == "video" && (action == "reduce_reach" || action == "age_restrict" || action == "label" ||
		action == "restore:reduce_reach" || action == "restore:age_restrict" || action == "restore:label"):
		v, err := q.VideoByID(ctx, d.TargetID)
		if err != nil {
			return err
		}
		tag := map[string]string{"reduce_reach": "reduced", "age_restrict": "age_restricted", "label": "label:" + d.Explanation}
		var keep []string
		for _, r := range strings.Split(v.Restrictions, ",") {
			if r != "" && !strings.HasPrefix(r, strings.SplitN(tag[strings.TrimPrefix(action, "restore:")], ":", 2)[0]) {
				keep = append(keep, r)
			}
		}
		if !strings.HasPrefix(action, "restore:") {
			keep = append(keep, tag[action])
		}
		v.Restrictions, v.UpdatedAt = strings.Join(keep, ","), c.Now().UTC()
		if err := q.UpdateVideo(ctx, v); err != nil {
			return err
		}
		return c.SyncVideoLog(ctx, q, v)
	case action == "suspend" || action == "terminate":
		if r, _ := kurz.ParseID(d.OwnerID); r != c.Region {
			return nil
		}
		until := d.EndDate
		if action == "terminate" || until.IsZero() {
			until = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if err := q.SuspendAccount(ctx, d.OwnerID, until); err != nil {
			return err
		}
		return q.DeleteSessionsOf(ctx, d.OwnerID)
	case action == "restore:suspend" || action == "restore:terminate":
		if r, _ := kurz.ParseID(d.OwnerID); r != c.Region {
			return nil
		}
		return q.SuspendAccount(ctx, d.OwnerID, time.Time{})
	}
	// Restrict by country and strikes are recorded with their statement;
	// country restrictions are not enforced in feeds yet.
	return nil
}

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
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// statement builds the statement of reasons of a decision.
func (c *Service) statement(d *kurz.Decision, it *kurz.QueueItem) *Statement {
	st := &Statement{PUID: d.ID, Category: d.Category, ApplicationDate: d.CreatedAt.Format(time.DateOnly),
		DecisionFacts: d.Facts, PlatformName: "kurz", AutomatedDetection: yesNo(d.AutomatedDetection),
		AutomatedDecision: map[bool]string{true: "AUTOMATED_DECISION_FULLY", false: "AUTOMATED_DECISION_NOT_AUTOMATED"}[d.AutomatedDecision],
		SourceType:        "SOURCE_ARTICLE_16", AppealOf: d.AppealOf}
	if d.AutomatedDetection {
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
	if d.AppealOf == "" && d.Action != "no_action" {
		st.Appeal = "You may appeal this decision once, within 6 months: POST /api/v1/appeals {decision_id: \"" + d.ID + "\", explanation}. A different moderator decides."
	}
	return st
}

// sendToNotifiers delivers a statement to each notice's region, which
// passes it to its notifier.
func (c *Service) sendToNotifiers(ctx context.Context, it *kurz.QueueItem, st *Statement) {
	reports, err := c.Store.ItemReports(ctx, it.ID)
	if err != nil {
		c.Log.Warn("statements to notifiers", "err", err)
		return
	}
	for _, r := range reports {
		if err := c.Link.Call(ctx, r.NoticeRegion, "POST", "/link/v1/statements", map[string]any{"notice_id": r.NoticeID, "statement": st}, nil); err != nil {
			c.Log.Warn("statement to a notifier's region", "region", r.NoticeRegion, "err", err)
		}
	}
}

// deliverStatement hands a statement to the notifier of a notice filed here.
func (c *Service) deliverStatement(ctx context.Context, noticeID string, st json.RawMessage) error {
	n, err := c.Store.NoticeByID(ctx, noticeID)
	if err != nil {
		return err
	}
	if n.ReporterID == "" {
		return nil // anonymous: they read it with their receipt (GET /api/v1/reports/{id})
	}
	return c.Tx(ctx, func(q kurz.Queries) error {
		return c.Notify(ctx, q, n.ReporterID, "statement_of_reasons", map[string]any{"notice_id": noticeID, "statement": st})
	})
}

// NoticeStatus is what a receipt shows: the notice and the decision, if any.
func (c *Service) NoticeStatus(ctx context.Context, noticeID string) (map[string]any, error) {
	n, err := c.Store.NoticeByID(ctx, noticeID)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	err = c.Link.Call(ctx, n.TargetRegion, "GET", "/link/v1/items/"+n.ItemID, nil, &out)
	if err != nil {
		return nil, err
	}
	out["notice_id"], out["received_at"] = n.ID, n.CreatedAt
	return out, nil
}

// itemStatus is a queue item's public status for a notice receipt.
func (c *Service) itemStatus(ctx context.Context, itemID string) (map[string]any, error) {
	it, err := c.Store.ItemByID(ctx, itemID)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"status": it.Status}
	if it.Status == "decided" {
		ds, err := c.Store.DecisionsAbout(ctx, it.TargetID)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.ItemID == it.ID {
				out["statement"] = c.statement(d, it)
			}
		}
	}
	return out, nil
}

// AppealMonths is how long a decision can be appealed.
const AppealMonths = 6

type appealLink struct {
	DecisionID  string `json:"decision_id"`
	AppellantID string `json:"appellant_id"`
	NoticeID    string `json:"notice_id"` // set when a notifier appeals
	Explanation string `json:"explanation"`
}

// Appeal lets the affected person, or a notifier, appeal a decision once.
func (c *Service) Appeal(ctx context.Context, viewer *kurz.Profile, decisionID, explanation string) (string, error) {
	region, err := kurz.ParseID(decisionID)
	if err != nil {
		return "", kurz.ErrNotFound
	}
	in := appealLink{DecisionID: decisionID, AppellantID: viewer.ID, Explanation: strings.TrimSpace(explanation)}
	// A notifier appeals through their notice, which their region vouches for.
	var out struct {
		ItemID string `json:"item_id"`
	}
	err = c.Link.Call(ctx, region, "POST", "/link/v1/appeals", in, &out)
	if kurz.ErrorCode(err) == kurz.EForbidden {
		notices, _ := c.Store.NoticesBy(ctx, viewer.ID)
		for _, n := range notices {
			in.NoticeID = n
			if err = c.Link.Call(ctx, region, "POST", "/link/v1/appeals", in, &out); err == nil {
				break
			}
		}
	}
	return out.ItemID, err
}

// receiveAppeal opens an appeal item in this region, the decision's.
func (c *Service) receiveAppeal(ctx context.Context, from kurz.Region, in *appealLink) (string, error) {
	if r, err := kurz.ParseID(in.AppellantID); err != nil || r != from {
		return "", kurz.Errorf(kurz.EForbidden, "a region may only appeal for its own people")
	}
	if n := utf8.RuneCountInString(in.Explanation); n < 1 || n > 5000 {
		return "", kurz.FieldError("explanation", "explain in 1 to 5000 characters why the decision is wrong")
	}
	var itemID string
	err := c.Store.Tx(ctx, func(q kurz.Queries) error {
		d, err := q.DecisionByID(ctx, in.DecisionID)
		if err != nil {
			return err
		}
		allowed := d.OwnerID == in.AppellantID
		if !allowed && in.NoticeID != "" {
			reports, err := q.ItemReports(ctx, d.ItemID)
			if err != nil {
				return err
			}
			for _, r := range reports {
				allowed = allowed || (r.NoticeID == in.NoticeID && r.NoticeRegion == from)
			}
		}
		if !allowed {
			return kurz.Errorf(kurz.EForbidden, "only the person affected or a notifier may appeal")
		}
		if d.Appealed || d.AppealOf != "" {
			return kurz.Errorf(kurz.EConflict, "this decision has been appealed already")
		}
		if c.Now().After(d.CreatedAt.AddDate(0, AppealMonths, 0)) {
			return kurz.Errorf(kurz.EForbidden, "the appeal period of %d months is over", AppealMonths)
		}
		d.Appealed = true
		if err := q.PutDecision(ctx, d); err != nil {
			return err
		}
		now := c.Now().UTC()
		it := &kurz.QueueItem{ID: kurz.NewID(c.Region), Kind: "appeal", TargetType: d.TargetType, TargetID: d.TargetID, OwnerID: d.OwnerID,
			Category: d.Category, Reports: 1, Priority: 2_000_000, Status: "open", AppealOf: d.ID, Explanation: in.Explanation,
			CreatedAt: now, UpdatedAt: now}
		itemID = it.ID
		if in.NoticeID != "" {
			if _, err := q.AddItemReport(ctx, it.ID, []byte(in.AppellantID), in.NoticeID, from, now); err != nil {
				return err
			}
		}
		return q.PutItem(ctx, it)
	})
	return itemID, err
}

// Transparency lists the statements of reasons of this region's decisions
// in a time range, without personal data.
func (c *Service) Transparency(ctx context.Context, from, to time.Time) ([]*Statement, error) {
	ds, err := c.Store.Decisions(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]*Statement, 0, len(ds))
	for _, d := range ds {
		st := c.statement(d, nil)
		st.Appeal = ""
		out = append(out, st)
	}
	return out, nil
}

// Blocked compares a new video's perceptual hash with the block
// list. A match removes it before it is published, with an automated
// statement of reasons.
func (c *Service) Blocked(ctx context.Context, hashes []uint64) (bool, error) {
	if len(hashes) == 0 {
		return false, nil
	}
	blocked, err := c.Store.BlockedMedia(ctx)
	if err != nil {
		return false, err
	}
	for _, b := range blocked {
		if ffmpeg.HashDistance(hashes, ffmpeg.DecodeHash(b)) <= BlockDistance {
			return true, nil
		}
	}
	return false, nil
}

// BlockDistance is the mean per-frame Hamming distance (of 64 bits) under
// which a video counts as a copy of blocked media.
const BlockDistance = 10

// BlockUpload removes a video that matched the block list, with an
// automated decision and statement of reasons to its owner.
func (c *Service) BlockUpload(ctx context.Context, v *kurz.Video) error {
	return c.Tx(ctx, func(q kurz.Queries) error {
		cur, err := q.VideoByID(ctx, v.ID)
		if err != nil {
			return err
		}
		cur.Status, cur.Error, cur.UpdatedAt = kurz.StatusRemoved, "this video matches media that is not allowed on kurz", c.Now().UTC()
		if err := q.UpdateVideo(ctx, cur); err != nil {
			return err
		}
		d := &kurz.Decision{ID: kurz.NewID(c.Region), ItemID: "", TargetType: "video", TargetID: v.ID, OwnerID: v.OwnerID, ModeratorID: "automated",
			Action: "remove", Ground: "terms", Category: "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
			Explanation: "The video matches media that was removed before and is on the platform's block list.",
			Facts:       "perceptual hash match against the block list", AutomatedDetection: true, AutomatedDecision: true,
			TerritorialScope: "ALL", CreatedAt: c.Now().UTC().Truncate(time.Millisecond)}
		if err := q.PutDecision(ctx, d); err != nil {
			return err
		}
		return c.Notify(ctx, q, v.OwnerID, "statement_of_reasons", c.statement(d, nil))
	})
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
	ds, err := c.Store.Decisions(ctx, from, to)
	if err != nil {
		return nil, err
	}
	r := &SafetyReport{Region: c.Region, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
		ByCategory: map[string]int{}, ByAction: map[string]int{}}
	var waits []float64
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
	if len(waits) > 0 {
		sort.Float64s(waits)
		r.MedianHoursToAction = waits[len(waits)/2]
		if len(waits)%2 == 0 {
			r.MedianHoursToAction = (waits[len(waits)/2-1] + waits[len(waits)/2]) / 2
		}
	}
	return r, nil
}

// release publishes a held video after review.
func (c *Service) release(ctx context.Context, q kurz.Queries, videoID string) error {
	v, err := q.VideoByID(ctx, videoID)
	if err != nil {
		return err
	}
	if v.Status != kurz.StatusHeld {
		return nil
	}
	v.Status, v.Error, v.UpdatedAt = kurz.StatusReady, "", c.Now().UTC()
	if err := q.UpdateVideo(ctx, v); err != nil {
		return err
	}
	return c.SyncVideoLog(ctx, q, v)
}

// NewAccountAge is how long an account counts as new for the upload hold.
const NewAccountAge = 7 * 24 * time.Hour

// shouldHold reports whether a processed video of a new account waits for
// review instead of being published (operator switch HoldNewUploads).
func (c *Service) shouldHold(ctx context.Context, q kurz.Queries, v *kurz.Video) (bool, error) {
	if c.Safety.HoldNewUploads <= 0 {
		return false, nil
	}
	acct, err := q.AccountByID(ctx, v.OwnerID)
	if err != nil {
		return false, err
	}
	if c.Now().Sub(acct.CreatedAt) > NewAccountAge {
		return false, nil
	}
	n, err := q.CountVideos(ctx, v.OwnerID, time.Time{}, kurz.StatusReady, kurz.StatusHeld, kurz.StatusRemoved)
	return n < c.Safety.HoldNewUploads, err
}

// Hold puts a processed video of a new account in the review queue when
// the operator asks for it, and reports whether it did.
func (c *Service) Hold(ctx context.Context, q kurz.Queries, v *kurz.Video) (bool, error) {
	if held, err := c.shouldHold(ctx, q, v); err != nil || !held {
		return false, err
	}
	return true, c.hold(ctx, q, v)
}

// hold puts a video in the review queue.
func (c *Service) hold(ctx context.Context, q kurz.Queries, v *kurz.Video) error {
	now := c.Now().UTC()
	v.Status, v.Error = kurz.StatusHeld, "waiting for review: the first uploads of new accounts are checked before they are published"
	return q.PutItem(ctx, &kurz.QueueItem{ID: kurz.NewID(c.Region), Kind: "hold", TargetType: "video", TargetID: v.ID, OwnerID: v.OwnerID,
		Category: "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", Reports: 0, Priority: 500, Status: "open",
		Explanation: "new account upload", CreatedAt: now, UpdatedAt: now})
}

// SafetyConfig sets the operator's Trust & Safety switches.
type SafetyConfig struct {
	// HoldNewUploads is how many first uploads of accounts younger than a
	// week wait for review (0: none).
	HoldNewUploads int
	// WordFilter matches words not allowed in captions and comments, in
	// the skeleton of the text (LoadWordFilter makes it).
	WordFilter *regexp.Regexp
}

// LoadWordFilter reads an operator's word list (one word or phrase per
// line, # comments) into a whole-word matcher of skeletons (see
// CheckWords); a missing file means no filter.
func LoadWordFilter(path string) (*regexp.Regexp, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var words []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			if k := strings.TrimSpace(textnorm.Skeleton(l)); k != "" {
				words = append(words, regexp.QuoteMeta(k))
			}
		}
	}
	if len(words) == 0 {
		return nil, nil
	}
	return regexp.Compile(`(?:^|[^\p{L}\p{N}])(?:` + strings.Join(words, "|") + `)(?:$|[^\p{L}\p{N}])`)
}

// CheckWords refuses text containing a filtered word. Text is judged by
// its confusable skeleton (textnorm.Skeleton), as the words were loaded:
// case, fullwidth forms, invisible characters, accents, unusual spaces
// and Cyrillic or Greek look-alikes of letters do not get a word past.
func (c *Service) CheckWords(field, text string) error {
	if c.Safety.WordFilter != nil && c.Safety.WordFilter.MatchString(textnorm.Skeleton(text)) {
		return kurz.FieldError(field, "this contains a word that is not allowed here")
	}
	return nil
}

// Notifiers whose notices keep needing no action are slowed to one notice
// an hour after SlowAfter unfounded ones, and suspended from reporting for
// ReportSuspension after SuspendAfter (DSA Art. 23). Never by count of
// reports against them: only by decisions on their own notices.
const (
	SlowAfter        = 3
	SuspendAfter     = 10
	ReportSuspension = 30 * 24 * time.Hour
)

func (c *Service) checkStanding(ctx context.Context, hash []byte) error {
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

// countUnfounded marks the notifiers of an item decided with no action.
func (c *Service) countUnfounded(ctx context.Context, q kurz.Queries, itemID string) error {
	reports, err := q.ItemReports(ctx, itemID)
	if err != nil {
		return err
	}
	for _, r := range reports {
		n, _, err := q.ReporterStanding(ctx, r.ReporterHash)
		if err != nil {
			return err
		}
		var until time.Time
		if n+1 >= SuspendAfter {
			until = c.Now().Add(ReportSuspension)
		}
		if _, err := q.AddUnfounded(ctx, r.ReporterHash, until, c.Now()); err != nil {
			return err
		}
	}
	return nil
}
