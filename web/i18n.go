package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"kurz"
)

// Languages the pages are written in; the first is the fallback.
var languages = []string{"en", "de"}

// LangCookie remembers the language picked with the EN/DE switch.
const LangCookie = "lang"

// messages is the catalogue, read from messages/*.json at start (see
// messages.go). Keys starting with "js." are also handed to the scripts
// (in the page's JSON block). TestCatalogue checks that every language has
// every key.
var messages = map[string]map[string]string{"en": {}, "de": {}}

// translate returns the message key in lang, formatted with args. An
// unknown key is an error, so a typo in a template fails the page tests
// instead of rendering blank.
func translate(lang, key string, args ...any) (string, error) {
	m, ok := messages[lang][key]
	if !ok {
		return "", fmt.Errorf("web: no message %q in %q", key, lang)
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...), nil
	}
	return m, nil
}

// pluralWord returns the word that goes with n for the message key in lang:
// key.<form> for n's CLDR plural form in lang (golang.org/x/text's rules:
// "one" for 1 in English and German, "other" for 0 and 2), falling back
// to key.other. The number itself is written beside it, compacted.
func pluralWord(lang, key string, n int64) (string, error) {
	tag, err := language.Parse(lang)
	if err != nil {
		return "", fmt.Errorf("web: language %q: %w", lang, err)
	}
	abs := n
	if abs < 0 {
		abs = -abs
	}
	// Compacted counts (1.2K) are "other" in both languages, as CLDR has
	// it for numbers with a fraction.
	form := plural.Other
	if abs < 1000 {
		form = plural.Cardinal.MatchPlural(tag, int(abs), 0, 0, 0, 0)
	}
	if m, ok := messages[lang][key+"."+pluralForms[form]]; ok {
		return m, nil
	}
	return translate(lang, key+".other")
}

var pluralForms = map[plural.Form]string{plural.Other: "other", plural.Zero: "zero", plural.One: "one", plural.Two: "two",
	plural.Few: "few", plural.Many: "many"}

// jsMessagesJSON are jsMessages(lang) as JSON, made once per language
// (the messages never change after start): every page hands them to its
// script, and encoding the map (its keys sorted) per request was most of
// a page's cost.
func jsMessagesJSON(lang string) json.RawMessage {
	if b, ok := jsMessagesCache.Load(lang); ok {
		return b.(json.RawMessage)
	}
	b, err := json.Marshal(jsMessages(lang))
	if err != nil {
		return json.RawMessage("{}")
	}
	jsMessagesCache.Store(lang, json.RawMessage(b))
	return b
}

var jsMessagesCache sync.Map // language → json.RawMessage

// jsMessages are the "js." messages of lang, without the prefix.
func jsMessages(lang string) map[string]string {
	out := map[string]string{}
	for k, v := range messages[lang] {
		if rest, ok := strings.CutPrefix(k, "js."); ok {
			out[rest] = v
		}
	}
	return out
}

// pickLang chooses the page language: the lang cookie if it names a
// supported language, else the best match of Accept-Language, else English.
func pickLang(r *http.Request) string {
	if c, err := r.Cookie(LangCookie); err == nil && supported(c.Value) {
		return c.Value
	}
	return parseAcceptLanguage(r.Header.Get("Accept-Language"))
}

func supported(lang string) bool {
	for _, l := range languages {
		if l == lang {
			return true
		}
	}
	return false
}

// parseAcceptLanguage returns the supported language with the highest
// q-value in an Accept-Language header (RFC 9110), matching on the primary
// subtag ("de-AT" is German); ties go to the one listed first.
func parseAcceptLanguage(h string) string {
	best, bestQ := languages[0], 0.0
	if len(h) > 4096 {
		h = h[:4096]
	}
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if !supported(primary) {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// setLang is the EN/DE switch: it remembers the choice in a cookie for a
// year and goes back to the page it came from (a local path only, so the
// switch cannot be used as an open redirect).
func (h *Handler) setLang(w http.ResponseWriter, r *http.Request) {
	secure(w, false)
	code := r.PathValue("code")
	if !supported(code) {
		h.notFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// localPath returns p if it is a path on this site, else "/".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsAny(p, "\r\n\t\\") {
		return "/"
	}
	return p
}

// country is one entry of the sign-up country select.
type country struct{ Code, Name string }

var (
	countryOnce  sync.Once
	countryLists map[string][]country
)

// countries lists the ISO codes kurz accepts at sign-up, named and sorted
// in lang. The codes come from kurz.NormalizeCountry, so the select can
// never offer a code the API refuses.
func countries(lang string) []country {
	countryOnce.Do(func() {
		var codes []string
		for a := 'A'; a <= 'Z'; a++ {
			for b := 'A'; b <= 'Z'; b++ {
				c := string([]rune{a, b})
				if _, err := kurz.NormalizeCountry(c); err == nil {
					codes = append(codes, c)
				}
			}
		}
		countryLists = map[string][]country{}
		for _, l := range languages {
			tag := language.Make(l)
			namer := display.Regions(tag)
			list := make([]country, 0, len(codes))
			names := make([]string, 0, len(codes))
			byName := map[string]string{}
			for _, c := range codes {
				name := c
				if reg, err := language.ParseRegion(c); err == nil {
					if n := namer.Name(reg); n != "" {
						name = n
					}
				}
				names = append(names, name)
				byName[name] = c
			}
			collate.New(tag).SortStrings(names)
			for _, n := range names {
				list = append(list, country{Code: byName[n], Name: n})
			}
			if len(byName) != len(codes) { // duplicate names: fall back to codes
				list = list[:0]
				for _, c := range codes {
					list = append(list, country{Code: c, Name: c})
				}
				sort.Slice(list, func(i, j int) bool { return list[i].Code < list[j].Code })
			}
			countryLists[l] = list
		}
	})
	return countryLists[lang]
}
