package catalog

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// readVideos reads a snapshot's table of repeated strings and its videos
// (the layout is WriteSnapshot's) into the catalogue. Into an empty
// catalogue loaded in bulk (a start), under its lock, each video is
// decoded straight into its record and arenas, its owner, handle and
// hashtags already interned (the table's numbers mapped once to the
// catalogue's), and the map of IDs and the lists are built afterwards
// side by side (fileLoaded). Into any other, the snapshot is loaded so
// into a catalogue of its own first, whose videos are then put one by
// one as PutVideo puts them.
func (x *Index) readVideos(r *snapReader, keep func(string) bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.bulk || x.ids.len() > 0 || len(x.all)+len(x.byOwner)+len(x.byTag)+len(x.bySound) > 0 {
		y := NewIndex()
		y.bulk = true
		y.readVideos(r, keep)
		for _, i := range y.all {
			if y.at(i).flags&fLive != 0 {
				x.put(y.video(i))
			}
		}
		return
	}
	n := r.count()
	if x.strs.at == nil {
		x.strs.s, x.strs.at = make([]string, 1, n+1), make(map[string]int32, n)
	}
	remap := make([]int32, 1, n+1) // the table's numbers → the catalogue's
	for ; n > 0 && r.err == nil; n-- {
		r.record()
		remap = append(remap, x.strs.of(r.str()))
	}
	count := r.count()
	defer x.fileLoaded()
	x.all = slices.Grow(x.all, int(count))
	if len(x.chunks) == 0 && count > 0 {
		x.chunks = append(x.chunks, make([]rec, 0, min(count, 1<<chunkBits)))
	}
	ver := versions.Add(uint64(count)) - uint64(count)
	ref := func() int32 {
		if j := r.num(); j >= 0 && j < int64(len(remap)) {
			return remap[j]
		}
		r.err = ErrSnapshot
		return 0
	}
	var nums [10]int64
	var refs []int32
	for k := int64(0); k < count && r.err == nil; k++ {
		r.record()
		id, caption, print := r.str(), r.str(), r.str()
		for j := range nums {
			nums[j] = r.num()
		}
		flags, nt := uint8(nums[7]), nums[9]
		var sound, remixOf, soundName string
		nr := int64(0) // refs after the avatar: label, remix kind, countries
		if flags&fRare != 0 {
			sound, remixOf, soundName, nr = r.str(), r.str(), r.str(), r.count()+2
		}
		if nt < 0 || nt > math.MaxUint16 || nt > r.left+int64(r.end-r.pos) {
			r.err = ErrSnapshot
		}
		refs = refs[:0]
		for j := int64(0); j < 3+nt+nr && r.err == nil; j++ {
			refs = append(refs, ref())
		}
		if r.err != nil || !keep(id) {
			continue
		}
		owner, handle, tags, avatar, rare := refs[0], refs[1], refs[2:2+nt], refs[2+nt], refs[3+nt:]
		i := x.newSlot()
		*x.at(i) = rec{dur: nums[0], width: int32(nums[1]), height: int32(nums[2]), likes: nums[3], comments: nums[4],
			views: nums[5], created: nums[6], ver: ver + uint64(k) + 1, allow: int32(nums[8]),
			flags: flags&(fReduced|fAgeRestricted|fSoundBlocked|fPartial|fRare) | fLive,
			id:    x.text.put(id), caption: x.text.put(caption), print: x.text.put(print),
			owner: owner, handle: handle, avatar: avatar, tags: uint32(len(x.tagIDs)), ntags: uint16(nt)}
		x.tagIDs = append(x.tagIDs, tags...)
		if flags&fRare != 0 {
			rf := &rareFields{label: x.strs.str(rare[0]), remixKind: x.strs.str(rare[1]),
				sound: strings.Clone(sound), remixOf: strings.Clone(remixOf), soundName: strings.Clone(soundName)}
			for _, c := range rare[2:] {
				rf.countries = append(rf.countries, x.strs.str(c))
			}
			x.rare[i] = rf
		}
		x.all = append(x.all, i)
	}
}

// fileLoaded files the videos a load decoded into an empty catalogue
// (x.all, in the snapshot's order, oldest first): the map of IDs, the
// lists by owner, by hashtag and by sound, and the audio prints, each
// kind in a goroutine of its own (they only read the records).
func (x *Index) fileLoaded() {
	var wg sync.WaitGroup
	var dead []int32
	wg.Go(func() { dead = x.ids.fill(x.all) })
	wg.Go(func() { x.byOwner = x.group(x.all, func(r *rec) []int32 { return unsafe.Slice(&r.owner, 1) }) })
	wg.Go(func() {
		x.byTag = x.group(x.all, func(r *rec) []int32 { return x.tagIDs[r.tags : r.tags+uint32(r.ntags)] })
	})
	wg.Go(func() {
		for k, i := range x.all {
			if k > 0 && x.key(x.all[k-1]).newer(x.key(i)) {
				x.inOrder = false
			}
			if x.takes(i) {
				s := x.soundOf(i)
				x.bySound[s] = append(x.bySound[s], i)
			} else if p := x.at(i).print; p.n != 0 {
				x.prints.put(&PublicVideo{ID: x.idOf(i), AudioPrint: x.text.get(p)})
			}
		}
	})
	wg.Wait()
	for _, i := range dead { // an ID the snapshot holds twice: the later stays
		x.at(i).flags &^= fLive
		x.dead, x.stale = append(x.dead, i), true
	}
}

// group lists slots by the interned keys of each record (its owner, its
// hashtags), oldest first: counted first, then every list cut from one
// array at its size (no map look-up per video, no list grown twice).
func (x *store) group(slots []int32, keys func(*rec) []int32) map[int32][]int32 {
	end := make([]int, len(x.strs.s)+1)
	for _, i := range slots {
		for _, k := range keys(x.at(i)) {
			end[k+1]++
		}
	}
	lists := 0
	for k := 1; k < len(end); k++ {
		lists += min(end[k], 1)
		end[k] += end[k-1]
	}
	all := make([]int32, end[len(end)-1])
	for _, i := range slots {
		for _, k := range keys(x.at(i)) {
			all[end[k]] = i
			end[k]++
		}
	}
	m := make(map[int32][]int32, lists)
	for k, start := 0, 0; k < len(end)-1; k++ {
		if end[k] > start {
			m[int32(k)] = all[start:end[k]:end[k]]
		}
		start = end[k]
	}
	return m
}
