package social

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"kurz"
	"kurz/link"
	"kurz/policy"
)

// Replies, likes on comments and pinning (COMMENTS.md has the rules).
// Comments live with their video, in its region; a like is personal and
// stays in the liker's home region, only an anonymous counter delta goes
// to the comment's region; a pin is the video owner's, in their region.

// comment reads a shown comment of any region for viewer (of this region,
// or nil), from the comment's region, if the policy lets viewer read the
// comments of its video; otherwise ErrNotFound.
func (c *Comments) comment(ctx context.Context, viewer *kurz.Profile, id string) (*CommentJSON, error) {
	region, err := kurz.ParseID(id)
	if err != nil {
		return nil, kurz.ErrNotFound
	}
	cm, err := c.Link.GetComment(ctx, region, link.GetCommentRequest{ID: id})
	if err != nil {
		return nil, err
	}
	if err := c.visibleVideo(ctx, viewer, cm.VideoID, policy.Comments); err != nil {
		return nil, kurz.ErrNotFound
	}
	return cm, nil
}

// shownComment is the comment region's side of comment: a comment that is
// hidden, or whose top-level comment is, is not found.
func (c *Comments) shownComment(ctx context.Context, q kurz.Queries, id string) (*kurz.Comment, error) {
	cm, err := q.CommentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if cm.Hidden {
		return nil, kurz.ErrNotFound
	}
	if cm.ParentID != "" {
		if _, err := c.shownComment(ctx, q, cm.ParentID); err != nil {
			return nil, err
		}
	}
	return cm, nil
}

// Reply publishes a person of this region's reply to a comment (a
// top-level comment or another reply: the reply joins the top-level
// comment and names whom it answers).
func (c *Comments) Reply(ctx context.Context, viewer *kurz.Profile, commentID, text string) (*CommentJSON, error) {
	cm, err := c.comment(ctx, viewer, commentID)
	if err != nil {
		return nil, err
	}
	return c.postComment(ctx, viewer, cm.VideoID, commentID, text)
}

// threadReply is the video region's side of a reply, in the transaction
// storing it: the comment answered must be shown, on the same video.
func (c *Comments) threadReply(ctx context.Context, q kurz.Queries, reply *kurz.Comment, replyTo string) error {
	to, err := c.shownComment(ctx, q, replyTo)
	if err != nil || to.VideoID != reply.VideoID {
		return kurz.ErrNotFound
	}
	reply.ParentID = to.ID
	if to.ParentID != "" {
		reply.ParentID = to.ParentID
	}
	reply.ReplyToID, reply.ReplyToHandle = to.AuthorID, to.AuthorHandle
	return nil
}

// NotifyReplyArgs is the job that tells a person of another region that
// a reply answers them.
type NotifyReplyArgs struct {
	Region  kurz.Region             `json:"region"`
	Request link.NotifyReplyRequest `json:"request"`
}

func (NotifyReplyArgs) Kind() string { return "notify_reply" }

type notifyReplyWorker struct {
	river.WorkerDefaults[NotifyReplyArgs]
	c *Comments
}

func (w *notifyReplyWorker) Work(ctx context.Context, job *river.Job[NotifyReplyArgs]) error {
	return w.c.Link.NotifyReply(ctx, job.Args.Region, job.Args.Request)
}

// notifyReply notifies the person a new reply answers (not its author
// answering themselves): in their home region's inbox, directly when it
// is this region, else by a retried job over the link. The notification
// holds what the reply made public.
func (c *Comments) notifyReply(ctx context.Context, tx *sql.Tx, q kurz.Queries, reply *kurz.Comment) error {
	if reply.ParentID == "" || reply.ReplyToID == reply.AuthorID {
		return nil
	}
	req := link.NotifyReplyRequest{Person: reply.ReplyToID, VideoID: reply.VideoID, CommentID: reply.ID, ParentID: reply.ParentID,
		AuthorHandle: reply.AuthorHandle, Text: reply.Text}
	region, err := kurz.ParseID(reply.ReplyToID)
	if err != nil {
		return nil
	}
	if region == c.Region {
		return c.storeReplyNotice(ctx, q, req)
	}
	_, err = c.Jobs.InsertTx(ctx, tx, NotifyReplyArgs{Region: region, Request: req}, nil)
	return err
}

// storeReplyNotice puts a reply notification in a person of this region's
// inbox; a person gone meanwhile gets none.
func (c *Comments) storeReplyNotice(ctx context.Context, q kurz.Queries, in link.NotifyReplyRequest) error {
	err := c.Inbox.Notify(ctx, q, in.Person, "reply", map[string]any{"video_id": in.VideoID, "comment_id": in.CommentID,
		"parent_id": in.ParentID, "author_handle": in.AuthorHandle, "text": in.Text})
	if errors.Is(err, kurz.ErrNotFound) {
		return nil
	}
	return err
}

// receiveReplyNotice is the answered person's region's side of NotifyReply.
func (c *Comments) receiveReplyNotice(ctx context.Context, from kurz.Region, in *link.NotifyReplyRequest) error {
	if r, err := kurz.ParseID(in.CommentID); err != nil || r != from {
		return kurz.Errorf(kurz.EForbidden, "a region may only notify of its own comments")
	}
	if r, err := kurz.ParseID(in.Person); err != nil || r != c.Region {
		return kurz.ErrNotFound
	}
	return c.Tx(ctx, func(q kurz.Queries) error { return c.storeReplyNotice(ctx, q, *in) })
}

// SetLike likes or unlikes a comment of any region for a person of
// this region. The like stays here (personal); liking twice is one like,
// and the comment's count changes only through a delta to its region. It
// returns the expected count.
func (c *Comments) SetLike(ctx context.Context, viewer *kurz.Profile, commentID string, like bool) (int64, error) {
	cm, err := c.comment(ctx, viewer, commentID)
	if err != nil {
		return 0, err
	}
	var changed bool
	err = c.Tx(ctx, func(q kurz.Queries) error {
		var err error
		if like {
			changed, err = q.AddCommentLike(ctx, viewer.ID, cm.ID, c.Now().UTC())
		} else {
			changed, err = q.RemoveCommentLike(ctx, viewer.ID, cm.ID)
		}
		if err != nil || !changed {
			return err
		}
		d := int64(1)
		if !like {
			d = -1
		}
		return c.QueueDelta(ctx, q, cm.ID, CommentLikesField, d)
	})
	if err != nil {
		return 0, err
	}
	n := cm.Likes
	switch {
	case changed && like:
		n++
	case changed:
		n--
	}
	return max(n, 0), nil
}

// CommentLikesField is the counter delta field of a comment's likes.
const CommentLikesField = "comment_likes"

// Pin pins a top-level comment to the top of its video's list, or
// unpins it (pin false). Only the video's owner may; pinning another
// comment unpins the first. Videos live in their owner's home region, so
// a person of another region is never the owner.
func (c *Comments) Pin(ctx context.Context, viewer *kurz.Profile, commentID string, pin bool) (*CommentJSON, error) {
	notOwner := kurz.Errorf(kurz.EForbidden, "only the video's creator can pin its comments")
	if r, err := kurz.ParseID(commentID); err != nil {
		return nil, kurz.ErrNotFound
	} else if r != c.Region {
		return nil, notOwner
	}
	if cm, err := c.shownComment(ctx, c.Store, commentID); err != nil {
		return nil, err
	} else if err := c.visibleVideo(ctx, viewer, cm.VideoID, policy.Comments); err != nil {
		return nil, kurz.ErrNotFound
	}
	var out CommentJSON
	err := c.Tx(ctx, func(q kurz.Queries) error {
		cm, err := c.shownComment(ctx, q, commentID)
		if err != nil {
			return err
		}
		v, err := q.VideoByID(ctx, cm.VideoID)
		if err != nil {
			return err
		}
		if v.OwnerID != viewer.ID {
			return notOwner
		}
		if cm.ParentID != "" {
			return kurz.Errorf(kurz.EInvalid, "only a top-level comment can be pinned, not a reply")
		}
		switch {
		case pin:
			err = q.SetPinnedComment(ctx, v.ID, cm.ID)
		case cm.Pinned:
			err = q.SetPinnedComment(ctx, v.ID, "")
		}
		cm.Pinned = pin
		out = CommentRecord(cm)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Replies lists the replies of a top-level comment (or of the comment a
// reply belongs to), oldest first, asking the comment's region.
func (c *Comments) Replies(ctx context.Context, viewer *kurz.Profile, commentID, cursor string) ([]CommentJSON, string, error) {
	cm, err := c.comment(ctx, viewer, commentID)
	if err != nil {
		return nil, "", err
	}
	parent := cm.ID
	if cm.ParentID != "" {
		parent = cm.ParentID
	}
	region, _ := kurz.ParseID(cm.ID)
	out, err := c.Link.ListComments(ctx, region, link.ListCommentsRequest{Video: cm.VideoID, Parent: parent, Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	for _, r := range out.Items {
		if r.ParentID != parent {
			return nil, "", kurz.Errorf(kurz.EUnavailable, "region %s answered with a reply of another comment", region)
		}
	}
	// Blocks either way and mutes hide replies as they hide comments.
	who := c.PolicyViewer(ctx, viewer)
	items := slices.DeleteFunc(out.Items, func(cm CommentJSON) bool { return !policy.ShowsComment(who, cm.Author.ID) })
	c.withAvatars(items)
	return c.markLiked(ctx, viewer, items), out.NextCursor, nil
}

// markLiked marks the comments viewer (of this region, or nil) likes.
func (c *Comments) markLiked(ctx context.Context, viewer *kurz.Profile, items []CommentJSON) []CommentJSON {
	if viewer == nil || len(items) == 0 {
		return items
	}
	ids := make([]string, len(items))
	for i, cm := range items {
		ids[i] = cm.ID
	}
	liked, err := c.Store.CommentLikes(ctx, viewer.ID, ids)
	if err != nil {
		return items // the marks are a courtesy; the list stands without them
	}
	for i := range items {
		items[i].Liked = liked[items[i].ID]
	}
	return items
}

// listComments is the video region's side of List and Replies: a
// page of a video's top-level comments, the pinned one first on the first
// page, or of one comment's replies.
func (c *Comments) listComments(ctx context.Context, videoID, parent, cursor string) (*link.ListCommentsResponse, error) {
	var after time.Time
	var afterID string
	if cursor != "" {
		ms, id, ok := strings.Cut(cursor, "_")
		n, err := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil {
			return nil, kurz.Errorf(kurz.EInvalid, "bad cursor")
		}
		after, afterID = time.UnixMilli(n), id
	}
	const page = 50
	var list []*kurz.Comment
	var items []CommentJSON
	if parent != "" {
		p, err := c.shownComment(ctx, c.Store, parent)
		if err != nil || p.VideoID != videoID || p.ParentID != "" {
			return nil, kurz.ErrNotFound
		}
		if list, err = c.Store.RepliesOf(ctx, parent, after, afterID, page); err != nil {
			return nil, err
		}
	} else {
		pinned, err := c.Store.PinnedComment(ctx, videoID)
		if err != nil && !errors.Is(err, kurz.ErrNotFound) {
			return nil, err
		}
		if pinned != "" && cursor == "" {
			if cm, err := c.shownComment(ctx, c.Store, pinned); err == nil && cm.VideoID == videoID && cm.ParentID == "" {
				items = append(items, CommentRecord(cm))
			}
		}
		if list, err = c.Store.CommentsOf(ctx, videoID, after, afterID, page); err != nil {
			return nil, err
		}
	}
	for _, cm := range list {
		if !cm.Pinned || parent != "" {
			items = append(items, CommentRecord(cm))
		}
	}
	next := ""
	if len(list) == page {
		last := list[len(list)-1]
		next = fmt.Sprintf("%d_%s", last.CreatedAt.UnixMilli(), last.ID)
	}
	if items == nil {
		items = []CommentJSON{}
	}
	return &link.ListCommentsResponse{Items: items, NextCursor: next}, nil
}
