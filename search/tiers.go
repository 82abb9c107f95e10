package search

import (
	"cmp"
	"context"
	"slices"
	"sync"
)

// How the index is kept. A segment never changes once built, so the index
// is two: a base built from the whole catalogue, most popular first, and
// a delta holding the current version of what changed since, built anew
// (small) at every flush that has changes. When too much has changed the
// base is rebuilt.
const (
	minRebuild   = 2_000 // changes tolerated in the delta, at least
	rebuildShare = 100   // ... or 1/rebuildShare of the base
)

// tiers is one kind's index: base and delta.
type tiers struct {
	nfields int
	doc     func(id string) ([][]string, bool) // the current document's terms by field, if public
	all     func() []string                    // every ID to index
	rank    func(id string) float64            // popularity: segments are built in its order

	// Only the flushing goroutine writes; mu guards the swap of segments
	// and the changed set against searches.
	mu          sync.RWMutex
	base, delta *segment
	changed     map[string]bool // IDs whose base document is outdated; the delta has the current one
	late        *lateBuild      // a base being rebuilt in the background, if any
}

// lateBuild is a base rebuilt in the background: the changes noted since
// it began stay masked in it.
type lateBuild struct {
	since map[string]bool
}

func newTiers(nfields int, doc func(string) ([][]string, bool), all func() []string, rank func(string) float64) *tiers {
	return &tiers{nfields: nfields, doc: doc, all: all, rank: rank, changed: map[string]bool{}}
}

// built reports whether the base has been built (it is, from the first
// flush that has anything of this kind on).
func (t *tiers) built() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.base != nil
}

// byRank orders ids most popular first.
func (t *tiers) byRank(ids []string) {
	type ranked struct {
		id   string
		rank float64
	}
	rs := make([]ranked, len(ids))
	for i, id := range ids {
		rs[i] = ranked{id, t.rank(id)}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int { return cmp.Compare(b.rank, a.rank) })
	for i, r := range rs {
		ids[i] = r.id
	}
}

// apply writes the current documents of ids (those that went are left
// out of the delta and masked in the base). When too much has changed,
// the base is rebuilt in the background (see rebuildLate) while the delta
// keeps following the catalogue.
func (t *tiers) apply(ctx context.Context, ids map[string]bool) {
	t.mu.Lock()
	if t.base == nil {
		t.mu.Unlock()
		t.rebuildBase(ctx)
		return
	}
	// Marked first: for a moment a changed document may be found in
	// neither tier, but never in its old form.
	for id := range ids {
		t.changed[id] = true
		if t.late != nil {
			t.late.since[id] = true
		}
	}
	var late *lateBuild
	if t.late == nil && len(t.changed) > max(minRebuild, len(t.base.ids)/rebuildShare) {
		late = &lateBuild{since: map[string]bool{}}
		t.late = late
	}
	changed := make([]string, 0, len(t.changed))
	for id := range t.changed {
		changed = append(changed, id)
	}
	t.mu.Unlock()
	if late != nil {
		go t.rebuildLate(ctx, late)
	}
	t.byRank(changed)
	delta, err := buildSegment(ctx, changed, t.nfields, t.doc)
	if err != nil {
		return // stopped: the region is closing
	}
	t.mu.Lock()
	t.delta = delta
	t.mu.Unlock()
}

// rebuildLate builds the base anew while changes go on: those noted
// since it began stay masked in the new base and current in the delta
// (which may hold more, already current in the base: a search takes a
// document once). A base swapped in meanwhile (a load, a close) wins.
func (t *tiers) rebuildLate(ctx context.Context, late *lateBuild) {
	ids := t.all()
	t.byRank(ids)
	base, err := buildSegment(ctx, ids, t.nfields, t.doc)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.late != late {
		return
	}
	if err == nil {
		t.base, t.changed = base, late.since
	}
	t.late = nil
}

// rebuildBase indexes everything anew, most popular first, and swaps it
// in with an empty delta. Changes made meanwhile are noted and come with
// the next flush. When ctx ends, the build is dropped.
func (t *tiers) rebuildBase(ctx context.Context) {
	ids := t.all()
	t.byRank(ids)
	base, err := buildSegment(ctx, ids, t.nfields, t.doc)
	if err != nil {
		return
	}
	t.swap(base)
}

func (t *tiers) swap(base *segment) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.base, t.delta, t.changed, t.late = base, nil, map[string]bool{}, nil
}

// Scan limits: a search looks at no more than this many matching
// documents, the delta's first. The base is built most popular first, so
// for a word in half the catalogue the best known clips are the ones
// looked at, and a search costs the same at a million videos as at ten
// thousand.
const (
	scanLimit = 400
	scanDelta = 100
)

type candidate struct {
	id    string
	score float64
}

// search returns the IDs of hits from..from+n of both tiers, best first
// (outdated base documents left out), and whether more follow.
func (t *tiers) search(p plan, from, n int) (ids []string, more bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.base == nil {
		return nil, false
	}
	var cands []candidate
	typos := make([]typo, len(p.words))
	defer release(typos)
	if t.delta != nil {
		t.delta.find(t.delta.words(p, typos), scanDelta, nil, &cands)
	}
	inDelta := len(cands)
	t.base.find(t.base.words(p, typos), scanLimit-len(cands), func(id string) bool {
		return t.changed[id] || slices.ContainsFunc(cands[:inDelta], func(c candidate) bool { return c.id == id })
	}, &cands)
	slices.SortStableFunc(cands, func(a, b candidate) int { return cmp.Compare(b.score, a.score) })
	if from >= len(cands) {
		return nil, false
	}
	for _, c := range cands[from:min(len(cands), from+n)] {
		ids = append(ids, c.id)
	}
	return ids, len(cands) > from+n
}
