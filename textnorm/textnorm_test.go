package textnorm_test

import (
	"testing"
	"unicode/utf8"

	"kurz/textnorm"
)

// spellings of "bad word" that a reader takes for it.
var lookalikes = []struct{ name, text string }{
	{"plain", "bad word"},
	{"capitals", "BAD Word"},
	{"zero width space", "b\u200bad word"},
	{"zero width joiner", "ba\u200dd wo\u200drd"},
	{"zero width non-joiner", "bad\u200c wor\u200cd"},
	{"word joiner and BOM", "\u2060bad \ufeffword"},
	{"soft hyphen", "bad wo\u00adrd"},
	{"bidi override", "\u202ebad\u202c word"},
	{"variation selector", "bad\ufe0f word"},
	{"Hangul filler", "bad\u3164 word"},
	{"fullwidth", "ｂａｄ ｗｏｒｄ"},
	{"fullwidth capitals", "ＢＡＤ ＷＯＲＤ"},
	{"mathematical bold", "𝐛𝐚𝐝 𝐰𝐨𝐫𝐝"},
	{"Cyrillic a and o", "bаd wоrd"},
	{"Cyrillic capitals", "ВАD WОRD"},
	{"Greek capitals", "ΒΑD WΟRD"},
	{"Greek omicron", "bad wοrd"},
	{"combining accents", "ba\u0301d wo\u0308rd"},
	{"precomposed accents", "bád wörd"},
	{"stacked marks", "b\u0336a\u0336d\u0336 word"},
	{"no-break space", "bad\u00a0word"},
	{"em space", "bad\u2003word"},
	{"ideographic space", "bad\u3000word"},
	{"narrow no-break space", "bad\u202fword"},
	{"several spaces and a tab", "bad \t\n word"},
	{"everything", "Ｂ\u200bа\u0301D\u3000\u00a0ｗΟ\u200drd"},
}

func TestSkeletonCatchesLookalikes(t *testing.T) {
	want := textnorm.Skeleton("bad word")
	if want != "bad word" {
		t.Fatalf("Skeleton(bad word) = %q", want)
	}
	for _, c := range lookalikes {
		if got := textnorm.Skeleton(c.text); got != want {
			t.Errorf("%s: Skeleton(%q) = %q, want %q", c.name, c.text, got, want)
		}
	}
	// Different words stay different.
	for _, other := range []string{"bed word", "bad words", "badword", "bad ward", "b ad word"} {
		if textnorm.Skeleton(other) == want {
			t.Errorf("Skeleton(%q) = Skeleton(bad word)", other)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"ＣＡＴＳ":           "cats",
		"ca\u200bts":     "cats",
		"cafe\u0301":     "café",
		"Straße":         "strasse",
		"ﬁne":            "fine",
		"a\u00a0\u3000b": "a b",
		"日本":             "日本",
		"Москва":         "москва",
		// Fold keeps other scripts apart: this is Cyrillic а.
		"cаts": "cаts",
	} {
		if got := textnorm.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestASCII(t *testing.T) {
	for _, c := range []struct {
		in, want string
		all      bool
	}{
		{"anna", "anna", true},
		{"ANNA", "anna", true},
		{"аnnа", "anna", true}, // Cyrillic а
		{"ΑΝΝΑ", "anna", true}, // Greek capitals
		{"ａｎｎａ", "anna", true}, // fullwidth
		{"an\u200bna", "anna", true},
		{"dora1", "dora1", true}, // ASCII look-alikes are kept: 1 is not l
		{"ıvan", "ivan", true},   // dotless i
		{"jürgen", "jürgen", false},
		{"日本", "日本", false},
	} {
		got, all := textnorm.ASCII(c.in)
		if got != c.want || all != c.all {
			t.Errorf("ASCII(%q) = %q, %v; want %q, %v", c.in, got, all, c.want, c.all)
		}
	}
}

func TestIsIgnorable(t *testing.T) {
	for _, r := range []rune{0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x202e, 0x2066, 0xfe0f, 0xe0100, 0x3164, 0x180e, 0x034f} {
		if !textnorm.IsIgnorable(r) {
			t.Errorf("U+%04X is not ignorable", r)
		}
	}
	// White space, visible letters and the prepended concatenation marks
	// are not.
	for _, r := range []rune{' ', '\t', 'a', 0x00a0, 0x3000, 0x0600, 0xfff9, 'й'} {
		if textnorm.IsIgnorable(r) {
			t.Errorf("U+%04X is ignorable", r)
		}
	}
}

// FuzzForms checks that each form is a fixed point of itself, so that
// text normalised once and normalised again is judged alike.
func FuzzForms(f *testing.F) {
	for _, c := range lookalikes {
		f.Add(c.text)
	}
	f.Add("Москва αθήνα 日本 #кошка")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		if k := textnorm.Skeleton(s); textnorm.Skeleton(k) != k {
			t.Errorf("Skeleton(%q) = %q, whose skeleton is %q", s, k, textnorm.Skeleton(k))
		}
		if k := textnorm.Fold(s); textnorm.Fold(k) != k {
			t.Errorf("Fold(%q) = %q, whose fold is %q", s, k, textnorm.Fold(k))
		}
		if a, _ := textnorm.ASCII(s); func() string { b, _ := textnorm.ASCII(a); return b }() != a {
			t.Errorf("ASCII(%q) = %q is not a fixed point", s, a)
		}
	})
}
