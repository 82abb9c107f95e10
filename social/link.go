package social

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"

	"kurz"
)

// LinkHandler serves the comments part of the region link.
func (c *Service) LinkHandler(ctx context.Context, from kurz.Region, method, path, rawQuery string, body []byte) (any, bool, error) {
	q, _ := url.ParseQuery(rawQuery)
	switch {
	case method == "POST" && path == "/link/v1/comments":
		var in commentRequest
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, true, kurz.Errorf(kurz.EInvalid, "bad comment")
		}
		out, err := c.storeComment(ctx, from, &in)
		return out, true, err
	case method == "POST" && path == "/link/v1/comments/delete":
		var in struct{ ID, By string }
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, true, kurz.Errorf(kurz.EInvalid, "bad request")
		}
		return struct{}{}, true, c.removeComment(ctx, from, in.ID, in.By)
	case method == "GET" && path == "/link/v1/comments":
		out, err := c.listComments(ctx, q.Get("video"), q.Get("cursor"))
		return out, true, err
	case method == "GET" && path == "/link/v1/comments/by-author":
		// A person's own comments, for their export; only their region asks.
		if r, err := kurz.ParseID(q.Get("author")); err != nil || r != from {
			return nil, true, kurz.Errorf(kurz.EForbidden, "a region may only ask for its own people's comments")
		}
		list, err := c.Store.CommentsByAuthor(ctx, q.Get("author"))
		items := make([]CommentJSON, len(list))
		for i, cm := range list {
			items[i] = CommentRecord(cm)
		}
		return map[string]any{"items": items}, true, err
	case method == "POST" && path == "/link/v1/comments/erase-author":
		var in struct{ Author string }
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, true, kurz.Errorf(kurz.EInvalid, "bad request")
		}
		return struct{}{}, true, c.EraseAuthor(ctx, from, in.Author)
	}
	return nil, false, nil
}

// EraseAuthor removes an erased person's comments from this region's
// videos and corrects the counts.
func (c *Service) EraseAuthor(ctx context.Context, from kurz.Region, authorID string) error {
	if r, err := kurz.ParseID(authorID); err != nil || r != from {
		return kurz.Errorf(kurz.EForbidden, "a region may only erase its own people")
	}
	comments, err := c.Store.CommentsByAuthor(ctx, authorID)
	if err != nil || len(comments) == 0 {
		return err
	}
	err = c.Tx(ctx, func(q kurz.Queries) error {
		for _, cm := range comments {
			if err := q.DeleteComment(ctx, cm.ID); err != nil && !errors.Is(err, kurz.ErrNotFound) {
				return err
			}
			if err := q.AddCounter(ctx, "videos", cm.VideoID, "comments", -1); err != nil {
				return err
			}
			v, err := q.VideoByID(ctx, cm.VideoID)
			if err != nil {
				return err
			}
			if err := c.SyncVideoLog(ctx, q, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		c.Store.Checkpoint(ctx)
	}
	return err
}
