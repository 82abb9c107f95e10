// Package social owns what people do with videos and each other: likes,
// views, follows, profile edits, comments, and the For You and Following
// feeds. It never imports another concern package; what it needs from
// them it declares here as interfaces.
package social

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"kurz"
	"kurz/catalog"
	"kurz/cell"
	"kurz/link"
	"kurz/policy"
)

// TextFilter checks text a person writes against the operator's filters.
type TextFilter interface {
	CheckWords(field, text string) error
}

// Viewing is the visibility policy's answer about a video of this region.
type Viewing interface {
	Decide(ctx context.Context, who policy.Viewer, v *kurz.Video, f policy.Surface) (policy.Decision, error)
}

// Service applies the social rules of one region.
type Service struct {
	*cell.Cell
	Words   TextFilter
	Viewing Viewing

	viewersOnce sync.Once
	viewers     *viewers // the feed state of this region's viewers
}

// New returns the social service of region c.
func New(c *cell.Cell, words TextFilter, viewing Viewing) *Service {
	s := &Service{Cell: c, Words: words, Viewing: viewing}
	river.AddWorker(c.Workers, &notifyReplyWorker{c: s})
	return s
}

// visibleVideo checks that the policy lets viewer (of this region, or
// nil: anonymous at this door) see a video of any region on surface f:
// one of this region as its state and the viewer's relation to the owner
// say, one of another region as its public record in the catalogue says.
func (c *Service) visibleVideo(ctx context.Context, viewer *kurz.Profile, id string, f policy.Surface) error {
	who := c.PolicyViewer(ctx, viewer)
	if r, err := kurz.ParseID(id); err == nil && r == c.Region {
		v, err := c.Store.VideoByID(ctx, id)
		if err != nil {
			return err
		}
		if d, err := c.Viewing.Decide(ctx, who, v, f); err != nil || !d.See {
			return kurz.ErrNotFound
		}
		return nil
	}
	if pv, ok := c.Index.Video(id); ok && policy.Shows(who, pv, f) {
		return nil
	}
	return kurz.ErrNotFound
}

// Visible keeps the catalogue videos that viewer (of this region, or nil:
// anonymous at this door) may see on surface f (a profile or tag list).
func (c *Service) Visible(ctx context.Context, viewer *kurz.Profile, vids []*catalog.PublicVideo, f policy.Surface) []*catalog.PublicVideo {
	who := c.PolicyViewer(ctx, viewer)
	out := vids[:0:0]
	for _, v := range vids {
		if policy.Shows(who, v, f) {
			out = append(out, v)
		}
	}
	return out
}

// SetLike likes or unlikes a video for a person of this region. Liking
// twice is one like; the count changes through a delta to the video's
// region. It returns the expected count.
func (c *Service) SetLike(ctx context.Context, viewer *kurz.Profile, videoID string, like bool) (int64, error) {
	if err := c.visibleVideo(ctx, viewer, videoID, policy.Record); err != nil {
		return 0, err
	}
	var changed bool
	err := c.Tx(ctx, func(q kurz.Queries) error {
		var err error
		if like {
			changed, err = q.AddLike(ctx, viewer.ID, videoID, c.Now().UTC())
		} else {
			changed, err = q.RemoveLike(ctx, viewer.ID, videoID)
		}
		if err != nil || !changed {
			return err
		}
		d := int64(1)
		if !like {
			d = -1
		}
		// The owner's inbox hears of a like (not of an unlike), named
		// only if the liker shows their likes (see ARCHITECTURE.md).
		var note *link.InboxNote
		if pv, ok := c.Index.Video(videoID); like && (!ok || pv.OwnerID != viewer.ID) {
			note = &link.InboxNote{ActorKey: c.Inbox.ActorKey(cell.NotifyLike, videoID, viewer.ID)}
			if c.Inbox.ShowsLikes(ctx, viewer.ID) {
				note.Handle = viewer.Handle
			}
		}
		return c.QueueDeltaNote(ctx, q, videoID, "likes", d, note)
	})
	if err != nil {
		return 0, err
	}
	c.onLike(viewer.ID, videoID, like)
	var n int64
	if v, ok := c.Index.Video(videoID); ok {
		n = v.Likes
	}
	if changed && like {
		n++
	} else if changed {
		n--
	}
	return max(n, 0), nil
}

// ProfileByHandle finds a public profile of any region, as viewer (nil:
// anonymous) may see it: not at all if its owner blocked them.
func (c *Service) ProfileByHandle(ctx context.Context, viewer *kurz.Profile, handle string) (*catalog.PublicProfile, error) {
	h, err := kurz.NormalizeHandle(handle)
	if err != nil {
		return nil, kurz.ErrNotFound
	}
	p, ok := c.Index.ProfileByHandle(h)
	if !ok {
		return nil, kurz.ErrNotFound
	}
	if !c.SeesProfile(ctx, viewer, p.ID) {
		return nil, kurz.ErrNotFound // as if they did not exist
	}
	return p, nil
}

// SetFollow follows or unfollows a person of any region. It returns the
// followee's expected follower count, and whether the follow waits for
// the followee's approval (a private account, or a 13-15 year old's):
// until then it shows the follower nothing the public may not see. A
// block either way refuses a follow (someone who blocked the viewer is
// not found at all).
func (c *Service) SetFollow(ctx context.Context, viewer *kurz.Profile, handle string, follow bool) (n int64, requested bool, err error) {
	target, err := c.ProfileByHandle(ctx, viewer, handle)
	if err != nil {
		return 0, false, err
	}
	if target.ID == viewer.ID {
		return 0, false, kurz.Errorf(kurz.EInvalid, "you cannot follow yourself")
	}
	if follow && c.blockedBetween(ctx, viewer.ID, target.ID) {
		return 0, false, kurz.Errorf(kurz.EConflict, "you blocked @%s: unblock them first", target.Handle)
	}
	return c.follow(ctx, viewer, target, follow)
}

// follow is SetFollow once the target is known.
func (c *Service) follow(ctx context.Context, viewer *kurz.Profile, target *catalog.PublicProfile, follow bool) (n int64, requested bool, err error) {
	if target.Private {
		// The request (or its withdrawal) is kept in the followee's
		// region, which alone decides whom it lets see more.
		region, _ := kurz.ParseID(target.ID)
		if err := c.Link.FollowRequest(ctx, region, link.FollowRequestRequest{Followee: target.ID, Follower: viewer.ID,
			Handle: viewer.Handle, Withdraw: !follow}); err != nil {
			return 0, false, err
		}
		requested = follow
	}
	var changed bool
	err = c.Tx(ctx, func(q kurz.Queries) error {
		var err error
		if follow {
			changed, err = q.AddFollow(ctx, viewer.ID, target.ID, c.Now().UTC())
		} else {
			changed, err = q.RemoveFollow(ctx, viewer.ID, target.ID)
		}
		if err != nil || !changed {
			return err
		}
		d := int64(1)
		if !follow {
			d = -1
		}
		if err := q.AddCounter(ctx, "profiles", viewer.ID, "following", d); err != nil {
			return err
		}
		me, err := q.ProfileByID(ctx, viewer.ID)
		if err != nil {
			return err
		}
		if err := c.Outbox.PublishProfile(ctx, q, me); err != nil {
			return err
		}
		if target.Private {
			return nil // the followee's region counts approved followers
		}
		var note *link.InboxNote
		if follow {
			note = &link.InboxNote{ActorKey: c.Inbox.ActorKey(cell.NotifyFollow, target.ID, viewer.ID), Handle: viewer.Handle}
		}
		return c.QueueDeltaNote(ctx, q, target.ID, "followers", d, note)
	})
	if err != nil {
		return 0, false, err
	}
	c.onFollow(viewer.ID, target.ID, follow)
	n = target.Followers
	if target.Private {
		return n, requested, nil
	}
	if changed && follow {
		n++
	} else if changed {
		n--
	}
	return max(n, 0), requested, nil
}

// storeFollowRequest is the followee's region's side of a follow of a
// private account: a pending request, or its withdrawal (which also ends
// an approval).
func (c *Service) storeFollowRequest(ctx context.Context, from kurz.Region, in *link.FollowRequestRequest) error {
	if r, err := kurz.ParseID(in.Follower); err != nil || r != from {
		return kurz.Errorf(kurz.EForbidden, "a region may only ask for its own people")
	}
	if r, err := kurz.ParseID(in.Followee); err != nil || r != c.Region {
		return kurz.ErrNotFound
	}
	if in.Withdraw {
		return c.Tx(ctx, func(q kurz.Queries) error {
			approved, err := q.FollowApproved(ctx, in.Followee, in.Follower)
			if err != nil {
				return err
			}
			if _, err := q.DeleteFollowRequest(ctx, in.Followee, in.Follower); err != nil || !approved {
				return err
			}
			// Only approved followers count. (A follow from before the
			// account went private counted when it was made and stays
			// counted: this region cannot tell it from a removed one.)
			return c.countFollower(ctx, q, in.Followee, -1)
		})
	}
	if _, err := kurz.NormalizeHandle(in.Handle); err != nil {
		return err
	}
	if c.blockedBetween(ctx, in.Followee, in.Follower) {
		return kurz.ErrNotFound
	}
	return c.Tx(ctx, func(q kurz.Queries) error {
		added, err := q.PutFollowRequest(ctx, in.Followee, in.Follower, in.Handle, c.Now().UTC())
		if err != nil || !added {
			return err
		}
		return c.Inbox.Notify(ctx, q, in.Followee, "follow_request", map[string]string{"handle": in.Handle})
	})
}

// FollowRequestJSON is a pending request or an approved follower, as
// their owner sees it.
type FollowRequestJSON struct {
	Handle    string    `json:"handle"`
	Approved  bool      `json:"approved"`
	CreatedAt time.Time `json:"created_at"`
}

// FollowRequests lists a person's pending follow requests, or their
// approved followers (approved).
func (c *Service) FollowRequests(ctx context.Context, viewer *kurz.Profile, approved bool) ([]FollowRequestJSON, error) {
	list, err := c.Store.FollowRequests(ctx, viewer.ID, approved)
	if err != nil {
		return nil, err
	}
	out := make([]FollowRequestJSON, len(list))
	for i, r := range list {
		out[i] = FollowRequestJSON{Handle: r.Handle, Approved: r.Approved, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// AnswerFollower approves or refuses a pending request (action "approve"
// or "refuse"), or removes an approved follower ("remove"), by handle.
// The follower's own follow stays in their region and shows them only
// what the public sees.
func (c *Service) AnswerFollower(ctx context.Context, viewer *kurz.Profile, handle, action string) error {
	h, err := kurz.NormalizeHandle(handle)
	if err != nil {
		return kurz.ErrNotFound
	}
	for _, approved := range []bool{false, true} {
		list, err := c.Store.FollowRequests(ctx, viewer.ID, approved)
		if err != nil {
			return err
		}
		for _, r := range list {
			if r.Handle != h {
				continue
			}
			if (action == "approve" || action == "refuse") == approved || (action != "approve" && action != "refuse" && action != "remove") {
				continue
			}
			// The follower count counts approved followers only.
			return c.Tx(ctx, func(q kurz.Queries) error {
				if action == "approve" {
					if ok, err := q.ApproveFollowRequest(ctx, viewer.ID, r.FollowerID); err != nil || !ok {
						return err
					}
					return c.countFollower(ctx, q, viewer.ID, 1)
				}
				if gone, err := q.DeleteFollowRequest(ctx, viewer.ID, r.FollowerID); err != nil || !gone || !approved {
					return err
				}
				return c.countFollower(ctx, q, viewer.ID, -1)
			})
		}
	}
	return kurz.ErrNotFound
}

// countFollower adds d to the follower count of a person of this region,
// in q, and republishes their profile.
func (c *Service) countFollower(ctx context.Context, q kurz.Queries, userID string, d int64) error {
	if err := q.AddCounter(ctx, "profiles", userID, "followers", d); err != nil {
		return err
	}
	p, err := q.ProfileByID(ctx, userID)
	if err != nil {
		return err
	}
	return c.Outbox.PublishProfile(ctx, q, p)
}

// UpdateProfile changes the display name and bio of a person of this region.
func (c *Service) UpdateProfile(ctx context.Context, viewer *kurz.Profile, displayName, bio *string) (*kurz.Profile, error) {
	var nameErr, bioErr error
	if displayName != nil && (utf8.RuneCountInString(*displayName) > 50 || strings.ContainsAny(*displayName, "\x00\n\r")) {
		nameErr = kurz.FieldError("display_name", "a display name has at most 50 characters on one line")
	}
	if bio != nil && (utf8.RuneCountInString(*bio) > 300 || strings.ContainsRune(*bio, 0)) {
		bioErr = kurz.FieldError("bio", "a bio has at most 300 characters")
	}
	if err := kurz.FieldErrors(nameErr, bioErr); err != nil {
		return nil, err
	}
	var out *kurz.Profile
	err := c.Tx(ctx, func(q kurz.Queries) error {
		p, err := q.ProfileByID(ctx, viewer.ID)
		if err != nil {
			return err
		}
		if displayName != nil {
			p.DisplayName = strings.TrimSpace(*displayName)
		}
		if bio != nil {
			p.Bio = strings.TrimSpace(*bio)
		}
		if err := q.UpdateProfile(ctx, p); err != nil {
			return err
		}
		out = p
		return c.Outbox.PublishProfile(ctx, q, p)
	})
	return out, err
}

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

// PostComment publishes a comment by a person of this region on a video
// of any region: the text is public, so it goes to the video's region,
// which stores it with the video.
func (c *Service) PostComment(ctx context.Context, viewer *kurz.Profile, videoID, text string) (*CommentJSON, error) {
	return c.postComment(ctx, viewer, videoID, "", text)
}

// postComment publishes a comment, or (replyTo, a comment of the video) a
// reply.
func (c *Service) postComment(ctx context.Context, viewer *kurz.Profile, videoID, replyTo, text string) (*CommentJSON, error) {
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
func (c *Service) withAvatars(items []CommentJSON) {
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
func (c *Service) commentsAllowed(ctx context.Context, authorID, videoID string) error {
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

// storeComment is the video region's side of PostComment.
func (c *Service) storeComment(ctx context.Context, from kurz.Region, in *link.PostCommentRequest) (*CommentJSON, error) {
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
	err := c.txJobs(ctx, func(tx *sql.Tx, q kurz.Queries) error {
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
			if v.Status == kurz.StatusReady {
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
func (c *Service) notifyMentions(ctx context.Context, q kurz.Queries, v *kurz.Video, cm *kurz.Comment) error {
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

// DeleteComment lets the author (or the video's owner) remove a comment.
func (c *Service) DeleteComment(ctx context.Context, viewer *kurz.Profile, commentID string) error {
	region, err := kurz.ParseID(commentID)
	if err != nil {
		return kurz.ErrNotFound
	}
	return c.Link.DeleteComment(ctx, region, link.DeleteCommentRequest{ID: commentID, By: viewer.ID})
}

func (c *Service) removeComment(ctx context.Context, from kurz.Region, id, by string) error {
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

// Comments lists a video's comments, asking the video's region.
func (c *Service) Comments(ctx context.Context, viewer *kurz.Profile, videoID, cursor string) ([]CommentJSON, string, error) {
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

// txJobs runs fn in a write transaction jobs can be enqueued in and wakes
// the log readers after commit.
func (c *Service) txJobs(ctx context.Context, fn func(tx *sql.Tx, q kurz.Queries) error) error {
	err := c.Store.TxSQL(ctx, fn)
	if err == nil {
		c.Outbox.LogNotify()
	}
	return err
}
