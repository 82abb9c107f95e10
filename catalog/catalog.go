package catalog

import (
	"container/heap"
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// PublicVideo is what the public log carries about a published video, and
// what every region's catalogue holds. Data class: public.
type PublicVideo struct {
	ID         string    `json:"id"`
	OwnerID    string    `json:"owner_id"`
	Handle     string    `json:"handle"`
	Caption    string    `json:"caption"`
	Hashtags   []string  `json:"hashtags"`
	DurationMS int64     `json:"duration_ms"`
	Width      int       `json:"width"`
	Height     int       `json:"height"`
	Likes      int64     `json:"likes"`
	Comments   int64     `json:"comments"`
	Views      int64     `json:"views"`
	CreatedAt  time.Time `json:"created_at"`
	// What the home region's visibility policy (package policy) decided
	// for the public: Reduced videos are never recommended (for whatever
	// reason: nothing says why); AgeRestricted ones are not shown to minors
	// or anonymous viewers; Label is shown with it; Countries are where a
	// decision restricted it. No age or minor status of the owner is here.
	Reduced       bool     `json:"reduced,omitempty"`
	AgeRestricted bool     `json:"age_restricted,omitempty"`
	Label         string   `json:"label,omitempty"`
	Countries     []string `json:"countries,omitempty"`
	// Sound is the ID of the sound the video uses: its own ID for its own
	// audio, else the sound it took. RemixKind and RemixOf: how and from
	// which video it was made (the link back to a duet's or stitch's
	// source). Allow: what its creator lets others do (kurz.Allow*).
	Sound     string `json:"sound,omitempty"`
	RemixKind string `json:"remix_kind,omitempty"`
	RemixOf   string `json:"remix_of,omitempty"`
	Allow     int    `json:"allow,omitempty"`
	// Of a video whose sound is its own: the name its creator gave the
	// sound ("": "original sound – @handle"), the print of its audio
	// (kurz.AudioPrint's stored form), and whether a moderator of its
	// region blocked the sound (then no one may use it, and uploads of
	// the same audio wait for review).
	SoundName    string `json:"sound_name,omitempty"`
	AudioPrint   string `json:"audio_print,omitempty"`
	SoundBlocked bool   `json:"sound_blocked,omitempty"`
	// Partial: only the first rendition is published yet (status
	// playable); the rest of the ladder joins it. A door's edge copies of
	// its playlists are dropped when it is whole.
	Partial bool `json:"partial,omitempty"`
	// Avatar is the version of the creator's profile picture ("" none).
	Avatar string `json:"avatar,omitempty"`
}

// SoundOf is the sound a video uses (its own if none is named).
func SoundOf(v *PublicVideo) string {
	if v.Sound != "" {
		return v.Sound
	}
	return v.ID
}

// PublicProfile is the replicated public face of a person.
type PublicProfile struct {
	ID          string `json:"id"`
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name"`
	Bio         string `json:"bio"`
	Private     bool   `json:"private"`
	Followers   int64  `json:"followers"`
	Following   int64  `json:"following"`
	// Avatar is the version of the profile picture ("" none).
	Avatar string `json:"avatar,omitempty"`
}

// Index is a region's in-memory catalogue of public videos and profiles of
// every region (its own and the replicas), so feeds never scan a database.
// The For You candidates are the top of a periodically recomputed ranking.
// Videos are immutable once put: a change puts a new *PublicVideo.
type Index struct {
	mu      sync.RWMutex
	videos  map[string]*PublicVideo
	byOwner map[string][]*PublicVideo // newest first
	byTag   map[string][]*PublicVideo // newest first
	// bySound lists the videos that take another video's sound, by that
	// sound, newest first; a video whose sound is its own is not listed
	// (most are: a million lists of one), SoundVideos adds it.
	bySound  map[string][]*PublicVideo
	all      []*PublicVideo // oldest first (new videos append)
	profiles map[string]*PublicProfile
	byHandle map[string]*PublicProfile
	hot      []Scored
	hotGen   uint64 // counts rankings swapped in
	dirty    bool
	gen      uint64 // counts changes, so a ranking knows if it is current
	bulk     bool
	stale    bool // during a load, the lists hold replaced or removed versions
	// inOrder: during a load into an empty catalogue, every video has come
	// no older than the one before (a snapshot, the log of a region's
	// own videos), so every list is oldest first and EndBulk only turns
	// them round.
	inOrder bool
	ranking atomic.Bool
	watch   func(Change)
	prints  prints
	strs    interner // the repeated strings of videos (compact.go)
	lists   strSlab  // their hashtags and countries
}

// Change is one change to the catalogue, told to the watcher: a video or
// profile put (Video or Profile is the new version, Old the one it
// replaced, if any) or removed (Removed; Video or Profile is the version
// that went), or a whole load (Loaded: anything may have changed).
type Change struct {
	Video      *PublicVideo
	OldVideo   *PublicVideo
	Profile    *PublicProfile
	OldProfile *PublicProfile
	Removed    bool
	Loaded     bool
}

// Watch tells f of every later change, in order, while the change's lock
// is held (so f must only take note and return). Derived indexes (search)
// follow the catalogue this way and so never hold what it does not. A
// bulk load (BeginBulk to EndBulk) is told once, as Loaded, when it ends,
// not object by object. Call it before the catalogue is loaded; one
// watcher.
func (x *Index) Watch(f func(Change)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.watch = f
}

func (x *Index) tell(c Change) {
	if c.Video != nil {
		if c.Removed {
			x.prints.drop(c.Video.ID)
		} else {
			x.prints.put(c.Video)
		}
	}
	if x.watch != nil && !x.bulk {
		x.watch(c)
	}
}

// Scored is a ranked video with its quality at ranking time. Quality
// decays by the same factor for every video as time passes, so scores of
// one ranking stay comparable with each other.
type Scored struct {
	V *PublicVideo
	Q float64
}

// HotSize is how many top-ranked videos For You ranks per request.
const HotSize = 1000

func NewIndex() *Index {
	return &Index{videos: map[string]*PublicVideo{}, byOwner: map[string][]*PublicVideo{}, byTag: map[string][]*PublicVideo{},
		bySound: map[string][]*PublicVideo{}, profiles: map[string]*PublicProfile{}, byHandle: map[string]*PublicProfile{}}
}

// PutVideo adds or replaces a video.
func (x *Index) PutVideo(v *PublicVideo) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.dirty, x.gen = true, x.gen+1
	old, ok := x.videos[v.ID]
	x.compact(v, old)
	if ok && !x.bulk && sameLists(old, v) {
		// A counter or caption change: the video keeps its place in every
		// list, so it is swapped in place (no list is searched linearly
		// or shifted; counters of old videos change all the time).
		x.videos[v.ID] = v
		replaceIn(x.byOwner[v.OwnerID], old, v, Newer)
		for _, t := range v.Hashtags {
			replaceIn(x.byTag[t], old, v, Newer)
		}
		if takesSound(v) {
			replaceIn(x.bySound[SoundOf(v)], old, v, Newer)
		}
		replaceIn(x.all, old, v, older)
		x.tell(Change{Video: v, OldVideo: old})
		for i := range x.hot {
			if x.hot[i].V == old {
				x.hot = slices.Clone(x.hot) // readers may hold the old slice
				x.hot[i].V = v
				break
			}
		}
		return
	}
	if x.bulk {
		// Loading: a replaced version stays in the lists until EndBulk
		// drops every version that is no longer current (removing it
		// here would scan the lists once per replacement).
		if _, ok := x.videos[v.ID]; ok {
			x.stale = true
		}
	} else {
		x.removeVideo(v.ID)
	}
	x.videos[v.ID] = v
	x.tell(Change{Video: v})
	if x.bulk {
		// Loading: append now, sort every list once in EndBulk.
		x.byOwner[v.OwnerID] = append(x.byOwner[v.OwnerID], v)
		for _, t := range v.Hashtags {
			x.byTag[t] = append(x.byTag[t], v)
		}
		if takesSound(v) {
			x.bySound[SoundOf(v)] = append(x.bySound[SoundOf(v)], v)
		}
		x.appendAll(v)
	} else {
		x.byOwner[v.OwnerID] = insertNewest(x.byOwner[v.OwnerID], v)
		for _, t := range v.Hashtags {
			x.byTag[t] = insertNewest(x.byTag[t], v)
		}
		if takesSound(v) {
			x.bySound[SoundOf(v)] = insertNewest(x.bySound[SoundOf(v)], v)
		}
		i := sort.Search(len(x.all), func(i int) bool { return older(v, x.all[i]) })
		x.all = slices.Insert(x.all, i, v)
	}
}

// takesSound reports whether a video uses another video's sound (and so
// is on that sound's list).
func takesSound(v *PublicVideo) bool { return SoundOf(v) != v.ID }

// appendAll appends v to the list of all videos during a load, noting
// whether the load still comes in order.
func (x *Index) appendAll(v *PublicVideo) {
	if n := len(x.all); n > 0 && older(v, x.all[n-1]) {
		x.inOrder = false
	}
	x.all = append(x.all, v)
}

// sameLists reports whether a new version of a video sits in the same
// lists at the same places as the old one.
func sameLists(a, b *PublicVideo) bool {
	return a.OwnerID == b.OwnerID && a.CreatedAt.Equal(b.CreatedAt) && slices.Equal(a.Hashtags, b.Hashtags) && SoundOf(a) == SoundOf(b)
}

// replaceIn swaps old for v in a list ordered by less, in place.
func replaceIn(list []*PublicVideo, old, v *PublicVideo, less func(a, b *PublicVideo) bool) {
	i := sort.Search(len(list), func(i int) bool { return !less(list[i], old) })
	for ; i < len(list); i++ {
		if list[i] == old {
			list[i] = v
			return
		}
		if less(old, list[i]) {
			return
		}
	}
}

// older orders videos oldest first.
func older(a, b *PublicVideo) bool { return Newer(b, a) }

// BeginBulk starts a load: PutVideo appends without keeping the lists in
// order until EndBulk sorts each once (loading is then n log n, not n²).
func (x *Index) BeginBulk() {
	x.mu.Lock()
	x.bulk = true
	x.inOrder = len(x.all) == 0
	x.mu.Unlock()
}

// prune drops the videos gone says from every list (by owner, tag, sound
// and age); emptied lists go.
func (x *Index) prune(gone func(*PublicVideo) bool) {
	for _, m := range []map[string][]*PublicVideo{x.byOwner, x.byTag, x.bySound} {
		for k, l := range m {
			if l = slices.DeleteFunc(l, gone); len(l) == 0 {
				delete(m, k)
			} else {
				m[k] = l
			}
		}
	}
	x.all = slices.DeleteFunc(x.all, gone)
}

// EndBulk ends a load and puts every list in order.
func (x *Index) EndBulk() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.bulk = false
	if x.stale {
		x.stale = false
		x.prune(func(v *PublicVideo) bool { return x.videos[v.ID] != v })
	}
	// Lists loaded oldest first (a snapshot, a log in order) only need
	// turning round.
	byNewest := func(list []*PublicVideo) {
		switch {
		case x.inOrder:
			// Each list is part of x.all, which came in order.
			slices.Reverse(list)
		case slices.IsSortedFunc(list, newestFirst):
		case slices.IsSortedFunc(list, oldestFirst):
			slices.Reverse(list)
		default:
			sort.Slice(list, func(i, j int) bool { return Newer(list[i], list[j]) })
		}
	}
	for _, l := range x.byOwner {
		byNewest(l)
	}
	for _, l := range x.byTag {
		byNewest(l)
	}
	for _, l := range x.bySound {
		byNewest(l)
	}
	if !x.inOrder && !slices.IsSortedFunc(x.all, oldestFirst) {
		sort.Slice(x.all, func(i, j int) bool { return older(x.all[i], x.all[j]) })
	}
	if x.watch != nil {
		x.watch(Change{Loaded: true})
	}
}

// newestFirst and oldestFirst compare for slices.IsSortedFunc.
func newestFirst(a, b *PublicVideo) int {
	switch {
	case Newer(a, b):
		return -1
	case Newer(b, a):
		return 1
	}
	return 0
}

func oldestFirst(a, b *PublicVideo) int { return newestFirst(b, a) }

// Len is the number of public videos in the catalogue.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.videos)
}

// RemoveVideo drops a video (unpublished, removed or deleted).
func (x *Index) RemoveVideo(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeVideo(id)
	x.dirty, x.gen = true, x.gen+1
}

func (x *Index) removeVideo(id string) {
	old, ok := x.videos[id]
	if !ok {
		return
	}
	delete(x.videos, id)
	x.tell(Change{Video: old, Removed: true})
	if x.bulk {
		x.stale = true // EndBulk drops it from the lists
		return
	}
	drop := func(list []*PublicVideo) []*PublicVideo {
		return slices.DeleteFunc(list, func(v *PublicVideo) bool { return v.ID == id })
	}
	x.byOwner[old.OwnerID] = drop(x.byOwner[old.OwnerID])
	if len(x.byOwner[old.OwnerID]) == 0 {
		delete(x.byOwner, old.OwnerID)
	}
	for _, t := range old.Hashtags {
		x.byTag[t] = drop(x.byTag[t])
		if len(x.byTag[t]) == 0 {
			delete(x.byTag, t)
		}
	}
	if snd := SoundOf(old); takesSound(old) {
		x.bySound[snd] = drop(x.bySound[snd])
		if len(x.bySound[snd]) == 0 {
			delete(x.bySound, snd)
		}
	}
	if x.bulk {
		x.all = drop(x.all)
	} else if i := sort.Search(len(x.all), func(i int) bool { return !older(x.all[i], old) }); i < len(x.all) && x.all[i] == old {
		x.all = slices.Delete(x.all, i, i+1)
	} else {
		x.all = drop(x.all)
	}
	if slices.ContainsFunc(x.hot, func(s Scored) bool { return s.V == old }) {
		x.hot = slices.DeleteFunc(slices.Clone(x.hot), func(s Scored) bool { return s.V == old })
	}
}

func insertNewest(list []*PublicVideo, v *PublicVideo) []*PublicVideo {
	i := sort.Search(len(list), func(i int) bool { return Newer(v, list[i]) })
	return slices.Insert(list, i, v)
}

// Newer orders videos newest first (by creation time, then ID).
func Newer(a, b *PublicVideo) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// PutProfile adds or replaces a profile.
func (x *Index) PutProfile(p *PublicProfile) {
	x.mu.Lock()
	defer x.mu.Unlock()
	old, ok := x.profiles[p.ID]
	if ok && old.Handle != p.Handle {
		delete(x.byHandle, old.Handle)
	}
	x.profiles[p.ID] = p
	x.byHandle[p.Handle] = p
	x.tell(Change{Profile: p, OldProfile: old})
}

// RemoveProfile drops a profile and its videos.
func (x *Index) RemoveProfile(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if p, ok := x.profiles[id]; ok {
		delete(x.byHandle, p.Handle)
		delete(x.profiles, id)
		x.tell(Change{Profile: p, Removed: true})
	}
	for _, v := range slices.Clone(x.byOwner[id]) {
		x.removeVideo(v.ID)
	}
	x.dirty, x.gen = true, x.gen+1
}

func (x *Index) Video(id string) (*PublicVideo, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	v, ok := x.videos[id]
	return v, ok
}

func (x *Index) ProfileByHandle(h string) (*PublicProfile, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	p, ok := x.byHandle[h]
	return p, ok
}

func (x *Index) Profile(id string) (*PublicProfile, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	p, ok := x.profiles[id]
	return p, ok
}

// Newest returns up to n videos of a list key (owner or tag) after the
// cursor position (exclusive), newest first.
func (x *Index) newest(list []*PublicVideo, after *PublicVideo, n int) []*PublicVideo {
	i := 0
	if after != nil {
		i = sort.Search(len(list), func(i int) bool { return Newer(after, list[i]) })
	}
	end := min(len(list), i+n)
	return slices.Clone(list[i:end])
}

// OwnerVideos lists a person's public videos, newest first.
func (x *Index) OwnerVideos(ownerID string, after *PublicVideo, n int) []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.newest(x.byOwner[ownerID], after, n)
}

// TagVideos lists a hashtag's videos, newest first.
func (x *Index) TagVideos(tag string, after *PublicVideo, n int) []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.newest(x.byTag[tag], after, n)
}

// SoundVideos lists the videos using a sound, newest first: those that
// took it, and the video whose own sound it is.
func (x *Index) SoundVideos(sound string, after *PublicVideo, n int) []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	page := x.newest(x.bySound[sound], after, n)
	if o, ok := x.videos[sound]; ok && !takesSound(o) && (after == nil || Newer(after, o)) {
		if i := sort.Search(len(page), func(i int) bool { return Newer(o, page[i]) }); i < n {
			page = slices.Insert(page, i, o)[:min(len(page)+1, n)]
		}
	}
	return page
}

// Newest lists the newest videos of the whole catalogue after the cursor
// position (exclusive), newest first, for which keep is true; it looks at
// no more than scan videos, so a filter that refuses most cannot make it
// walk the catalogue.
func (x *Index) Newest(after *PublicVideo, n, scan int, keep func(*PublicVideo) bool) []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i := len(x.all)
	if after != nil {
		i = sort.Search(len(x.all), func(i int) bool { return !older(x.all[i], after) })
	}
	var out []*PublicVideo
	for i--; i >= 0 && len(out) < n && scan > 0; i, scan = i-1, scan-1 {
		if v := x.all[i]; keep == nil || keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// Videos lists every public video, in no order (to build a derived index).
func (x *Index) Videos() []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]*PublicVideo, 0, len(x.videos))
	for _, v := range x.videos {
		out = append(out, v)
	}
	return out
}

// Profiles lists every public profile, in no order.
func (x *Index) Profiles() []*PublicProfile {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]*PublicProfile, 0, len(x.profiles))
	for _, p := range x.profiles {
		out = append(out, p)
	}
	return out
}

// Tags lists every hashtag of a public video, in no order.
func (x *Index) Tags() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, len(x.byTag))
	for t := range x.byTag {
		out = append(out, t)
	}
	return out
}

// TagCount is how many public videos carry a hashtag.
func (x *Index) TagCount(tag string) int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byTag[tag])
}

// LikesOf sums the likes of a person's public videos.
func (x *Index) LikesOf(ownerID string) int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var n int64
	for _, v := range x.byOwner[ownerID] {
		n += v.Likes
	}
	return n
}

// Quality is a video's engagement per view with time decay: likes and
// comments per view, smoothed for new videos, halving every two days.
func Quality(v *PublicVideo, now time.Time) float64 {
	engagement := (float64(v.Likes) + 2*float64(v.Comments) + 1) / (float64(v.Views) + 10)
	age := now.Sub(v.CreatedAt).Hours()
	return engagement * math.Pow(0.5, age/48) * (1 + math.Log1p(float64(v.Views))/10)
}

// Hot returns the current For You candidates, best first, and the
// ranking's generation (it changes whenever another ranking is swapped
// in). A change to the catalogue marks the ranking stale; a small
// catalogue is re-ranked at once, a large one in the background (at most
// one run at a time) while readers keep the previous ranking, so no
// request waits for a full re-rank. The slice must not be modified.
func (x *Index) Hot(now time.Time) ([]Scored, uint64) {
	x.mu.RLock()
	hot, dirty, n, gen := x.hot, x.dirty, len(x.videos), x.hotGen
	x.mu.RUnlock()
	if !dirty && hot != nil {
		return hot, gen
	}
	if n <= SyncRankLimit || hot == nil {
		return x.rank(now)
	}
	if x.ranking.CompareAndSwap(false, true) {
		go func() {
			defer x.ranking.Store(false)
			x.rank(time.Now())
		}()
	}
	return hot, gen
}

// SyncRankLimit is the catalogue size up to which a stale ranking is
// recomputed in the request itself (a few milliseconds).
const SyncRankLimit = 50_000

// rank scores every video and keeps the HotSize best, in order. Scoring
// runs under the read lock; only the swap takes the write lock.
func (x *Index) rank(now time.Time) ([]Scored, uint64) {
	x.mu.RLock()
	gen := x.gen
	h := make(topK, 0, HotSize+1)
	for _, v := range x.videos {
		s := Quality(v, now)
		if len(h) < HotSize {
			heap.Push(&h, scoredVideo{v, s})
		} else if s > h[0].s {
			h[0] = scoredVideo{v, s}
			heap.Fix(&h, 0)
		}
	}
	x.mu.RUnlock()
	out := make([]Scored, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		sv := heap.Pop(&h).(scoredVideo)
		out[i] = Scored{sv.v, sv.s}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.gen != gen {
		// Videos changed or went while ranking: keep those still in the
		// catalogue, as they are now.
		out = slices.DeleteFunc(out, func(s Scored) bool { return x.videos[s.V.ID] == nil })
		for i := range out {
			out[i].V = x.videos[out[i].V.ID]
		}
	} else {
		x.dirty = false // nothing changed while ranking
	}
	x.hot = out
	x.hotGen++
	return out, x.hotGen
}

type scoredVideo struct {
	v *PublicVideo
	s float64
}

// topK is a min-heap by score: its root is the weakest of the best.
type topK []scoredVideo

func (h topK) Len() int           { return len(h) }
func (h topK) Less(i, j int) bool { return h[i].s < h[j].s }
func (h topK) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topK) Push(v any)        { *h = append(*h, v.(scoredVideo)) }
func (h *topK) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}
