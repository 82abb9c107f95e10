package apitext

import (
	"regexp"
	"slices"
	"testing"

	"kurz"
)

func TestLang(t *testing.T) {
	for header, want := range map[string]string{
		"": "en", "de": "de", "de-AT,de;q=0.9,en;q=0.5": "de", "en-US,en;q=0.9,de;q=0.8": "en",
		"fr-FR,fr;q=0.9": "en", "fr-FR,de;q=0.5": "de", "gsw-CH": "de", "*": "en", ";;;": "en",
	} {
		if got := Lang(header); got != want {
			t.Errorf("Lang(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestMessage(t *testing.T) {
	e := kurz.FieldError("caption", "a caption can have at most %d characters", kurz.MaxCaptionLen)
	if got := Message(e, "en"); got != "a caption can have at most 2200 characters" {
		t.Errorf("English: %q", got)
	}
	// German words and a German number.
	if got := Message(e, "de"); got != "Eine Beschreibung hat höchstens 2.200 Zeichen." {
		t.Errorf("German: %q", got)
	}
	// A message made without a format (a plain struct literal).
	if got := Message(kurz.ErrNotFound, "de"); got != "Nicht gefunden." {
		t.Errorf("German not found: %q", got)
	}
	// One the catalogue lacks stays English rather than wrong.
	odd := kurz.Errorf(kurz.EInvalid, "a region may only act for its own people")
	if got := Message(odd, "de"); got != odd.Message {
		t.Errorf("untranslated: %q", got)
	}
}

// TestCatalogueVerbs: every German message has the verbs of its English
// format, in order, so no argument is lost or misprinted.
func TestCatalogueVerbs(t *testing.T) {
	verb := regexp.MustCompile(`%[a-z]`)
	for en, de := range german {
		if a, b := verb.FindAllString(en, -1), verb.FindAllString(de, -1); !slices.Equal(a, b) {
			t.Errorf("%q has verbs %v, its German %v", en, a, b)
		}
	}
}

func TestFieldErrors(t *testing.T) {
	a, b := kurz.FieldError("handle", "choose a handle"), kurz.FieldError("email", "enter your email address")
	if kurz.FieldErrors(nil, nil) != nil {
		t.Fatal("no errors must be nil")
	}
	if got := kurz.FieldErrors(nil, a); got != a {
		t.Fatalf("one error: %v", got)
	}
	e := kurz.AsError(kurz.FieldErrors(a, nil, b))
	if e.Field != "handle" || len(e.Fields) != 2 || e.Fields[1] != b {
		t.Fatalf("two errors: %+v", e)
	}
	conflict := kurz.Errorf(kurz.EConflict, "this handle is taken")
	if got := kurz.FieldErrors(a, conflict); got != conflict {
		t.Fatalf("an error about no field comes alone: %v", got)
	}
}
