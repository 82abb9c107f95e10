package search

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/vellum"

	"kurz/textnorm"
)

// A segment is an immutable index of some documents of one kind: each
// document has a number (0 is the most popular when the segment was
// built), and each field a dictionary of its terms (a vellum FST, from a
// term to its number) with each term's postings, the sorted numbers of
// the documents holding it. The postings of a field are one flat []uint32
// (term i's are post[off[i]:off[i+1]]): no pointers for the collector to
// follow, 4 bytes a posting. See ARCHITECTURE.md (search) for why kurz
// keeps its own index of the catalogue's public words.
type segment struct {
	ids    []string // document number → ID (video, profile) or tag
	fields []dict
}

type dict struct {
	fst  *vellum.FST
	off  []uint32
	post []uint32
	// tops holds, for each prefix that begins more than manyTerms terms,
	// the numbers of the maxExpand terms of it held by most documents: a
	// short word being typed is not a walk of the dictionary.
	tops map[string][]uint32
}

const manyTerms = 64

// errStopped is a build dropped because its context ended.
var errStopped = errors.New("search: build stopped")

// buildSegment indexes ids in the order given; doc returns a document's
// terms, field by field (false: not public any more, left out).
func buildSegment(ctx context.Context, ids []string, nfields int, doc func(id string) ([][]string, bool)) (*segment, error) {
	s := &segment{fields: make([]dict, nfields)}
	terms := make([]map[string][]uint32, nfields)
	for f := range terms {
		terms[f] = map[string][]uint32{}
	}
	for i, id := range ids {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, errStopped
		}
		fields, ok := doc(id)
		if !ok {
			continue
		}
		n := uint32(len(s.ids))
		s.ids = append(s.ids, id)
		for f, ts := range fields {
			for _, t := range ts {
				// A term twice in a document is one posting.
				if p := terms[f][t]; len(p) == 0 || p[len(p)-1] != n {
					terms[f][t] = append(p, n)
				}
			}
		}
	}
	for f, m := range terms {
		if ctx.Err() != nil {
			return nil, errStopped
		}
		keys := make([]string, 0, len(m))
		total := 0
		for t, p := range m {
			keys = append(keys, t)
			total += len(p)
		}
		slices.Sort(keys)
		var buf bytes.Buffer
		b, err := vellum.New(&buf, nil)
		if err != nil {
			return nil, err
		}
		d := dict{off: make([]uint32, 1, len(keys)+1), post: make([]uint32, 0, total)}
		for i, k := range keys {
			if err := b.Insert([]byte(k), uint64(i)); err != nil {
				return nil, err
			}
			d.post = append(d.post, m[k]...)
			d.off = append(d.off, uint32(len(d.post)))
		}
		if err := b.Close(); err != nil {
			return nil, err
		}
		if d.fst, err = vellum.Load(buf.Bytes()); err != nil {
			return nil, err
		}
		d.tops = prefixTops(keys, func(i int) uint32 { return d.off[i+1] - d.off[i] })
		s.fields[f] = d
	}
	return s, nil
}

// prefixTops finds the prefixes of the sorted keys that begin more than
// manyTerms of them, with the maxExpand keys of each that size ranks
// highest.
func prefixTops(keys []string, size func(i int) uint32) map[string][]uint32 {
	tops := map[string][]uint32{}
	for l, more := 1, true; more; l++ {
		more = false
		for i := 0; i < len(keys); {
			if len(keys[i]) < l {
				i++
				continue
			}
			p := keys[i][:l]
			j := i + 1
			for j < len(keys) && strings.HasPrefix(keys[j], p) {
				j++
			}
			if j-i > manyTerms {
				more = true
				t := make([]uint32, 0, j-i)
				for k := i; k < j; k++ {
					t = append(t, uint32(k))
				}
				slices.SortStableFunc(t, func(a, b uint32) int { return cmp.Compare(size(int(b)), size(int(a))) })
				tops[strings.Clone(p)] = slices.Clone(t[:maxExpand])
			}
			i = j
		}
	}
	return tops
}

func (d *dict) postings(term uint64) []uint32 { return d.post[d.off[term]:d.off[term+1]] }

// match is a term a word stands for: its postings and weight.
type match struct {
	post  []uint32
	boost float64
	dist  uint8 // edit distance (typos)
}

// exact returns the postings of term w, if the field has it.
func (d *dict) exact(w string) ([]uint32, bool) {
	t, ok, err := d.fst.Get([]byte(w))
	if err != nil || !ok {
		return nil, false
	}
	return d.postings(t), true
}

// prefixEnd is the first key after every key beginning with p ("" if none).
func prefixEnd(p string) []byte {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return b[:i+1]
		}
	}
	return nil
}

// walk appends every term of the dictionary in [from, to) that aut
// accepts (nil: every term), and reports how many there were.
func (d *dict) walk(aut vellum.Automaton, from string, boost float64, out *[]match) int {
	var it *vellum.FSTIterator
	var err error
	if aut == nil {
		it, err = d.fst.Iterator([]byte(from), prefixEnd(from))
	} else {
		it, err = d.fst.Search(aut, []byte(from), prefixEnd(from))
	}
	n := 0
	for ; err == nil; err = it.Next() {
		_, t := it.Current()
		*out = append(*out, match{d.postings(t), boost, it.EditDistance()})
		n++
	}
	return n
}

// top keeps the maxExpand best of ms (nearest, then held by most
// documents).
func top(ms []match) []match {
	slices.SortFunc(ms, func(a, b match) int {
		return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(len(b.post), len(a.post)))
	})
	return ms[:min(len(ms), maxExpand)]
}

// typo is a word's typo automaton, made at most once per search (for
// every field and tier) and only if needed.
type typo struct {
	made bool
	aut  *editAutomaton
}

// automaton is the automaton of the words one typo from w (two from a
// word of seven letters or more).
func (ty *typo) automaton(w string) vellum.Automaton {
	if !ty.made {
		k := uint8(1)
		if utf8.RuneCountInString(w) >= 7 {
			k = 2
		}
		ty.aut, ty.made = newEditAutomaton(w, k), true
	}
	ty.aut.reset()
	return ty.aut
}

// editAutomaton accepts the words at most k edits (a letter inserted,
// deleted or replaced) from w, for vellum to walk a dictionary with. It
// is the textbook one, made lazily: a state is a row of the edit-distance
// table between w and the input so far, so making it costs nothing and a
// walk only what it visits. (vellum's own Levenshtein DFA is built whole
// for every word, 0.4-0.7 ms and 150-300 kB for a word of 6-8 letters,
// which was most of a typo search; see BENCHMARKS.md, section 13.) The
// bytes of a letter outside ASCII wait in a state of their own until the
// letter is whole, so edits count letters, not bytes.
type editAutomaton struct {
	w      []rune
	k      uint8
	rows   []uint8 // row r is rows[r*(len(w)+1):][:len(w)+1]
	states []editState
}

type editState struct {
	row  int32   // its row (a state within a letter: the row before it)
	part [4]byte // the bytes of a letter read so far
	n    uint8
}

// automata keeps the automata of finished searches: a walk may reach
// thousands of states, whose rows are reused rather than grown anew.
var automata sync.Pool

func newEditAutomaton(w string, k uint8) *editAutomaton {
	a, _ := automata.Get().(*editAutomaton)
	if a == nil {
		a = &editAutomaton{}
	}
	a.w, a.k = append(a.w[:0], []rune(w)...), k
	return a
}

// release gives the typo automata of a finished search back.
func release(typos []typo) {
	for _, ty := range typos {
		if ty.aut != nil {
			automata.Put(ty.aut)
		}
	}
}

// reset drops the states of a walk (a search walks each field and tier
// with the same automaton).
func (a *editAutomaton) reset() {
	a.rows, a.states = a.rows[:0], a.states[:0]
	for j := range len(a.w) + 1 {
		a.rows = append(a.rows, uint8(min(j, int(a.k)+1)))
	}
	a.states = append(a.states, editState{})
}

func (a *editAutomaton) row(s int) []uint8 {
	m := len(a.w) + 1
	r := int(a.states[s].row)
	return a.rows[r*m : (r+1)*m]
}

func (a *editAutomaton) Start() int { return 0 }

func (a *editAutomaton) IsMatch(s int) bool {
	return a.states[s].n == 0 && a.row(s)[len(a.w)] <= a.k
}

func (a *editAutomaton) CanMatch(s int) bool { return slices.Min(a.row(s)) <= a.k }

func (a *editAutomaton) WillAlwaysMatch(int) bool { return false }

func (a *editAutomaton) EditDistance(s int) uint8 { return a.row(s)[len(a.w)] }

func (a *editAutomaton) MatchAndDistance(input string) (bool, uint8) {
	s := a.Start()
	for i := 0; i < len(input); i++ {
		s = a.Accept(s, input[i])
	}
	return a.IsMatch(s), a.EditDistance(s)
}

// Accept reads byte b in state s.
func (a *editAutomaton) Accept(s int, b byte) int {
	st := a.states[s]
	st.part[st.n] = b
	st.n++
	if !utf8.FullRune(st.part[:st.n]) && st.n < 4 {
		a.states = append(a.states, st)
		return len(a.states) - 1
	}
	r, _ := utf8.DecodeRune(st.part[:st.n])
	m := len(a.w) + 1
	next := len(a.rows) / m
	a.rows = append(a.rows, make([]uint8, m)...)
	prev, row := a.rows[int(st.row)*m:(int(st.row)+1)*m], a.rows[next*m:]
	most := a.k + 1 // distances past k are all k+1
	row[0] = min(prev[0]+1, most)
	for j := 1; j < m; j++ {
		cost := uint8(1)
		if a.w[j-1] == r {
			cost = 0
		}
		row[j] = min(prev[j-1]+cost, prev[j]+1, row[j-1]+1, most)
	}
	a.states = append(a.states, editState{row: int32(next)})
	return len(a.states) - 1
}

// cursor walks one term's postings.
type cursor struct {
	post  []uint32
	i     int
	boost float64
}

// advance moves c to its first document ≥ t (galloping, then a binary
// search).
func (c *cursor) advance(t uint32) {
	p, i := c.post, c.i
	if i >= len(p) || p[i] >= t {
		return
	}
	step := 1
	for i+step < len(p) && p[i+step] < t {
		i += step
		step *= 2
	}
	hi := min(i+step, len(p))
	j, _ := slices.BinarySearch(p[i+1:hi], t)
	c.i = i + 1 + j
}

// alternatives are the terms one word stands for (in any field): a
// document matches the word if it holds any of them.
type alternatives struct {
	cs   []cursor
	size int // postings in all
}

// seek returns the first document ≥ t holding one of the terms, and the
// highest weight of those it holds; ok is false past the last.
func (a *alternatives) seek(t uint32, work *int) (doc uint32, boost float64, ok bool) {
	doc = ^uint32(0)
	*work += len(a.cs)
	for i := 0; i < len(a.cs); {
		c := &a.cs[i]
		c.advance(t)
		if c.i >= len(c.post) {
			a.cs[i] = a.cs[len(a.cs)-1]
			a.cs = a.cs[:len(a.cs)-1]
			continue
		}
		switch d := c.post[c.i]; {
		case d < doc:
			doc, boost = d, c.boost
		case d == doc:
			boost = max(boost, c.boost)
		}
		i++
	}
	return doc, boost, len(a.cs) > 0
}

// maxWork bounds a search's walk of one segment, in cursor moves: two
// words that rarely meet are not walked to their ends.
const maxWork = 60_000

// find appends up to limit documents of s holding every word (each its
// alternatives), in document order (most popular first), with their
// scores, skipping those skip rejects.
func (s *segment) find(words []alternatives, limit int, skip func(id string) bool, out *[]candidate) {
	if len(words) == 0 || limit <= 0 {
		return
	}
	slices.SortFunc(words, func(a, b alternatives) int { return cmp.Compare(a.size, b.size) })
	work := 0
	for t, got := uint32(0), 0; got < limit && work < maxWork; {
		doc, score, ok := words[0].seek(t, &work)
		if !ok {
			return
		}
		all := true
		for i := 1; i < len(words); i++ {
			d, b, ok := words[i].seek(doc, &work)
			if !ok {
				return
			}
			if d != doc {
				t, all = d, false
				break
			}
			score += b
		}
		if !all {
			continue
		}
		t = doc + 1
		if id := s.ids[doc]; skip == nil || !skip(id) {
			*out = append(*out, candidate{id, score})
			got++
		}
	}
}

// words makes the alternatives of each word of a plan in s: nil if a
// word has none (nothing can match).
func (s *segment) words(p plan, typos []typo) []alternatives {
	out := make([]alternatives, len(p.words))
	var ms []match
	for i, w := range p.words {
		ms = ms[:0]
		typing := i == len(p.words)-1 && utf8.RuneCountInString(w) >= minPrefix
		begins := false
		held := make([]int, len(p.fields)) // documents holding w, by field
		for f, fl := range p.fields {
			var found int
			ms, held[f], found = s.fields[fl.index].expand(ms, w, typing)
			begins = begins || found > 0
		}
		// A word being typed that begins words of a field is taken as
		// their start: its typos are looked for only when it begins none.
		for f, fl := range p.fields {
			if !begins || !typing {
				ms = s.fields[fl.index].typos(ms, w, fl.meant, held[f], &typos[i])
			}
		}
		if len(ms) == 0 {
			return nil
		}
		for _, m := range ms {
			out[i].cs = append(out[i].cs, cursor{post: m.post, boost: m.boost})
			out[i].size += len(m.post)
		}
	}
	return out
}

// expand appends the terms of the field that word w is (and, typing,
// begins; see the constants in search.go), and returns how many
// documents hold w and how many terms it begins.
func (d *dict) expand(ms []match, w string, typing bool) (_ []match, held, found int) {
	post, ok := d.exact(w)
	if ok {
		ms = append(ms, match{post: post, boost: exactBoost})
	}
	if !typing {
		return ms, len(post), 0
	}
	var pre []match
	if t, ok := d.tops[w]; ok {
		for _, term := range t {
			pre = append(pre, match{post: d.postings(uint64(term)), boost: prefixBoost})
		}
		found = len(t)
	} else {
		found = d.walk(nil, w, prefixBoost, &pre)
		pre = top(pre)
	}
	for _, m := range pre {
		if !ok || &m.post[0] != &post[0] {
			ms = append(ms, m)
		}
	}
	return ms, len(post), found
}

// typos appends the terms of the field one or two typos from w (see the
// constants in search.go), unless held documents hold w and that is
// enough for it to be taken as meant.
func (d *dict) typos(ms []match, w string, meant, held int, ty *typo) []match {
	// A word many documents hold is taken as meant: its typos are not
	// looked for (they would only add noise).
	if meant == 0 || utf8.RuneCountInString(w) < minTypo || held >= meant {
		return ms
	}
	first, _ := utf8.DecodeRuneInString(w)
	var near []match
	d.walk(ty.automaton(w), string(first), typoBoost, &near)
	for _, m := range top(near) {
		if m.dist > 0 {
			ms = append(ms, m)
		}
	}
	return ms
}

// foldKey folds a keyword (a handle, a tag) as a query's words are
// folded, quickly for ASCII (its lower case).
func foldKey(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return textnorm.Fold(s)
}

// indexWords are the words of a text, as Words splits a query (textWords),
// quickly for ASCII.
func indexWords(s string) []string {
	if !isASCII(s) {
		return textWords(s)
	}
	var out []string
	for i := 0; i < len(s); {
		var w string
		w, i = nextASCIIWord(s, i)
		if w != "" {
			out = append(out, strings.ToLower(w))
		}
	}
	return out
}
