package kurz_test

import (
	"strings"
	"testing"

	"kurz"
)

func TestHashtags(t *testing.T) {
	for caption, want := range map[string]string{
		"#Morning light #kurz #kurz": "morning,kurz",
		"no tags here":               "",
		"email a#b and &#39; entity": "",
		"#über #日本 #a_b #1":          "über,日本,a_b,1",
		"(#inparens) end#no":         "inparens",
		strings.Repeat("#x ", 3):     "x",
	} {
		if got := strings.Join(kurz.Hashtags(caption), ","); got != want {
			t.Errorf("Hashtags(%q) = %q, want %q", caption, got, want)
		}
	}
	var many strings.Builder
	for i := 0; i < 50; i++ {
		many.WriteString(" #t")
		many.WriteString(strings.Repeat("a", i+1))
	}
	if n := len(kurz.Hashtags(many.String())); n != kurz.MaxHashtags {
		t.Fatalf("%d hashtags kept, want %d", n, kurz.MaxHashtags)
	}
}
