package catalog

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash"
	"hash/crc32"
	"io"
	"sort"
	"strings"
	"unsafe"
)

// A snapshot is the whole catalogue in a compact binary form, written when
// a region stops and read when it starts, so a start does not replay the
// public log. It holds public data only. Layout: magic, the positions it
// reflects (SnapshotMeta), the profiles, the table of the strings the
// videos repeat (owners, handles, avatars, hashtags, labels, countries,
// remix kinds), the videos oldest first, each naming those by their
// number in the table, and a CRC-32 of everything before it. A snapshot
// of another version is refused (ErrSnapshot) before its meta is read:
// a start then rebuilds the catalogue from the log.
const snapshotMagic = "kurzcat\x05"

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
	// The repeated strings the videos use, as a table they name by
	// number (1 on; 0 is ""), so a load interns each once.
	at := make([]int32, len(x.strs.s))
	var table []string
	ref := func(j int32) int64 {
		if j != 0 && at[j] == 0 {
			table = append(table, x.strs.s[j])
			at[j] = int32(len(table))
		}
		return int64(at[j])
	}
	refs := func(i int32, f func(int64)) {
		r := x.at(i)
		f(ref(r.owner))
		f(ref(r.handle))
		for _, t := range x.tagIDs[r.tags : r.tags+uint32(r.ntags)] {
			f(ref(t))
		}
		f(ref(r.avatar))
		if r.flags&fRare != 0 {
			rf := x.rare[i]
			for _, s := range append([]string{rf.label, rf.remixKind}, rf.countries...) {
				j, _ := x.strs.find(s)
				f(ref(j))
			}
		}
	}
	for _, i := range x.all {
		refs(i, func(int64) {})
	}
	num(int64(len(table)))
	for _, s := range table {
		str(s)
	}
	num(int64(len(x.all)))
	for _, i := range x.all {
		r := x.at(i)
		str(x.text.get(r.id))
		str(x.text.get(r.caption))
		str(x.text.get(r.print))
		for _, n := range []int64{r.dur, int64(r.width), int64(r.height), r.likes, r.comments, r.views, r.created,
			int64(r.flags & (fReduced | fAgeRestricted | fSoundBlocked | fPartial | fRare)), int64(r.allow), int64(r.ntags)} {
			num(n)
		}
		if r.flags&fRare != 0 {
			rf := x.rare[i]
			str(rf.sound)
			str(rf.remixOf)
			str(rf.soundName)
			num(int64(len(rf.countries)))
		}
		refs(i, num)
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

// snapReader decodes a snapshot as it is read, through a window of the
// file: nothing of the file is kept, and a start needs no copy of the
// whole file in memory beside the catalogue it becomes. The strings it
// returns are views of the window, valid until the next record begins
// (record): a decoder copies what it keeps before that.
type snapReader struct {
	src  io.Reader // the body (all but the checksum), summed as read
	crc  hash.Hash32
	left int64 // body bytes not yet read into the window
	buf  []byte
	pos  int // next byte of the window
	end  int // end of the window's bytes
	err  error
}

const snapWindow = 1 << 20

func newSnapReader(src io.Reader, body int64) *snapReader {
	r := &snapReader{crc: crc32.NewIEEE(), left: body, buf: make([]byte, snapWindow)}
	r.src = io.TeeReader(io.LimitReader(src, body), r.crc)
	return r
}

// record starts a record: no string of the ones before is used any more,
// so the window is refilled in place.
func (r *snapReader) record() {
	if r.end-r.pos < snapWindow/4 && r.left > 0 {
		n := copy(r.buf, r.buf[r.pos:r.end])
		r.pos, r.end = 0, n
		r.ensure(snapWindow)
	}
}

// ensure reads until the window holds n bytes (fewer at the end of the
// body). Where the window has no room, the record goes on in a new one
// (the old stays intact for the views of this record).
func (r *snapReader) ensure(n int) {
	if r.end-r.pos >= n || r.left == 0 || r.err != nil {
		return
	}
	if len(r.buf)-r.pos < n {
		nb := make([]byte, max(snapWindow, n))
		r.end = copy(nb, r.buf[r.pos:r.end])
		r.buf, r.pos = nb, 0
	}
	for r.end-r.pos < n && r.left > 0 {
		k, err := r.src.Read(r.buf[r.end:min(len(r.buf), r.end+int(min(r.left, int64(len(r.buf)))))])
		r.end += k
		r.left -= int64(k)
		if err != nil && r.left > 0 {
			r.err = ErrSnapshot
			return
		}
	}
}

func (r *snapReader) num() int64 {
	if r.err != nil {
		return 0
	}
	r.ensure(binary.MaxVarintLen64)
	n, k := binary.Varint(r.buf[r.pos:r.end])
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
	r.ensure(binary.MaxVarintLen64)
	n, k := binary.Uvarint(r.buf[r.pos:r.end])
	if k <= 0 || n > uint64(r.left)+uint64(r.end-r.pos-k) {
		r.err = ErrSnapshot
		return ""
	}
	r.pos += k
	r.ensure(int(n))
	if r.err != nil || r.end-r.pos < int(n) {
		r.err = ErrSnapshot
		return ""
	}
	b := r.buf[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// done reports whether the body was read exactly and its sum is sum.
func (r *snapReader) done(sum uint32) bool {
	return r.err == nil && r.left == 0 && r.pos == r.end && r.crc.Sum32() == sum
}

// count reads a count of records, no more than the bytes left.
func (r *snapReader) count() int64 {
	n := r.num()
	if n < 0 || n > r.left+int64(r.end-r.pos) {
		r.err = ErrSnapshot
		return 0
	}
	return n
}

func (r *snapReader) meta() SnapshotMeta {
	if r.ensure(len(snapshotMagic)); r.end-r.pos < len(snapshotMagic) || string(r.buf[:len(snapshotMagic)]) != snapshotMagic {
		r.err = ErrSnapshot
		return SnapshotMeta{}
	}
	r.pos += len(snapshotMagic)
	m := SnapshotMeta{Region: strings.Clone(r.str()), OwnSeq: r.num(), Peers: map[string]int64{}}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		p := strings.Clone(r.str())
		m.Peers[p] = r.num()
	}
	return m
}

// ReadSnapshotMeta reads what a snapshot reflects, checking its sum.
func ReadSnapshotMeta(b []byte) (SnapshotMeta, error) {
	if len(b) < len(snapshotMagic)+4 || crc32.ChecksumIEEE(b[:len(b)-4]) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return SnapshotMeta{}, ErrSnapshot
	}
	r := newSnapReader(bytes.NewReader(b), int64(len(b)-4))
	m := r.meta()
	return m, r.err
}

// LoadSnapshot puts a snapshot's profiles and videos whose IDs keep
// accepts into the catalogue (in bulk: call it between BeginBulk and
// EndBulk). On error the catalogue may hold part of it. Nothing of b is
// kept (see ReadSnapshot).
func (x *Index) LoadSnapshot(b []byte, keep func(id string) bool) (SnapshotMeta, error) {
	m, _, err := x.ReadSnapshot(bytes.NewReader(b), int64(len(b)), func(SnapshotMeta) func(string) bool { return keep })
	return m, err
}

// ReadSnapshot reads a snapshot of size bytes from src as a stream: its
// meta first, which accept looks at to return the filter of the video
// and profile IDs to load (nil: load nothing, loaded is false), then the
// profiles and videos into the catalogue (in bulk: between BeginBulk and
// EndBulk). The sum is checked at the end: on error the catalogue may
// hold part of it. Nothing of src is kept: a video's own strings are
// copied into arenas, the repeated ones interned (store.go, load.go).
func (x *Index) ReadSnapshot(src io.Reader, size int64, accept func(SnapshotMeta) func(id string) bool) (m SnapshotMeta, loaded bool, err error) {
	if size < int64(len(snapshotMagic))+4 {
		return m, false, ErrSnapshot
	}
	r := newSnapReader(src, size-4)
	if m = r.meta(); r.err != nil {
		return m, false, r.err
	}
	keep := accept(m)
	if keep == nil {
		return m, false, nil
	}
	cp := strings.Clone
	for n := r.count(); n > 0 && r.err == nil; n-- {
		r.record()
		p := &PublicProfile{ID: cp(r.str()), Handle: cp(r.str()), DisplayName: cp(r.str()), Bio: cp(r.str()), Private: r.num() == 1,
			Followers: r.num(), Following: r.num(), Avatar: cp(r.str())}
		if r.err == nil && keep(p.ID) {
			x.PutProfile(p)
		}
	}
	x.readVideos(r, keep)
	if r.err == nil {
		var sum [4]byte
		if _, err := io.ReadFull(src, sum[:]); err != nil || !r.done(binary.BigEndian.Uint32(sum[:])) {
			r.err = ErrSnapshot
		}
	}
	return m, true, r.err
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
	var gone []int32
	for id, i := range x.ids.all() {
		if strings.HasPrefix(id, prefix) {
			v := x.video(i)
			x.ids.del(id)
			x.at(i).flags &^= fLive
			gone = append(gone, i)
			x.tell(Change{Video: v, Removed: true}) // the search index follows
		}
	}
	if len(gone) > 0 {
		if x.bulk {
			x.dead, x.stale = append(x.dead, gone...), true
		} else {
			x.prune(func(i int32) bool { return x.at(i).flags&fLive == 0 })
			x.dropSlots(gone)
		}
	}
	x.dirty, x.gen = true, x.gen+1
}

// VideoIDs lists the IDs of region r's videos.
func (x *Index) VideoIDs(r string) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []string
	for id := range x.ids.all() {
		if strings.HasPrefix(id, r+"_") {
			out = append(out, id)
		}
	}
	return out
}
