// Package search is a region's search over its public catalogue: videos
// (caption, hashtags, creator), people (handle, display name) and
// hashtags, typo-tolerant and by prefix as one types. It is an in-memory
// index of the catalogue's public words (segment.go: a vellum FST per
// field, flat posting lists, vellum's Levenshtein automata for typos)
// that follows the catalogue (catalog.Index.Watch), so it
// holds only what the public may see in this region, and every hit is
// checked against the catalogue when it is served: a video the catalogue
// no longer holds (taken down, erased, made private) is never found, even
// in the moment before the index has caught up.
//
// Queries are personal data of the searcher: nothing here logs them,
// stores them or sends them anywhere.
//
// It imports the root package's text forms and the catalogue only.
package search

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode"

	"kurz/catalog"
	"kurz/textnorm"
)

// Kinds of result.
const (
	Videos = "videos"
	People = "people"
	Tags   = "tags"
)

// Limits of a search.
const (
	MaxQueryRunes = 100 // longer queries are cut
	MaxWords      = 8   // words past these are ignored
	MaxOffset     = 500 // no page starts past this many hits
	// FlushEvery is how often changes are written to the index: a
	// published video is found this long (plus replication) after it
	// enters the catalogue.
	FlushEvery = 200 * time.Millisecond
)

// Index is a region's search index. Build it with New, run Run in the
// background; until a kind is first built, its searches are answered from
// the catalogue (scan.go).
type Index struct {
	cat *catalog.Index

	mu      sync.Mutex
	pending [3]map[string]bool // IDs (videos, profiles) and tags changed since the last flush
	loaded  bool               // the catalogue was loaded whole since the last flush
	wake    chan struct{}

	kinds [3]*tiers
	// scanning holds a token while a search is answered from the
	// catalogue (scan.go): one at a time.
	scanning chan struct{}
}

const (
	kVideo = iota
	kPerson
	kTag
)

// New makes the index of a catalogue and starts following it. Call it
// before the catalogue is loaded (it takes the catalogue's one watcher).
func New(cat *catalog.Index) *Index {
	x := &Index{cat: cat, wake: make(chan struct{}, 1), scanning: make(chan struct{}, 1)}
	now := time.Now() // a base build ranks videos as of its start

	for i := range x.pending {
		x.pending[i] = map[string]bool{}
	}
	x.kinds[kVideo] = newTiers(2, x.videoDoc, cat.IDs, func(id string) float64 {
		q, _ := cat.VideoQuality(id, now)
		return q
	})
	x.kinds[kPerson] = newTiers(2, x.personDoc, func() []string {
		ps := cat.Profiles()
		ids := make([]string, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		return ids
	}, func(id string) float64 {
		if p, ok := cat.Profile(id); ok {
			return float64(p.Followers)
		}
		return 0
	})
	x.kinds[kTag] = newTiers(1, x.tagDoc, cat.Tags, func(tag string) float64 { return float64(cat.TagCount(tag)) })
	cat.Watch(x.note)
	return x
}

// note takes a catalogue change down for the next flush. It runs under
// the catalogue's lock: it only marks.
func (x *Index) note(c catalog.Change) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if c.Loaded {
		// Everything is indexed anew from the catalogue.
		x.loaded = true
		for i := range x.pending {
			x.pending[i] = map[string]bool{}
		}
	}
	if v := c.Video; v != nil {
		if o := c.OldVideo; o != nil && !c.Removed && o.Caption == v.Caption && o.Handle == v.Handle && equal(o.Hashtags, v.Hashtags) {
			return // a counter changed: nothing searchable did
		}
		x.pending[kVideo][v.ID] = true
		for _, t := range v.Hashtags {
			x.pending[kTag][t] = true
		}
		if o := c.OldVideo; o != nil {
			for _, t := range o.Hashtags {
				x.pending[kTag][t] = true
			}
		}
	}
	if p := c.Profile; p != nil {
		if o := c.OldProfile; o != nil && !c.Removed && o.Handle == p.Handle && o.DisplayName == p.DisplayName {
			return
		}
		x.pending[kPerson][p.ID] = true
	}
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Run writes noted changes to the index until ctx ends, at most every
// FlushEvery.
func (x *Index) Run(ctx context.Context) {
	defer x.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case <-x.wake:
		}
		x.flush(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(FlushEvery):
		}
	}
}

// Flush writes the changes noted so far to the index (after a load of
// the whole catalogue, it builds every kind's index anew).
func (x *Index) Flush() { x.flush(context.Background()) }

// flush is Flush until ctx ends: a build under way is then dropped.
func (x *Index) flush(ctx context.Context) {
	x.mu.Lock()
	loaded := x.loaded
	x.loaded = false
	x.mu.Unlock()
	for k, t := range x.kinds {
		x.mu.Lock()
		ids := x.pending[k]
		x.pending[k] = map[string]bool{}
		x.mu.Unlock()
		switch {
		case loaded:
			// Changes noted after the load are in the catalogue the
			// build reads.
			t.rebuildBase(ctx)
		case len(ids) > 0:
			t.apply(ctx, ids)
		}
	}
}

// Close releases the index (Run calls it when it ends).
func (x *Index) Close() {
	for _, t := range x.kinds {
		t.swap(nil)
	}
}

// The documents: public fields only, folded as kurz folds text (NFKC,
// case), split into words as a query is (Words). A video: the words of
// its caption (its hashtags among them), its creator's handle. A person:
// the handle, the words of the name and of the handle (so "lopez" finds
// ana_lopez). A hashtag: itself.
func (x *Index) videoDoc(id string) ([][]string, bool) {
	var v catalog.PublicVideo
	if !x.cat.Facts(id, &v) {
		return nil, false
	}
	caption, handle := v.Caption, v.Handle
	return [][]string{indexWords(caption), {foldKey(handle)}}, true
}

func (x *Index) personDoc(id string) ([][]string, bool) {
	p, ok := x.cat.Profile(id)
	if !ok {
		return nil, false
	}
	return [][]string{{foldKey(p.Handle)}, indexWords(nameText(p))}, true
}

func (x *Index) tagDoc(tag string) ([][]string, bool) {
	if x.cat.TagCount(tag) == 0 {
		return nil, false
	}
	return [][]string{{foldKey(tag)}}, true
}

// Words splits a query into the folded words searched for: '#' and '@'
// are dropped (a hashtag or handle is searched as a word), at most
// MaxWords words of at most MaxQueryRunes runes in all.
func Words(q string) []string {
	if r := []rune(q); len(r) > MaxQueryRunes {
		q = string(r[:MaxQueryRunes])
	}
	q = textnorm.Fold(q)
	words := strings.FieldsFunc(q, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || r == '.')
	})
	for i, w := range words {
		words[i] = strings.Trim(w, ".")
	}
	words = slicesDeleteEmpty(words)
	if len(words) > MaxWords {
		words = words[:MaxWords]
	}
	return words
}

func slicesDeleteEmpty(ws []string) []string {
	out := ws[:0]
	for _, w := range ws {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// plan is what a search asks for: its words (the last one being typed)
// and the fields they are looked for in.
type plan struct {
	words  []string
	fields []field
}

// field is a field searched (its number in the kind's documents), and
// how many documents must hold a word for it to be taken as meant (its
// typos are then not looked for; 0: never looked for).
type field struct {
	index int
	meant int
}

// Expansion: a word is looked for exactly (weighted most), as the prefix
// of the maxExpand most frequent words starting with it if it is the word
// being typed (from its second letter), and with one typo (two in words
// of seven letters or more; from the fourth letter) among the maxExpand
// nearest words. The first letter of a typo'd word must be right: that
// keeps the walk of the dictionary short.
const (
	minPrefix   = 2
	minTypo     = 4
	commonWord  = 50 // documents holding a word of a text for it to count as meant
	maxExpand   = 24
	exactBoost  = 3
	prefixBoost = 1.5
	typoBoost   = 1
)

// public reports whether the catalogue still holds a hit: what it no
// longer holds is never found, whether or not the index has caught up.
func (x *Index) public(k int, id string) bool {
	switch k {
	case kVideo:
		var v catalog.PublicVideo
		return x.cat.Facts(id, &v)
	case kPerson:
		_, ok := x.cat.Profile(id)
		return ok
	}
	return x.cat.TagCount(id) > 0
}

// Hits are one page of results: IDs (videos, profiles) or tags, best
// first, and the offset of the next page (0 at the end).
type Hits struct {
	IDs  []string
	Next int
}

// Search finds up to n results of a kind from offset from: the IDs of
// videos or profiles, or hashtags. Only what the catalogue holds now is
// returned; keep, if set, drops more (it is given each ID). Dropped
// results still count towards the next offset.
func (x *Index) Search(ctx context.Context, kind, q string, from, n int, keep func(id string) bool) (Hits, error) {
	k := map[string]int{Videos: kVideo, People: kPerson, Tags: kTag}[kind]
	words := Words(q)
	if len(words) == 0 || from < 0 || from > MaxOffset {
		return Hits{}, nil
	}
	// A video's hashtags are words of its caption (the tokenizer drops
	// the '#'); its creator's handle is found by prefix, not by typo.
	fields := map[int][]field{
		kVideo:  {{0, commonWord}, {1, 0}},
		kPerson: {{0, 1}, {1, commonWord}}, // a handle or a tag that exists is meant
		kTag:    {{0, 1}},
	}[k]
	var ids []string
	var more bool
	if x.kinds[k].built() {
		ids, more = x.kinds[k].search(plan{words, fields}, from, n)
	} else {
		var err error
		if ids, more, err = x.scan(ctx, k, words, from, n); err != nil { // until the first build (see scan.go)
			return Hits{}, err
		}
	}
	var h Hits
	for _, id := range ids {
		if x.public(k, id) && (keep == nil || keep(id)) {
			h.IDs = append(h.IDs, id)
		}
	}
	if more && from+n <= MaxOffset {
		h.Next = from + n
	}
	return h, nil
}
