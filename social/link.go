package social

import (
	"context"

	"kurz"
	"kurz/link"
)

// RegisterLink registers social's part of the region link on m: follow
// requests and block notices (Service), and comments (Comments), which
// are public and live with their video, in its region; the author's
// region speaks for the author.
func (c *Service) RegisterLink(m *link.Mux) {
	link.Handle(m, link.RouteFollowRequest, func(ctx context.Context, from kurz.Region, in *link.FollowRequestRequest) (*link.Empty, error) {
		return nil, c.storeFollowRequest(ctx, from, in)
	})
	link.Handle(m, link.RouteBlockNotice, func(ctx context.Context, from kurz.Region, in *link.BlockNoticeRequest) (*link.Empty, error) {
		return nil, c.blockNotice(ctx, from, in)
	})
	link.Handle(m, link.RoutePostComment, func(ctx context.Context, from kurz.Region, in *link.PostCommentRequest) (*link.Comment, error) {
		return c.Comments.storeComment(ctx, from, in)
	})
	link.Handle(m, link.RouteDeleteComment, func(ctx context.Context, from kurz.Region, in *link.DeleteCommentRequest) (*link.Empty, error) {
		return nil, c.Comments.removeComment(ctx, from, in.ID, in.By)
	})
	link.Handle(m, link.RouteListComments, func(ctx context.Context, from kurz.Region, in *link.ListCommentsRequest) (*link.ListCommentsResponse, error) {
		return c.Comments.listComments(ctx, in.Video, in.Parent, in.Cursor)
	})
	link.Handle(m, link.RouteGetComment, func(ctx context.Context, from kurz.Region, in *link.GetCommentRequest) (*link.Comment, error) {
		cm, err := c.Comments.shownComment(ctx, c.Store, in.ID)
		if err != nil {
			return nil, err
		}
		out := CommentRecord(cm)
		return &out, nil
	})
	link.Handle(m, link.RouteNotifyReply, func(ctx context.Context, from kurz.Region, in *link.NotifyReplyRequest) (*link.Empty, error) {
		return nil, c.Comments.receiveReplyNotice(ctx, from, in)
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
		return nil, c.Comments.HideAuthor(ctx, from, in.Author, in.Hidden)
	})
	link.Handle(m, link.RouteEraseAuthor, func(ctx context.Context, from kurz.Region, in *link.EraseAuthorRequest) (*link.Empty, error) {
		return nil, c.Comments.EraseAuthor(ctx, from, in.Author)
	})
}
