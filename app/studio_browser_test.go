package app_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kurz/app"
	"kurz/internal/browsertest"
)

// TestBrowserStudioAndShell drives Chromium at 390x844 (in German) and
// 1280x800 (in English): a sign-up with five bad fields shows every error
// next to its field in the page's language; the app's navigation (a
// bottom bar on the phone, a side bar on the wide screen) leads Home,
// Discover and Me and back; a double tap likes the playing clip, whose
// progress bar moves; the creator studio shows every video with its
// state (a removed one with its statement) and numbers with charts,
// saves a new caption and deletes a video; the manifest and the service
// worker are served, and once the network is gone a page opens as the
// offline page. It writes screenshots of each page at both sizes.
func TestBrowserStudioAndShell(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	shots := artifacts(t)

	// Every request goes through a proxy the test can take away: the
	// network really gone, for the offline page.
	target, _ := url.Parse(s.URL())
	proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	defer proxy.Close()
	base := proxy.URL

	maker := s.signUp("studiobrowser", "studiobrowser@example.org", "1990-01-01", "DE")
	s.login(&maker)
	var ids []string
	for i := range 5 {
		ids = append(ids, s.publish(maker, fmt.Sprintf("clip number %d #studio", i+1)))
	}
	removed := ids[4]
	// The feed recommends nobody their own videos: another creator's.
	other := s.signUp("studiofeed", "studiofeed@example.org", "1990-01-01", "US")
	s.login(&other)
	feedClip := s.publish(other, "a clip for the feed")
	waitFor(t, "the other creator's clip in eu", func() bool { _, ok := s.Cell("eu").Index.Video(feedClip); return ok })
	if _, err := app.RemoveVideo(t.Context(), s.Cell("eu"), removed, app.Reasons{Explanation: "It shows a thing the rules do not allow.",
		Category: "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"}); err != nil {
		t.Fatal(err)
	}
	// Some numbers for the charts: a signed-out view that watched to the end.
	if r := s.do("POST", "/api/v1/videos/"+ids[0]+"/view", map[string]any{"watch_ms": 900, "completed": true}); r.Status != 204 {
		t.Fatalf("view: %d %s", r.Status, r.Body)
	}

	// The manifest and the service worker, with their types and caching.
	m := s.do("GET", "/manifest.webmanifest", nil)
	if m.Status != 200 || m.Header.Get("Content-Type") != "application/manifest+json" || !strings.Contains(m.Header.Get("Cache-Control"), "max-age") ||
		!strings.Contains(string(m.Body), `"display":"standalone"`) || !strings.Contains(string(m.Body), "icon-512.png") {
		t.Fatalf("manifest: %d %v %s", m.Status, m.Header, m.Body)
	}
	sw := s.do("GET", "/sw.js", nil)
	if sw.Status != 200 || !strings.HasPrefix(sw.Header.Get("Content-Type"), "text/javascript") || sw.Header.Get("Cache-Control") != "no-cache" ||
		!strings.Contains(string(sw.Body), "/offline") || strings.Contains(string(sw.Body), "/api/") {
		t.Fatalf("service worker: %d %v %s", sw.Status, sw.Header, sw.Body)
	}

	bctx := browsertest.Start(t, chrome, chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	ctx, cancel := context.WithTimeout(bctx, 240*time.Second)
	defer cancel()
	b := &tab{browsertest.NewTab(t, ctx, 390, 844)}
	full := func(name string) {
		buf, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(shots, name)
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
	shot := func(name string) { b.shoot(shots, name) }
	errorsShown := `[...document.querySelectorAll('#signup-form .form-error')].map(e => e.dataset.errorFor + '=' + e.textContent).join(' | ')`

	type size struct {
		name       string
		w, h       int64
		lang       string
		edit, del  string
		phone      bool
		wantErrors map[string]string
	}
	sizes := []size{
		{name: "390x844", w: 390, h: 844, lang: "de", edit: ids[0], del: ids[1], phone: true,
			wantErrors: map[string]string{"handle": "Ein Nutzername hat 3 bis 24 Zeichen", "email": "Das sieht nicht nach einer E-Mail-Adresse aus.",
				"password": "Ein Passwort braucht mindestens 8 Zeichen.", "birth_date": "Gib dein Geburtsdatum ein.", "country": "Wähle dein Land."}},
		{name: "1280x800", w: 1280, h: 800, lang: "en", edit: ids[2], del: ids[3],
			wantErrors: map[string]string{"handle": "a handle has 3 to 24 characters", "email": "this does not look like an email address",
				"password": "a password needs at least 8 characters", "birth_date": "enter your birth date", "country": "choose your country"}},
	}
	signedIn := false
	for _, sz := range sizes {
		b.Do(chromedp.EmulateViewport(sz.w, sz.h))
		if signedIn {
			b.Click(`.nav-signout`)
			b.Wait("signed out", `!!document.querySelector('.nav-signin')`, "", 10*time.Second)
		}

		// 1. A sign-up with five bad fields, in the page's language.
		b.Do(chromedp.Navigate(base+"/lang/"+sz.lang+"?next=%2Fsignup"), chromedp.WaitVisible(chromedp.ID("signup-form")),
			chromedp.SendKeys(chromedp.ID("handle"), "A!"),
			chromedp.SendKeys(chromedp.ID("email"), "nope"),
			chromedp.SendKeys(chromedp.ID("password"), "short"),
			chromedp.Click(chromedp.CSS(`#signup-form button[type=submit]`)))
		b.Wait("every field's error", `[...document.querySelectorAll('#signup-form .form-error[data-error-for]:not([data-error-for=""])')].every(e => e.textContent)`,
			errorsShown, 10*time.Second)
		for field, want := range sz.wantErrors {
			got := b.Str(`document.querySelector('#signup-form [data-error-for="` + field + `"]').textContent`)
			if !strings.HasPrefix(got, want) {
				t.Errorf("%s: the error next to %s = %q, want %q…", sz.name, field, got, want)
			}
			if b.Str(`document.getElementById('`+field+`').getAttribute('aria-invalid')`) != "true" {
				t.Errorf("%s: %s is not marked invalid", sz.name, field)
			}
		}
		full("signup-errors-" + sz.lang + "-" + sz.name + ".png")

		// 2. Sign in; the navigation leads around.
		b.Do(chromedp.Navigate(base+"/signin"), chromedp.WaitVisible(chromedp.ID("signin-form")),
			chromedp.SendKeys(chromedp.ID("login"), maker.Handle),
			chromedp.SendKeys(chromedp.ID("password"), maker.Password),
			chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
		b.Wait("the feed, signed in", `location.pathname === '/' && !!document.querySelector('.appnav-me .avatar')`, `location.href`, 20*time.Second)
		signedIn = true
		rect := `(() => { const r = document.querySelector('.appnav').getBoundingClientRect(); return [r.left, r.top, r.width, r.height, innerWidth, innerHeight].join(','); })()`
		if sz.phone {
			b.Wait("a bar at the bottom", `(() => { const r = document.querySelector('.appnav').getBoundingClientRect(); return r.bottom === innerHeight && r.width === innerWidth && r.height < 90; })()`, rect, 5*time.Second)
		} else {
			b.Wait("a bar at the side", `(() => { const r = document.querySelector('.appnav').getBoundingClientRect(); return r.left === 0 && r.width < 300 && r.height > 500; })()`, rect, 5*time.Second)
		}
		if n := b.Eval(`document.querySelectorAll('.appnav a:not([hidden])').length`); n.(float64) < 5 {
			t.Fatalf("%s: %v entries in the navigation", sz.name, n)
		}
		if b.Str(`document.querySelector('.appnav-inbox').getAttribute('href')`) != "/inbox" ||
			b.Eval(`!!document.querySelector('.appnav-inbox [data-unread-badge]')`) != true {
			t.Errorf("%s: the inbox entry or its badge is missing", sz.name)
		}
		// The playing clip's progress bar moves; a double tap likes it.
		b.Wait("a clip playing", `(() => { const v = document.querySelector('.clip video'); return v && v.currentTime > 0.2; })()`, "", 20*time.Second)
		b.Wait("its progress bar moving", `(() => { const f = document.querySelector('.clip .clip-progress-fill'); return f && /scaleX\(0\.[1-9]|scaleX\(1\)/.test(f.style.transform); })()`,
			`document.querySelector('.clip .clip-progress-fill').style.transform`, 10*time.Second)
		first := b.Str(`document.querySelector('.clip').dataset.id`)
		if first != feedClip {
			t.Errorf("%s: the feed starts with %s, want %s", sz.name, first, feedClip)
		}
		if sz.phone {
			b.Do(chromedp.DoubleClick(chromedp.CSS(`.clip video`)))
			b.Wait("liked by a double tap", `document.querySelector('.clip .act.like').getAttribute('aria-pressed') === 'true'`, "", 5*time.Second)
			waitFor(t, "the like counted", func() bool { return s.videoCounts(first).Likes == 1 })
		}
		shot("feed-" + sz.name + ".png")
		b.Do(chromedp.Click(chromedp.CSS(`.appnav-discover`)))
		b.Wait("Discover", `location.pathname === '/discover' && document.querySelector('.appnav-discover').getAttribute('aria-current') === 'page'`, `location.href`, 10*time.Second)
		shot("discover-" + sz.name + ".png")
		b.Do(chromedp.Click(chromedp.CSS(`.appnav-me`)))
		b.Wait("Me", `location.pathname === '/@studiobrowser' && document.querySelector('.appnav-me').getAttribute('aria-current') === 'page'`, `location.href`, 10*time.Second)
		b.Do(chromedp.Click(chromedp.CSS(`.appnav-home`)))
		b.Wait("Home", `location.pathname === '/' && document.querySelector('.appnav-home').getAttribute('aria-current') === 'page'`, `location.href`, 10*time.Second)

		// 3. The studio: reached from one's profile on the phone, from
		// the side bar on wide screens.
		if sz.phone {
			b.Do(chromedp.Click(chromedp.CSS(`.appnav-me`)))
			b.Wait("Me", `location.pathname === '/@studiobrowser'`, `location.href`, 10*time.Second)
			b.Do(chromedp.Click(chromedp.CSS(`.profile-studio a`)))
		} else {
			b.Do(chromedp.Click(chromedp.CSS(`.appnav-studio`)))
		}
		cards := `document.querySelectorAll('.studio-video').length`
		want := 5
		if !sz.phone {
			want = 4 // the phone deleted one
		}
		b.Wait("the studio's videos", fmt.Sprintf(`%s === %d && !!document.querySelector('[data-chart="totals"] canvas')`, cards, want), cards, 20*time.Second)
		gone := b.Str(`document.querySelector('.studio-video[data-id="` + removed + `"] .studio-removal').textContent`)
		if !strings.Contains(gone, "It shows a thing the rules do not allow.") {
			t.Errorf("%s: the removed video's statement: %q", sz.name, gone)
		}
		if v := b.Str(`document.querySelector('.studio-totals [data-number="views"] dd').textContent`); v != "1" {
			t.Errorf("%s: total views shown %q, want 1", sz.name, v)
		}
		card := `.studio-video[data-id="` + sz.edit + `"] `
		b.Do(chromedp.Click(chromedp.CSS(card + `.studio-more summary`)))
		b.Wait("the video's chart", `!!document.querySelector('`+card+`.studio-more canvas')`, "", 5*time.Second)
		full("studio-" + sz.name + ".png")

		// Edit a caption.
		caption := "a better caption " + sz.name + " #studio"
		b.Do(chromedp.SetValue(chromedp.CSS(card+`textarea[name=caption]`), caption),
			chromedp.Click(chromedp.CSS(card+`button[type=submit]`)))
		waitFor(t, "the new caption", func() bool {
			var v struct{ Caption string }
			s.do("GET", "/api/v1/videos/"+sz.edit, nil).json(t, &v)
			return v.Caption == caption
		})
		// Delete another, through its confirmation.
		dcard := `.studio-video[data-id="` + sz.del + `"] `
		b.Do(chromedp.Click(chromedp.CSS(dcard + `.studio-delete`)))
		b.Wait("the confirmation", `!document.querySelector('`+dcard+`.studio-confirm').hidden`, "", 5*time.Second)
		full("studio-delete-" + sz.name + ".png")
		b.Do(chromedp.Click(chromedp.CSS(dcard + `.studio-delete-yes`)))
		b.Wait("the card gone", fmt.Sprintf(`%s === %d && !document.querySelector('%s')`, cards, want-1, strings.TrimSpace(dcard)), cards, 10*time.Second)
		if r := s.do("GET", "/api/v1/videos/"+sz.del, nil, bearer(maker)...); r.Status != 404 {
			t.Errorf("%s: the deleted video answers %d", sz.name, r.Status)
		}
		b.Do(chromedp.Reload())
		b.Wait("the caption kept", `document.querySelector('`+card+`textarea[name=caption]').value === `+fmt.Sprintf("%q", caption), "", 10*time.Second)
	}

	// 4. The service worker controls the page; then the network goes.
	b.Wait("the service worker in control", `!!navigator.serviceWorker.controller`, `navigator.serviceWorker.controller`, 20*time.Second)
	proxy.CloseClientConnections()
	proxy.Close()
	for i, sz := range []size{sizes[1], sizes[0]} {
		b.Do(chromedp.EmulateViewport(sz.w, sz.h))
		b.Do(chromedp.Navigate(base + fmt.Sprintf("/discover?try=%d", i)))
		// The worker kept the offline page when it was installed, on the
		// German pages.
		b.Wait("the offline page", `document.querySelector('.offline h1') && document.querySelector('.offline h1').textContent === 'Du bist offline'`,
			`document.body.innerText.slice(0, 200)`, 10*time.Second)
		if b.Eval(`!!getComputedStyle(document.querySelector('.appnav')).position.match(/fixed/)`) != true {
			t.Errorf("%s: the offline page is unstyled", sz.name)
		}
		shot("offline-" + sz.name + ".png")
	}
	b.NoDialogs("the studio and the shell")
}
