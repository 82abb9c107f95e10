package social

import (
	"context"
	"errors"

	"kurz"
	"kurz/link"
)

// RegisterLink registers the comments part of the region link on m.
// Comments are public and live with their video, in its region; the
// author's region speaks for the author.
func (c *Service) RegisterLink(m *link.Mux) {
	link.Handle(m, link.RouteFollowRequest, func(ctx context.Context, from kurz.Region, in *link.FollowRequestRequest) (*link.Empty, error) {
		return nil, c.storeFollowRequest(ctx, from, in)
	})
	link.Handle(m, link.RouteBlockNotice, func(ctx context.Context, from kurz.Region, in *link.BlockNoticeRequest) (*link.Empty, error) {
		return nil, c.blockNotice(ctx, from, in)
	})
	link.Handle(m, link.RoutePostComment, func(ctx context.Context, from kurz.Region, in *link.PostCommentRequest) (*link.Comment, error) {
		return c.storeComment(ctx, from, in)
	})
	link.Handle(m, link.RouteDeleteComment, func(ctx context.Context, from kurz.Region, in *link.DeleteCommentRequest) (*link.Empty, error) {
		return nil, c.removeComment(ctx, from, in.ID, in.By)
	})
	link.Handle(m, link.RouteListComments, func(ctx context.Context, from kurz.Region, in *link.ListCommentsRequest) (*link.ListCommentsResponse, error) {
		return c.listComments(ctx, in.Video, in.Parent, in.Cursor)
	})
	link.Handle(m, link.RouteGetComment, func(ctx context.Context, from kurz.Region, in *link.GetCommentRequest) (*link.Comment, error) {
		cm, err := c.shownComment(ctx, c.Store, in.ID)
		if err != nil {
			return nil, err
		}
		out := CommentRecord(cm)
		return &out, nil
	})
	link.Handle(m, link.RouteNotifyReply, func(ctx context.Context, from kurz.Region, in *link.NotifyReplyRequest) (*link.Empty, error) {
		return nil, c.receiveReplyNotice(ctx, from, in)
	})
	link.Handle(m, link.RouteCommentsByAuthor, func(ctx context.Context, from kurz.Region, in *link.CommentsByAuthorRequest) (*link.CommentsByAuthorResponse, error) {
		// A person's own comments, for their export; only their region asks.
		if r, err := kurz.ParseID(in.Author); err != nil || r != from {
			return nil, kurz.Errorf(kurz.EForbidden, "a region may only ask for its own people's comments")
		}
		list, err := c.Store.CommentsByAuthor(ctx, in.Author)
		if err != nil {
			return nil, err
		}
		out := &link.CommentsByAuthorResponse{Items: make([]link.Comment, len(list))}
		for i, cm := range list {
			out.Items[i] = CommentRecord(cm)
		}
		return out, nil
	})
	link.Handle(m, link.RouteHideAuthor, func(ctx context.Context, from kurz.Region, in *link.HideAuthorRequest) (*link.Empty, error) {
		return nil, c.HideAuthor(ctx, from, in.Author, in.Hidden)
	})
	link.Handle(m, link.RouteEraseAuthor, func(ctx context.Context, from kurz.Region, in *link.EraseAuthorRequest) (*link.Empty, error) {
		return nil, c.EraseAuthor(ctx, from, in.Author)
	})
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
			// Read again: an earlier one's removal may have taken it (a
			// reply of theirs to their own comment) or its pin.
			cm, err := q.CommentByID(ctx, cm.ID)
			if errors.Is(err, kurz.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			if err := c.RemoveComment(ctx, q, cm); err != nil {
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

// HideAuthor hides a terminated person's comments on this region's videos
// (hidden) or shows them again after a reversal, and corrects the counts.
// Only the person's home region decides their standing.
func (c *Service) HideAuthor(ctx context.Context, from kurz.Region, authorID string, hidden bool) error {
	if r, err := kurz.ParseID(authorID); err != nil || r != from {
		return kurz.Errorf(kurz.EForbidden, "a region may only hide its own people's comments")
	}
	comments, err := c.Store.CommentsByAuthor(ctx, authorID)
	if err != nil || len(comments) == 0 {
		return err
	}
	return c.Tx(ctx, func(q kurz.Queries) error {
		for _, cm := range comments {
			if cm, err = q.CommentByID(ctx, cm.ID); errors.Is(err, kurz.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			if cm.Hidden == hidden {
				continue
			}
			if err := q.SetCommentHidden(ctx, cm.ID, hidden); err != nil {
				return err
			}
			delta := int64(1)
			if hidden {
				delta = -1
			}
			if err := q.AddCounter(ctx, "videos", cm.VideoID, "comments", delta); err != nil {
				return err
			}
			v, err := q.VideoByID(ctx, cm.VideoID)
			if err != nil {
				return err
			}
			if err := c.Outbox.SyncVideoLog(ctx, q, v); err != nil {
				return err
			}
		}
		return nil
	})
}
