// Package textnorm turns text into the forms kurz judges it by, so that a
// filter, a hashtag or a handle cannot be dodged by a spelling that looks
// the same but has other bytes: compatibility forms (fullwidth letters,
// ligatures, mathematical letters), invisible characters (zero-width
// spaces and joiners, bidi controls, soft hyphens), unusual spaces,
// combining accents and letters of other scripts that look like Latin ones
// (Cyrillic а, Greek Ο).
//
// Three forms, each for one use, all starting from Compat (NFKC, no
// default-ignorable characters, white space folded):
//
//   - Fold: NFKC, default-ignorable characters removed, white space folded,
//     case folded. Text that reads the same, for identities people see
//     (hashtags).
//   - ASCII: Fold, with every non-ASCII character that looks like an ASCII
//     letter or digit replaced by it. For identifiers whose alphabet is
//     ASCII (handles).
//   - Skeleton: the confusable skeleton of Unicode TR39 over case-folded
//     text without accents. A key for matching only (word filters): it is
//     not meant to be shown ("m" becomes "rn").
//
// The confusables data is Unicode's confusables.txt, as generated into
// github.com/mtibben/confusables; normalisation and case folding come from
// golang.org/x/text. textnorm imports nothing of kurz.
package textnorm

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// IsIgnorable reports whether r is a Default_Ignorable_Code_Point
// (Unicode's DerivedCoreProperties): invisible in normal rendering, such as
// U+200B zero width space, U+200D zero width joiner, U+2060 word joiner,
// U+00AD soft hyphen, U+202E right-to-left override, U+FEFF, U+3164 Hangul
// filler and the variation selectors. It is derived here the way Unicode
// derives it, from the standard library's property tables.
func IsIgnorable(r rune) bool {
	if r < 0x80 {
		return false
	}
	if unicode.Is(unicode.White_Space, r) || (r >= 0xFFF9 && r <= 0xFFFB) || (r >= 0x13430 && r <= 0x13440) ||
		unicode.Is(unicode.Prepended_Concatenation_Mark, r) {
		return false
	}
	return unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Variation_Selector, r)
}

// Compat is NFKC with default-ignorable characters removed (before, so
// that they cannot keep a letter and its accent from composing) and every
// run of white space made one ASCII space. Case is kept, so look-alike
// capitals can still be told (see ASCII).
func Compat(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case IsIgnorable(r):
			continue
		case unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		default:
			b.WriteRune(r)
		}
		space = false
	}
	out := norm.NFKC.String(b.String())
	if out == b.String() {
		return out
	}
	// NFKC can make spaces (U+3000, U+00A0 already were; U+2001 …) and
	// ignorables cannot appear, but spaces can now run together.
	return foldSpaces(out)
}

func foldSpaces(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// Fold returns s in NFKC with default-ignorable characters removed, every
// run of white space made one ASCII space, and case folded (NFKC_Casefold
// of Unicode, with white space folded). Look-alikes of other scripts stay
// apart; see ASCII and Skeleton.
func Fold(s string) string {
	return norm.NFKC.String(fold(Compat(s)))
}

// fold is Unicode's full case folding (ß becomes ss) made stable: x/text
// folds Cherokee small letters to capitals and back again, so each rune
// is then taken to the lower case of its upper case.
func fold(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }, cases.Fold().String(s))
}

// lookalike is what rune r looks like, case folded: an ASCII rune is just
// lower-cased; another is its confusable target (TR39) if it has one. A
// capital that looks like an ASCII letter becomes that letter, since
// folding first would lose it (Greek Β looks like B, its small β like
// nothing).
func lookalike(r rune) string {
	if r < utf8.RuneSelf {
		return string(unicode.ToLower(r))
	}
	s := string(r)
	if unicode.IsUpper(r) || unicode.IsTitle(r) {
		if sk := fold(confusables.Skeleton(s)); isASCIIAlnum(sk) {
			return sk
		}
	}
	f := fold(s)
	return fold(confusables.Skeleton(f))
}

// ASCII returns Fold(s) with each non-ASCII character that looks like an
// ASCII letter or digit (Cyrillic а, Greek Ο, dotless ı, …) replaced by
// that letter or digit, and whether the result is all ASCII. ASCII
// characters are only lower-cased: "1" stays "1". Other characters stay
// as Fold leaves them.
func ASCII(s string) (string, bool) {
	out, all := asciiRound(s)
	// Case folding of some scripts (Cherokee) lands on a letter that has
	// a look-alike of its own: go on to the fixed point.
	for range maxRounds {
		next, nextAll := asciiRound(out)
		if next == out {
			break
		}
		out, all = next, nextAll
	}
	return out, all
}

func asciiRound(s string) (string, bool) {
	s = Compat(s)
	var b strings.Builder
	all := true
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		l := lookalike(r)
		if isASCIIAlnum(l) {
			b.WriteString(l)
			continue
		}
		f := norm.NFKC.String(fold(string(r)))
		b.WriteString(f)
		all = all && !strings.ContainsFunc(f, func(r rune) bool { return r >= utf8.RuneSelf })
	}
	// A replaced letter may take a mark that followed it: compose again.
	return norm.NFC.String(b.String()), all
}

func isASCIIAlnum(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// stripMarks decomposes s and drops nonspacing and enclosing marks:
// accents, and the stacks of combining characters that can be piled on a
// letter. Spacing marks (vowel signs of Indic scripts) stay.
func stripMarks(s string) string {
	d := norm.NFD.String(s)
	if !strings.ContainsFunc(d, isMark) {
		return d
	}
	return strings.Map(func(r rune) rune {
		if isMark(r) {
			return -1
		}
		return r
	}, d)
}

func isMark(r rune) bool { return unicode.In(r, unicode.Mn, unicode.Me) }

// maxRounds bounds the folding of a skeleton to its fixed point; the
// confusables data reaches it in one or two (FuzzForms checks).
const maxRounds = 8

// Skeleton returns the key under which text that looks alike matches:
// NFKC, no default-ignorable characters, white space folded, accents and
// other nonspacing marks removed, then TR39's confusable skeleton, case
// folded, repeated until it no longer changes. Two spellings of a word
// that a reader takes for the same word have the same skeleton; the
// skeleton is for comparing, never for display.
func Skeleton(s string) string {
	// A spacing accent (˝) is a space and a mark in NFKC.
	s = foldSpaces(stripMarks(Compat(s)))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteString(lookalike(r))
	}
	out := b.String()
	for range maxRounds {
		next := foldSpaces(stripMarks(norm.NFKC.String(fold(confusables.Skeleton(out)))))
		if next == out {
			break
		}
		out = next
	}
	return out
}

// LoadWordFilter reads an operator's word list (one word or phrase per
// line, # comments) into a whole-word matcher of skeletons (as safety's
// CheckWords judges text); a missing file means no filter.
func LoadWordFilter(path string) (*regexp.Regexp, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var words []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			if k := strings.TrimSpace(Skeleton(l)); k != "" {
				words = append(words, regexp.QuoteMeta(k))
			}
		}
	}
	if len(words) == 0 {
		return nil, nil
	}
	return regexp.Compile(`(?:^|[^\p{L}\p{N}])(?:` + strings.Join(words, "|") + `)(?:$|[^\p{L}\p{N}])`)
}
