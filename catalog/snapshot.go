package catalog

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// A snapshot is the whole catalogue in a compact binary form, written when
// a region stops and read when it starts, so a start does not replay the
// public log. It holds public data only. Layout: magic, the positions it
// reflects (SnapshotMeta), the profiles, the videos oldest first, and a
// CRC-32 of everything before it.
const snapshotMagic = "kurzcat\x04"

// ErrSnapshot means a snapshot is damaged or of another format.
var ErrSnapshot = errors.New("catalog: not a usable snapshot")

// SnapshotMeta says what a snapshot reflects: the region that wrote it,
// how far it had applied its own log, and each peer's log.
type SnapshotMeta struct {
	Region string
	OwnSeq int64
	Peers  map[string]int64
}

// WriteSnapshot writes the catalogue and meta to w.
func (x *Index) WriteSnapshot(w io.Writer, meta SnapshotMeta) error {
	crc := crc32.NewIEEE()
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<16)
	var buf []byte
	str := func(s string) { buf = binary.AppendUvarint(buf, uint64(len(s))); buf = append(buf, s...) }
	num := func(n int64) { buf = binary.AppendVarint(buf, n) }
	flush := func() error { _, err := bw.Write(buf); buf = buf[:0]; return err }
	buf = append(buf, snapshotMagic...)
	str(meta.Region)
	num(meta.OwnSeq)
	peers := make([]string, 0, len(meta.Peers))
	for p := range meta.Peers {
		peers = append(peers, p)
	}
	sort.Strings(peers)
	num(int64(len(peers)))
	for _, p := range peers {
		str(p)
		num(meta.Peers[p])
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	num(int64(len(x.profiles)))
	for _, p := range x.profiles {
		str(p.ID)
		str(p.Handle)
		str(p.DisplayName)
		str(p.Bio)
		num(b2i(p.Private))
		num(p.Followers)
		num(p.Following)
		str(p.Avatar)
		if len(buf) > 1<<15 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	num(int64(len(x.all)))
	for _, v := range x.all {
		str(v.ID)
		str(v.OwnerID)
		str(v.Handle)
		str(v.Caption)
		num(int64(len(v.Hashtags)))
		for _, t := range v.Hashtags {
			str(t)
		}
		num(v.DurationMS)
		num(int64(v.Width))
		num(int64(v.Height))
		num(v.Likes)
		num(v.Comments)
		num(v.Views)
		num(v.CreatedAt.UnixNano())
		num(b2i(v.Reduced)<<1 | b2i(v.AgeRestricted)<<2 | b2i(v.SoundBlocked)<<3)
		str(v.Label)
		num(int64(len(v.Countries)))
		for _, c := range v.Countries {
			str(c)
		}
		str(v.Sound)
		str(v.RemixKind)
		str(v.RemixOf)
		num(int64(v.Allow))
		str(v.SoundName)
		str(v.AudioPrint)
		str(v.Avatar)
		if len(buf) > 1<<15 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(binary.BigEndian.AppendUint32(nil, crc.Sum32()))
	return err
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// snapReader decodes a snapshot held in memory. Its strings are slices of
// one copy of the whole file (src), so loading allocates no string per
// field; the catalogue keeps that copy for as long as it holds any of them.
type snapReader struct {
	b   []byte
	src string
	pos int
	err error
}

func (r *snapReader) num() int64 {
	if r.err != nil {
		return 0
	}
	n, k := binary.Varint(r.b[r.pos:])
	if k <= 0 {
		r.err = ErrSnapshot
		return 0
	}
	r.pos += k
	return n
}

func (r *snapReader) str() string {
	if r.err != nil {
		return ""
	}
	n, k := binary.Uvarint(r.b[r.pos:])
	if k <= 0 || uint64(len(r.b)-r.pos-k) < n {
		r.err = ErrSnapshot
		return ""
	}
	start := r.pos + k
	r.pos = start + int(n)
	if r.pos > len(r.src) {
		r.err = ErrSnapshot
		return ""
	}
	return r.src[start:r.pos]
}

func newSnapReader(b []byte) (*snapReader, error) {
	if len(b) < len(snapshotMagic)+4 || string(b[:len(snapshotMagic)]) != snapshotMagic {
		return nil, ErrSnapshot
	}
	body := b[:len(b)-4]
	if crc32.ChecksumIEEE(body) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return nil, ErrSnapshot
	}
	return &snapReader{b: body, pos: len(snapshotMagic)}, nil
}

func (r *snapReader) meta() SnapshotMeta {
	m := SnapshotMeta{Region: r.str(), OwnSeq: r.num(), Peers: map[string]int64{}}
	for n := r.num(); n > 0 && r.err == nil; n-- {
		p := r.str()
		m.Peers[p] = r.num()
	}
	return m
}

// ReadSnapshotMeta reads what a snapshot reflects, checking its sum.
func ReadSnapshotMeta(b []byte) (SnapshotMeta, error) {
	r, err := newSnapReader(b)
	if err != nil {
		return SnapshotMeta{}, err
	}
	r.src = string(r.b[:min(len(r.b), 1<<16)])
	m := r.meta()
	return m, r.err
}

// LoadSnapshot puts a snapshot's profiles and videos whose IDs keep
// accepts into the catalogue (in bulk: call it between BeginBulk and
// EndBulk). On error the catalogue may hold part of it. Nothing of b is
// kept: a video's own strings are copied into arenas, the repeated ones
// interned (compact.go).
func (x *Index) LoadSnapshot(b []byte, keep func(id string) bool) (SnapshotMeta, error) {
	r, err := newSnapReader(b)
	if err != nil {
		return SnapshotMeta{}, err
	}
	// A view of b while decoding: every string kept is copied out of it.
	r.src = unsafe.String(unsafe.SliceData(r.b), len(r.b))
	m := r.meta()
	m.Region = strings.Clone(m.Region)
	m.Peers = clonePeers(m.Peers)
	cp := strings.Clone
	for n := r.num(); n > 0 && r.err == nil; n-- {
		p := &PublicProfile{ID: cp(r.str()), Handle: cp(r.str()), DisplayName: cp(r.str()), Bio: cp(r.str()), Private: r.num() == 1,
			Followers: r.num(), Following: r.num(), Avatar: cp(r.str())}
		if r.err == nil && keep(p.ID) {
			x.PutProfile(p)
		}
	}
	count := r.num()
	if count < 0 || count > int64(len(r.b)) {
		return m, ErrSnapshot
	}
	// One allocation for all videos and one for their hashtags; the
	// videos are decoded first and filed afterwards. Their own strings
	// go to arenas, the repeated ones through an interner of the load's
	// own (merged into the catalogue's when they are filed).
	slab := make([]PublicVideo, count)
	tagSlab := make([]string, 0, 2*count)
	kept := make([]*PublicVideo, 0, count)
	var in interner
	var ids, text arena // IDs apart: the map of videos compares them
	for i := range slab {
		if r.err != nil {
			break
		}
		v := &slab[i]
		v.ID, v.OwnerID, v.Handle, v.Caption = r.str(), in.of(r.str()), in.of(r.str()), r.str()
		tags := r.num()
		if tags < 0 || tags > int64(len(r.b)) {
			r.err = ErrSnapshot
			break
		}
		first := len(tagSlab)
		for range tags {
			tagSlab = append(tagSlab, in.of(r.str()))
		}
		v.Hashtags = tagSlab[first:len(tagSlab):len(tagSlab)]
		v.DurationMS = r.num()
		v.Width, v.Height = int(r.num()), int(r.num())
		v.Likes, v.Comments, v.Views = r.num(), r.num(), r.num()
		v.CreatedAt = time.Unix(0, r.num()).UTC()
		flags := r.num()
		v.Reduced, v.AgeRestricted, v.SoundBlocked = flags&2 != 0, flags&4 != 0, flags&8 != 0
		v.Label = in.of(r.str())
		if n := r.num(); n < 0 || n > int64(len(r.b)) {
			r.err = ErrSnapshot
		} else if n > 0 {
			v.Countries = make([]string, n)
			for i := range v.Countries {
				v.Countries[i] = in.of(r.str())
			}
		}
		v.Sound, v.RemixKind, v.RemixOf = r.str(), in.of(r.str()), r.str()
		v.Allow = int(r.num())
		v.SoundName, v.AudioPrint, v.Avatar = r.str(), r.str(), in.of(r.str())
		if r.err == nil && keep(v.ID) {
			v.ID, v.Caption = ids.of(v.ID), text.of(v.Caption)
			v.Sound, v.RemixOf = text.of(v.Sound), text.of(v.RemixOf)
			v.SoundName, v.AudioPrint = text.of(v.SoundName), text.of(v.AudioPrint)
			kept = append(kept, v)
		}
	}
	if r.err == nil && r.pos != len(r.b) {
		r.err = ErrSnapshot
	}
	if r.err != nil {
		return m, r.err
	}
	x.loadVideos(kept, &in)
	return m, nil
}

func clonePeers(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[strings.Clone(k)] = v
	}
	return out
}

// loadVideos adds decoded videos, oldest first, like PutVideo does one by
// one. In a bulk load (the start's case) the catalogue is locked once;
// the map of all videos and the lists (by owner, tag and sound: one map
// lookup per video and list, the catalogue's maps written once per key)
// are filed side by side, each by its own goroutine (they write apart:
// each its maps, and of a video its owner or its hashtags); EndBulk puts
// the lists in order, and the watcher hears of the whole load then.
func (x *Index) loadVideos(vs []*PublicVideo, in *interner) {
	x.mu.Lock()
	// The load's copies of repeated strings become the catalogue's
	// (those it held already stay; the videos' copies are equal).
	for s := range in.m {
		if _, ok := x.strs.m[s]; !ok {
			if x.strs.m == nil {
				x.strs.m = map[string]string{}
			}
			x.strs.m[s] = s
		}
	}
	if !x.bulk {
		x.mu.Unlock()
		for _, v := range vs {
			x.PutVideo(v)
		}
		return
	}
	defer x.mu.Unlock()
	if len(x.videos) == 0 {
		x.videos = make(map[string]*PublicVideo, len(vs))
	}
	x.all = slices.Grow(x.all, len(vs))
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, v := range vs {
			n := len(x.videos)
			x.videos[v.ID] = v
			if len(x.videos) == n {
				x.stale = true // a second version of one video
				x.prints.put(v)
			} else if v.AudioPrint != "" {
				x.prints.put(v)
			}
		}
	})
	// The videos of one owner or tag share one copy of its string (see
	// grouper.add).
	wg.Go(func() {
		var owners grouper
		for _, v := range vs {
			v.OwnerID = owners.add(v.OwnerID, v)
		}
		owners.into(x.byOwner)
	})
	wg.Go(func() {
		var tags grouper
		for _, v := range vs {
			for i, t := range v.Hashtags {
				v.Hashtags[i] = tags.add(t, v)
			}
		}
		tags.into(x.byTag)
	})
	wg.Go(func() {
		var sounds grouper
		for _, v := range vs {
			if takesSound(v) {
				sounds.add(SoundOf(v), v)
			}
			x.appendAll(v)
		}
		sounds.into(x.bySound)
	})
	wg.Wait()
	x.dirty, x.gen = true, x.gen+1
}

// grouper gathers the lists of a load by key, with one map lookup per
// video; into then writes each list to the catalogue's map once.
type grouper struct {
	at    map[string]int
	keys  []string
	lists [][]*PublicVideo
}

// add files v under key and returns the grouper's copy of key (keys are
// the load's interned copies, small and apart from the snapshot's buffer,
// so a comparison in the map costs no cache miss into it).
func (g *grouper) add(key string, v *PublicVideo) string {
	i, ok := g.at[key]
	if !ok {
		if g.at == nil {
			g.at = map[string]int{}
		}
		i = len(g.lists)
		g.at[key] = i
		g.keys = append(g.keys, key)
		g.lists = append(g.lists, nil)
	}
	g.lists[i] = append(g.lists[i], v)
	return g.keys[i]
}

// into appends each gathered list to the one its key has in m.
func (g *grouper) into(m map[string][]*PublicVideo) {
	for i, k := range g.keys {
		if old, ok := m[k]; ok {
			m[k] = append(old, g.lists[i]...)
		} else {
			m[k] = g.lists[i]
		}
	}
}

// RemoveRegion drops every video and profile of region r (a peer that is
// re-read from the start, or detached).
func (x *Index) RemoveRegion(r string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	prefix := r + "_"
	for id, p := range x.profiles {
		if strings.HasPrefix(id, prefix) {
			delete(x.byHandle, p.Handle)
			delete(x.profiles, id)
		}
	}
	gone := func(v *PublicVideo) bool { return strings.HasPrefix(v.ID, prefix) }
	for id, v := range x.videos {
		if strings.HasPrefix(id, prefix) {
			delete(x.videos, id)
			x.tell(Change{Video: v, Removed: true}) // the search index follows
		}
	}
	x.prune(gone)
	x.hot = slices.DeleteFunc(slices.Clone(x.hot), func(s Scored) bool { return gone(s.V) })
	x.dirty, x.gen = true, x.gen+1
}

// VideoIDs lists the IDs of region r's videos.
func (x *Index) VideoIDs(r string) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []string
	for id := range x.videos {
		if strings.HasPrefix(id, r+"_") {
			out = append(out, id)
		}
	}
	return out
}
