package feed

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"kurz"
	"kurz/policy"
)

// What the feeds know about a viewer is kept in memory in their home
// region, so a feed page reads no database: what they watched in the last
// 30 days (never recommended again), what they liked and whom they follow
// (affinities, and the liked and following marks on every video), whether
// they are a minor, and whether they turned personalisation off. It is
// loaded from the store on first use, changed by the viewer's own events
// as they happen on this node (after the store has them), and reloaded in
// the background once it is older than ViewerTTL, which is also how the
// events of another node of the same region arrive. It is personal data:
// it never leaves the home region's process and is never logged.

// Viewer-state limits.
const (
	// ViewerTTL is how old a viewer's state may get before it is
	// reloaded from the store (in the background; the request does not
	// wait).
	ViewerTTL = time.Minute
	// MaxViewers bounds how many viewers' states are kept; the least
	// recently used go first.
	MaxViewers = 20_000
	// SeenDays is how far back a watched video is never recommended.
	SeenDays = 30
	// maxLikesLoaded bounds the likes held per viewer; for someone with
	// more, older likes are asked of the store when a feed shows them.
	maxLikesLoaded = 5000
	// affinityLikes is how many recent likes shape affinities.
	affinityLikes = 200
)

// viewerState is one viewer's feed state. Fields below mu are guarded by it.
type viewerState struct {
	id   string
	used atomic.Int64 // unix seconds of the last use, for eviction

	mu         sync.Mutex
	loaded     time.Time
	refreshing bool
	events     uint64 // counts own events applied, to detect a reload racing them
	prefs      uint64 // bumps when likes, follows or settings change the ranking
	seenVer    uint64 // bumps when the seen set grows
	seen       map[string]struct{}
	liked      map[string]struct{}
	likedAll   bool     // liked holds every like of the person
	recent     []string // the newest likes first, at most affinityLikes
	followees  map[string]struct{}
	minor      bool
	countries  []string // the person's country (country restrictions)
	// whom they blocked, who blocked them, whom they muted (policy.Viewer)
	blocked, blockedBy, muted []string
	optOut                    bool
	feed                      *rankedFeed // the cached For You ranking, or nil
}

// viewers holds the states of a region's viewers.
type viewers struct {
	mu    sync.RWMutex
	m     map[string]*viewerState
	loads singleflight.Group // the states being loaded, by person
}

func (c *Service) states() *viewers {
	c.viewersOnce.Do(func() { c.viewers = &viewers{m: map[string]*viewerState{}} })
	return c.viewers
}

// viewer returns the state of a person of this region, loading it on
// first use and starting a background reload when it is old.
func (c *Service) viewer(ctx context.Context, id string) (*viewerState, error) {
	vs := c.states()
	now := c.Now()
	vs.mu.RLock()
	st := vs.m[id]
	vs.mu.RUnlock()
	if st != nil {
		st.used.Store(now.Unix())
		st.mu.Lock()
		stale := !st.refreshing && now.Sub(st.loaded) > ViewerTTL
		if stale {
			st.refreshing = true
		}
		st.mu.Unlock()
		if stale {
			c.Go(func(ctx context.Context) { c.reload(ctx, st) })
		}
		return st, nil
	}
	// One load per person at a time: the requests of a viewer arriving
	// while their state loads (a feed scrolled on several devices, many
	// viewers at once after a start) wait for it instead of each asking
	// the store again. The load outlives a request that gives up.
	ch := vs.loads.DoChan(id, func() (any, error) {
		d, err := c.loadViewer(context.WithoutCancel(ctx), id)
		if err != nil {
			return nil, err
		}
		st := &viewerState{id: id}
		st.apply(d, now)
		st.used.Store(now.Unix())
		vs.mu.Lock()
		defer vs.mu.Unlock()
		if other := vs.m[id]; other != nil {
			return other, nil // loaded twice at once: keep the first
		}
		if len(vs.m) >= MaxViewers {
			vs.evict()
		}
		vs.m[id] = st
		return st, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*viewerState), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// evict drops the least recently used tenth of the states.
func (vs *viewers) evict() {
	type use struct {
		id string
		at int64
	}
	all := make([]use, 0, len(vs.m))
	for id, st := range vs.m {
		all = append(all, use{id, st.used.Load()})
	}
	slices.SortFunc(all, func(a, b use) int { return int(a.at - b.at) })
	for _, u := range all[:max(1, len(all)/10)] {
		delete(vs.m, u.id)
	}
}

// Forget drops what is kept in memory about a person (erasure, or their
// account gone).
func (c *Service) Forget(id string) {
	vs := c.states()
	vs.mu.Lock()
	delete(vs.m, id)
	vs.mu.Unlock()
}

// viewerData is what is loaded from the store.
type viewerData struct {
	seen, liked, followees []string
	minor, optOut          bool
	countries              []string
	blocked, blockedBy     []string
	muted                  []string
}

func (c *Service) loadViewer(ctx context.Context, id string) (*viewerData, error) {
	acct, err := c.Store.AccountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &viewerData{minor: acct.Minor, optOut: acct.FeedOptOut, countries: c.PolicyViewer(ctx, &kurz.Profile{ID: id}).Countries}
	d.blocked, d.blockedBy, d.muted = c.BlockLists(ctx, id)
	if d.seen, err = c.Store.ViewedVideos(ctx, id, c.Now().Unix()/86400-SeenDays); err != nil {
		return nil, err
	}
	if d.liked, err = c.Store.LikedVideos(ctx, id, maxLikesLoaded); err != nil {
		return nil, err
	}
	if d.followees, err = c.Store.Followees(ctx, id); err != nil {
		return nil, err
	}
	return d, nil
}

// reload replaces a state with the store's, unless an own event arrived
// meanwhile (then the next request tries again).
func (c *Service) reload(ctx context.Context, st *viewerState) {
	st.mu.Lock()
	events := st.events
	st.mu.Unlock()
	d, err := c.loadViewer(ctx, st.id)
	if errors.Is(err, kurz.ErrNotFound) {
		c.Forget(st.id)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.refreshing = false
	if err != nil || st.events != events {
		return
	}
	st.apply(d, c.Now())
}

// apply sets a state from loaded data; st.mu is held (or st is new).
// A reload that brings what the state already holds (the usual case:
// every ViewerTTL, with no event from another node) keeps the versions,
// so the viewer's For You ranking is not rebuilt for nothing.
func (st *viewerState) apply(d *viewerData, now time.Time) {
	seen, followees := set(d.seen), set(d.followees)
	recent := d.liked[:min(len(d.liked), affinityLikes)]
	if st.seen == nil || !maps.Equal(st.seen, seen) {
		st.seenVer++
	}
	if st.followees == nil || !maps.Equal(st.followees, followees) || !slices.Equal(st.recent, recent) ||
		st.minor != d.minor || st.optOut != d.optOut || !slices.Equal(st.countries, d.countries) ||
		!slices.Equal(st.blocked, d.blocked) || !slices.Equal(st.blockedBy, d.blockedBy) || !slices.Equal(st.muted, d.muted) {
		st.prefs++
	}
	st.seen, st.followees, st.recent = seen, followees, recent
	st.liked = set(d.liked)
	st.likedAll = len(d.liked) < maxLikesLoaded
	st.minor, st.optOut, st.countries = d.minor, d.optOut, d.countries
	st.blocked, st.blockedBy, st.muted = d.blocked, d.blockedBy, d.muted
	st.loaded = now
}

func set(ids []string) map[string]struct{} {
	m := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
}

// loadedState returns a viewer's state if it is in memory.
func (c *Service) loadedState(id string) *viewerState {
	vs := c.states()
	vs.mu.RLock()
	defer vs.mu.RUnlock()
	return vs.m[id]
}

// The viewer's own events, applied after the store has them: social tells
// of them (social.Feeds).

// Viewed records that a person of this region watched a video: it is not
// recommended to them again.
func (c *Service) Viewed(viewerID, videoID string) {
	if st := c.loadedState(viewerID); st != nil {
		st.mu.Lock()
		if _, ok := st.seen[videoID]; !ok {
			st.seen[videoID] = struct{}{}
			st.seenVer++
		}
		st.events++
		st.mu.Unlock()
	}
}

// Liked records a person's like (or unlike) of a video: their affinities
// and liked marks change.
func (c *Service) Liked(viewerID, videoID string, like bool) {
	if st := c.loadedState(viewerID); st != nil {
		st.mu.Lock()
		st.recent = slices.DeleteFunc(slices.Clone(st.recent), func(id string) bool { return id == videoID })
		if like {
			st.liked[videoID] = struct{}{}
			st.recent = slices.Insert(st.recent, 0, videoID)
			st.recent = st.recent[:min(len(st.recent), affinityLikes)]
		} else {
			delete(st.liked, videoID)
		}
		st.events++
		st.prefs++
		st.mu.Unlock()
	}
}

// Followed records a person's follow (or unfollow) of another: their
// affinities, Following feed and following marks change.
func (c *Service) Followed(viewerID, followeeID string, follow bool) {
	if st := c.loadedState(viewerID); st != nil {
		st.mu.Lock()
		if follow {
			st.followees[followeeID] = struct{}{}
		} else {
			delete(st.followees, followeeID)
		}
		st.events++
		st.prefs++
		st.mu.Unlock()
	}
}

func (c *Service) onOptOut(viewerID string, optOut bool) {
	if st := c.loadedState(viewerID); st != nil {
		st.mu.Lock()
		st.optOut = optOut
		st.events++
		st.prefs++
		st.mu.Unlock()
	}
}

// IsFollowing reports whether a person of this region follows another,
// from their in-memory state.
func (c *Service) IsFollowing(ctx context.Context, followerID, followeeID string) bool {
	st, err := c.viewer(ctx, followerID)
	if err != nil {
		return c.Cell.IsFollowing(ctx, followerID, followeeID)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.followees[followeeID]
	return ok
}

// OptOut reports whether a person of this region turned personalised
// feeds off.
func (c *Service) OptOut(ctx context.Context, viewer *kurz.Profile) (bool, error) {
	st, err := c.viewer(ctx, viewer.ID)
	if err != nil {
		return false, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.optOut, nil
}

// SetOptOut turns personalised feeds off (or on again) for a person
// of this region. The setting is personal data, kept in their home region.
func (c *Service) SetOptOut(ctx context.Context, viewer *kurz.Profile, optOut bool) error {
	if err := c.Store.SetFeedOptOut(ctx, viewer.ID, optOut); err != nil {
		return err
	}
	c.onOptOut(viewer.ID, optOut)
	return nil
}

// policyViewer is the viewer as the visibility policy sees them; st.mu is
// held.
func (st *viewerState) policyViewer() policy.Viewer {
	return policy.Viewer{ID: st.id, Minor: st.minor, Countries: st.countries, Blocked: st.blocked, BlockedBy: st.blockedBy, Muted: st.muted}
}

// Minor reports whether a viewer of this region is 13-15, from their
// in-memory state (false for anonymous viewers and people of other
// regions, whom this region knows nothing of).
func (c *Service) Minor(ctx context.Context, viewer *kurz.Profile) bool {
	if viewer == nil {
		return false
	}
	st, err := c.viewer(ctx, viewer.ID)
	if err != nil {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.minor
}

// Who is the viewer as the visibility policy sees them (nil: anonymous,
// at this region's door), from the in-memory state of a person of this
// region: their age band, country, blocks and mutes, as
// cell.PolicyViewer reads them from the store. Blocks and mutes made on
// this node reach it at once (social forgets the state), those of other
// nodes of the region within ViewerTTL, as for the feeds.
func (c *Service) Who(ctx context.Context, viewer *kurz.Profile) (policy.Viewer, error) {
	if viewer == nil {
		return policy.Viewer{Countries: c.Countries}, nil
	}
	st, err := c.viewer(ctx, viewer.ID)
	if err != nil {
		return policy.Viewer{}, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.policyViewer(), nil
}
