package kurz_test

import (
	"errors"
	"strings"
	"testing"

	"kurz"
)

func asError(err error, target **kurz.Error) bool { return errors.As(err, target) }

func TestNormalizeHandle(t *testing.T) {
	for in, want := range map[string]string{
		"anna":     "anna",
		"@Anna.K":  "anna.k",
		" dora_1 ": "dora_1",
		// Look-alikes are the handle they look like, so they collide.
		"ａｎｎａ":        "anna",   // fullwidth
		"ＡＮＮＡ":        "anna",   // fullwidth capitals
		"＠anna":       "anna",   // fullwidth @
		"an\u200bna":  "anna",   // zero width space
		"a\u200dnna":  "anna",   // zero width joiner
		"anna\ufe0f":  "anna",   // variation selector
		"аnnа":        "anna",   // Cyrillic а
		"ΑΝΝΑ":        "anna",   // Greek capitals
		"𝐚𝐧𝐧𝐚":        "anna",   // mathematical bold
		"ıvan":        "ivan",   // dotless i
		"dorа_1":      "dora_1", // Cyrillic а beside ASCII
		"ＡＮＮＡ．ｋ":      "anna.k", // fullwidth full stop
		"j\u00adoe.x": "joe.x",  // soft hyphen
	} {
		got, err := kurz.NormalizeHandle(in)
		if err != nil || got != want {
			t.Errorf("NormalizeHandle(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"ab", "jürgen", "日本語です", "an na", "an\u00a0na", ".anna", "anna.", "an..na",
		"anna\x00", "an\xffna", "кошка", "a\u0301nna", "anna!"} {
		got, err := kurz.NormalizeHandle(bad)
		if err == nil || kurz.ErrorCode(err) != kurz.EInvalid {
			t.Errorf("NormalizeHandle(%q) = %q, %v; want an invalid handle", bad, got, err)
		}
	}
}

func TestMentions(t *testing.T) {
	for text, want := range map[string]string{
		"hi @Alice and @bob.":                   "alice,bob",
		"mail@example.com":                      "",
		"@x":                                    "",
		"(@carol_1) @dave... @eve":              "carol_1,dave,eve",
		"über@frank ünd @gina":                  "gina",
		"@a.b.c.d @waytoolonghandlename_over24": "a.b.c.d",
	} {
		if got := strings.Join(kurz.Mentions(text), ","); got != want {
			t.Errorf("Mentions(%q) = %q, want %q", text, got, want)
		}
	}
}
