package cell

import (
	"context"
	"errors"

	"kurz"
)

// RemoveComment deletes a comment of this region in transaction q, with
// its replies if it is a top-level comment (a conversation goes with the
// comment that started it), takes the shown ones off the video's comment
// count and publishes the count. Every removal goes through it: by the
// author or the video's owner, by a moderator's decision, by erasure.
func (c *Cell) RemoveComment(ctx context.Context, q kurz.Queries, cm *kurz.Comment) error {
	n, err := q.DeleteComment(ctx, cm.ID)
	if err != nil {
		return err
	}
	if cm.Pinned {
		if err := q.SetPinnedComment(ctx, cm.VideoID, ""); err != nil && !errors.Is(err, kurz.ErrNotFound) {
			return err
		}
	}
	if n == 0 {
		return nil // none of them counted
	}
	if err := q.AddCounter(ctx, "videos", cm.VideoID, "comments", -n); err != nil {
		return err
	}
	v, err := q.VideoByID(ctx, cm.VideoID)
	if err != nil {
		return err
	}
	return c.Outbox.SyncVideoLog(ctx, q, v)
}
