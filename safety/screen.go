package safety

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"kurz"
	"kurz/cell"
	"kurz/fingerprint"
	"kurz/textnorm"
	"kurz/transparency"
)

// Screen is what Trust & Safety checks before content is published: the
// operator's word filter on text (captions, comments), the block list on
// new videos (known-bad media by fingerprint, blocked sounds by audio
// print), and the review hold for new accounts' first uploads and for
// audio of blocked sounds. It satisfies the interfaces video, social
// (TextFilter) and pipeline (Screen) declare; what a moderator then
// decides about a held video is the Service's.
type Screen struct {
	*cell.Cell
	Safety SafetyConfig
}

// Blocked looks for media of the block list in a new video's temporal
// fingerprint: a blocked clip found inside it (behind an intro, before an
// outro, re-encoded, sped up within reason) or the video being an excerpt
// of one (fingerprint.Match). A match removes it before it is published,
// with an automated statement of reasons.
func (c *Screen) Blocked(ctx context.Context, fp []uint64) (bool, error) {
	return c.onBlockList(ctx, len(fp) > 0, func(b string) bool { return fingerprint.Match(fingerprint.Parse(b), fp) })
}

// onBlockList reports whether match holds for an entry of the block list
// (if look: nothing to look for is not blocked).
func (c *Screen) onBlockList(ctx context.Context, look bool, match func(entry string) bool) (bool, error) {
	if !look {
		return false, nil
	}
	list, err := c.blockList(ctx)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(list, match), nil
}

// blockList is this region's block list and the fingerprints other
// regions' decisions blocked (replicated through the public log).
func (c *Screen) blockList(ctx context.Context) ([]string, error) {
	list, err := c.Store.BlockedMedia(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.Store.Replicas(ctx, "blocked")
	if err != nil {
		return nil, err
	}
	for _, data := range rows {
		var b blockedHash
		if json.Unmarshal(data, &b) == nil && b.Hash != "" {
			list = append(list, b.Hash)
		}
	}
	return list, nil
}

// BlockUpload removes a video that matched the block list, with an
// automated decision and statement of reasons to its owner.
func (c *Screen) BlockUpload(ctx context.Context, v *kurz.Video) error {
	return c.Tx(ctx, func(q kurz.Queries) error {
		cur, err := q.VideoByID(ctx, v.ID)
		if err != nil {
			return err
		}
		cur.Status, cur.Error, cur.UpdatedAt = kurz.StatusRemoved, "this video matches media that is not allowed on kurz", c.Now().UTC()
		if err := q.UpdateVideo(ctx, cur); err != nil {
			return err
		}
		local, hash, region := owner(c.Cell, v.OwnerID)
		d := &kurz.Decision{ID: kurz.NewID(c.Region), ItemID: "", TargetType: "video", TargetID: v.ID, OwnerID: local, OwnerHash: hash,
			OwnerRegion: region, ModeratorID: "automated",
			Action: "remove", Ground: "terms", Category: "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
			Explanation: "The video matches media that was removed before and is on the platform's block list.",
			Facts:       "perceptual hash match against the block list", AutomatedDetection: true, AutomatedDecision: true,
			TerritorialScope: "ALL", CreatedAt: c.Now().UTC().Truncate(time.Millisecond)}
		if err := q.PutDecision(ctx, d); err != nil {
			return err
		}
		return c.Inbox.Notify(ctx, q, v.OwnerID, "statement_of_reasons", transparency.StatementOf(d))
	})
}

// release publishes a held video after review.
func (c *Screen) release(ctx context.Context, q kurz.Queries, videoID string) error {
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
	return c.Outbox.SyncVideoLog(ctx, q, v)
}

// NewAccountAge is how long an account counts as new for the upload hold.
const NewAccountAge = 7 * 24 * time.Hour

// shouldHold reports whether a processed video of a new account waits for
// review instead of being published (operator switch HoldNewUploads).
func (c *Screen) shouldHold(ctx context.Context, q kurz.Queries, v *kurz.Video) (bool, error) {
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
	n, err := q.CountVideos(ctx, v.OwnerID, time.Time{}, kurz.StatusReady, kurz.StatusPlayable, kurz.StatusHeld, kurz.StatusRemoved)
	return n < c.Safety.HoldNewUploads, err
}

// Hold puts a processed video in the review queue, in transaction q, and
// reports whether it did: a video whose audio matches a blocked sound
// (soundBlocked, see sounds.go), and the first uploads of new accounts
// when the operator asks for it.
func (c *Screen) Hold(ctx context.Context, q kurz.Queries, v *kurz.Video, soundBlocked bool) (bool, error) {
	if soundBlocked {
		return true, c.hold(ctx, q, v, "waiting for review: its audio matches a sound that moderators blocked",
			"STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", "automated detection: the audio matches a blocked sound")
	}
	if held, err := c.shouldHold(ctx, q, v); err != nil || !held {
		return false, err
	}
	return true, c.hold(ctx, q, v, "waiting for review: the first uploads of new accounts are checked before they are published",
		"STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", "new account upload")
}

// hold puts a video in the review queue, telling its owner why.
func (c *Screen) hold(ctx context.Context, q kurz.Queries, v *kurz.Video, why, category, explanation string) error {
	now := c.Now().UTC()
	v.Status, v.Error = kurz.StatusHeld, why
	local, hash, region := owner(c.Cell, v.OwnerID)
	return q.PutItem(ctx, &kurz.QueueItem{ID: kurz.NewID(c.Region), Kind: "hold", TargetType: "video", TargetID: v.ID, OwnerID: local,
		OwnerHash: hash, OwnerRegion: region, Category: category, Reports: 0, Priority: 500, Status: "open",
		Explanation: explanation, CreatedAt: now, UpdatedAt: now})
}

// LoadWordFilter reads an operator's word list (textnorm.LoadWordFilter).
var LoadWordFilter = textnorm.LoadWordFilter

// CheckWords refuses text containing a filtered word. Text is judged by
// its confusable skeleton (textnorm.Skeleton), as the words were loaded:
// case, fullwidth forms, invisible characters, accents, unusual spaces
// and Cyrillic or Greek look-alikes of letters do not get a word past.
func (c *Screen) CheckWords(field, text string) error {
	if c.Safety.WordFilter != nil && c.Safety.WordFilter.MatchString(textnorm.Skeleton(text)) {
		return kurz.FieldError(field, "this contains a word that is not allowed here")
	}
	return nil
}
