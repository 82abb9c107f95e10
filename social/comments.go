package social

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kurz"
	"kurz/cell"
	"kurz/link"
	"kurz/policy"
)

// Comments owns comments on videos: posting (with mentions and the
// owner's choice of who may comment), listing, removing, replies, likes
// on comments and pins (COMMENTS.md has the rules), and a region's side
// of each over the link, including hiding and erasing an author's
// comments. Comments are public and live with their video, in its
// region; the author's region speaks for the author.
type Comments struct{ *core }

// CommentJSON is the API shape of a comment: public, the same as the
// region link carries it.
type CommentJSON = link.Comment

// CommentRecord is the API shape of a comment.
func CommentRecord(cm *kurz.Comment) CommentJSON {
	out := CommentJSON{ID: cm.ID, VideoID: cm.VideoID, Text: cm.Text, CreatedAt: cm.CreatedAt,
		Author: link.CommentAuthor{ID: cm.AuthorID, Handle: cm.AuthorHandle}, ParentID: cm.ParentID,
		Likes: max(cm.Likes, 0), Replies: cm.Replies, Pinned: cm.Pinned}
	if cm.ParentID != "" {
		out.ReplyTo = &link.CommentAuthor{ID: cm.ReplyToID, Handle: cm.ReplyToHandle}
	}
	return out
}

// MaxCommentLen is the longest comment, in characters.
const MaxCommentLen = 500

// Post publishes a comment by a person of this region on a video
// of any region: the text is public, so it goes to the video's region,
// which stores it with the video.
func (c *Comments) Post(ctx context.Context, viewer *kurz.Profile, videoID, text string) (*CommentJSON, error) {
	return c.postComment(ctx, viewer, videoID, "", text)
}

// postComment publishes a comment, or (replyTo, a comment of the video) a
// reply.
func (c *Comments) postComment(ctx context.Context, viewer *kurz.Profile, videoID, replyTo, text string) (*CommentJSON, error) {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n < 1 || n > MaxCommentLen || strings.ContainsRune(text, 0) {
		return nil, kurz.FieldError("text", "a comment has 1 to %d characters", MaxCommentLen)
	}
	if err := c.visibleVideo(ctx, viewer, videoID, policy.Record); err != nil {
		return nil, err
	}
	if err := c.visibleVideo(ctx, viewer, videoID, policy.Comment); err != nil {
		return nil, kurz.Errorf(kurz.EForbidden, "this account takes comments only from people it follows")
	}
	if err := c.CheckMentions(c.PolicyViewer(ctx, viewer), "text", text); err != nil {
		return nil, err
	}
	region, _ := kurz.ParseID(videoID)
	// The video's region decides again with what it holds: the author's
	// relation to the owner (a minor takes comments only from people they
	// follow), the video's and its owner's state.
	out, err := c.Link.PostComment(ctx, region, link.PostCommentRequest{VideoID: videoID, AuthorID: viewer.ID,
		AuthorHandle: viewer.Handle, Text: text, ReplyTo: replyTo})
	if err == nil {
		out.Author.AvatarURL = ""
		if pp, ok := c.Index.Profile(viewer.ID); ok {
			out.Author.AvatarURL = kurz.AvatarURL(pp.ID, pp.Avatar)
		}
	}
	return out, err
}

// withAvatars sets the comment authors' pictures from the catalogue.
func (c *Comments) withAvatars(items []CommentJSON) {
	for i := range items {
		a := &items[i].Author
		a.AvatarURL = ""
		if pp, ok := c.Index.Profile(a.ID); ok {
			a.AvatarURL = kurz.AvatarURL(pp.ID, pp.Avatar)
		}
	}
}

// commentsAllowed applies the video owner's choice of who may comment
// (kurz.Account.CommentsFrom), in the owner's region: everyone, their
// (approved) followers, or nobody; the owner always may.
func (c *Comments) commentsAllowed(ctx context.Context, authorID, videoID string) error {
	v, err := c.Store.VideoByID(ctx, videoID)
	if err != nil || v.OwnerID == authorID {
		return nil // a missing video is answered by the visibility check
	}
	a, err := c.Store.AccountByID(ctx, v.OwnerID)
	if err != nil {
		return nil
	}
	switch a.CommentsFrom {
	case kurz.CommentsNobody:
		return &kurz.Error{Code: kurz.EForbidden, Field: "text", Message: "this account has turned comments off"}
	case kurz.CommentsFollowers:
		if !c.ApprovedFollower(ctx, authorID, v.OwnerID) {
			return &kurz.Error{Code: kurz.EForbidden, Field: "text", Message: "this account takes comments only from its followers"}
		}
	}
	return nil
}

// storeComment is the video region's side of Post.
func (c *Comments) storeComment(ctx context.Context, from kurz.Region, in *link.PostCommentRequest) (*CommentJSON, error) {
	if r, err := kurz.ParseID(in.AuthorID); err != nil || r != from {
		return nil, kurz.Errorf(kurz.EForbidden, "a region may only post its own people's comments")
	}
	if err := c.Words.CheckWords("text", in.Text); err != nil {
		return nil, err
	}
	if err := c.commentsAllowed(ctx, in.AuthorID, in.VideoID); err != nil {
		return nil, err
	}
	cm := &kurz.Comment{ID: kurz.NewID(c.Region), VideoID: in.VideoID, AuthorID: in.AuthorID, AuthorHandle: in.AuthorHandle,
		Text: in.Text, CreatedAt: c.Now().UTC().Truncate(time.Millisecond)}
	err := c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		v, err := q.VideoByID(ctx, in.VideoID)
		if err != nil {
			return err
		}
		// The author's age band and country were decided in their region
		// (visibleVideo, before the call).
		d, err := c.Viewing.Decide(ctx, policy.Viewer{ID: in.AuthorID}, v, policy.Comment)
		if err != nil {
			return err
		}
		if !d.See {
			if kurz.Showable(v.Status) {
				if r, _ := c.Viewing.Decide(ctx, policy.Viewer{ID: in.AuthorID}, v, policy.Record); r.See {
					return kurz.Errorf(kurz.EForbidden, "this account takes comments only from people it follows")
				}
			}
			return kurz.ErrNotFound
		}
		if in.ReplyTo != "" {
			if err := c.threadReply(ctx, q, cm, in.ReplyTo); err != nil {
				return err
			}
		}
		// Mentions of people of this region who blocked the author.
		blockers, err := q.BlockersOf(ctx, in.AuthorID)
		if err != nil {
			return err
		}
		if err := c.CheckMentions(policy.Viewer{ID: in.AuthorID, BlockedBy: blockers}, "text", in.Text); err != nil {
			return err
		}
		if err := q.CreateComment(ctx, cm); err != nil {
			return err
		}
		if err := c.notifyReply(ctx, tx, q, cm); err != nil {
			return err
		}
		if in.AuthorID != v.OwnerID && v.OwnerID != cm.ReplyToID {
			// The owner's inbox gets what the comment made public anyway:
			// the author's handle and the words.
			err := c.Inbox.Notify(ctx, q, v.OwnerID, "comment", map[string]any{"video_id": v.ID, "comment_id": cm.ID,
				"author_handle": cm.AuthorHandle, "text": cm.Text})
			if err != nil && !errors.Is(err, kurz.ErrNotFound) {
				return err
			}
		}
		if err := c.notifyMentions(ctx, q, v, cm); err != nil {
			return err
		}
		if err := q.AddCounter(ctx, "videos", v.ID, "comments", 1); err != nil {
			return err
		}
		v.Comments++
		return c.Outbox.SyncVideoLog(ctx, q, v)
	})
	if err != nil {
		return nil, err
	}
	out := CommentRecord(cm)
	return &out, nil
}

// mentionRE finds @handles; notifyMentions checks each.
var mentionRE = regexp.MustCompile(`(^|[^\p{L}\p{N}_])@([A-Za-z0-9_.]{3,24})`)

// MaxMentions is how many people one comment notifies by mention.
const MaxMentions = 5

// notifyMentions tells the people a comment names with @handle, in
// whichever region they live, with what the comment made public: its
// author's handle and its text. The author and the video's owner (who
// hears of every comment) are not told twice.
func (c *Comments) notifyMentions(ctx context.Context, q kurz.Queries, v *kurz.Video, cm *kurz.Comment) error {
	seen := map[string]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(cm.Text, -1) {
		h, err := kurz.NormalizeHandle(strings.TrimRight(m[2], "."))
		if err != nil || seen[h] || len(seen) == MaxMentions {
			continue
		}
		seen[h] = true
		p, ok := c.Index.ProfileByHandle(h)
		if !ok || p.ID == cm.AuthorID || p.ID == v.OwnerID {
			continue
		}
		note := &link.InboxNote{ActorKey: c.Inbox.ActorKey(cell.NotifyMention, cm.ID, p.ID), Handle: cm.AuthorHandle,
			VideoID: v.ID, CommentID: cm.ID, Text: cm.Text}
		if err := c.QueueDeltaNote(ctx, q, p.ID, cell.NotifyMention, 0, note); err != nil {
			return err
		}
	}
	return nil
}

// Delete lets the author (or the video's owner) remove a comment.
func (c *Comments) Delete(ctx context.Context, viewer *kurz.Profile, commentID string) error {
	region, err := kurz.ParseID(commentID)
	if err != nil {
		return kurz.ErrNotFound
	}
	return c.Link.DeleteComment(ctx, region, link.DeleteCommentRequest{ID: commentID, By: viewer.ID})
}

func (c *Comments) removeComment(ctx context.Context, from kurz.Region, id, by string) error {
	if r, err := kurz.ParseID(by); err != nil || r != from {
		return kurz.Errorf(kurz.EForbidden, "a region may only act for its own people")
	}
	return c.Tx(ctx, func(q kurz.Queries) error {
		cm, err := q.CommentByID(ctx, id)
		if err != nil {
			return err
		}
		v, err := q.VideoByID(ctx, cm.VideoID)
		if err != nil {
			return err
		}
		if cm.AuthorID != by && v.OwnerID != by {
			return kurz.ErrNotFound
		}
		return c.RemoveComment(ctx, q, cm)
	})
}

// List lists a video's comments, asking the video's region.
func (c *Comments) List(ctx context.Context, viewer *kurz.Profile, videoID, cursor string) ([]CommentJSON, string, error) {
	if err := c.visibleVideo(ctx, viewer, videoID, policy.Comments); err != nil {
		return nil, "", err
	}
	region, _ := kurz.ParseID(videoID)
	out, err := c.Link.ListComments(ctx, region, link.ListCommentsRequest{Video: videoID, Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	for _, cm := range out.Items {
		if cm.ParentID != "" {
			return nil, "", kurz.Errorf(kurz.EUnavailable, "region %s answered with a reply among the comments", region)
		}
	}
	// Blocks either way and the viewer's mutes, decided here, in the
	// viewer's home region, which keeps them.
	who := c.PolicyViewer(ctx, viewer)
	items := slices.DeleteFunc(out.Items, func(cm CommentJSON) bool { return !policy.ShowsComment(who, cm.Author.ID) })
	c.withAvatars(items)
	return c.markLiked(ctx, viewer, items), out.NextCursor, nil
}

// EraseAuthor removes an erased person's comments from this region's
// videos and corrects the counts.
func (c *Comments) EraseAuthor(ctx context.Context, from kurz.Region, authorID string) error {
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
func (c *Comments) HideAuthor(ctx context.Context, from kurz.Region, authorID string, hidden bool) error {
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
