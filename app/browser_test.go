package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"kurz/internal/browsertest"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"kurz/internal/mediatest"
)

// Payloads that run script if any page renders user text as markup or
// links it: each sets window.__xss and opens a dialog.
const (
	xssScript = `<script>window.__xss=1;alert(1)</script>`
	xssAttr   = `"><img src=x onerror="window.__xss=2;alert(2)">`
	xssURL    = `javascript:window.__xss=3;alert(3)`
	xssLink   = `<a href="javascript:window.__xss=4;alert(4)">x</a>`
	xssName   = `"><img src=x onerror="window.__xss=5">`
)

// needBrowserE2E returns chromium's path, or fails (CI) / skips (laptop)
// when chromium, ffmpeg or the front-end bundle baked into this binary is
// missing.
func needBrowserE2E(t *testing.T, s *server) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		browsertest.Missing(t, "ffmpeg not installed (apt-get install ffmpeg)")
	}
	if page := s.do("GET", "/signup", nil); page.Status != 200 || !strings.Contains(string(page.Body), "/static/dist/app.js?v=") {
		browsertest.Missing(t, "front-end bundle not built: cd web && npm ci && npm run build, then rebuild the test")
	}
	return browsertest.Chromium(t)
}

// tab is a browser tab of the end-to-end test, with its own helpers.
type tab struct{ *browsertest.Tab }

func newTab(t *testing.T, ctx context.Context) *tab {
	t.Helper()
	return &tab{browsertest.NewTab(t, ctx, 390, 844)}
}

// reloadUntil loads path again and again until cond holds: counts arrive
// through the public log, so they are eventually, not instantly, right.
func (b *tab) reloadUntil(base, path, what, ready, cond, diag string) {
	b.T.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.Do(chromedp.Navigate(base + path))
		b.Wait(path+" rendered", ready, "", 15*time.Second)
		ok, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool]("!!("+cond+")"))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.T.Fatalf("%s: not shown on %s after reloads: %v", what, path, b.Eval(diag))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// noXSS checks that no payload ran and none became live markup: no
// window.__xss, no dialog, no event-handler attribute, no javascript:
// URL, no inline script besides the JSON boot block, no <img src=x>.
func (b *tab) noXSS(where string) {
	b.T.Helper()
	bad := b.Str(`(() => {
		const bad = [];
		if (typeof window.__xss !== 'undefined') bad.push('window.__xss = ' + window.__xss);
		for (const el of document.querySelectorAll('*')) {
			for (const a of el.attributes) {
				if (/^on/i.test(a.name)) bad.push(el.tagName + ' has ' + a.name);
				if (/^\s*javascript:/i.test(a.value)) bad.push(el.tagName + ' ' + a.name + '=' + a.value);
			}
		}
		for (const s of document.scripts) if (!s.src && s.type !== 'application/json') bad.push('inline script: ' + s.textContent);
		for (const i of document.images) if (i.getAttribute('src') === 'x') bad.push('img src=x');
		return bad.join('; ');
	})()`)
	if bad != "" {
		b.T.Errorf("%s: injected markup is live: %s", where, bad)
	}
	b.NoDialogs(where)
}

// playing waits until the video matched by sel plays: currentTime
// advances while not paused, and a decoded frame is not blank.
func (b *tab) playing(what, sel string) {
	b.T.Helper()
	v := fmt.Sprintf(`document.querySelector(%q)`, sel)
	diag := fmt.Sprintf(`(() => { const v = %s; return v && JSON.stringify({t: v.currentTime, p: v.paused, rs: v.readyState, e: v.error && v.error.message, src: v.src}); })()`, v)
	b.Wait(what+" playing", fmt.Sprintf(`(() => { const v = %s; return v && !v.paused && v.readyState >= 2 && v.currentTime > 0.3; })()`, v), diag, 30*time.Second)
	t0, _ := b.Eval(v + `.currentTime`).(float64)
	b.Wait(what+" advancing", fmt.Sprintf(`%s.currentTime > %g + 0.4 || %s.currentTime < %g`, v, t0, v, t0), diag, 10*time.Second)
	bright := b.Eval(fmt.Sprintf(`(() => { const v = %s; const c = document.createElement('canvas'); c.width = 36; c.height = 64;
		const g = c.getContext('2d'); g.drawImage(v, 0, 0, 36, 64); const d = g.getImageData(0, 0, 36, 64).data;
		let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i] + d[i+1] + d[i+2]; return s / (d.length / 4); })()`, v))
	if f, _ := bright.(float64); f < 20 {
		b.T.Errorf("%s: decoded frame is blank (mean brightness %v)", what, bright)
	}
}

// artifacts is where screenshots go: $KURZ_ARTIFACTS/app, else a
// temporary directory.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if a := os.Getenv("KURZ_ARTIFACTS"); a != "" {
		dir = filepath.Join(a, "app")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func (b *tab) shoot(dir, name string) {
	b.T.Helper()
	buf, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.T.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.T.Fatal(err)
	}
	b.T.Logf("screenshot: %s", p)
}

// TestBrowserEndToEnd drives chromium against the real server (eu, us, sg
// in one process): sign-up and sign-in through the pages, an upload
// through the upload page to a playing video, the feed playing a clip,
// like, comment and follow across regions with the counts checked after
// reloads, XSS payloads from another person shown as text on the feed,
// video and profile pages, and cross-origin writes refused.
func TestBrowserEndToEnd(t *testing.T) {
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	shots := artifacts(t)
	dir := t.TempDir()
	base := s.URL()

	// A second person, in another region (us), with hostile text
	// everywhere: caption, comment, display name, bio.
	bob := s.signUp("brook_xss", "brook@example.org", "1992-03-04", "US")
	s.login(&bob)
	bio := xssScript + " " + xssAttr + " " + xssLink + " " + xssURL
	if r := s.do("PATCH", "/api/v1/me/profile", map[string]string{"bio": bio, "display_name": xssName}, "Authorization", "Bearer "+bob.Token); r.Status != 200 {
		t.Fatalf("PATCH profile: %d %s", r.Status, r.Body)
	}
	bobClip := filepath.Join(dir, "bob.mp4")
	mediatest.Clip(t, bobClip, 360, 640, 3, true)
	bobCaption := xssScript + " " + xssAttr + " " + xssLink + " " + xssURL + " #xss"
	up := s.tusUpload(bob.Token, bobClip, map[string]string{"caption": bobCaption, "filename": "bob.mp4", "visibility": "public"}, 1, "")
	if up.Error != "" || !up.Done || up.VideoID == "" {
		t.Fatalf("bob's upload: %+v", up)
	}
	bid := up.VideoID // transcodes while the browser signs up

	clip := filepath.Join(dir, "my first clip.mp4")
	mediatest.Clip(t, clip, 360, 640, 3, true)

	bctx := browsertest.Start(t, chrome, chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	ctx, cancel := context.WithTimeout(bctx, 150*time.Second)
	defer cancel()
	b := newTab(t, ctx)
	viewer := `(JSON.parse(document.getElementById('kurz-boot').textContent).viewer || {}).handle`

	// 1. Sign up through the page (it signs in too), sign out, sign in
	// through the sign-in page by email.
	b.Do(chromedp.Navigate(base+"/signup"), chromedp.WaitVisible(chromedp.ID("signup-form")),
		chromedp.SendKeys(chromedp.ID("handle"), "ada_browser"),
		chromedp.SendKeys(chromedp.ID("email"), "ada@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), "a good long passphrase"),
		chromedp.SetValue(chromedp.ID("birth_date"), "1990-05-01"),
		chromedp.SetValue(chromedp.ID("country"), "DE"))
	b.shoot(shots, "signup.png")
	b.Do(chromedp.Click(chromedp.CSS(`#signup-form button[type=submit]`)))
	b.Wait("signed in after sign-up", viewer+` === 'ada_browser' && location.pathname === '/'`,
		`[...document.querySelectorAll('.form-error')].map(e => e.textContent).join('|')`, 20*time.Second)
	b.Click(`.nav-signout`)
	b.Wait("signed out", `!!document.querySelector('.nav-signin') && !`+viewer, "", 10*time.Second)
	b.Do(chromedp.Navigate(base+"/signin?next=%2Fupload"), chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.SendKeys(chromedp.ID("login"), "ada@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), "a good long passphrase"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
	b.Wait("signed in, on the upload page", viewer+` === 'ada_browser' && !!document.getElementById('upload-form')`,
		`[...document.querySelectorAll('.form-error')].map(e => e.textContent).join('|')`, 20*time.Second)
	var session string
	if res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}}); err != nil {
		t.Fatal(err)
	} else {
		for _, c := range res.Cookies {
			if c.Name == "kurz_session" {
				session = c.Value
				if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
					t.Errorf("session cookie: httpOnly %v, sameSite %q", c.HTTPOnly, c.SameSite)
				}
			}
		}
	}
	if session == "" {
		t.Fatal("no session cookie after signing in")
	}
	asAda := []string{"Cookie", "kurz_session=" + session}

	// 2. Upload through the page: file, caption with a hashtag, submit;
	// the page shows progress, then processing, then the playing video.
	b.Do(chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{clip}),
		chromedp.SendKeys(chromedp.ID("upload-caption"), "Hello from the browser #kurzE2E"))
	b.Wait("file picked", `document.querySelector('.drop-name').textContent === 'my first clip.mp4'`, "", 5*time.Second)
	b.shoot(shots, "upload-form.png")
	b.Do(chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)))
	b.Wait("processing state", `!document.querySelector('.processing').hidden || !document.querySelector('.result').hidden`,
		`document.querySelector('[data-error-for=""]').textContent + ' ' + document.querySelector('.progress-text').textContent`, 30*time.Second)
	b.Wait("upload ready", `!document.querySelector('.result').hidden`, `document.querySelector('.processing-text').textContent`, 90*time.Second)
	if b.Eval(`document.querySelector('.result-text').classList.contains('error')`) == true {
		t.Fatalf("upload failed: %s", b.Str(`document.querySelector('.result-text').textContent`))
	}
	href := b.Str(`document.querySelector('.result-link').getAttribute('href')`)
	aid, ok := strings.CutPrefix(href, "/v/")
	if !ok || !strings.HasPrefix(aid, "eu_") {
		t.Fatalf("result link %q: want /v/eu_…", href)
	}
	b.playing("uploaded video on the upload page", ".result video")
	b.shoot(shots, "upload-ready.png")
	var mine videoJSON
	s.do("GET", "/api/v1/videos/"+aid, nil, asAda...).json(t, &mine)
	if mine.Status != "ready" || mine.Caption != "Hello from the browser #kurzE2E" || strings.Join(mine.Hashtags, ",") != "kurze2e" || mine.Creator.Handle != "ada_browser" {
		t.Fatalf("uploaded video: %+v", mine)
	}

	// Bob's clip is ready too, and hostile comment is on it.
	if v := s.waitVideo(bob.Token, bid); v.Status != "ready" {
		t.Fatalf("bob's video ended %q: %s", v.Status, v.Error)
	}
	comment := xssScript + " " + xssAttr + " " + xssURL
	if r := s.do("POST", "/api/v1/videos/"+bid+"/comments", map[string]string{"text": comment}, "Authorization", "Bearer "+bob.Token); r.Status != 201 {
		t.Fatalf("bob's comment: %d %s", r.Status, r.Body)
	}
	feedHas := func(id string, hdr ...string) func() bool {
		return func() bool {
			var f struct{ Items []videoJSON }
			s.do("GET", "/api/v1/feed?kind=foryou", nil, hdr...).json(t, &f)
			for _, v := range f.Items {
				if v.ID == id {
					return true
				}
			}
			return false
		}
	}
	waitFor(t, "ada's clip in a visitor's feed", feedHas(aid))
	waitFor(t, "bob's clip in ada's feed", feedHas(bid, asAda...))

	// 3. A signed-out visitor (a fresh browser context) sees ada's clip in
	// the feed, and it plays.
	vctx, vcancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	visitor := newTab(t, vctx)
	mineSel := fmt.Sprintf(`.clip[data-id=%q]`, aid)
	visitor.Do(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(mineSel)))
	if c := visitor.Str(fmt.Sprintf(`document.querySelector('%s .caption').textContent`, mineSel)); c != "Hello from the browser #kurzE2E" {
		t.Errorf("caption in the feed: %q", c)
	}
	visitor.Eval(fmt.Sprintf(`document.querySelector('%s').scrollIntoView({block: 'start'})`, mineSel))
	visitor.playing("ada's clip in the visitor's feed", mineSel+" video")
	visitor.shoot(shots, "feed-visitor.png")
	visitor.noXSS("visitor's feed")
	vcancel()

	// Ada's own feed (For You leaves out her own clips) plays bob's clip
	// and shows his caption as text.
	bobSel := fmt.Sprintf(`.clip[data-id=%q]`, bid)
	b.Do(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(bobSel)))
	b.playing("bob's clip in ada's feed", bobSel+" video")
	capText := b.Str(fmt.Sprintf(`document.querySelector('%s .caption').textContent`, bobSel))
	if capText != bobCaption {
		t.Errorf("feed caption not shown literally:\n got %q\nwant %q", capText, bobCaption)
	}
	if links := b.Str(fmt.Sprintf(`[...document.querySelectorAll('%s .caption a')].map(a => a.getAttribute('href')).join(' ')`, bobSel)); links != "/tag/xss" {
		t.Errorf("caption links: %q, want only /tag/xss", links)
	}
	b.shoot(shots, "feed.png")
	b.noXSS("feed")

	// 4. Like, comment, follow, from the feed.
	b.Do(chromedp.Click(chromedp.CSS(bobSel + " .act.like")))
	b.Wait("like pressed", fmt.Sprintf(`document.querySelector('%s .act.like').getAttribute('aria-pressed') === 'true'`, bobSel), "", 5*time.Second)
	b.Do(chromedp.Click(chromedp.CSS(bobSel + " .act.comments")))
	b.Wait("comments sheet with bob's comment", `document.querySelector('dialog.sheet').open && [...document.querySelectorAll('.comment .text')].some(e => e.textContent === `+jsString(comment)+`)`,
		`document.querySelector('dialog.sheet').innerHTML`, 15*time.Second)
	b.noXSS("comments sheet in the feed")
	b.Do(chromedp.SendKeys(chromedp.ID("comment-text"), "What a clip! #nice"),
		chromedp.Click(chromedp.CSS(`.comment-form button[type=submit]`)))
	b.Wait("own comment listed", `[...document.querySelectorAll('.comment .text')].some(e => e.textContent === 'What a clip! #nice')`,
		`document.querySelector('.comment-form .form-error').textContent`, 10*time.Second)
	b.shoot(shots, "comments.png")
	b.Do(chromedp.Click(chromedp.CSS(`dialog.sheet .sheet-head button`)))
	b.Wait("sheet closed", `!document.querySelector('dialog.sheet').open`, "", 5*time.Second)
	b.Do(chromedp.Click(chromedp.CSS(bobSel + " .follow")))
	b.Wait("follow pressed", fmt.Sprintf(`document.querySelector('%s .follow').getAttribute('aria-pressed') === 'true'`, bobSel), "", 5*time.Second)

	// The API agrees (eventually: counts travel through the public log).
	// (GET /api/v1/videos/{id} does not report liked/following for a
	// video hosted in this process; the pages below check those.)
	eventually(t, "counts in the API", func() (bool, string) {
		var v struct{ Likes, Comments int }
		r := s.do("GET", "/api/v1/videos/"+bid, nil, asAda...)
		r.json(t, &v)
		var u struct{ Followers int }
		ru := s.do("GET", "/api/v1/users/brook_xss", nil)
		ru.json(t, &u)
		return v.Likes == 1 && v.Comments == 2 && u.Followers == 1, string(r.Body) + " " + string(ru.Body)
	})

	// After reloads the pages show the persisted state: the video page,
	// the Following tab and bob's profile.
	actions := func(sel string) string {
		return fmt.Sprintf(`(() => { const c = document.querySelector(%q); if (!c) return false;
			const like = c.querySelector('.act.like'), com = c.querySelector('.act.comments'), f = c.querySelector('.follow');
			return like.getAttribute('aria-pressed') === 'true' && like.querySelector('.count').textContent === '1' &&
				com.querySelector('.count').textContent === '2' && f.getAttribute('aria-pressed') === 'true'; })()`, sel)
	}
	actionsDiag := func(sel string) string {
		return fmt.Sprintf(`(() => { const c = document.querySelector(%q); return c ? c.querySelector('.actions').outerHTML : 'no ' + %q; })()`, sel, sel)
	}
	b.reloadUntil(base, "/v/"+bid, "like, comment and follow on the video page", `!!document.querySelector('.single .clip .actions')`,
		actions(".single .clip"), actionsDiag(".single .clip"))
	b.reloadUntil(base, "/?kind=following", "bob's clip with counts in the Following tab", fmt.Sprintf(`!!document.querySelector('%s .actions')`, bobSel),
		actions(bobSel), actionsDiag(bobSel))
	b.reloadUntil(base, "/@brook_xss", "one follower on bob's profile", `!!document.querySelector('.followers-count')`,
		`document.querySelector('.followers-count').textContent === '1' && document.querySelector('.follow-profile').getAttribute('aria-pressed') === 'true'`,
		`document.querySelector('.profile').outerHTML`)

	// 6. XSS: the profile and the video page show bob's text literally.
	if got := b.Str(`document.querySelector('.bio').textContent`); got != bio {
		t.Errorf("bio not shown literally:\n got %q\nwant %q", got, bio)
	}
	if got := b.Str(`document.querySelector('.profile h1').textContent`); got != xssName {
		t.Errorf("display name not shown literally: %q", got)
	}
	if got := b.Str(`document.title`); !strings.Contains(got, xssName) {
		t.Errorf("title %q does not carry the display name as text", got)
	}
	b.shoot(shots, "profile.png")
	b.noXSS("profile page")
	b.Do(chromedp.Navigate(base+"/v/"+bid), chromedp.WaitVisible(chromedp.CSS(`.single .clip .actions`)))
	if got := b.Str(`document.querySelector('.single-meta .caption').textContent`); got != bobCaption {
		t.Errorf("video page caption not shown literally:\n got %q\nwant %q", got, bobCaption)
	}
	b.playing("bob's clip on the video page", ".single .clip video")
	b.Do(chromedp.Click(chromedp.CSS(`.single .clip .act.comments`)))
	b.Wait("comments on the video page", `[...document.querySelectorAll('.comment .text')].some(e => e.textContent === `+jsString(comment)+`)`,
		`document.querySelector('dialog.sheet').innerHTML`, 15*time.Second)
	b.shoot(shots, "video-page.png")
	b.noXSS("video page")

	// 7. CSRF: pages on other origins make the signed-in browser post a
	// comment: a form (text/plain shaped as JSON, and urlencoded) and
	// fetch (no-cors, and CORS with JSON). One origin is same-site
	// (127.0.0.1, another port: the Lax session cookie is sent), one
	// cross-site (127.0.0.2).
	target := base + "/api/v1/videos/" + bid + "/comments"
	evil := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enctype := "text/plain"
		field := `<input name='{"text":"csrf form` + "' value='" + `post"}'>`
		if r.URL.Query().Get("form") == "urlencoded" {
			enctype = "application/x-www-form-urlencoded"
			field = `<input name="text" value="csrf urlencoded">`
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>win a prize</title>
<form id="f" method="POST" action="%s" enctype="%s">%s</form>
<script>
(async () => {
  const u = %s;
  try { await fetch(u, {method: 'POST', mode: 'no-cors', credentials: 'include', headers: {'Content-Type': 'text/plain'}, body: '{"text":"csrf fetch"}'}); } catch (e) {}
  try { await fetch(u, {method: 'POST', credentials: 'include', headers: {'Content-Type': 'application/json'}, body: '{"text":"csrf cors"}'}); } catch (e) {}
  document.getElementById('f').submit();
})();
</script>`, html.EscapeString(target), enctype, field, jsString(target))
	})
	sameSite := httptest.NewServer(evil)
	defer sameSite.Close()
	origins := []string{sameSite.URL}
	if ln, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
		crossSite := &httptest.Server{Listener: ln, Config: &http.Server{Handler: evil}}
		crossSite.Start()
		defer crossSite.Close()
		origins = append(origins, crossSite.URL)
	} else {
		t.Logf("no 127.0.0.2 (%v): only the same-site origin is tried", err)
	}
	for _, o := range origins {
		for _, form := range []string{"plain", "urlencoded"} {
			b.Do(chromedp.Navigate(o + "/?form=" + form))
			b.Wait("the form post from "+o, fmt.Sprintf(`location.href.startsWith(%q)`, target), "", 15*time.Second)
			b.Wait("its answer", `document.readyState === 'complete'`, "", 10*time.Second)
			body := b.Str(`document.body ? document.body.innerText : ''`)
			t.Logf("cross-origin form post (%s) from %s answered: %q", form, o, strings.TrimSpace(body))
			if strings.Contains(body, `"id"`) || strings.Contains(body, "csrf") {
				t.Errorf("cross-origin form post from %s was accepted: %s", o, body)
			}
		}
	}
	b.NoDialogs("attacker pages")
	var list struct {
		Items []struct{ Text string }
	}
	s.do("GET", "/api/v1/videos/"+bid+"/comments", nil, asAda...).json(t, &list)
	if len(list.Items) != 2 {
		t.Errorf("comments after the cross-origin posts: %d, want 2: %+v", len(list.Items), list.Items)
	}
	for _, c := range list.Items {
		if strings.Contains(c.Text, "csrf") {
			t.Errorf("a cross-origin post created a comment: %q", c.Text)
		}
	}
	// The session still works for same-origin writes from the page.
	b.Do(chromedp.Navigate(base + "/v/" + bid))
	b.Wait("video page", `!!document.querySelector('.single .clip .actions')`, "", 10*time.Second)
	if r, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch('/api/v1/me', {credentials: 'same-origin'}).then(r => String(r.status))`, chromedp.EvalAwaitPromise)); err != nil || r != "200" {
		t.Errorf("session after the attack: GET /api/v1/me %s %v", r, err)
	}
	b.NoDialogs("end")
}

// eventually polls cond for up to 20 seconds; on failure it shows the
// last state cond described.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last: %s", what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}
