package safety

import (
	"context"
	"database/sql"
	"kurz"
	"kurz/cell"
	"kurz/link"
	"strings"
)

// blockedHash is the public fact of a blocked perceptual hash.
type blockedHash struct {
	Hash string `json:"hash"`
}

// enforce applies a decision's effect in transaction q.
func (c *Service) enforce(ctx context.Context, tx *sql.Tx, q kurz.Queries, d *kurz.Decision, original *kurz.Decision, block bool, by string) error {
	action := d.Action
	if d.Action == "reverse" {
		action = "restore:" + original.Action
	}
	switch {
	case action == "block_sound" && d.TargetType == "video":
		return c.blockSound(ctx, q, d, nil, by)
	case action == "restore:block_sound" && d.TargetType == "video":
		return c.blockSound(ctx, q, d, original, by)
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
			// Every region blocks it at upload: the hash goes on the log.
			if err := c.Outbox.AppendLog(ctx, q, cell.LogBlocked, d.ID, blockedHash{Hash: v.PHash}); err != nil {
				return err
			}
		}
		if err := c.Outbox.SyncVideoLog(ctx, q, v); err != nil {
			return err
		}
		if action == "terminate" {
			// Terminating over a video ends the account too.
			return c.applyToAccount(ctx, tx, q, d, original)
		}
		return nil
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
		// A reversed removal lifts the block it set, here and everywhere.
		if err := q.UnblockMedia(ctx, "decision "+original.ID); err != nil {
			return err
		}
		if err := c.Outbox.AppendLog(ctx, q, cell.LogBlockedGone, original.ID, map[string]string{"id": original.ID}); err != nil {
			return err
		}
		return c.Outbox.SyncVideoLog(ctx, q, v)
	case action == "remove" && d.TargetType == "comment":
		cm, err := q.CommentByID(ctx, d.TargetID)
		if err != nil {
			return err
		}
		return c.RemoveComment(ctx, q, cm)
	case d.TargetType == "video" && (action == "reduce_reach" || action == "age_restrict" || action == "label" || action == "restrict" ||
		action == "restore:reduce_reach" || action == "restore:age_restrict" || action == "restore:label" || action == "restore:restrict"):
		v, err := q.VideoByID(ctx, d.TargetID)
		if err != nil {
			return err
		}
		scope := d.TerritorialScope
		if original != nil && d.Action == "reverse" {
			scope = original.TerritorialScope
		}
		tag := map[string]string{"reduce_reach": "reduced", "age_restrict": "age_restricted", "label": "label:" + d.Explanation,
			"restrict": "countries:" + scope}
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
		return c.Outbox.SyncVideoLog(ctx, q, v)
	case action == "suspend" || action == "terminate" || action == "strike" ||
		action == "restore:suspend" || action == "restore:terminate" || action == "restore:strike":
		return c.applyToAccount(ctx, tx, q, d, original)
	}
	return nil
}

// applyToAccount applies what decision d (original: what an appeal's d is
// about) means for the account of its affected person when they are of
// this region (Standing.Apply); their home region applies it for a person
// of another region (informAffected).
func (c *Service) applyToAccount(ctx context.Context, tx *sql.Tx, q kurz.Queries, d, original *kurz.Decision) error {
	if r, _ := kurz.ParseID(d.OwnerID); r != c.Region {
		return nil
	}
	effect, until, reverses := accountEffect(d, original)
	return c.Standing.Apply(ctx, tx, q, link.AccountDecisionRequest{DecisionID: d.ID, Reverses: reverses, Person: d.OwnerID, Effect: effect, Until: until})
}
