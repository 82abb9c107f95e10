// Package social owns what people do with videos and each other: likes,
// follows and follow requests, profiles (edits, pictures, private
// accounts), blocks and mutes (Service), comments with their replies,
// likes and pins (Comments), and views with their events (Views). The
// feeds are package feed's: social tells it of likes, follows and views
// through Feeds. It never imports another concern package; what it needs
// from them it declares here as interfaces.
package social

import (
	"context"
	"strings"
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

// Feeds keeps what the feeds know of a person in memory (package feed):
// it hears of their own views, likes and follows once the store has them,
// and forgets what it holds of a person whose blocks changed (it loads
// them again on their next request).
type Feeds interface {
	Viewed(viewerID, videoID string)
	Liked(viewerID, videoID string, like bool)
	Followed(viewerID, followeeID string, follow bool)
	Forget(personID string)
	// Who is a person of this region (nil: anonymous at this door) as
	// the visibility policy sees them, from what it holds in memory: what
	// cell.PolicyViewer reads from the store.
	Who(ctx context.Context, viewer *kurz.Profile) (policy.Viewer, error)
}

// core is what social's services share: the region value, what they
// need of other concerns, and the visibility check of a video.
type core struct {
	*cell.Cell
	Words   TextFilter
	Viewing Viewing
	Feeds   Feeds
}

// Service applies the social rules of one region between people:
// likes, follows and follow requests, profiles (edits, pictures, private
// accounts), blocks and mutes, and it answers social's calls on the
// region link. Comments and Views are its parts for comments and for
// counting views.
type Service struct {
	*core
	Comments *Comments
	Views    *Views
}

// New returns the social service of region c, telling feeds of each
// person's own likes, follows and views.
func New(c *cell.Cell, words TextFilter, viewing Viewing, feeds Feeds) *Service {
	k := &core{Cell: c, Words: words, Viewing: viewing, Feeds: feeds}
	s := &Service{core: k, Comments: &Comments{k}, Views: &Views{k}}
	river.AddWorker(c.Workers, &notifyReplyWorker{c: s.Comments})
	return s
}

// visibleVideo checks that the policy lets viewer (of this region, or
// nil: anonymous at this door) see a video of any region on surface f:
// one of this region as its state and the viewer's relation to the owner
// say, one of another region as its public record in the catalogue says.
func (c *core) visibleVideo(ctx context.Context, viewer *kurz.Profile, id string, f policy.Surface) error {
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

// who is viewer (of this region, or nil: anonymous at this door) as the
// policy sees them: from the feeds' memory, so public lists and profiles
// read no database, or from the store where the feeds know nothing of
// them.
func (c *core) who(ctx context.Context, viewer *kurz.Profile) policy.Viewer {
	if w, err := c.Feeds.Who(ctx, viewer); err == nil {
		return w
	}
	return c.PolicyViewer(ctx, viewer)
}

// Visible keeps the catalogue videos that viewer (of this region, or nil:
// anonymous at this door) may see on surface f (a profile or tag list).
func (c *Service) Visible(ctx context.Context, viewer *kurz.Profile, vids []*catalog.PublicVideo, f policy.Surface) []*catalog.PublicVideo {
	who := c.who(ctx, viewer)
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
	c.Feeds.Liked(viewer.ID, videoID, like)
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
	c.Feeds.Followed(viewer.ID, target.ID, follow)
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

// SetPrivate makes a person's account private (their videos go to
// approved followers only) or public again. A 13-15 year old's account
// stays private. Every video of theirs is republished as the policy now
// decides.
func (c *Service) SetPrivate(ctx context.Context, viewer *kurz.Profile, private bool) error {
	return c.Tx(ctx, func(q kurz.Queries) error {
		acct, err := q.AccountByID(ctx, viewer.ID)
		if err != nil {
			return err
		}
		if acct.Minor && !private {
			return kurz.FieldError("private_account", "accounts of people under 16 stay private")
		}
		p, err := q.ProfileByID(ctx, viewer.ID)
		if err != nil {
			return err
		}
		p.Private = private || acct.Minor
		if err := q.UpdateProfile(ctx, p); err != nil {
			return err
		}
		return c.Outbox.SyncPersonLog(ctx, q, viewer.ID)
	})
}

// Private reports whether a person's account is private.
func (c *Service) Private(ctx context.Context, viewer *kurz.Profile) (bool, error) {
	p, err := c.Store.ProfileByID(ctx, viewer.ID)
	if err != nil {
		return false, err
	}
	return p.Private, nil
}
