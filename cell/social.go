package cell

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash/fnv"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kurz"
)

// StartBackground loads the catalogue and starts the region's loops: its
// own log, every peer's log, and the counter-delta sender.
func (c *Cell) StartBackground(ctx context.Context) error {
	c.Index = NewIndex()
	c.logWake = make(chan struct{})
	c.health = map[kurz.Region]PeerHealth{}
	seq, err := c.loadIndex(ctx)
	if err != nil {
		return err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.stop = cancel
	run := func(f func()) {
		c.done.Add(1)
		go func() { defer c.done.Done(); f() }()
	}
	run(func() { c.followOwnLog(bg, seq) })
	for _, r := range c.Regions {
		if r != c.Region {
			run(func() { c.followPeer(bg, r) })
		}
	}
	run(func() { c.sendDeltas(bg) })
	return nil
}

// Health reports the link state of every peer.
func (c *Cell) Health() map[kurz.Region]PeerHealth {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	out := map[kurz.Region]PeerHealth{}
	for r, h := range c.health {
		out[r] = h
	}
	return out
}

func newKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// queueDelta records, in the actor's transaction, a counter change for an
// object of any region. Its key is random, so it reveals nothing of the
// actor; the sender delivers it until the owner acknowledges.
func (c *Cell) queueDelta(ctx context.Context, q kurz.Queries, objectID, field string, delta int64) error {
	region, err := kurz.ParseID(objectID)
	if err != nil {
		return err
	}
	return q.QueueDelta(ctx, &kurz.Delta{Key: newKey(), Region: region, ObjectID: objectID, Field: field, Delta: delta, CreatedAt: c.now().UTC()})
}

type deltaJSON struct {
	Key      string `json:"key"`
	ObjectID string `json:"object_id"`
	Field    string `json:"field"`
	Delta    int64  `json:"delta"`
}

// sendDeltas delivers queued deltas to their regions, retrying failures;
// the receiver applies each key once.
func (c *Cell) sendDeltas(ctx context.Context) {
	for ctx.Err() == nil {
		ch := c.logWait()
		pending, err := c.Store.PendingDeltas(ctx, 200)
		if err != nil {
			sleep(ctx, time.Second)
			continue
		}
		byRegion := map[kurz.Region][]*kurz.Delta{}
		for _, d := range pending {
			byRegion[d.Region] = append(byRegion[d.Region], d)
		}
		failed := false
		for region, ds := range byRegion {
			batch := make([]deltaJSON, len(ds))
			for i, d := range ds {
				batch[i] = deltaJSON{d.Key, d.ObjectID, d.Field, d.Delta}
			}
			if err := c.Link.Call(ctx, region, "POST", "/link/v1/deltas", batch, nil); err != nil {
				failed = true
				continue
			}
			for _, d := range ds {
				if err := c.Store.DeleteDelta(ctx, d.Key); err != nil {
					failed = true
				}
			}
		}
		switch {
		case failed:
			sleep(ctx, time.Second)
		case len(pending) == 200:
		default:
			select {
			case <-ch:
			case <-time.After(2 * time.Second):
			case <-ctx.Done():
			}
		}
	}
}

// applyDeltas folds incoming deltas into this region's counters, each key
// once, and publishes the new counts.
func (c *Cell) applyDeltas(ctx context.Context, batch []deltaJSON) error {
	return c.tx(ctx, func(q kurz.Queries) error {
		touched := map[string]bool{}
		for _, d := range batch {
			region, err := kurz.ParseID(d.ObjectID)
			if err != nil || region != c.Region {
				return kurz.Errorf(kurz.EInvalid, "delta for an object of another region")
			}
			table := "videos"
			if d.Field == "followers" {
				table = "profiles"
			}
			fresh, err := q.MarkDeltaApplied(ctx, d.Key, c.now())
			if err != nil {
				return err
			}
			if !fresh {
				continue
			}
			if err := q.AddCounter(ctx, table, d.ObjectID, d.Field, d.Delta); err != nil {
				return err
			}
			touched[table+"/"+d.ObjectID] = true
		}
		for key := range touched {
			table, id, _ := strings.Cut(key, "/")
			if table == "profiles" {
				p, err := q.ProfileByID(ctx, id)
				if errors.Is(err, kurz.ErrNotFound) {
					continue
				} else if err != nil {
					return err
				}
				if err := c.publishProfile(ctx, q, p); err != nil {
					return err
				}
				continue
			}
			v, err := q.VideoByID(ctx, id)
			if errors.Is(err, kurz.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			if err := c.syncVideoLog(ctx, q, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// visibleVideo checks that viewer may act on a video of any region: a
// public one from the catalogue, or one of this region it may see.
func (c *Cell) visibleVideo(ctx context.Context, viewer *kurz.Profile, id string) error {
	if _, ok := c.Index.Video(id); ok {
		return nil
	}
	if r, err := kurz.ParseID(id); err == nil && r == c.Region {
		v, err := c.Store.VideoByID(ctx, id)
		if err != nil {
			return err
		}
		if c.CanView(ctx, viewer, v) && v.Status == kurz.StatusReady {
			return nil
		}
	}
	return kurz.ErrNotFound
}

// SetLike likes or unlikes a video for a person of this region. Liking
// twice is one like; the count changes through a delta to the video's
// region. It returns the expected count.
func (c *Cell) SetLike(ctx context.Context, viewer *kurz.Profile, videoID string, like bool) (int64, error) {
	if err := c.visibleVideo(ctx, viewer, videoID); err != nil {
		return 0, err
	}
	var changed bool
	err := c.tx(ctx, func(q kurz.Queries) error {
		var err error
		if like {
			changed, err = q.AddLike(ctx, viewer.ID, videoID, c.now().UTC())
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
		return c.queueDelta(ctx, q, videoID, "likes", d)
	})
	if err != nil {
		return 0, err
	}
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

// RecordView counts a view once per person, video and day.
func (c *Cell) RecordView(ctx context.Context, viewer *kurz.Profile, videoID string) error {
	if err := c.visibleVideo(ctx, viewer, videoID); err != nil {
		return err
	}
	now := c.now().UTC()
	return c.tx(ctx, func(q kurz.Queries) error {
		fresh, err := q.AddView(ctx, viewer.ID, videoID, now.Unix()/86400, now)
		if err != nil || !fresh {
			return err
		}
		return c.queueDelta(ctx, q, videoID, "views", 1)
	})
}

// ProfileByHandle finds a public profile of any region.
func (c *Cell) ProfileByHandle(ctx context.Context, handle string) (*PublicProfile, error) {
	h, err := kurz.NormalizeHandle(handle)
	if err != nil {
		return nil, kurz.ErrNotFound
	}
	if p, ok := c.Index.ProfileByHandle(h); ok {
		return p, nil
	}
	return nil, kurz.ErrNotFound
}

// SetFollow follows or unfollows a person of any region. It returns the
// followee's expected follower count.
func (c *Cell) SetFollow(ctx context.Context, viewer *kurz.Profile, handle string, follow bool) (int64, error) {
	target, err := c.ProfileByHandle(ctx, handle)
	if err != nil {
		return 0, err
	}
	if target.ID == viewer.ID {
		return 0, kurz.Errorf(kurz.EInvalid, "you cannot follow yourself")
	}
	var changed bool
	err = c.tx(ctx, func(q kurz.Queries) error {
		var err error
		if follow {
			changed, err = q.AddFollow(ctx, viewer.ID, target.ID, c.now().UTC())
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
		if err := c.publishProfile(ctx, q, me); err != nil {
			return err
		}
		return c.queueDelta(ctx, q, target.ID, "followers", d)
	})
	if err != nil {
		return 0, err
	}
	n := target.Followers
	if changed && follow {
		n++
	} else if changed {
		n--
	}
	return max(n, 0), nil
}

// IsFollowing reports whether a person of this region follows another.
func (c *Cell) IsFollowing(ctx context.Context, followerID, followeeID string) bool {
	list, err := c.Store.Followees(ctx, followerID)
	return err == nil && slices.Contains(list, followeeID)
}

// UpdateProfile changes the display name and bio of a person of this region.
func (c *Cell) UpdateProfile(ctx context.Context, viewer *kurz.Profile, displayName, bio *string) (*kurz.Profile, error) {
	if displayName != nil && (utf8.RuneCountInString(*displayName) > 50 || strings.ContainsAny(*displayName, "\x00\n\r")) {
		return nil, kurz.FieldError("display_name", "a display name has at most 50 characters on one line")
	}
	if bio != nil && (utf8.RuneCountInString(*bio) > 300 || strings.ContainsRune(*bio, 0)) {
		return nil, kurz.FieldError("bio", "a bio has at most 300 characters")
	}
	var out *kurz.Profile
	err := c.tx(ctx, func(q kurz.Queries) error {
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
		return c.publishProfile(ctx, q, p)
	})
	return out, err
}

// CommentJSON is the API shape of a comment.
type CommentJSON struct {
	ID      string `json:"id"`
	VideoID string `json:"video_id"`
	Text    string `json:"text"`
	Author  struct {
		ID     string `json:"id"`
		Handle string `json:"handle"`
	} `json:"author"`
	CreatedAt time.Time `json:"created_at"`
}

func commentJSON(cm *kurz.Comment) CommentJSON {
	out := CommentJSON{ID: cm.ID, VideoID: cm.VideoID, Text: cm.Text, CreatedAt: cm.CreatedAt}
	out.Author.ID, out.Author.Handle = cm.AuthorID, cm.AuthorHandle
	return out
}

// MaxCommentLen is the longest comment, in characters.
const MaxCommentLen = 500

type commentRequest struct {
	VideoID      string `json:"video_id"`
	AuthorID     string `json:"author_id"`
	AuthorHandle string `json:"author_handle"`
	Text         string `json:"text"`
	// FollowsOwner is vouched for by the author's region, which holds the
	// follow: minors take comments only from people they are followed by
	// or who follow them.
	FollowsOwner bool `json:"follows_owner"`
}

// PostComment publishes a comment by a person of this region on a video
// of any region: the text is public, so it goes to the video's region,
// which stores it with the video.
func (c *Cell) PostComment(ctx context.Context, viewer *kurz.Profile, videoID, text string) (*CommentJSON, error) {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n < 1 || n > MaxCommentLen || strings.ContainsRune(text, 0) {
		return nil, kurz.FieldError("text", "a comment has 1 to %d characters", MaxCommentLen)
	}
	if err := c.visibleVideo(ctx, viewer, videoID); err != nil {
		return nil, err
	}
	region, _ := kurz.ParseID(videoID)
	follows := false
	if pv, ok := c.Index.Video(videoID); ok {
		follows = c.IsFollowing(ctx, viewer.ID, pv.OwnerID)
	}
	var out CommentJSON
	err := c.Link.Call(ctx, region, "POST", "/link/v1/comments", commentRequest{VideoID: videoID, AuthorID: viewer.ID,
		AuthorHandle: viewer.Handle, Text: text, FollowsOwner: follows}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// storeComment is the video region's side of PostComment.
func (c *Cell) storeComment(ctx context.Context, from kurz.Region, in *commentRequest) (*CommentJSON, error) {
	if r, err := kurz.ParseID(in.AuthorID); err != nil || r != from {
		return nil, kurz.Errorf(kurz.EForbidden, "a region may only post its own people's comments")
	}
	if err := c.checkWords("text", in.Text); err != nil {
		return nil, err
	}
	cm := &kurz.Comment{ID: kurz.NewID(c.Region), VideoID: in.VideoID, AuthorID: in.AuthorID, AuthorHandle: in.AuthorHandle,
		Text: in.Text, CreatedAt: c.now().UTC().Truncate(time.Millisecond)}
	err := c.tx(ctx, func(q kurz.Queries) error {
		v, err := q.VideoByID(ctx, in.VideoID)
		if err != nil {
			return err
		}
		if v.Status != kurz.StatusReady {
			return kurz.ErrNotFound
		}
		if in.AuthorID != v.OwnerID && !in.FollowsOwner {
			if acct, err := q.AccountByID(ctx, v.OwnerID); err == nil && acct.Minor && !c.IsFollowing(ctx, v.OwnerID, in.AuthorID) {
				return kurz.Errorf(kurz.EForbidden, "this account takes comments only from people it knows")
			}
		}
		if err := q.CreateComment(ctx, cm); err != nil {
			return err
		}
		if err := q.AddCounter(ctx, "videos", v.ID, "comments", 1); err != nil {
			return err
		}
		v.Comments++
		return c.syncVideoLog(ctx, q, v)
	})
	if err != nil {
		return nil, err
	}
	out := commentJSON(cm)
	return &out, nil
}

// DeleteComment lets the author (or the video's owner) remove a comment.
func (c *Cell) DeleteComment(ctx context.Context, viewer *kurz.Profile, commentID string) error {
	region, err := kurz.ParseID(commentID)
	if err != nil {
		return kurz.ErrNotFound
	}
	return c.Link.Call(ctx, region, "POST", "/link/v1/comments/delete", map[string]string{"id": commentID, "by": viewer.ID}, nil)
}

func (c *Cell) removeComment(ctx context.Context, from kurz.Region, id, by string) error {
	if r, err := kurz.ParseID(by); err != nil || r != from {
		return kurz.Errorf(kurz.EForbidden, "a region may only act for its own people")
	}
	return c.tx(ctx, func(q kurz.Queries) error {
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
		if err := q.DeleteComment(ctx, id); err != nil {
			return err
		}
		if err := q.AddCounter(ctx, "videos", v.ID, "comments", -1); err != nil {
			return err
		}
		v.Comments--
		return c.syncVideoLog(ctx, q, v)
	})
}

// Comments lists a video's comments, asking the video's region.
func (c *Cell) Comments(ctx context.Context, viewer *kurz.Profile, videoID, cursor string) ([]CommentJSON, string, error) {
	if err := c.visibleVideo(ctx, viewer, videoID); err != nil {
		return nil, "", err
	}
	region, _ := kurz.ParseID(videoID)
	var out struct {
		Items      []CommentJSON `json:"items"`
		NextCursor string        `json:"next_cursor"`
	}
	err := c.Link.Call(ctx, region, "GET", "/link/v1/comments?video="+url.QueryEscape(videoID)+"&cursor="+url.QueryEscape(cursor), nil, &out)
	return out.Items, out.NextCursor, err
}

func (c *Cell) listComments(ctx context.Context, videoID, cursor string) (any, error) {
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
	list, err := c.Store.CommentsOf(ctx, videoID, after, afterID, page)
	if err != nil {
		return nil, err
	}
	items := make([]CommentJSON, len(list))
	for i, cm := range list {
		items[i] = commentJSON(cm)
	}
	next := ""
	if len(list) == page {
		last := list[len(list)-1]
		next = strconv.FormatInt(last.CreatedAt.UnixMilli(), 10) + "_" + last.ID
	}
	return map[string]any{"items": items, "next_cursor": next}, nil
}

// FeedItem is a video in a feed, with the viewer's relation to it.
type FeedItem struct {
	*PublicVideo
	Liked     bool `json:"liked"`
	Following bool `json:"following"`
}

// ForYou ranks the catalogue's top candidates for a person (nil:
// anonymous) by quality, their affinity to creators and hashtags from
// their own history (read here, in their home region), a little
// exploration, and never shows what they have already watched. Minors'
// videos are not recommended to adults.
func (c *Cell) ForYou(ctx context.Context, viewer *kurz.Profile, cursor string, n int) ([]*PublicVideo, string, error) {
	offset, _ := strconv.Atoi(cursor)
	if offset < 0 || offset > 10000 {
		return nil, "", kurz.Errorf(kurz.EInvalid, "bad cursor")
	}
	now := c.now()
	hot := c.Index.Hot(now)
	seen := map[string]bool{}
	creators := map[string]float64{}
	tags := map[string]float64{}
	var adult bool
	seed := "anon"
	if viewer != nil {
		seed = viewer.ID
		ids, err := c.Store.ViewedVideos(ctx, viewer.ID, now.Unix()/86400-30)
		if err != nil {
			return nil, "", err
		}
		for _, id := range ids {
			seen[id] = true
		}
		liked, err := c.Store.LikedVideos(ctx, viewer.ID, 200)
		if err != nil {
			return nil, "", err
		}
		for _, id := range liked {
			if v, ok := c.Index.Video(id); ok {
				creators[v.OwnerID] += 0.5
				for _, t := range v.Hashtags {
					tags[t] += 0.2
				}
			}
		}
		followees, err := c.Store.Followees(ctx, viewer.ID)
		if err != nil {
			return nil, "", err
		}
		for _, id := range followees {
			creators[id] += 1
		}
		acct, err := c.Store.AccountByID(ctx, viewer.ID)
		adult = err == nil && !acct.Minor
	} else {
		adult = true
	}
	day := strconv.FormatInt(now.Unix()/86400, 10)
	type scored struct {
		v *PublicVideo
		s float64
	}
	var list []scored
	for _, v := range hot {
		if seen[v.ID] || (viewer != nil && v.OwnerID == viewer.ID) || (adult && v.Minor) || v.Reduced ||
			(v.AgeRestricted && (viewer == nil || !adult)) {
			continue
		}
		aff := creators[v.OwnerID]
		for _, t := range v.Hashtags {
			aff += tags[t]
		}
		h := fnv.New32a()
		h.Write([]byte(seed + day + v.ID))
		explore := float64(h.Sum32()%1000) / 1000 // stable for a day, so pages do not reshuffle
		list = append(list, scored{v, Quality(v, now) * (1 + min(aff, 3)) * (0.75 + 0.5*explore)})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].s > list[j].s })
	// Diversity: no creator twice in a row.
	for i := 1; i < len(list); i++ {
		if list[i].v.OwnerID == list[i-1].v.OwnerID {
			for j := i + 1; j < len(list); j++ {
				if list[j].v.OwnerID != list[i-1].v.OwnerID {
					list[i], list[j] = list[j], list[i]
					break
				}
			}
		}
	}
	if offset >= len(list) {
		return nil, "", nil
	}
	end := min(len(list), offset+n)
	out := make([]*PublicVideo, 0, end-offset)
	for _, s := range list[offset:end] {
		out = append(out, s.v)
	}
	next := ""
	if end < len(list) {
		next = strconv.Itoa(end)
	}
	return out, next, nil
}

// Following lists the newest videos of the people a person follows.
func (c *Cell) Following(ctx context.Context, viewer *kurz.Profile, cursor string, n int) ([]*PublicVideo, string, error) {
	var after *PublicVideo
	if cursor != "" {
		ms, id, ok := strings.Cut(cursor, "_")
		t, err := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil {
			return nil, "", kurz.Errorf(kurz.EInvalid, "bad cursor")
		}
		after = &PublicVideo{ID: id, CreatedAt: time.UnixMilli(t)}
	}
	followees, err := c.Store.Followees(ctx, viewer.ID)
	if err != nil {
		return nil, "", err
	}
	var all []*PublicVideo
	for _, f := range followees {
		all = append(all, c.Index.OwnerVideos(f, after, n)...)
	}
	sort.Slice(all, func(i, j int) bool { return newer(all[i], all[j]) })
	if len(all) > n {
		all = all[:n]
	}
	next := ""
	if len(all) == n {
		last := all[len(all)-1]
		next = strconv.FormatInt(last.CreatedAt.UnixMilli(), 10) + "_" + last.ID
	}
	return all, next, nil
}

// Decorate adds the viewer's likes and follows to feed videos.
func (c *Cell) Decorate(ctx context.Context, viewer *kurz.Profile, vids []*PublicVideo) ([]FeedItem, error) {
	items := make([]FeedItem, len(vids))
	for i, v := range vids {
		items[i] = FeedItem{PublicVideo: v}
	}
	if viewer == nil {
		return items, nil
	}
	ids := make([]string, len(vids))
	for i, v := range vids {
		ids[i] = v.ID
	}
	liked, err := c.Store.Likes(ctx, viewer.ID, ids)
	if err != nil {
		return nil, err
	}
	followees, err := c.Store.Followees(ctx, viewer.ID)
	if err != nil {
		return nil, err
	}
	for i := range items {
		items[i].Liked = liked[items[i].ID]
		items[i].Following = slices.Contains(followees, items[i].OwnerID)
	}
	return items, nil
}

// socialLink serves the social part of the region link.
func (c *Cell) socialLink(ctx context.Context, from kurz.Region, method, path, rawQuery string, body []byte) (any, bool, error) {
	q, _ := url.ParseQuery(rawQuery)
	switch {
	case method == "GET" && path == "/link/v1/log":
		after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
		wait, _ := strconv.Atoi(q.Get("wait"))
		entries, err := c.LogSince(ctx, after, time.Duration(min(max(wait, 0), 25))*time.Second)
		if entries == nil {
			entries = []*kurz.LogEntry{}
		}
		head, herr := c.Store.LastLogSeq(ctx)
		return map[string]any{"entries": entries, "head": head}, true, errors.Join(err, herr)
	case method == "POST" && path == "/link/v1/deltas":
		var batch []deltaJSON
		if err := json.Unmarshal(body, &batch); err != nil {
			return nil, true, kurz.Errorf(kurz.EInvalid, "bad deltas")
		}
		return struct{}{}, true, c.applyDeltas(ctx, batch)
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
	case method == "POST" && path == "/link/v1/notices":
		var in noticeLink
		if err := json.Unmarshal(body, &in); err != nil || in.NoticeRegion != from {
			return nil, true, kurz.Errorf(kurz.EInvalid, "bad notice")
		}
		id, err := c.receiveNotice(ctx, &in)
		return map[string]string{"item_id": id}, true, err
	case method == "POST" && path == "/link/v1/statements":
		var in struct {
			NoticeID  string          `json:"notice_id"`
			Statement json.RawMessage `json:"statement"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, true, kurz.Errorf(kurz.EInvalid, "bad statement")
		}
		return struct{}{}, true, c.deliverStatement(ctx, in.NoticeID, in.Statement)
	case method == "GET" && strings.HasPrefix(path, "/link/v1/items/"):
		out, err := c.itemStatus(ctx, strings.TrimPrefix(path, "/link/v1/items/"))
		return out, true, err
	case method == "POST" && path == "/link/v1/appeals":
		var in appealLink
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, true, kurz.Errorf(kurz.EInvalid, "bad appeal")
		}
		id, err := c.receiveAppeal(ctx, from, &in)
		return map[string]string{"item_id": id}, true, err
	case method == "GET" && path == "/link/v1/comments/by-author":
		// A person's own comments, for their export; only their region asks.
		if r, err := kurz.ParseID(q.Get("author")); err != nil || r != from {
			return nil, true, kurz.Errorf(kurz.EForbidden, "a region may only ask for its own people's comments")
		}
		list, err := c.Store.CommentsByAuthor(ctx, q.Get("author"))
		items := make([]CommentJSON, len(list))
		for i, cm := range list {
			items[i] = commentJSON(cm)
		}
		return map[string]any{"items": items}, true, err
	case method == "POST" && path == "/link/v1/comments/erase-author":
		var in struct{ Author string }
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, true, kurz.Errorf(kurz.EInvalid, "bad request")
		}
		return struct{}{}, true, c.eraseAuthor(ctx, from, in.Author)
	}
	return nil, false, nil
}
