// Package apitext says the API's error messages in the caller's language
// (English or German, chosen by Accept-Language). Messages are written in
// English where the error is made (kurz.Errorf, kurz.FieldError keep the
// format and its arguments); the German catalogue here is keyed by that
// format and printed with golang.org/x/text/message, so numbers are
// formatted the German way. A message missing here stays English. It
// imports nothing of kurz but the root package.
package apitext

import (
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"

	"kurz"
)

// languages are the API's languages, the first the default.
var languages = []language.Tag{language.English, language.German}

var matcher = language.NewMatcher(languages)

// Lang is the API language ("en" or "de") for an Accept-Language header.
func Lang(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return "en"
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return "en"
	}
	b, _ := languages[i].Base()
	return b.String()
}

// cat is the catalogue: German for the English formats.
var cat = func() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for en, de := range german {
		if err := b.SetString(language.German, en, de); err != nil {
			panic("apitext: " + en + ": " + err.Error())
		}
	}
	return b
}()

// Message is e's message in lang ("en", "de").
func Message(e *kurz.Error, lang string) string {
	if lang != "de" {
		return e.Message
	}
	key := e.Format
	if key == "" {
		key = e.Message
	}
	if _, ok := german[key]; !ok {
		return e.Message
	}
	p := message.NewPrinter(language.German, message.Catalog(cat))
	if e.Format == "" {
		return p.Sprintf(key)
	}
	return p.Sprintf(key, e.Args...)
}

// Has reports whether the catalogue says format in German (for tests).
func Has(format string) bool { _, ok := german[format]; return ok }
