// Package feed owns the feeds of a region's viewers: For You (the one
// that profiles: its ranking, the never-seen rule, never running dry,
// why a video is shown), Following, Popular and Newest, the opt-out of
// personalisation, and the viewer state they read, kept in memory in the
// viewer's home region (viewers.go). It also marks any list of catalogue
// videos with the viewer's likes and follows (Decorate, Marks).
//
// It imports the root package, cell, catalog and policy, never another
// concern: social tells it of a person's likes, follows and views through
// the interface social declares (social.Feeds), which Service satisfies.
package feed

import (
	"context"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/cell"
	"kurz/policy"
)

// Service serves the feeds of one region and keeps its viewers' feed
// state.
type Service struct {
	*cell.Cell

	viewersOnce sync.Once
	viewers     *viewers // the feed state of this region's viewers

	hotMu   sync.Mutex  // held by the first ranking of the catalogue
	hotWarm atomic.Bool // the catalogue has been ranked once
}

// hot is the catalogue's trending ranking (catalog.Index.Hot). The first
// ranking of a large catalogue takes seconds; the requests arriving
// meanwhile wait for that one instead of each ranking the catalogue too.
func (c *Service) hot(now time.Time) ([]catalog.Scored, uint64) {
	if !c.hotWarm.Load() {
		c.hotMu.Lock()
		defer c.hotMu.Unlock()
		h, gen := c.Index.Hot(now)
		c.hotWarm.Store(true)
		return h, gen
	}
	return c.Index.Hot(now)
}

// New returns the feeds of region c.
func New(c *cell.Cell) *Service {
	return &Service{Cell: c}
}

// Feed kinds. For You is the only one that profiles: Popular and Newest
// use no personal signal (DSA Art. 38) and are what anonymous viewers and
// people who turned personalisation off get.
const (
	KindForYou    = "foryou"
	KindFollowing = "following"
	KindPopular   = "popular"
	KindNewest    = "newest"
)

// Why a video is in a feed (DSA Art. 27: the main parameters of the
// ranking), shown on request.
const (
	WhyFollowedCreator = "followed_creator" // Detail: the creator's handle
	WhyLikedCreator    = "liked_creator"    // Detail: the creator's handle
	WhyLikedHashtag    = "liked_hashtag"    // Detail: the hashtag
	WhyTrending        = "trending"         // engagement per view, recent, across regions
	WhyExploration     = "exploration"      // something new, outside the person's usual
	WhyPopular         = "popular"          // the Popular feed
	WhyNewest          = "newest"           // the Newest feed
	WhyFollowing       = "following"        // the Following feed
)

// Why is the main reason a video is in a feed.
type Why struct {
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
}

// Item is a video in a feed, with the viewer's relation to it.
type Item struct {
	*catalog.PublicVideo
	Liked     bool
	Following bool
	// Seen marks a video the viewer watched before, shown because nothing
	// unseen is left ("you've seen this").
	Seen bool
	Why  Why
}

// Page is one page of a feed.
type Page struct {
	// Kind is the feed served: For You asked by someone who turned it
	// off, or by an anonymous viewer, is Popular.
	Kind  string
	Items []Item
	Next  string // "" at the end
	// CaughtUp: nothing unseen is left; what follows (if anything) was
	// seen before.
	CaughtUp bool
	// CatalogueEmpty: there are no public videos at all.
	CatalogueEmpty bool
}

// The For You ranking's shape.
const (
	followeeVideos = 12   // newest videos per followed creator
	tagVideos      = 30   // newest videos per liked hashtag
	topTags        = 8    // liked hashtags drawn from
	exploreScan    = 3000 // newest videos looked at for exploration
	exploreMax     = 40   // exploration candidates
	exploreViews   = 200  // "little seen": fewer views than this
	exploreEvery   = 5    // every fifth slot is exploration
	seenBack       = 200  // already-seen videos offered when nothing else is left
	cachedItems    = 200  // ranked items kept per viewer (20 pages)
	rankedMaxAge   = 10 * time.Minute
	maxOffset      = 10_000
)

// recommendable is what a feed may recommend to a viewer: the visibility
// policy's answer for For You (reduced reach and whatever the home region
// marked not to recommend stay out, age-restricted videos away from
// minors and anonymous viewers, country restrictions apply, one's own
// videos are not recommended to oneself).
func recommendable(v *catalog.PublicVideo, who policy.Viewer) bool {
	return policy.Shows(who, v, policy.ForYou)
}

// Page returns a page of a feed for a viewer (nil: anonymous). kind ""
// is the viewer's default: For You, or Popular when anonymous or
// personalisation is off.
func (c *Service) Page(ctx context.Context, viewer *kurz.Profile, kind, cursor string, n int) (*Page, error) {
	var st *viewerState
	if viewer != nil {
		var err error
		st, err = c.viewer(ctx, viewer.ID)
		if kurz.ErrorCode(err) == kurz.ENotFound {
			// A person of a region hosted elsewhere (staff at their
			// tools): this region holds nothing of them.
			viewer = nil
		} else if err != nil {
			return nil, err
		}
	}
	who := policy.Viewer{Countries: c.Countries}
	if st != nil {
		st.mu.Lock()
		who = st.policyViewer()
		if (kind == "" || kind == KindForYou) && st.optOut {
			kind = KindPopular
		}
		st.mu.Unlock()
	}
	if kind == "" || (kind == KindForYou && viewer == nil) {
		kind = KindPopular
	}
	var f *Page
	var err error
	switch kind {
	case KindForYou:
		f, err = c.forYou(viewer, st, cursor, n)
	case KindPopular:
		f, err = c.popular(who, cursor, n)
	case KindNewest:
		f, err = c.newest(who, cursor, n)
	case KindFollowing:
		if viewer == nil {
			return nil, kurz.Errorf(kurz.EUnauthorized, "please sign in to see whom you follow")
		}
		f, err = c.following(st, cursor, n)
	default:
		return nil, kurz.FieldError("kind", "kind must be foryou, following, popular or newest")
	}
	if err != nil {
		return nil, err
	}
	f.Kind = kind
	f.CatalogueEmpty = c.Index.Len() == 0
	if f.Next == "" {
		f.CaughtUp = true
	}
	c.decorate(ctx, viewer, st, f.Items)
	return f, nil
}

// offsetCursor reads a cursor "<prefix><offset>".
func offsetCursor(cursor, prefix string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(cursor, prefix))
	if !strings.HasPrefix(cursor, prefix) || err != nil || n < 0 || n > maxOffset {
		return 0, kurz.Errorf(kurz.EInvalid, "bad cursor")
	}
	return n, nil
}

// popular is the catalogue's ranking by engagement per view with time
// decay, the same for everyone: no history, likes or follows.
func (c *Service) popular(who policy.Viewer, cursor string, n int) (*Page, error) {
	i, err := offsetCursor(cursor, "p")
	if err != nil {
		return nil, err
	}
	hot, _ := c.hot(c.Now())
	f := &Page{}
	for ; i < len(hot) && len(f.Items) < n; i++ {
		if v := hot[i].V; recommendable(v, who) {
			f.Items = append(f.Items, Item{PublicVideo: v, Why: Why{Code: WhyPopular}})
		}
	}
	if i < len(hot) {
		f.Next = "p" + strconv.Itoa(i)
	}
	return f, nil
}

// newest is the whole catalogue newest first, the same for everyone.
func (c *Service) newest(who policy.Viewer, cursor string, n int) (*Page, error) {
	after, err := timeCursor(cursor)
	if err != nil {
		return nil, err
	}
	vids := c.Index.Newest(after, n, 20*n, func(v *catalog.PublicVideo) bool { return recommendable(v, who) })
	f := &Page{}
	for _, v := range vids {
		f.Items = append(f.Items, Item{PublicVideo: v, Why: Why{Code: WhyNewest}})
	}
	if len(vids) == n {
		f.Next = nextTimeCursor(vids[len(vids)-1])
	}
	return f, nil
}

// timeCursor decodes a newest-first cursor ("<ms>_<id>").
func timeCursor(cursor string) (*catalog.PublicVideo, error) {
	if cursor == "" {
		return nil, nil
	}
	ms, id, ok := strings.Cut(cursor, "_")
	t, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || t < 0 {
		return nil, kurz.Errorf(kurz.EInvalid, "bad cursor")
	}
	return &catalog.PublicVideo{ID: id, CreatedAt: time.UnixMilli(t)}, nil
}

func nextTimeCursor(v *catalog.PublicVideo) string {
	return strconv.FormatInt(v.CreatedAt.UnixMilli(), 10) + "_" + v.ID
}

// following lists the newest videos of the people a person follows.
func (c *Service) following(st *viewerState, cursor string, n int) (*Page, error) {
	after, err := timeCursor(cursor)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	followees := make([]string, 0, len(st.followees))
	for id := range st.followees {
		followees = append(followees, id)
	}
	who := st.policyViewer()
	who.Follower = true // every video here is a followee's
	st.mu.Unlock()
	var all []*catalog.PublicVideo
	for _, f := range followees {
		for _, v := range c.Index.OwnerVideos(f, after, n) {
			if policy.Shows(who, v, policy.Following) {
				all = append(all, v)
			}
		}
	}
	slices.SortFunc(all, func(a, b *catalog.PublicVideo) int {
		if catalog.Newer(a, b) {
			return -1
		}
		return 1
	})
	f := &Page{}
	for _, v := range all[:min(len(all), n)] {
		f.Items = append(f.Items, Item{PublicVideo: v, Why: Why{Code: WhyFollowing, Detail: v.Handle}})
	}
	if len(all) >= n {
		f.Next = nextTimeCursor(all[n-1])
	}
	return f, nil
}

// rankedFeed is a viewer's For You ranking, built once and paged through:
// the unseen candidates best first (every exploreEvery-th slot an
// exploration pick), then the best already seen, then the rest of the
// popular ranking. Items holds the first cachedItems of it.
type rankedFeed struct {
	items     []rankedItem
	total     int // length of the whole ranking
	unseen    int // how many items at the start are unseen
	hotGen    uint64
	prefs     uint64
	seenVer   uint64
	built     time.Time
	truncated bool
}

type rankedItem struct {
	v    *catalog.PublicVideo
	why  Why
	seen bool
}

// forYou pages through the viewer's ranking. The first page rebuilds it
// if anything it depends on changed; later pages walk the same ranking,
// so a page never repeats or skips what an earlier one showed.
func (c *Service) forYou(viewer *kurz.Profile, st *viewerState, cursor string, n int) (*Page, error) {
	off, err := offsetCursor(cursor, "f")
	if err != nil {
		return nil, err
	}
	now := c.Now()
	_, gen := c.hot(now)
	st.mu.Lock()
	rf := st.feed
	fresh := rf != nil && rf.hotGen == gen && rf.prefs == st.prefs && rf.seenVer == st.seenVer && now.Sub(rf.built) < rankedMaxAge
	if rf == nil || (cursor == "" && !fresh) || (off+n > len(rf.items) && rf.truncated) {
		rf = c.rank(viewer, st, now, off+n > cachedItems)
		if !rf.truncated || st.feed == nil || cursor == "" {
			st.feed = rf
		}
	}
	st.mu.Unlock()
	end := min(off+n, len(rf.items))
	f := &Page{Items: make([]Item, 0, max(0, end-off))}
	for _, it := range rf.items[min(off, end):end] {
		f.Items = append(f.Items, Item{PublicVideo: it.v, Seen: it.seen, Why: it.why})
		if it.seen {
			f.CaughtUp = true
		}
	}
	if end < rf.total {
		f.Next = "f" + strconv.Itoa(end)
	}
	return f, nil
}

type candidate struct {
	v       *catalog.PublicVideo
	q       float64 // quality
	s       float64 // score
	trend   bool    // from the trending pool
	explore bool    // from the exploration pool
}

// rank builds a viewer's For You ranking from the candidate pools:
// trending (the catalogue's ranking by engagement per view with time
// decay, across regions), the newest videos of followed creators, of
// liked creators and of liked hashtags, and exploration (recent videos
// few have seen). Scores are quality times affinity (creators followed or
// liked, hashtags liked) times a per-person-and-day jitter. st.mu is held.
func (c *Service) rank(viewer *kurz.Profile, st *viewerState, now time.Time, full bool) *rankedFeed {
	hot, gen := c.hot(now)
	rf := &rankedFeed{hotGen: gen, prefs: st.prefs, seenVer: st.seenVer, built: now}
	who := st.policyViewer()

	// Affinities from follows and recent likes.
	creators := map[string]float64{}
	tags := map[string]float64{}
	for id := range st.followees {
		creators[id] += 1
	}
	for _, id := range st.recent {
		if v, ok := c.Index.Video(id); ok {
			creators[v.OwnerID] += 0.5
			for _, t := range v.Hashtags {
				tags[t] += 0.2
			}
		}
	}

	// Candidates from the pools.
	cands := make(map[string]*candidate, len(hot)+256)
	var order []*candidate
	add := func(v *catalog.PublicVideo, q float64) *candidate {
		if cd, ok := cands[v.ID]; ok {
			return cd
		}
		if !recommendable(v, who) {
			return nil
		}
		cd := &candidate{v: v, q: q}
		cands[v.ID] = cd
		order = append(order, cd)
		return cd
	}
	for _, h := range hot {
		if cd := add(h.V, h.Q); cd != nil {
			cd.trend = true
		}
	}
	for id, a := range creators {
		n := followeeVideos
		if a < 1 {
			n = followeeVideos / 2
		}
		for _, v := range c.Index.OwnerVideos(id, nil, n) {
			add(v, catalog.Quality(v, now))
		}
	}
	for _, t := range topKeys(tags, topTags) {
		for _, v := range c.Index.TagVideos(t, nil, tagVideos) {
			add(v, catalog.Quality(v, now))
		}
	}
	seed := viewer.ID + "/" + strconv.FormatInt(now.Unix()/86400, 10) + "/"
	var explore []*candidate
	for _, v := range c.Index.Newest(nil, exploreMax, exploreScan, func(v *catalog.PublicVideo) bool { return v.Views < exploreViews }) {
		if _, ok := cands[v.ID]; ok {
			continue
		}
		if cd := add(v, catalog.Quality(v, now)); cd != nil {
			cd.explore = true
			cd.s = jitter(seed, v.ID) // the order of exploration picks
			explore = append(explore, cd)
		}
	}

	// Scores; the unseen and the seen apart.
	var unseen, seen []*candidate
	for _, cd := range order {
		if cd.explore {
			continue
		}
		aff := creators[cd.v.OwnerID]
		for _, t := range cd.v.Hashtags {
			aff += tags[t]
		}
		cd.s = cd.q * (1 + min(aff, 3)) * (0.75 + 0.5*jitter(seed, cd.v.ID))
		if _, ok := st.seen[cd.v.ID]; ok {
			seen = append(seen, cd)
		} else {
			unseen = append(unseen, cd)
		}
	}
	byScore := func(a, b *candidate) int {
		if a.s != b.s {
			if a.s > b.s {
				return -1
			}
			return 1
		}
		return strings.Compare(a.v.ID, b.v.ID)
	}
	slices.SortFunc(unseen, byScore)
	slices.SortFunc(seen, byScore)
	slices.SortFunc(explore, byScore)
	var exploreSeen []*candidate
	explore = slices.DeleteFunc(explore, func(cd *candidate) bool {
		_, ok := st.seen[cd.v.ID]
		if ok {
			exploreSeen = append(exploreSeen, cd)
		}
		return ok
	})
	diversify(unseen)

	why := func(cd *candidate) Why {
		v := cd.v
		switch {
		case cd.explore:
			return Why{Code: WhyExploration}
		case hasKey(st.followees, v.OwnerID):
			return Why{Code: WhyFollowedCreator, Detail: v.Handle}
		case creators[v.OwnerID] > 0:
			return Why{Code: WhyLikedCreator, Detail: v.Handle}
		}
		best, bestA := "", 0.0
		for _, t := range v.Hashtags {
			if tags[t] > bestA {
				best, bestA = t, tags[t]
			}
		}
		if best != "" {
			return Why{Code: WhyLikedHashtag, Detail: best}
		}
		return Why{Code: WhyTrending}
	}

	limit := cachedItems
	if full {
		limit = math.MaxInt
	}
	push := func(cd *candidate, isSeen bool) {
		rf.total++
		if len(rf.items) < limit {
			rf.items = append(rf.items, rankedItem{v: cd.v, why: why(cd), seen: isSeen})
		} else {
			rf.truncated = true
		}
	}
	// Unseen first, exploration woven in.
	for i, e := 0, 0; i < len(unseen) || e < len(explore); {
		if e < len(explore) && (i >= len(unseen) || (rf.total+1)%exploreEvery == 0) {
			push(explore[e], false)
			e++
		} else {
			push(unseen[i], false)
			i++
		}
	}
	rf.unseen = rf.total
	// Never dry: then the best of what the person has already seen.
	seen = append(seen, exploreSeen...)
	for _, cd := range seen[:min(len(seen), seenBack)] {
		push(cd, true)
	}
	return rf
}

// jitter is a number in [0, 1) stable for a person, a day and a video, so
// exploration varies between people and days but pages do not reshuffle.
func jitter(seed, id string) float64 {
	h := fnv.New32a()
	h.Write([]byte(seed))
	h.Write([]byte(id))
	return float64(h.Sum32()%1000) / 1000
}

// diversify keeps one creator from appearing twice in a row.
func diversify(list []*candidate) {
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
}

func hasKey(m map[string]struct{}, k string) bool {
	_, ok := m[k]
	return ok
}

// topKeys returns the n keys with the largest values, largest first.
func topKeys(m map[string]float64, n int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys[:min(n, len(keys))]
}

// decorate adds the viewer's likes and follows to feed items, from their
// in-memory state (the store answers only for likes older than it holds).
func (c *Service) decorate(ctx context.Context, viewer *kurz.Profile, st *viewerState, items []Item) {
	if viewer == nil || st == nil {
		return
	}
	var ask []string
	st.mu.Lock()
	for i := range items {
		_, items[i].Liked = st.liked[items[i].ID]
		_, items[i].Following = st.followees[items[i].OwnerID]
		if !items[i].Liked && !st.likedAll {
			ask = append(ask, items[i].ID)
		}
	}
	st.mu.Unlock()
	if len(ask) > 0 {
		if liked, err := c.Store.Likes(ctx, viewer.ID, ask); err == nil {
			for i := range items {
				if liked[items[i].ID] {
					items[i].Liked = true
				}
			}
		}
	}
}

// Decorate adds the viewer's likes and follows to catalogue videos (nil
// viewer: anonymous, nothing to add).
func (c *Service) Decorate(ctx context.Context, viewer *kurz.Profile, vids []*catalog.PublicVideo) ([]Item, error) {
	items := make([]Item, len(vids))
	for i, v := range vids {
		items[i] = Item{PublicVideo: v}
	}
	if viewer == nil {
		return items, nil
	}
	st, err := c.viewer(ctx, viewer.ID)
	if err != nil {
		return nil, err
	}
	// Every list of catalogue videos shown to a person comes through
	// here (profiles, tags, search, Discover, sounds): a block either way
	// keeps the other's videos out.
	st.mu.Lock()
	who := st.policyViewer()
	st.mu.Unlock()
	items = slices.DeleteFunc(items, func(it Item) bool { return !policy.SeesPerson(who, it.OwnerID) })
	c.decorate(ctx, viewer, st, items)
	return items, nil
}

// Marks reports whether a person of this region liked a video and follows
// its creator, from their in-memory state.
func (c *Service) Marks(ctx context.Context, viewer *kurz.Profile, videoID, ownerID string) (liked, following bool) {
	st, err := c.viewer(ctx, viewer.ID)
	if err != nil {
		return false, false
	}
	items := []Item{{PublicVideo: &catalog.PublicVideo{ID: videoID, OwnerID: ownerID}}}
	c.decorate(ctx, viewer, st, items)
	return items[0].Liked, items[0].Following
}
