// Package textfmt formats text for the pages of package web: counts the
// short way, avatar initials, captions cut into text and links, and
// shortened text. It holds no state and imports only the root package.
package textfmt

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"kurz"
)

// Compact formats a count the short way: 999, 1.2K, 3.4M.
func Compact(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10)
	case n < 1_000_000:
		return trimZero(strconv.FormatFloat(float64(n/100)/10, 'f', 1, 64)) + "K"
	case n < 1_000_000_000:
		return trimZero(strconv.FormatFloat(float64(n/100_000)/10, 'f', 1, 64)) + "M"
	}
	return trimZero(strconv.FormatFloat(float64(n/100_000_000)/10, 'f', 1, 64)) + "B"
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// Initial is the avatar placeholder letter.
func Initial(s string) string {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return strings.ToUpper(string(r))
		}
	}
	return "?"
}

// Segment is a piece of a caption: plain text, or a link to a hashtag or a
// person. Href is built only from validated text, so it is always a
// same-site path.
type Segment struct{ Text, Href string }

var captionRE = regexp.MustCompile(`#[\p{L}\p{N}_]{1,100}|@[A-Za-z0-9_.]{3,24}`)

// Segments splits a caption into text and links. A '#' or '@' counts only
// at the start or after a non-word character (so mail@example.com is not
// a mention); mentions must be valid handles.
func Segments(caption string) []Segment {
	var out []Segment
	last := 0
	for _, m := range captionRE.FindAllStringIndex(caption, -1) {
		start, end := m[0], m[1]
		if start > 0 {
			prev, _ := utf8.DecodeLastRuneInString(caption[:start])
			if unicode.IsLetter(prev) || unicode.IsDigit(prev) || prev == '_' {
				continue
			}
		}
		tok := caption[start:end]
		var href string
		if tok[0] == '#' {
			href = "/tag/" + strings.ToLower(tok[1:])
		} else {
			tok = strings.TrimRight(tok, ".")
			end = start + len(tok)
			hd, err := kurz.NormalizeHandle(tok[1:])
			if err != nil {
				continue
			}
			href = "/@" + hd
		}
		if start > last {
			out = append(out, Segment{Text: caption[last:start]})
		}
		out = append(out, Segment{Text: tok, Href: href})
		last = end
	}
	if last < len(caption) {
		out = append(out, Segment{Text: caption[last:]})
	}
	return out
}

// Truncate shortens s to at most n runes, adding an ellipsis.
func Truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
