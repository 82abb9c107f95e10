package catalog

import (
	"slices"
	"strings"
	"unsafe"
)

// Memory of a large catalogue (a million videos and more): each video is
// one *PublicVideo, but the strings that repeat from video to video (owner
// IDs, handles, avatars, hashtags, labels, countries, remix kinds) are
// held once, by an interner, not once per video; the hashtags of videos
// put one by one share slabs; and the strings of a snapshot that are a
// video's own (ID, caption, sound fields) are copied into arenas, so the
// file it was read from is not kept. BENCHMARKS.md (Memory) has the
// numbers.

// interner holds one copy of each repeated string. It grows with the
// distinct owners and hashtags the catalogue has seen; it is used under
// the catalogue's write lock (or by one loading goroutine).
type interner struct {
	m map[string]string
}

// of returns the interner's copy of s.
func (n *interner) of(s string) string {
	if s == "" {
		return ""
	}
	if c, ok := n.m[s]; ok {
		return c
	}
	if n.m == nil {
		n.m = map[string]string{}
	}
	c := strings.Clone(s) // s may point into a larger buffer
	n.m[c] = c
	return c
}

// strSlab hands out small []string (a video's hashtags or countries) from
// shared blocks, instead of one allocation each. A block is never written
// again where it was handed out.
type strSlab struct{ free []string }

func (s *strSlab) of(in *interner, l []string) []string {
	if len(l) == 0 {
		return l
	}
	if cap(s.free)-len(s.free) < len(l) {
		s.free = make([]string, 0, max(1024, len(l)))
	}
	first := len(s.free)
	for _, t := range l {
		s.free = append(s.free, in.of(t))
	}
	return s.free[first:len(s.free):len(s.free)]
}

// arena copies strings into shared blocks of bytes (a snapshot's IDs and
// captions), so that neither the file nor one allocation per string is
// kept. A block is never written again where it was handed out.
type arena struct{ free []byte }

const arenaBlock = 1 << 20

func (a *arena) of(s string) string {
	if s == "" {
		return ""
	}
	if cap(a.free)-len(a.free) < len(s) {
		if len(s) > arenaBlock/8 {
			return strings.Clone(s)
		}
		a.free = make([]byte, 0, arenaBlock)
	}
	first := len(a.free)
	a.free = append(a.free, s...)
	b := a.free[first:len(a.free)]
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// compact makes v share the catalogue's copies of its repeated strings,
// and, of a new version of a video held (old), its ID and caption. v is
// the caller's, handed over to the catalogue: only equal strings are
// swapped in, and its lists are replaced, never written.
func (x *Index) compact(v, old *PublicVideo) {
	in := &x.strs
	v.OwnerID, v.Handle, v.Avatar = in.of(v.OwnerID), in.of(v.Handle), in.of(v.Avatar)
	v.Label, v.RemixKind = in.of(v.Label), in.of(v.RemixKind)
	if !interned(in, v.Hashtags) {
		v.Hashtags = x.lists.of(in, v.Hashtags)
	}
	if !interned(in, v.Countries) {
		v.Countries = x.lists.of(in, v.Countries)
	}
	if old != nil {
		if v.ID == old.ID {
			v.ID = old.ID
		}
		if v.Caption == old.Caption {
			v.Caption = old.Caption
		}
		if v.AudioPrint == old.AudioPrint {
			v.AudioPrint = old.AudioPrint
		}
	}
}

// interned reports whether every string of l is already the interner's
// copy (a list put again unchanged keeps its slab).
func interned(in *interner, l []string) bool {
	return !slices.ContainsFunc(l, func(s string) bool {
		c, ok := in.m[s]
		return !ok || unsafe.StringData(c) != unsafe.StringData(s)
	})
}
