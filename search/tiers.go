package search

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
)

// How the index is kept. An in-memory bleve index never merges its
// segments (each written batch is one), and searches slow down with every
// segment; so the index is two: a base built in a few large batches from
// the whole catalogue, and a delta holding the current version of what
// changed since, rebuilt as one batch when it has too many segments.
// When too much has changed the base is rebuilt.
const (
	firstBatch      = 1000  // documents in the first batch of a base build
	maxDeltaBatches = 16    // segments of the delta before it is rebuilt
	minRebuild      = 5_000 // changes tolerated in the delta, at least
	rebuildShare    = 20    // ... or 1/rebuildShare of the base
)

// tiers is one kind's index: base and delta.
type tiers struct {
	m    mapping.IndexMapping
	doc  func(id string) (any, bool) // the current document, if public
	all  func() []string             // every ID to index
	rank func(id string) float64     // popularity: the base is built in its order

	// Only the flushing goroutine writes; mu guards the swap of indexes
	// and the changed set against searches.
	mu           sync.RWMutex
	base, delta  bleve.Index
	changed      map[string]bool // IDs whose base document is outdated; the delta has the current one
	baseSize     int
	deltaBatches int
}

func newTiers(m mapping.IndexMapping, doc func(string) (any, bool), all func() []string, rank func(string) float64) *tiers {
	return &tiers{m: m, doc: doc, all: all, rank: rank, changed: map[string]bool{}}
}

func (t *tiers) newIndex(name string) bleve.Index {
	// In memory (no path): the index holds only public data and is
	// rebuilt from the catalogue at every start.
	ix, err := bleve.NewUsing("", t.m, scorch.Name, scorch.Name, nil)
	if err != nil {
		panic("search: in-memory index: " + err.Error()) // only a bad mapping fails, and the mappings are fixed
	}
	ix.SetName(name)
	return ix
}

// built reports whether the base has been built (it is, from the first
// flush that has anything of this kind on).
func (t *tiers) built() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.base != nil
}

// apply writes the current documents of ids (deleting those that went).
func (t *tiers) apply(ctx context.Context, ids map[string]bool) {
	t.mu.RLock()
	building := t.base == nil || len(t.changed)+len(ids) > max(minRebuild, t.baseSize/rebuildShare)
	t.mu.RUnlock()
	if building {
		t.rebuildBase(ctx)
		return
	}
	// Marked first: for a moment a changed document may be found in
	// neither tier, but never in its old form.
	t.mu.Lock()
	for id := range ids {
		t.changed[id] = true
	}
	delta := t.delta
	t.deltaBatches++
	rebuild := t.deltaBatches > maxDeltaBatches
	t.mu.Unlock()
	if rebuild {
		t.rebuildDelta()
		return
	}
	b := delta.NewBatch()
	for id := range ids {
		if d, ok := t.doc(id); ok {
			b.Index(id, d)
		} else {
			b.Delete(id)
		}
	}
	delta.Batch(b)
}

// rebuildBase indexes everything anew and swaps it in with an empty
// delta. Changes made meanwhile are noted and come with the next flush.
// Documents go in most popular first, in batches growing fourfold (each
// batch is a segment, and segments are searched in order; see scanLimit).
// When ctx ends, the build is dropped (see write).
func (t *tiers) rebuildBase(ctx context.Context) {
	type ranked struct {
		id   string
		rank float64
	}
	all := t.all()
	ids := make([]ranked, len(all))
	for i, id := range all {
		ids[i] = ranked{id, t.rank(id)}
	}
	slices.SortFunc(ids, func(a, b ranked) int { return cmp.Compare(b.rank, a.rank) })
	base := t.newIndex("base")
	b := base.NewBatch()
	n, size := 0, firstBatch
	for i, r := range ids {
		if i%1024 == 0 && ctx.Err() != nil {
			base.Close()
			return
		}
		if d, ok := t.doc(r.id); ok {
			b.Index(r.id, d)
			n++
		}
		if b.Size() >= size {
			if !write(ctx, base, b) {
				return
			}
			b = base.NewBatch()
			size *= 4
		}
	}
	if !write(ctx, base, b) {
		return
	}
	t.swap(base, t.newIndex("delta"), map[string]bool{}, n)
}

// write writes batch b to ix and reports whether it did before ctx ended.
// The last batches of a base are large (a minute of work at a million
// videos, not interruptible): a stop does not wait for one; ix is closed
// when it is written.
func write(ctx context.Context, ix bleve.Index, b *bleve.Batch) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		ix.Batch(b)
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		go func() {
			<-done
			ix.Close()
		}()
		return false
	}
}

// rebuildDelta writes the delta anew as one segment.
func (t *tiers) rebuildDelta() {
	t.mu.RLock()
	ids := make([]string, 0, len(t.changed))
	for id := range t.changed {
		ids = append(ids, id)
	}
	t.mu.RUnlock()
	delta := t.newIndex("delta")
	b := delta.NewBatch()
	for _, id := range ids {
		if d, ok := t.doc(id); ok {
			b.Index(id, d)
		}
	}
	delta.Batch(b)
	t.mu.Lock()
	old := t.delta
	t.delta, t.deltaBatches = delta, 0
	t.mu.Unlock()
	old.Close()
}

func (t *tiers) swap(base, delta bleve.Index, changed map[string]bool, n int) {
	t.mu.Lock()
	oldBase, oldDelta := t.base, t.delta
	t.base, t.delta, t.changed, t.baseSize, t.deltaBatches = base, delta, changed, n, 0
	t.mu.Unlock()
	if oldBase != nil {
		oldBase.Close()
		oldDelta.Close()
	}
}

func (t *tiers) close() {
	t.swap(nil, nil, map[string]bool{}, 0)
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
// (outdated base documents left out), and whether more follow. It holds
// the read lock throughout, so no index it reads is closed under it.
func (t *tiers) search(ctx context.Context, q plan, from, n int) (ids []string, more bool, err error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.base == nil {
		return nil, false, nil
	}
	var cands []candidate
	if n, err := t.delta.DocCount(); err == nil && n > 0 {
		if err := t.collect(ctx, t.delta, q, scanDelta, false, &cands); err != nil {
			return nil, false, err
		}
	}
	if err := t.collect(ctx, t.base, q, scanLimit-len(cands), true, &cands); err != nil {
		return nil, false, err
	}
	slices.SortStableFunc(cands, func(a, b candidate) int { return cmp.Compare(b.score, a.score) })
	if from >= len(cands) {
		return nil, false, nil
	}
	for _, c := range cands[from:min(len(cands), from+n)] {
		ids = append(ids, c.id)
	}
	return ids, len(cands) > from+n, nil
}

// collect appends up to limit matches of q in ix, in index order.
func (t *tiers) collect(ctx context.Context, ix bleve.Index, p plan, limit int, masked bool, out *[]candidate) error {
	adv, err := ix.Advanced()
	if err != nil {
		return err
	}
	r, err := adv.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	q, err := p.query(r)
	if err != nil {
		return err
	}
	s, err := q.Searcher(ctx, r, t.m, search.SearcherOptions{})
	if err != nil {
		return err
	}
	defer s.Close()
	sc := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0), IndexReader: r}
	for got := 0; got < limit; {
		dm, err := s.Next(sc)
		if err != nil || dm == nil {
			return err
		}
		id, err := r.ExternalID(dm.IndexInternalID)
		score := dm.Score
		sc.DocumentMatchPool.Put(dm)
		if err != nil {
			return err
		}
		if masked && t.changed[id] {
			continue
		}
		*out = append(*out, candidate{id, score})
		got++
	}
	return nil
}
