// Package safety owns Trust & Safety: notices (DSA Art. 16), the
// moderation queue, decisions (appeal items included) and their
// enforcement, statements of reasons to the people concerned, and, in
// Screen, the block list of known-bad media, the review hold for new
// accounts and the operator's word filter. Filing an appeal is package
// appeals'; a statement's fields and the transparency export are package
// transparency's. It never imports another concern package; the API
// shapes of the things it shows moderators come through Shapes.
package safety

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kurz"
	"kurz/cell"
	"kurz/link"
)

// Shapes renders the objects a moderator looks at, as the API shows them.
type Shapes interface {
	Video(ctx context.Context, viewer *kurz.Profile, v *kurz.Video) (any, error)
	Comment(cm *kurz.Comment) any
}

// Service applies the Trust & Safety rules of one region: notices in,
// the queue, decisions and what they enforce.
type Service struct {
	*cell.Cell
	Safety SafetyConfig
	Shapes Shapes
	// Standing applies what decisions mean for accounts.
	Standing Standing
	// Screen checks text and new videos before they are published.
	Screen *Screen
}

// New returns the Trust & Safety service of region c. Shapes and Standing
// are set after New, once the services they are exist.
func New(c *cell.Cell, cfg SafetyConfig) *Service {
	return &Service{Cell: c, Safety: cfg, Screen: &Screen{Cell: c, Safety: cfg}}
}

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

// noticeLink is what the content's region receives of a notice.
type noticeLink = link.FileNoticeRequest

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
		return "", kurz.FieldError("target_id", "target_id is not the ID of a video, comment or account")
	}
	if !slices.Contains(c.Regions, region) {
		return "", kurz.Errorf(kurz.ENotFound, "no such content")
	}
	id := cell.RandomID()
	// Signed-in notifiers are named by their PartyHash, so their notices
	// count once each and they can appeal; anonymous ones by their network.
	hash := keyedHash(c.Cell, reporterKey)
	if reporter != nil {
		hash = c.PartyHash(reporter.ID)
	}
	item, err := c.Link.FileNotice(ctx, region, noticeLink{NoticeID: id, NoticeRegion: c.Region, ReporterHash: hash,
		TargetType: in.TargetType, TargetID: in.TargetID, Category: in.Category, Explanation: in.Explanation})
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
// of content, one count per distinct notifier, whatever their number. The
// target is locked first, so concurrent notices about one target join one
// item and none of their counts is lost.
func (c *Service) receiveNotice(ctx context.Context, in *noticeLink) (string, error) {
	if r, err := kurz.ParseID(in.TargetID); err != nil || r != c.Region {
		return "", kurz.ErrNotFound
	}
	if len(in.ReporterHash) != sha256.Size {
		return "", kurz.FieldError("reporter_hash", "reporter_hash must be a keyed hash")
	}
	if err := c.Standing.CheckNotifier(ctx, in.ReporterHash); err != nil {
		return "", err
	}
	ownerID, reach, err := c.targetOwner(ctx, in.TargetType, in.TargetID)
	if err != nil {
		return "", err
	}
	var itemID string
	err = c.Store.Tx(ctx, func(q kurz.Queries) error {
		now := c.Now().UTC()
		if err := q.LockQueueTarget(ctx, "notice", in.TargetID, now); err != nil {
			return err
		}
		it, err := q.OpenItemFor(ctx, "notice", in.TargetID)
		if err == nil {
			// A decision may have closed it meanwhile; the row lock
			// orders this notice after it.
			if it, err = q.LockItem(ctx, it.ID); err == nil && closed(it) != nil {
				err = kurz.ErrNotFound
			}
		}
		if errors.Is(err, kurz.ErrNotFound) {
			local, hash, region := owner(c.Cell, ownerID)
			it = &kurz.QueueItem{ID: kurz.NewID(c.Region), Kind: "notice", TargetType: in.TargetType, TargetID: in.TargetID, OwnerID: local,
				OwnerHash: hash, OwnerRegion: region, Category: in.Category, Status: "open", Explanation: in.Explanation, CreatedAt: now}
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

// SafetyConfig sets the operator's Trust & Safety switches.
type SafetyConfig struct {
	// HoldNewUploads is how many first uploads of accounts younger than a
	// week wait for review (0: none).
	HoldNewUploads int
	// WordFilter matches words not allowed in captions and comments, in
	// the skeleton of the text (LoadWordFilter makes it).
	WordFilter *regexp.Regexp
	// ClaimTTL is how long a moderator's claim keeps others off an item
	// (0: DefaultClaimTTL, 15 minutes).
	ClaimTTL time.Duration
}
