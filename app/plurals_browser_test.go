package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kurz/internal/browsertest"
)

// TestBrowserGermanPlurals: German pages in Chromium count 0, 1 and 2 in
// the right plural form (CLDR's rules for German): a video page's views
// ("0 Aufrufe", "1 Aufruf", "2 Aufrufe") and its creator's likes ("0
// Likes", "1 Like", "2 Likes"), as two people watch and like the video.
func TestBrowserGermanPlurals(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	creator := s.signUp("plcreator", "plcreator@example.org", "1990-01-01", "DE")
	fans := []account{s.signUp("plfan1", "plfan1@example.org", "1990-01-01", "DE"), s.signUp("plfan2", "plfan2@example.org", "1990-01-01", "FR")}
	s.login(&creator)
	for i := range fans {
		s.login(&fans[i])
	}
	video := s.publish(creator, "zählen bitte")

	bctx := browsertest.Start(t, chrome)
	ctx, cancel := context.WithTimeout(bctx, 120*time.Second)
	defer cancel()
	b := newTab(t, ctx)
	base := s.URL()
	b.Do(chromedp.Navigate(base + "/lang/de?next=/v/" + video))
	stats := `document.querySelector('.single .stats, .stats') && document.querySelector('.single .stats, .stats').textContent.trim()`
	profile := `[...document.querySelectorAll('main li')].map(li => li.textContent.replace(/\s+/g, ' ').trim())`
	want := func(views, likes string) {
		t.Helper()
		b.reloadUntil(base, "/v/"+video, views, `document.querySelector('.stats')`, stats+` === `+jsString(views), stats)
		b.reloadUntil(base, "/@"+creator.Handle, likes, `document.querySelector('main')`, profile+`.includes(`+jsString(likes)+`)`, profile+`.join(' | ')`)
	}
	want("0 Aufrufe", "0 Likes")
	for i, f := range fans {
		if r := s.do("POST", "/api/v1/videos/"+video+"/view", nil, bearer(f)...); r.Status != 204 {
			t.Fatalf("view: %d %s", r.Status, r.Body)
		}
		if r := s.do("PUT", "/api/v1/videos/"+video+"/like", nil, bearer(f)...); r.Status != 200 {
			t.Fatalf("like: %d %s", r.Status, r.Body)
		}
		if i == 0 {
			want("1 Aufruf", "1 Like")
		} else {
			want("2 Aufrufe", "2 Likes")
		}
	}
	dir := artifacts(t)
	b.shoot(dir, "plurals-de-390x844.png")
	b.Do(chromedp.EmulateViewport(1280, 800))
	b.shoot(dir, "plurals-de-1280x800.png")
	b.NoDialogs("German pages")
}
