package safety_test

import (
	"os"
	"path/filepath"
	"testing"

	"kurz"
	"kurz/safety"
)

func loadFilter(t *testing.T, list string) *safety.Screen {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wordfilter.txt")
	if err := os.WriteFile(path, []byte(list), 0o600); err != nil {
		t.Fatal(err)
	}
	re, err := safety.LoadWordFilter(path)
	if err != nil {
		t.Fatal(err)
	}
	return &safety.Screen{Safety: safety.SafetyConfig{WordFilter: re}}
}

// TestWordFilterCatchesLookalikes: every spelling of a filtered word or
// phrase that a reader takes for it is refused.
func TestWordFilterCatchesLookalikes(t *testing.T) {
	s := loadFilter(t, "# operator list\nbadword\nvery bad phrase\n  Scam  \n")
	for _, c := range []struct{ name, text string }{
		{"plain", "this is a badword here"},
		{"capitals", "BADWORD!"},
		{"zero width space", "bad\u200bword"},
		{"zero width joiner", "b\u200dadword"},
		{"zero width non-joiner", "badwo\u200crd"},
		{"word joiner", "bad\u2060word"},
		{"soft hyphen", "bad\u00adword"},
		{"bidi controls", "\u202ebadword\u202c"},
		{"byte order mark", "\ufeffbadword"},
		{"variation selector", "badword\ufe0f"},
		{"fullwidth", "ｂａｄｗｏｒｄ"},
		{"fullwidth capitals", "ＢＡＤＷＯＲＤ"},
		{"mathematical letters", "𝐛𝐚𝐝𝐰𝐨𝐫𝐝"},
		{"Cyrillic а and о", "bаdwоrd"},
		{"Cyrillic capitals", "ВАDWОRD"},
		{"Greek capitals", "ΒΑDWΟRD"},
		{"Greek omicron", "badwοrd"},
		{"combining accents", "ba\u0301dwo\u0308rd"},
		{"precomposed accents", "bádwörd"},
		{"stacked marks", "b\u0336a\u0336d\u0336word"},
		{"phrase", "a very bad phrase indeed"},
		{"phrase with no-break spaces", "very\u00a0bad\u00a0phrase"},
		{"phrase with em spaces", "very\u2003bad\u2003phrase"},
		{"phrase with ideographic spaces", "very\u3000bad\u3000phrase"},
		{"phrase with a newline and tabs", "very\n\tbad  phrase"},
		{"phrase with zero width spaces", "very bad\u200b phr\u200base"},
		{"phrase, fullwidth", "ｖｅｒｙ　ｂａｄ　ｐｈｒａｓｅ"},
		{"trimmed entry", "it is a sсam"},
	} {
		err := s.CheckWords("text", c.text)
		if err == nil {
			t.Errorf("%s: %q passed the filter", c.name, c.text)
			continue
		}
		if kurz.ErrorCode(err) != kurz.EInvalid {
			t.Errorf("%s: error %v, want an invalid-field error", c.name, err)
		}
	}
	// Whole words only, and other words pass.
	for _, ok := range []string{"badwords", "a goodword", "very bad", "bad phrase", "scampi", "Москва", "日本語", "#café"} {
		if err := s.CheckWords("text", ok); err != nil {
			t.Errorf("%q was refused: %v", ok, err)
		}
	}
}

// TestWordFilterListIsNormalised: a list written with look-alikes catches
// the plain spelling too.
func TestWordFilterListIsNormalised(t *testing.T) {
	s := loadFilter(t, "ＢＡＤＷＯＲＤ\nsс\u200bam\n")
	for _, text := range []string{"badword", "scam"} {
		if s.CheckWords("text", text) == nil {
			t.Errorf("%q passed a list written in look-alikes", text)
		}
	}
}

func TestWordFilterMissingOrEmpty(t *testing.T) {
	re, err := safety.LoadWordFilter(filepath.Join(t.TempDir(), "none.txt"))
	if err != nil || re != nil {
		t.Fatalf("missing list: %v, %v", re, err)
	}
	if s := loadFilter(t, "# only comments\n\n\u200b\n"); s.Safety.WordFilter != nil {
		t.Fatalf("a list without words made a filter: %v", s.Safety.WordFilter)
	}
}
