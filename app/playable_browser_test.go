package app_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"kurz/internal/browsertest"
	"kurz/internal/mediatest"
)

// TestBrowserUploadProgress: in Chromium, the upload page shows how far
// processing is as a bar and a percent (no spinner), plays the video as
// soon as it is playable while saying that higher qualities are being
// made, and then says it is ready. Screenshots at 390×844 and 1280×800.
func TestBrowserUploadProgress(t *testing.T) {
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	shots := artifacts(t)
	a := s.signUp("progress_cam", "progress_cam@example.org", "1990-01-01", "DE")
	s.login(&a)
	// Long and large enough that the rest of the ladder takes seconds
	// after the 360p is published.
	clip := filepath.Join(t.TempDir(), "tall.mp4")
	mediatest.Clip(t, clip, 1080, 1920, 8, true)

	bctx := browsertest.Start(t, chrome, chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	ctx, cancel := context.WithTimeout(bctx, 300*time.Second)
	defer cancel()
	b := newTab(t, ctx)
	yes := true
	if _, err := chromedp.Call(b.Ctx, network.SetCookie, network.SetCookieParams{Name: "kurz_session", Value: a.Token, URL: s.URL() + "/", HTTPOnly: &yes}); err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.Navigate(s.URL()+"/upload"), chromedp.WaitVisible(chromedp.ID("upload-form")))
	// Every text the processing line shows, as it changes.
	b.Eval(`window.__texts = []; new MutationObserver(() => { const t = document.querySelector('.processing-text').textContent;
		if (window.__texts[window.__texts.length - 1] !== t) window.__texts.push(t); })
		.observe(document.querySelector('.processing-text'), {childList: true, characterData: true, subtree: true}); 0`)
	b.Do(chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{clip}),
		chromedp.SendKeys(chromedp.ID("upload-caption"), "tall and early"))
	b.Do(chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)))
	texts := `window.__texts.join(' | ')`
	b.Wait("a percent while processing", `!document.querySelector('.processing').hidden &&
		/Processing your video: \d+ %/.test(document.querySelector('.processing-text').textContent)`, texts, 120*time.Second)
	if b.Eval(`!!document.querySelector('.processing .spinner') || !document.querySelector('.processing progress.processing-progress')`) == true {
		t.Fatal("processing shows a spinner, not a progress bar")
	}
	b.shootBoth(shots, "upload-processing", 390, 844)
	b.Wait("playable: playing, higher qualities on the way", `!document.querySelector('.result').hidden &&
		/can be watched now/.test(document.querySelector('.processing-text').textContent)`, texts, 120*time.Second)
	b.playing("the playable video", ".result video")
	b.shootBoth(shots, "upload-playable", 390, 844)
	b.Wait("ready", `document.querySelector('.processing').hidden && document.querySelector('.result-text').textContent === 'Your video is ready.'`,
		texts, 120*time.Second)
	b.shootBoth(shots, "upload-ready-after-playable", 390, 844)
	// The percent rose within each step.
	seen := b.Str(`JSON.stringify(window.__texts)`)
	t.Logf("processing texts: %s", seen)
	if bad := b.Str(`(() => { let last = {}; for (const t of window.__texts) { const m = /^(.*?)(\d+) %/.exec(t); if (!m) continue;
		if (last[m[1]] !== undefined && +m[2] < last[m[1]]) return t; last[m[1]] = +m[2]; } return ''; })()`); bad != "" {
		t.Errorf("the percent fell: %s in %s", bad, seen)
	}
}
