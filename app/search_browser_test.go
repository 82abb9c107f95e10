package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kurz/internal/browsertest"
)

// TestBrowserSearchAndDiscover: in Chromium, Discover shows a trending
// hashtag with its clip; the search page finds the clip as one types a
// word of its caption, the creator under People and the hashtag (typed
// with a typo) under Hashtags; hostile text in the caption and the name
// stays text.
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
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
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
}
