package catalog

import (
	"slices"
	"strings"
	"sync"

	"kurz"
)

// prints is the catalogue's index of sounds by audio print, so that an
// upload's audio is matched to the sound it is a re-upload of without
// comparing it with every sound: each print is filed under a sample of
// its values (about one in four, chosen by the value itself, so that two
// prints of the same audio sample the same values), and only sounds that
// share sampled values with an upload are compared with it in full
// (kurz.SameSound). It follows the catalogue through Index.tell.
type prints struct {
	mu sync.RWMutex
	of map[string]kurz.AudioPrint // sound (video) ID → print
	by map[uint32][]string        // sampled value → sound IDs
}

// sampled reports whether a print value is filed (a multiplicative hash's
// top two bits are zero).
func sampled(v uint32) bool { return (v*2654435761)>>30 == 0 }

// maxPosting: a value shared by more sounds than this says nothing about
// which one an upload is (a near-silent stretch, a click) and is not
// looked up.
const maxPosting = 2000

// maxCompared bounds the sounds compared in full with one upload.
const maxCompared = 16

func (p *prints) put(v *PublicVideo) {
	var print kurz.AudioPrint
	if v.AudioPrint != "" && SoundOf(v) == v.ID {
		print = kurz.ParseAudioPrint(v.AudioPrint)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.of[v.ID]; ok {
		if slices.Equal(old, print) {
			return
		}
		p.dropLocked(v.ID)
	}
	if len(print) == 0 {
		return
	}
	if p.of == nil {
		p.of, p.by = map[string]kurz.AudioPrint{}, map[uint32][]string{}
	}
	p.of[v.ID] = print
	seen := map[uint32]bool{}
	for _, x := range print {
		if sampled(x) && !seen[x] {
			seen[x] = true
			p.by[x] = append(p.by[x], v.ID)
		}
	}
}

func (p *prints) drop(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropLocked(id)
}

func (p *prints) dropLocked(id string) {
	print, ok := p.of[id]
	if !ok {
		return
	}
	delete(p.of, id)
	for _, x := range print {
		if !sampled(x) {
			continue
		}
		l := slices.DeleteFunc(p.by[x], func(s string) bool { return s == id })
		if len(l) == 0 {
			delete(p.by, x)
		} else {
			p.by[x] = l
		}
	}
}

// MatchSound returns the sound of the catalogue whose audio print is the
// same audio as print (the closest, if several), other than skip.
func (x *Index) MatchSound(print kurz.AudioPrint, skip string) (string, bool) {
	p := &x.prints
	p.mu.RLock()
	defer p.mu.RUnlock()
	votes := map[string]int{}
	seen := map[uint32]bool{}
	for _, v := range print {
		if !sampled(v) || seen[v] {
			continue
		}
		seen[v] = true
		if l := p.by[v]; len(l) <= maxPosting {
			for _, id := range l {
				votes[id]++
			}
		}
	}
	delete(votes, skip)
	cands := make([]string, 0, len(votes))
	for id := range votes {
		cands = append(cands, id)
	}
	slices.SortFunc(cands, func(a, b string) int {
		if votes[a] != votes[b] {
			return votes[b] - votes[a]
		}
		return strings.Compare(a, b)
	})
	best, bestErr := "", 1.0
	for _, id := range cands[:min(len(cands), maxCompared)] {
		if e := kurz.BitErrors(print, p.of[id]); e <= kurz.SoundMaxBitErrors && e < bestErr {
			best, bestErr = id, e
		}
	}
	return best, best != ""
}
