package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var messagesSrc = regexp.MustCompile(`<script src="(/static/i18n/[a-z]+\.js\?v=[0-9a-f]+)" defer></script>`)

// scriptMessages returns the messages file a page loads for its scripts.
func scriptMessages(t *testing.T, bn *bundle, page string) string {
	t.Helper()
	m := messagesSrc.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the page loads no messages file")
	}
	res, body := bn.get(t, req{path: m[1]})
	if res.StatusCode != 200 {
		t.Fatalf("%s: %d", m[1], res.StatusCode)
	}
	return body
}

// TestMessagesAsset: a page carries none of the scripts' messages; it
// loads its language's messages file before the bundle (so the bundle
// finds them), a file that may be cached forever under its versioned
// URL, answers a revalidation with 304, and is another file per language.
func TestMessagesAsset(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	for _, tc := range []struct{ lang, want string }{{"en", `"mod_claim":"Claim"`}, {"de", `"mod_claim":"Übernehmen"`}} {
		_, page := bn.get(t, req{path: "/v/eu_v1", cookieLang: tc.lang, session: "carol"})
		if strings.Contains(page, `"mod_claim"`) || strings.Contains(page, `"t":`) {
			t.Errorf("%s: the page still carries the messages", tc.lang)
		}
		at, bundle := strings.Index(page, `/static/i18n/`+tc.lang+`.js?v=`), strings.Index(page, `<script src="/static/dist/app.js`)
		if at < 0 || bundle < at {
			t.Errorf("%s: the page does not load its messages before the bundle", tc.lang)
		}
		msgs := scriptMessages(t, bn, page)
		if !strings.HasPrefix(msgs, "self.kurzT={") || !strings.Contains(msgs, tc.want) {
			t.Errorf("%s: messages file lacks %q", tc.lang, tc.want)
		}
		url := bn.h.asset(msgAssetName(tc.lang))
		res, _ := bn.get(t, req{path: url})
		if res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Errorf("%s: Cache-Control %q, type %q", url, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"))
		}
		rq, _ := http.NewRequest("GET", bn.srv.URL+url, nil)
		rq.Header.Set("If-None-Match", res.Header.Get("ETag"))
		again, err := http.DefaultClient.Do(rq)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("%s revalidated: %d, want 304", url, again.StatusCode)
		}
	}
	if bn.h.asset(msgAssetName("en")) == bn.h.asset(msgAssetName("de")) {
		t.Error("one messages file for two languages")
	}
	if res, _ := bn.get(t, req{path: "/static/i18n/fr.js"}); res.StatusCode != http.StatusNotFound {
		t.Errorf("a language kurz does not speak: %d", res.StatusCode)
	}
}
