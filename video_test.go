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
		"#кошка #Москва #αθήνα":      "кошка,москва,αθήνα",
		"#नमस्ते":                    "नमस्ते", // vowel signs are part of the tag
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

// hashtagLookalikes are spellings of #cats (or #café) that must be that
// tag, not tags of their own.
var hashtagLookalikes = []struct{ name, caption, want string }{
	{"plain", "#cats", "cats"},
	{"capitals", "#CATS", "cats"},
	{"fullwidth", "＃ｃａｔｓ", "cats"},
	{"fullwidth capitals", "#ＣＡＴＳ", "cats"},
	{"mathematical letters", "#𝐜𝐚𝐭𝐬", "cats"},
	{"zero width space", "#ca\u200bts", "cats"},
	{"zero width joiner", "#c\u200dats", "cats"},
	{"word joiner", "#cats\u2060", "cats"},
	{"soft hyphen", "#ca\u00adts", "cats"},
	{"bidi control", "#\u202acats\u202c", "cats"},
	{"Cyrillic а", "#cаts", "cats"},
	{"Cyrillic с and а", "#саts", "cats"},
	{"Greek capitals", "#CΑΤS", "cats"},
	{"combining accent", "#cafe\u0301", "café"},
	{"precomposed accent", "#café", "café"},
	{"after a no-break space", "hello\u00a0#cats", "cats"},
	{"after an ideographic space", "日本\u3000#cats", "cats"},
	{"after an em space", "x\u2003#cats", "cats"},
}

func TestHashtagLookalikes(t *testing.T) {
	for _, c := range hashtagLookalikes {
		if got := strings.Join(kurz.Hashtags(c.caption), ","); got != c.want {
			t.Errorf("%s: Hashtags(%q) = %q, want %q", c.name, c.caption, got, c.want)
		}
		// The tag page finds them under the same name.
		if got, ok := kurz.NormalizeHashtag(c.caption[strings.LastIndexAny(c.caption, "#＃"):]); !ok || got != c.want {
			t.Errorf("%s: NormalizeHashtag = %q, %v; want %q", c.name, got, ok, c.want)
		}
	}
	// All of them in one caption make one tag.
	var all strings.Builder
	for _, c := range hashtagLookalikes {
		if c.want == "cats" {
			all.WriteString(c.caption + " ")
		}
	}
	if got := kurz.Hashtags(all.String()); len(got) != 1 || got[0] != "cats" {
		t.Fatalf("look-alikes of #cats in one caption = %q, want one tag", got)
	}
}

func TestNormalizeHashtag(t *testing.T) {
	for in, want := range map[string]string{"cats": "cats", "#Cats": "cats", "ＣＡＴＳ": "cats", "кошка": "кошка", "a_b": "a_b"} {
		if got, ok := kurz.NormalizeHashtag(in); !ok || got != want {
			t.Errorf("NormalizeHashtag(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "#", "two words", "a#b", "x!", strings.Repeat("x", 51)} {
		if got, ok := kurz.NormalizeHashtag(bad); ok {
			t.Errorf("NormalizeHashtag(%q) = %q, want not a tag", bad, got)
		}
	}
}

func TestCheckCaption(t *testing.T) {
	for _, ok := range []string{"", "hello #kurz", strings.Repeat("ü", kurz.MaxCaptionLen)} {
		if err := kurz.CheckCaption(ok); err != nil {
			t.Errorf("CheckCaption(%.20q): %v", ok, err)
		}
	}
	for _, bad := range []string{"nul\x00here", "bad \xff utf-8", "\xc3", strings.Repeat("ü", kurz.MaxCaptionLen+1)} {
		err := kurz.CheckCaption(bad)
		var ke *kurz.Error
		if err == nil || kurz.ErrorCode(err) != kurz.EInvalid || !asError(err, &ke) || ke.Field != "caption" {
			t.Errorf("CheckCaption(%.20q) = %v, want an invalid caption", bad, err)
		}
	}
}
