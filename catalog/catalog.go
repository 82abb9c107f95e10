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
	ver    uint64 // see Version
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
// A video is held as a slot (store.go); every *PublicVideo handed out is
// made for the caller, and a change puts a new version.
type Index struct {
	mu sync.RWMutex
	store
	dead    []int32           // during a load, slots of replaced or removed versions
	ids     ids               // video ID → slot
	byOwner map[int32][]int32 // by interned owner, newest first
	byTag   map[int32][]int32 // by interned hashtag, newest first
	// bySound lists the videos that take another video's sound, by that
	// sound, newest first; a video whose sound is its own is not listed
	// (most are: a million lists of one), SoundVideos adds it.
	bySound  map[string][]int32
	all      []int32 // oldest first (new videos append)
	profiles map[string]*PublicProfile
	byHandle map[string]*PublicProfile
	hot      []Scored
	hotSlots []int32 // the slots of hot
	hotGen   uint64  // counts rankings swapped in
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
	x := &Index{store: store{rare: map[int32]*rareFields{}}, byOwner: map[int32][]int32{}, byTag: map[int32][]int32{},
		bySound: map[string][]int32{}, profiles: map[string]*PublicProfile{}, byHandle: map[string]*PublicProfile{}}
	x.ids = newIDs(&x.store)
	return x
}

// PutVideo adds or replaces a video. v is handed over: it is what the
// watcher is told of (with its Version set), and is not kept.
func (x *Index) PutVideo(v *PublicVideo) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.put(v)
}

// put is PutVideo under the lock.
func (x *Index) put(v *PublicVideo) {
	x.dirty, x.gen = true, x.gen+1
	i, ok, taken := x.ids.find(v.ID)
	if ok && !x.bulk && x.sameLists(i, v) {
		// A counter or caption change: the video keeps its slot and its
		// place in every list (counters of old videos change all the
		// time).
		var old *PublicVideo
		if x.watch != nil {
			old = x.video(i)
		}
		x.write(i, v, true)
		x.tell(Change{Video: v, OldVideo: old})
		if j := slices.Index(x.hotSlots, i); j >= 0 {
			x.hot = slices.Clone(x.hot) // readers may hold the old slice
			x.hot[j].V = x.video(i)
		}
		return
	}
	if ok {
		if x.bulk {
			// Loading: a replaced version stays in the lists until EndBulk
			// drops every version that is no longer current (removing it
			// here would scan the lists once per replacement).
			x.at(i).flags &^= fLive
			x.dead = append(x.dead, i)
			x.stale = true
		} else {
			x.removeVideo(v.ID)
		}
	}
	i = x.newSlot()
	x.write(i, v, false)
	if ok {
		x.ids.set(x.idOf(i), i)
	} else {
		x.ids.add(x.idOf(i), i, taken) // no look-up again
	}
	x.tell(Change{Video: v})
	owner := x.at(i).owner
	r := x.at(i)
	tags := x.tagIDs[r.tags : r.tags+uint32(r.ntags)]
	if x.bulk {
		// Loading: append now, sort every list once in EndBulk.
		x.byOwner[owner] = append(x.byOwner[owner], i)
		for _, t := range tags {
			x.byTag[t] = append(x.byTag[t], i)
		}
		if x.takes(i) {
			x.bySound[x.soundOf(i)] = append(x.bySound[x.soundOf(i)], i)
		}
		if n := len(x.all); n > 0 && x.key(x.all[n-1]).newer(x.key(i)) {
			x.inOrder = false
		}
		x.all = append(x.all, i)
		return
	}
	x.byOwner[owner] = x.insertNewest(x.byOwner[owner], i)
	for _, t := range tags {
		x.byTag[t] = x.insertNewest(x.byTag[t], i)
	}
	if x.takes(i) {
		x.bySound[x.soundOf(i)] = x.insertNewest(x.bySound[x.soundOf(i)], i)
	}
	k := x.key(i)
	j := sort.Search(len(x.all), func(j int) bool { return x.key(x.all[j]).newer(k) })
	x.all = slices.Insert(x.all, j, i)
}

// sameLists reports whether a new version of slot i's video sits in the
// same lists at the same places.
func (x *Index) sameLists(i int32, v *PublicVideo) bool {
	r := x.at(i)
	if x.strs.str(r.owner) != v.OwnerID || r.created != v.CreatedAt.UnixNano() || int(r.ntags) != len(v.Hashtags) {
		return false
	}
	for j, t := range x.tagIDs[r.tags : r.tags+uint32(r.ntags)] {
		if x.strs.str(t) != v.Hashtags[j] {
			return false
		}
	}
	return x.soundOf(i) == SoundOf(v)
}

// BeginBulk starts a load: PutVideo appends without keeping the lists in
// order until EndBulk sorts each once (loading is then n log n, not n²).
func (x *Index) BeginBulk() {
	x.mu.Lock()
	x.bulk = true
	x.inOrder = len(x.all) == 0
	x.mu.Unlock()
}

// prune drops the slots gone says from every list (by owner, tag, sound
// and age); emptied lists go.
func (x *Index) prune(gone func(int32) bool) {
	for _, m := range []map[int32][]int32{x.byOwner, x.byTag} {
		for k, l := range m {
			if l = slices.DeleteFunc(l, gone); len(l) == 0 {
				delete(m, k)
			} else {
				m[k] = l
			}
		}
	}
	for k, l := range x.bySound {
		if l = slices.DeleteFunc(l, gone); len(l) == 0 {
			delete(x.bySound, k)
		} else {
			x.bySound[k] = l
		}
	}
	x.all = slices.DeleteFunc(x.all, gone)
}

// dropSlots frees slots no list holds any more (the ranking neither: a
// freed slot is another video's once reused).
func (x *Index) dropSlots(l []int32) {
	for _, i := range l {
		delete(x.rare, i)
		*x.at(i) = rec{}
	}
	x.free = append(x.free, l...)
	if slices.ContainsFunc(x.hotSlots, func(i int32) bool { return x.at(i).flags&fLive == 0 }) {
		var hot []Scored // readers may hold the old slice
		var slots []int32
		for j, i := range x.hotSlots {
			if x.at(i).flags&fLive != 0 {
				hot, slots = append(hot, x.hot[j]), append(slots, i)
			}
		}
		x.hot, x.hotSlots = hot, slots
	}
}

// EndBulk ends a load and puts every list in order.
func (x *Index) EndBulk() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.bulk = false
	if x.stale {
		x.stale = false
		x.prune(func(i int32) bool { return x.at(i).flags&fLive == 0 })
		x.dropSlots(x.dead)
		x.dead = nil
	}
	// Lists loaded oldest first (a snapshot, a log in order) only need
	// turning round.
	newest := func(a, b int32) int { return x.cmp(a, b) }
	byNewest := func(list []int32) {
		switch {
		case x.inOrder:
			// Each list is part of x.all, which came in order.
			slices.Reverse(list)
		case slices.IsSortedFunc(list, newest):
		case slices.IsSortedFunc(list, func(a, b int32) int { return x.cmp(b, a) }):
			slices.Reverse(list)
		default:
			slices.SortFunc(list, newest)
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
	if oldest := func(a, b int32) int { return x.cmp(b, a) }; !x.inOrder && !slices.IsSortedFunc(x.all, oldest) {
		slices.SortFunc(x.all, oldest)
	}
	if x.watch != nil {
		x.watch(Change{Loaded: true})
	}
}

// cmp orders slots newest first.
func (x *store) cmp(a, b int32) int {
	ka, kb := x.key(a), x.key(b)
	switch {
	case ka.newer(kb):
		return -1
	case kb.newer(ka):
		return 1
	}
	return 0
}

// Len is the number of public videos in the catalogue.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.ids.len()
}

// RemoveVideo drops a video (unpublished, removed or deleted).
func (x *Index) RemoveVideo(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeVideo(id)
	x.dirty, x.gen = true, x.gen+1
}

func (x *Index) removeVideo(id string) {
	i, ok := x.ids.get(id)
	if !ok {
		return
	}
	old := x.video(i)
	x.ids.del(id)
	r := x.at(i)
	r.flags &^= fLive
	x.tell(Change{Video: old, Removed: true})
	if x.bulk {
		x.dead = append(x.dead, i)
		x.stale = true // EndBulk drops it from the lists
		return
	}
	drop := func(m map[int32][]int32, k int32) {
		if l := x.dropFrom(m[k], i); len(l) == 0 {
			delete(m, k)
		} else {
			m[k] = l
		}
	}
	drop(x.byOwner, r.owner)
	for _, t := range x.tagIDs[r.tags : r.tags+uint32(r.ntags)] {
		drop(x.byTag, t)
	}
	if snd := x.soundOf(i); x.takes(i) {
		if l := x.dropFrom(x.bySound[snd], i); len(l) == 0 {
			delete(x.bySound, snd)
		} else {
			x.bySound[snd] = l
		}
	}
	k := x.key(i)
	if j := sort.Search(len(x.all), func(j int) bool { return !k.newer(x.key(x.all[j])) }); j < len(x.all) && x.all[j] == i {
		x.all = slices.Delete(x.all, j, j+1)
	} else {
		x.all = slices.DeleteFunc(x.all, func(s int32) bool { return s == i })
	}
	x.dropSlots([]int32{i})
}

// dropFrom removes slot i from a list ordered newest first.
func (x *store) dropFrom(l []int32, i int32) []int32 {
	k := x.key(i)
	if j := sort.Search(len(l), func(j int) bool { return !x.key(l[j]).newer(k) }); j < len(l) && l[j] == i {
		return slices.Delete(l, j, j+1)
	}
	return slices.DeleteFunc(l, func(s int32) bool { return s == i })
}

func (x *store) insertNewest(list []int32, i int32) []int32 {
	k := x.key(i)
	j := sort.Search(len(list), func(j int) bool { return k.newer(x.key(list[j])) })
	return slices.Insert(list, j, i)
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
	if o, ok := x.strs.find(id); ok {
		for _, i := range slices.Clone(x.byOwner[o]) {
			x.removeVideo(x.idOf(i))
		}
	}
	x.dirty, x.gen = true, x.gen+1
}

// Facts fills into v, without making a record, a video's caption, its
// creator's handle (what search indexes) and the fields that say whether
// its media is open to everyone (OwnerID, AgeRestricted, Reduced, Label,
// Countries: what policy.FromPublic reads); the others stay zero. The
// media route asks it on every request. Countries is shared: read only.
func (x *Index) Facts(id string, v *PublicVideo) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, ok := x.ids.get(id)
	if !ok {
		return false
	}
	r := x.at(i)
	*v = PublicVideo{OwnerID: x.strs.str(r.owner), Handle: x.strs.str(r.handle), Caption: x.text.get(r.caption),
		AgeRestricted: r.flags&fAgeRestricted != 0, Reduced: r.flags&fReduced != 0}
	if r.flags&fRare != 0 {
		v.Label, v.Countries = x.rare[i].label, x.rare[i].countries
	}
	return true
}

// Video returns a video (made for the caller).
func (x *Index) Video(id string) (*PublicVideo, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, ok := x.ids.get(id)
	if !ok {
		return nil, false
	}
	return x.video(i), true
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

// newest returns up to n videos of a list (newest first) after the cursor
// position (exclusive).
func (x *Index) newest(list []int32, after *PublicVideo, n int) []*PublicVideo {
	i := 0
	if after != nil {
		k := keyOf(after)
		i = sort.Search(len(list), func(i int) bool { return k.newer(x.key(list[i])) })
	}
	end := min(len(list), i+max(n, 0))
	return x.videos(list[min(i, end):end])
}

// list is the list of an interned key of m (owner or tag).
func (x *store) list(m map[int32][]int32, k string) []int32 {
	if i, ok := x.strs.find(k); ok {
		return m[i]
	}
	return nil
}

// OwnerVideos lists a person's public videos, newest first.
func (x *Index) OwnerVideos(ownerID string, after *PublicVideo, n int) []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.newest(x.list(x.byOwner, ownerID), after, n)
}

// TagVideos lists a hashtag's videos, newest first.
func (x *Index) TagVideos(tag string, after *PublicVideo, n int) []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.newest(x.list(x.byTag, tag), after, n)
}

// SoundVideos lists the videos using a sound, newest first: those that
// took it, and the video whose own sound it is.
func (x *Index) SoundVideos(sound string, after *PublicVideo, n int) []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	page := x.newest(x.bySound[sound], after, n)
	if o, ok := x.ids.get(sound); ok && !x.takes(o) && (after == nil || keyOf(after).newer(x.key(o))) {
		k := x.key(o)
		if i := sort.Search(len(page), func(i int) bool { return k.newer(keyOf(page[i])) }); i < n {
			page = slices.Insert(page, i, x.video(o))[:min(len(page)+1, n)]
		}
	}
	return page
}

// Newest lists the newest videos of the whole catalogue after the cursor
// position (exclusive), newest first, for which keep is true; it looks at
// no more than scan videos, so a filter that refuses most cannot make it
// walk the catalogue. keep must not hold on to the video it is given
// (only those it keeps are made for the caller).
func (x *Index) Newest(after *PublicVideo, n, scan int, keep func(*PublicVideo) bool) []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i := len(x.all)
	if after != nil {
		k := keyOf(after)
		i = sort.Search(len(x.all), func(i int) bool { return !k.newer(x.key(x.all[i])) })
	}
	var out []*PublicVideo
	var v PublicVideo
	var tags []string
	for i--; i >= 0 && len(out) < n && scan > 0; i, scan = i-1, scan-1 {
		s := x.all[i]
		if x.at(s).flags&fLive == 0 {
			continue
		}
		if keep == nil {
			out = append(out, x.video(s))
			continue
		}
		x.fill(&v, s, tags)
		tags = v.Hashtags
		if keep(&v) {
			out = append(out, x.video(s))
		}
	}
	return out
}

// Videos lists every public video, in no order (made for the caller: a
// large catalogue is better walked by IDs and Video).
func (x *Index) Videos() []*PublicVideo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]*PublicVideo, 0, x.ids.len())
	for _, i := range x.ids.all() {
		out = append(out, x.video(i))
	}
	return out
}

// IDs lists the IDs of every public video, in no order.
func (x *Index) IDs() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, x.ids.len())
	for id := range x.ids.all() {
		out = append(out, id)
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
		out = append(out, x.strs.str(t))
	}
	return out
}

// TagCount is how many public videos carry a hashtag.
func (x *Index) TagCount(tag string) int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.list(x.byTag, tag))
}

// LikesOf sums the likes of a person's public videos.
func (x *Index) LikesOf(ownerID string) int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var n int64
	for _, i := range x.list(x.byOwner, ownerID) {
		n += x.at(i).likes
	}
	return n
}

// Quality is a video's engagement per view with time decay: likes and
// comments per view, smoothed for new videos, halving every two days.
func Quality(v *PublicVideo, now time.Time) float64 {
	return quality(v.Likes, v.Comments, v.Views, v.CreatedAt, now)
}

func quality(likes, comments, views int64, created, now time.Time) float64 {
	engagement := (float64(likes) + 2*float64(comments) + 1) / (float64(views) + 10)
	age := now.Sub(created).Hours()
	return engagement * math.Pow(0.5, age/48) * (1 + math.Log1p(float64(views))/10)
}

// Hot returns the current For You candidates, best first, and the
// ranking's generation (it changes whenever another ranking is swapped
// in). A change to the catalogue marks the ranking stale; a small
// catalogue is re-ranked at once, a large one in the background (at most
// one run at a time) while readers keep the previous ranking, so no
// request waits for a full re-rank. The slice must not be modified.
func (x *Index) Hot(now time.Time) ([]Scored, uint64) {
	x.mu.RLock()
	hot, dirty, n, gen := x.hot, x.dirty, x.ids.len(), x.hotGen
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
	for c, chunk := range x.chunks {
		for j := range chunk {
			if chunk[j].flags&fLive == 0 {
				continue
			}
			i := int32(c<<chunkBits | j)
			s := x.quality(i, now)
			if len(h) < HotSize {
				heap.Push(&h, scoredVideo{i, s})
			} else if s > h[0].s {
				h[0] = scoredVideo{i, s}
				heap.Fix(&h, 0)
			}
		}
	}
	out := make([]Scored, len(h))
	slots := make([]int32, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		sv := heap.Pop(&h).(scoredVideo)
		out[i], slots[i] = Scored{x.video(sv.i), sv.s}, sv.i
	}
	x.mu.RUnlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.gen != gen {
		// Videos changed or went while ranking: keep those still in the
		// catalogue, as they are now.
		k := 0
		for j := range out {
			if i, ok := x.ids.get(out[j].V.ID); ok {
				out[k], slots[k] = Scored{x.video(i), out[j].Q}, i
				k++
			}
		}
		out, slots = out[:k], slots[:k]
	} else {
		x.dirty = false // nothing changed while ranking
	}
	x.hot, x.hotSlots = out, slots
	x.hotGen++
	return out, x.hotGen
}

type scoredVideo struct {
	i int32
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

// VideoQuality is Quality of a video by ID, without making the video (a
// derived index ranks every video by it).
func (x *Index) VideoQuality(id string, now time.Time) (float64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, ok := x.ids.get(id)
	if !ok {
		return 0, false
	}
	return x.quality(i, now), true
}
