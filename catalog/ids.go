package catalog

import (
	"hash/maphash"
	"iter"
)

// ids finds a video's slot by its ID. A map keyed by the IDs themselves
// would hold a million string headers (16 bytes and a pointer each for
// the collector); this one is keyed by a 64-bit hash of the ID, the slot
// saying which ID it holds, and the rare ID whose hash another already
// has is kept apart by its string.
type ids struct {
	s     *store
	h     map[uint64]int32
	clash map[string]int32
}

var idSeed = maphash.MakeSeed()

// idHash is the hash the index keys by (a test makes two IDs clash).
var idHash = func(id string) uint64 { return maphash.String(idSeed, id) }

func newIDs(s *store) ids { return ids{s: s, h: map[uint64]int32{}, clash: map[string]int32{}} }

func (m *ids) get(id string) (int32, bool) {
	i, ok, _ := m.find(id)
	return i, ok
}

// find is get that also says whether id's hash names another video
// (taken), for add.
func (m *ids) find(id string) (i int32, ok, taken bool) {
	i, taken = m.h[idHash(id)]
	if taken && m.s.idOf(i) == id {
		return i, true, false
	}
	i, ok = m.clash[id]
	return i, ok, taken
}

// add files slot i, which holds id, not filed: taken is what find said
// of it, nothing having changed since.
func (m *ids) add(id string, i int32, taken bool) {
	if taken {
		m.clash[id] = i
		return
	}
	m.h[idHash(id)] = i
}

// set files slot i, which holds id (not yet filed).
func (m *ids) set(id string, i int32) {
	k := idHash(id)
	if j, ok := m.h[k]; ok && m.s.idOf(j) != id {
		m.clash[id] = i
		return
	}
	m.h[k] = i
}

func (m *ids) del(id string) {
	k := idHash(id)
	if j, ok := m.h[k]; ok && m.s.idOf(j) == id {
		delete(m.h, k)
		return
	}
	delete(m.clash, id)
}

func (m *ids) len() int { return len(m.h) + len(m.clash) }

// fill files the slots of an empty index's catalogue, in order, and
// returns the slots a later one with the same ID replaced.
func (m *ids) fill(slots []int32) (replaced []int32) {
	m.h = make(map[uint64]int32, len(slots))
	for _, i := range slots {
		m.h[idHash(m.s.idOf(i))] = i
	}
	if len(m.h) == len(slots) {
		return nil
	}
	// A hash came twice: two IDs clash, or one ID is there twice.
	clear(m.h)
	for _, i := range slots {
		id := m.s.idOf(i)
		if j, ok, taken := m.find(id); ok {
			replaced = append(replaced, j)
			m.set(id, i)
		} else {
			m.add(id, i, taken)
		}
	}
	return replaced
}

// all yields every filed ID and its slot.
func (m *ids) all() iter.Seq2[string, int32] {
	return func(yield func(string, int32) bool) {
		for _, i := range m.h {
			if !yield(m.s.idOf(i), i) {
				return
			}
		}
		for id, i := range m.clash {
			if !yield(id, i) {
				return
			}
		}
	}
}
