package search

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode"

	"kurz/catalog"
	"kurz/textnorm"
)

// Until a kind's index has been built once since the start (the first
// build follows the catalogue's load in the background, and takes minutes
// at a million videos), its searches are answered from the catalogue
// itself, so a region is searchable as soon as it is ready:
//
//   - each word must be a word of the caption or the creator's handle (of
//     the name or the handle; the hashtag), the last one, being typed,
//     may begin one (from its second letter); no typos are looked for;
//   - videos come newest first, people by followers, hashtags by how many
//     videos carry them.
//
// It is the plainer answer of the same question (what the index finds by
// whole words and prefixes, it finds), and it costs a walk of the
// catalogue per search (a few hundred milliseconds of CPU at a million
// videos for a word no video holds, less for words many hold), which is
// why it is only for the first minutes. The walk reads the catalogue a
// page at a time (never holding it for long), and one walk runs at a time
// (the others wait for it, or for their request to end).

// scanPage is how many videos a scan takes from the catalogue at once.
const scanPage = 4096

// scan answers a search of kind k from the catalogue: the IDs (or tags)
// of matches from..from+n and whether more follow.
func (x *Index) scan(ctx context.Context, k int, words []string, from, n int) (ids []string, more bool, err error) {
	select {
	case x.scanning <- struct{}{}:
		defer func() { <-x.scanning }()
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	want := from + n + 1 // one past the page says whether more follow
	m := matcher{words: words}
	switch k {
	case kVideo:
		var after *catalog.PublicVideo
		for len(ids) < want {
			if err := ctx.Err(); err != nil {
				return nil, false, err
			}
			page := x.cat.Newest(after, scanPage, scanPage, nil)
			if len(page) == 0 {
				break
			}
			for _, v := range page {
				if len(ids) < want && m.matches(v.Caption, v.Handle) {
					ids = append(ids, v.ID)
				}
			}
			after = page[len(page)-1]
		}
	case kPerson:
		var found []*catalog.PublicProfile
		for _, p := range x.cat.Profiles() {
			if m.matches(nameText(p), p.Handle) {
				found = append(found, p)
			}
		}
		slices.SortFunc(found, func(a, b *catalog.PublicProfile) int {
			return cmp.Or(cmp.Compare(b.Followers, a.Followers), cmp.Compare(a.Handle, b.Handle))
		})
		for _, p := range found {
			ids = append(ids, p.ID)
		}
	case kTag:
		type tag struct {
			tag string
			n   int
		}
		var found []tag
		for _, t := range x.cat.Tags() {
			if m.matches("", t) {
				found = append(found, tag{t, x.cat.TagCount(t)})
			}
		}
		slices.SortFunc(found, func(a, b tag) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.tag, b.tag)) })
		for _, t := range found {
			ids = append(ids, t.tag)
		}
	}
	if from >= len(ids) {
		return nil, false, nil
	}
	return ids[from:min(len(ids), from+n)], len(ids) > from+n, nil
}

// nameText is the text of a person's name field (see personDoc).
func nameText(p *catalog.PublicProfile) string {
	return p.DisplayName + " " + strings.Map(func(r rune) rune {
		if r == '_' || r == '.' || r == '-' {
			return ' '
		}
		return r
	}, p.Handle)
}

// matcher tells whether a text and a keyword (a handle, a tag) hold every
// word of a search.
type matcher struct {
	words []string // folded (Words)
}

// matches reports whether every word is a word of text (folded as the
// index folds it) or is the keyword; the last word may begin either.
func (m matcher) matches(text, keyword string) bool {
	var toks []string // text's words, when text is not plain ASCII
	ascii := isASCII(text)
	if !ascii {
		toks = textWords(text)
	}
	for i, w := range m.words {
		prefix := i == len(m.words)-1 && len([]rune(w)) >= minPrefix
		if keyword == w || prefix && strings.HasPrefix(keyword, w) {
			continue
		}
		var found bool
		if ascii {
			found = asciiHasWord(text, w, prefix)
		} else {
			found = slices.ContainsFunc(toks, func(t string) bool { return t == w || prefix && strings.HasPrefix(t, w) })
		}
		if !found {
			return false
		}
	}
	return true
}

// wordRune is what words are made of (as in Words).
func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || r == '.'
}

// textWords splits a text into its folded words, as Words does a query
// (without its limits).
func textWords(s string) []string {
	words := strings.FieldsFunc(textnorm.Fold(s), func(r rune) bool { return !wordRune(r) })
	for i, w := range words {
		words[i] = strings.Trim(w, ".")
	}
	return slicesDeleteEmpty(words)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiHasWord is textWords(s) holding w (or, with prefix, a word
// beginning with w) for an ASCII s, without allocating: ASCII text folds
// to its lower case.
func asciiHasWord(s, w string, prefix bool) bool {
	for i := 0; i < len(s); {
		var tok string
		tok, i = nextASCIIWord(s, i)
		if len(tok) == len(w) || prefix && len(tok) > len(w) {
			if lowerEqual(tok[:len(w)], w) && (prefix || len(tok) == len(w)) {
				return true
			}
		}
	}
	return false
}

// nextASCIIWord is the word of ASCII s at or after i (its dots trimmed;
// "" if none) and where the scan goes on.
func nextASCIIWord(s string, i int) (word string, next int) {
	for i < len(s) && !asciiWordByte(s[i]) {
		i++
	}
	j := i
	for j < len(s) && asciiWordByte(s[j]) {
		j++
	}
	return strings.Trim(s[i:j], "."), j
}

func asciiWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.'
}

// lowerEqual reports whether ASCII a in lower case is b.
func lowerEqual(a, b string) bool {
	for i := 0; i < len(a); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}
