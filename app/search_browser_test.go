package app_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kurz/internal/browsertest"
	"kurz/internal/mediatest"
)

// TestBrowserSearchAndDiscover: in Chromium, Discover shows a trending
// hashtag with its clip; the search page finds the clip as one types a
// word of its caption, the creator under People and the hashtag (typed
// with a typo) under Hashtags; hostile text in the caption and the name
// stays text. Then a signed-in person opens the clip, picks "Use this
// sound", uploads their own clip with it, and the sound's page lists both.
func TestBrowserSearchAndDiscover(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	creator := s.signUp("lamp_keeper", "lamp@example.org", "1990-01-01", "US")
	s.login(&creator)
	if r := s.do("PATCH", "/api/v1/me/profile", map[string]string{"display_name": xssName}, "Authorization", "Bearer "+creator.Token); r.Status != 200 {
		t.Fatalf("PATCH profile: %d %s", r.Status, r.Body)
	}
	id := s.publish(creator, "Lighthouse at golden hour #sunsetbeach "+xssScript+" "+xssAttr)
	waitFor(t, "the video in search", func() bool { return s.search("", "videos", "lighthouse").has(id) })

	bctx := browsertest.Start(t, chrome)
	ctx, cancel := context.WithTimeout(bctx, 180*time.Second)
	defer cancel()
	b := newTab(t, ctx)
	base := s.URL()
	tile := `document.querySelector('a.tile[href="/v/` + id + `"]')`

	// Discover: the hashtag trends worldwide, with the clip.
	b.Do(chromedp.Navigate(base + "/discover"))
	b.Wait("the trending hashtag", `[...document.querySelectorAll('.trends[data-list=worldwide] .trend h3 a')].some(a => a.textContent === '#sunsetbeach') && `+
		`document.querySelector('.trends[data-list=worldwide] a.tile[href="/v/`+id+`"]')`, `document.querySelector('.discoverpage').innerText`, 15*time.Second)
	b.noXSS("discover")

	// Search from the nav, as one types.
	b.Do(chromedp.Click(chromedp.CSS(`.nav-search`)))
	b.Wait("the search page", `document.getElementById('search-q')`, "", 10*time.Second)
	b.Do(chromedp.SendKeys(chromedp.ID("search-q"), "lighth"))
	b.Wait("the clip found by a prefix", tile, `document.querySelector('.search-results').innerText`, 10*time.Second)
	b.Do(chromedp.Click(chromedp.CSS(`.search-tabs [data-type=people]`)))
	b.Wait("nobody called lighth", `document.querySelector('.search-results .notice')`, `document.querySelector('.search-results').innerText`, 10*time.Second)
	clear := `document.getElementById('search-q').value = ''`
	b.Eval(clear)
	b.Do(chromedp.SendKeys(chromedp.ID("search-q"), "lamp_kee"))
	b.Wait("the creator found by half the handle", `document.querySelector('.search-results a.result-person[href="/@lamp_keeper"]')`,
		`document.querySelector('.search-results').innerText`, 10*time.Second)
	b.noXSS("people results")
	b.Do(chromedp.Click(chromedp.CSS(`.search-tabs [data-type=tags]`)))
	b.Eval(clear)
	b.Do(chromedp.SendKeys(chromedp.ID("search-q"), "#sunsetbaech"))
	b.Wait("the hashtag found with a typo", `document.querySelector('.search-results a.result-tag[href="/tag/sunsetbeach"]')`,
		`document.querySelector('.search-results').innerText`, 10*time.Second)
	// The page keeps the query in its own address (to come back to), and
	// a reload shows the same results.
	if loc := b.Location(); loc != base+"/search?q=%23sunsetbaech&type=tags" {
		t.Errorf("address after typing: %s", loc)
	}
	b.Do(chromedp.Reload())
	b.Wait("the same results after a reload", `document.querySelector('.search-results a.result-tag[href="/tag/sunsetbeach"]') && document.querySelector('.search-tabs [data-type=tags]').getAttribute('aria-selected') === 'true'`,
		"", 10*time.Second)
	b.Do(chromedp.Click(chromedp.CSS(`.search-tabs [data-type=videos]`)))
	b.Wait("the clip under Videos", tile, `document.querySelector('.search-results').innerText`, 10*time.Second)
	b.noXSS("video results")

	// Use this sound, from the clip's page, signed in.
	fan := s.signUp("sound_fan", "fan@example.org", "1990-01-01", "DE")
	b.Do(chromedp.Navigate(base+"/signin?next=%2Fv%2F"+id), chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.SendKeys(chromedp.ID("login"), fan.Handle), chromedp.SendKeys(chromedp.ID("password"), fan.Password),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
	b.Wait("the clip's remix links", `document.querySelector('.remix-actions a.remix-sound') && document.querySelector('.remix-actions a.remix-duet')`,
		`document.querySelector('.single-meta').innerText`, 15*time.Second)
	b.Do(chromedp.Click(chromedp.CSS(`.remix-actions a.remix-sound`)))
	b.Wait("the upload page for the sound", `document.querySelector('.remix-note') && !document.querySelector('.remix-note').hidden`, "", 10*time.Second)
	clip := filepath.Join(t.TempDir(), "mine.mp4")
	mediatest.Clip(t, clip, 360, 640, 2, true)
	b.Do(chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{clip}), chromedp.SendKeys(chromedp.ID("upload-caption"), "with that sound"))
	b.Do(chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)))
	b.Wait("the remix ready", `!document.querySelector('.result').hidden`, `document.querySelector('.processing-text').textContent`, 120*time.Second)
	href := b.Str(`document.querySelector('.result-link').getAttribute('href')`)
	mine, ok := strings.CutPrefix(href, "/v/")
	if !ok || b.Eval(`document.querySelector('.result-text').classList.contains('error')`) == true {
		t.Fatalf("remix upload: %s %s", href, b.Str(`document.querySelector('.result-text').textContent`))
	}
	var rec struct {
		Sound string
		Remix struct{ Kind, Of string }
	}
	s.do("GET", "/api/v1/videos/"+mine, nil).json(t, &rec)
	if rec.Sound != id || rec.Remix.Kind != "sound" || rec.Remix.Of != id {
		t.Fatalf("the page's upload is no remix of the clip: %+v", rec)
	}
	waitFor(t, "the remix in the catalogue", func() bool { _, ok := s.Cell("eu").Index.Video(mine); return ok })
	b.Do(chromedp.Navigate(base + "/sound/" + id))
	b.Wait("the sound page with both clips", `document.querySelector('.sound-name').textContent === '♪ original sound – @lamp_keeper' && `+
		`document.querySelector('a.tile[href="/v/`+mine+`"]') && `+tile, `document.querySelector('.soundpage').innerText`, 15*time.Second)
	b.noXSS("sound page")
}
