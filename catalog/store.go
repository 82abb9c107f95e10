package catalog

import (
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"
)

// The catalogue's layout (BENCHMARKS.md section 6 has the numbers). A
// million videos held as a million *PublicVideo cost 320 bytes each plus
// 14 pointers for the collector to follow; here a video is a slot: a
// fixed record without pointers (rec) in chunks of 64k, its own strings
// (ID, caption, audio print) in byte arenas that the record points into
// by number, the strings that repeat from video to video (owners,
// handles, avatars, hashtags) interned and named by an int32, the rarely
// set fields (label, countries, sound, remix) in a side map, and every
// list (by owner, hashtag, sound, age) a []int32 of slots. A
// *PublicVideo is made from its slot when a caller asks for one; it
// carries the version of the record (Version), so a cache of what is
// derived from a video keys by ID and version, not by pointer.

// rec is one video's record. It holds no pointer.
type rec struct {
	dur, likes, comments, views, created int64 // created: Unix nanoseconds
	ver                                  uint64
	id, caption, print                   sref
	owner, handle, avatar                int32  // interned (strTab)
	tags                                 uint32 // first of its hashtags in Index.tagIDs
	width, height, allow                 int32
	ntags                                uint16
	flags                                uint8
}

const (
	fReduced = 1 << iota
	fAgeRestricted
	fSoundBlocked
	fPartial
	fRare // has an entry in Index.rare
	fLive // the slot holds a current video
)

// rareFields are the fields most videos leave empty.
type rareFields struct {
	label, remixKind          string // interned
	countries                 []string
	sound, remixOf, soundName string
}

// versions numbers every record written, across catalogues, so an ID and
// a version name one content.
var versions atomic.Uint64

// Version is the catalogue's version of this video: it changes whenever
// the video does. A video made elsewhere than the catalogue has 0.
func (v *PublicVideo) Version() uint64 { return v.ver }

// sref names a string in a text arena.
type sref struct{ blk, off, n uint32 }

// text is an arena of strings: blocks of bytes never written again where
// they were handed out, never moved, so a string made from them stays
// valid (the map of videos uses the IDs in place as its keys).
type text struct {
	blocks [][]byte
	cur    int // the block being filled
}

const arenaBlock = 1 << 20

func (t *text) put(s string) sref {
	if s == "" {
		return sref{}
	}
	if len(s) > arenaBlock/8 || len(s) > math.MaxUint32 {
		t.blocks = append(t.blocks, []byte(s))
		return sref{uint32(len(t.blocks) - 1), 0, uint32(len(s))}
	}
	if len(t.blocks) == 0 || cap(t.blocks[t.cur])-len(t.blocks[t.cur]) < len(s) {
		t.blocks = append(t.blocks, make([]byte, 0, arenaBlock))
		t.cur = len(t.blocks) - 1
	}
	b := t.blocks[t.cur]
	off := len(b)
	t.blocks[t.cur] = append(b, s...)
	return sref{uint32(t.cur), uint32(off), uint32(len(s))}
}

func (t *text) get(r sref) string {
	if r.n == 0 {
		return ""
	}
	return unsafe.String(&t.blocks[r.blk][r.off], int(r.n))
}

// strTab holds one copy of each repeated string, named by its index (0 is
// ""). It grows with the distinct owners and hashtags seen.
type strTab struct {
	s  []string
	at map[string]int32
}

func (t *strTab) of(s string) int32 {
	if s == "" {
		return 0
	}
	if i, ok := t.at[s]; ok {
		return i
	}
	if t.at == nil {
		t.s, t.at = []string{""}, map[string]int32{}
	}
	c := strings.Clone(s) // s may point into a larger buffer
	i := int32(len(t.s))
	t.s = append(t.s, c)
	t.at[c] = i
	return i
}

// find is the index of s, if it is held.
func (t *strTab) find(s string) (int32, bool) {
	if s == "" {
		return 0, true
	}
	i, ok := t.at[s]
	return i, ok
}

func (t *strTab) str(i int32) string { return t.s[i] }

// intern returns the table's copy of s.
func (t *strTab) intern(s string) string { return t.str(t.of(s)) }

const chunkBits = 16

// store holds the videos' records and what they point into.
type store struct {
	chunks [][]rec // the records, 1<<chunkBits a chunk
	slots  int32   // slots made
	free   []int32 // slots to reuse
	rare   map[int32]*rareFields
	text   text   // IDs, captions, audio prints
	strs   strTab // owners, handles, avatars, hashtags, labels, countries
	tagIDs []int32
}

// at is slot i's record; the pointer is good until the next slot is made.
func (x *store) at(i int32) *rec { return &x.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

// newSlot returns an unused slot: a freed one, or a new one at the end.
func (x *store) newSlot() int32 {
	if n := len(x.free); n > 0 {
		i := x.free[n-1]
		x.free = x.free[:n-1]
		return i
	}
	i := x.slots
	if int(i>>chunkBits) == len(x.chunks) {
		// The first chunk grows as a small catalogue does; the next are
		// made whole (a large catalogue would copy each several times).
		x.chunks = append(x.chunks, make([]rec, 0, min(64+int(i), 1<<chunkBits)))
	}
	c := &x.chunks[i>>chunkBits]
	*c = append(*c, rec{})
	x.slots++
	return i
}

// idOf is slot i's video ID (a view of the arena).
func (x *store) idOf(i int32) string { return x.text.get(x.at(i).id) }

// write files v in slot i. same: the slot holds a version of v in the
// same lists (its ID and hashtags are kept, its caption and print if
// unchanged).
func (x *store) write(i int32, v *PublicVideo, same bool) {
	r := x.at(i)
	n := rec{dur: v.DurationMS, likes: v.Likes, comments: v.Comments, views: v.Views, created: v.CreatedAt.UnixNano(),
		ver: versions.Add(1), owner: x.strs.of(v.OwnerID), handle: x.strs.of(v.Handle), avatar: x.strs.of(v.Avatar),
		width: int32(v.Width), height: int32(v.Height), allow: int32(v.Allow), flags: fLive}
	if same {
		n.id, n.tags, n.ntags = r.id, r.tags, r.ntags
		if x.text.get(r.caption) == v.Caption {
			n.caption = r.caption
		}
		if x.text.get(r.print) == v.AudioPrint {
			n.print = r.print
		}
	} else {
		n.id = x.text.put(v.ID)
		n.tags, n.ntags = uint32(len(x.tagIDs)), uint16(min(len(v.Hashtags), math.MaxUint16))
		for _, t := range v.Hashtags[:n.ntags] {
			x.tagIDs = append(x.tagIDs, x.strs.of(t))
		}
	}
	if n.caption.n == 0 {
		n.caption = x.text.put(v.Caption)
	}
	if n.print.n == 0 {
		n.print = x.text.put(v.AudioPrint)
	}
	for _, f := range []struct {
		on   bool
		flag uint8
	}{{v.Reduced, fReduced}, {v.AgeRestricted, fAgeRestricted}, {v.SoundBlocked, fSoundBlocked}, {v.Partial, fPartial}} {
		if f.on {
			n.flags |= f.flag
		}
	}
	if v.Label != "" || len(v.Countries) > 0 || v.Sound != "" || v.RemixKind != "" || v.RemixOf != "" || v.SoundName != "" {
		n.flags |= fRare
		rf := &rareFields{label: x.strs.intern(v.Label), remixKind: x.strs.intern(v.RemixKind),
			sound: strings.Clone(v.Sound), remixOf: strings.Clone(v.RemixOf), soundName: strings.Clone(v.SoundName)}
		if old := x.rare[i]; same && old != nil && slices.Equal(old.countries, v.Countries) {
			rf.countries = old.countries
		} else if len(v.Countries) > 0 {
			rf.countries = make([]string, len(v.Countries))
			for j, c := range v.Countries {
				rf.countries[j] = x.strs.intern(c)
			}
		}
		x.rare[i] = rf
	} else {
		delete(x.rare, i)
	}
	*r = n
	v.ver = n.ver
}

// soundOf is the sound slot i's video uses.
func (x *store) soundOf(i int32) string {
	if x.at(i).flags&fRare != 0 {
		if s := x.rare[i].sound; s != "" {
			return s
		}
	}
	return x.idOf(i)
}

// takes reports whether slot i's video uses another video's sound (and
// so is on that sound's list).
func (x *store) takes(i int32) bool {
	if x.at(i).flags&fRare == 0 {
		return false
	}
	s := x.rare[i].sound
	return s != "" && s != x.idOf(i)
}

// fill makes v slot i's video; its hashtags go into tags (reused if
// large enough).
func (x *store) fill(v *PublicVideo, i int32, tags []string) {
	r := x.at(i)
	tags = tags[:0]
	for _, t := range x.tagIDs[r.tags : r.tags+uint32(r.ntags)] {
		tags = append(tags, x.strs.str(t))
	}
	if tags == nil {
		tags = []string{}
	}
	*v = PublicVideo{ID: x.text.get(r.id), OwnerID: x.strs.str(r.owner), Handle: x.strs.str(r.handle), Caption: x.text.get(r.caption),
		Hashtags: tags, DurationMS: r.dur, Width: int(r.width), Height: int(r.height), Likes: r.likes, Comments: r.comments,
		Views: r.views, CreatedAt: time.Unix(0, r.created).UTC(), Reduced: r.flags&fReduced != 0,
		AgeRestricted: r.flags&fAgeRestricted != 0, SoundBlocked: r.flags&fSoundBlocked != 0, Partial: r.flags&fPartial != 0,
		Allow: int(r.allow), AudioPrint: x.text.get(r.print), Avatar: x.strs.str(r.avatar), ver: r.ver}
	if r.flags&fRare != 0 {
		rf := x.rare[i]
		v.Label, v.Countries, v.Sound, v.RemixKind, v.RemixOf, v.SoundName = rf.label, rf.countries, rf.sound, rf.remixKind, rf.remixOf, rf.soundName
	}
}

// video makes slot i's video (a new *PublicVideo).
func (x *store) video(i int32) *PublicVideo {
	v := new(PublicVideo)
	var tags []string
	if n := x.at(i).ntags; n > 0 {
		tags = make([]string, 0, n)
	}
	x.fill(v, i, tags)
	return v
}

// videos makes the videos of a list of slots.
func (x *store) videos(l []int32) []*PublicVideo {
	out := make([]*PublicVideo, len(l))
	for j, i := range l {
		out[j] = x.video(i)
	}
	return out
}

// key is what orders videos: creation time, then ID.
type key struct {
	t  int64
	id string
}

func (x *store) key(i int32) key { r := x.at(i); return key{r.created, x.text.get(r.id)} }

func keyOf(v *PublicVideo) key { return key{v.CreatedAt.UnixNano(), v.ID} }

// newer orders newest first (as Newer).
func (a key) newer(b key) bool {
	if a.t != b.t {
		return a.t > b.t
	}
	return a.id > b.id
}

// quality is Quality of slot i.
func (x *store) quality(i int32, now time.Time) float64 {
	r := x.at(i)
	return quality(r.likes, r.comments, r.views, time.Unix(0, r.created), now)
}
