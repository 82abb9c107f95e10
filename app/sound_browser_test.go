package app_test

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kurz/cell"
	"kurz/internal/browsertest"
)

// TestBrowserSoundPage: a creator names their sound on its page (in
// English, then back to the default in German: "Originalton – @…"), the
// video page offers a top-and-bottom duet, and once a moderator blocked
// the sound its page says, in German, that it is unavailable and offers
// no "use this sound". Screenshots at 390x844 and 1280x800.
func TestBrowserSoundPage(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	shots := artifacts(t)
	creator := s.signUp("tune_maker", "tune@example.com", "1990-01-01", "US")
	s.login(&creator)
	mod := s.signUp("tune_mod", "tunemod@example.com", "1985-01-01", "US")
	s.login(&mod)
	if err := s.grantStaff("us", mod, cell.RoleModerator); err != nil {
		t.Fatal(err)
	}
	clip := filepath.Join(t.TempDir(), "tune.mp4")
	colorClip(t, clip, "red", 5, soundTuneA)
	up := s.tusUpload(creator.Token, clip, map[string]string{"caption": "my tune", "visibility": "public"}, 1, "")
	if v := s.waitVideo(creator.Token, up.VideoID); v.Status != "ready" {
		t.Fatalf("upload: %+v", v)
	}
	id := up.VideoID
	waitFor(t, "the video in eu's catalogue", func() bool { _, ok := s.Cell("eu").Index.Video(id); return ok })

	bctx := browsertest.Start(t, chrome)
	ctx, cancel := context.WithTimeout(bctx, 180*time.Second)
	defer cancel()
	b := newTab(t, ctx)
	base := s.URL()
	b.Do(chromedp.Navigate(base+"/signin?next="+url.QueryEscape("/sound/"+id)), chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.SendKeys(chromedp.ID("login"), creator.Handle), chromedp.SendKeys(chromedp.ID("password"), creator.Password),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
	page := `document.querySelector('.soundpage').innerText`
	b.Wait("the sound page with the default name and the creator's form", `document.querySelector('.sound-name').textContent === '♪ original sound – @tune_maker' && `+
		`document.querySelector('.sound-rename input[name=sound_name]') && !document.querySelector('.sound-use').hidden`, page, 20*time.Second)
	b.shoot(shots, "sound-en-390.png")
	b.Do(chromedp.SendKeys(chromedp.CSS(`.sound-rename input[name=sound_name]`), "Lighthouse tune"),
		chromedp.Click(chromedp.CSS(`.sound-rename button[type=submit]`)))
	b.Wait("the new name", `document.querySelector('.sound-name').textContent === '♪ Lighthouse tune'`, page, 10*time.Second)
	b.Do(chromedp.Reload())
	b.Wait("the name after a reload", `document.querySelector('.sound-name').textContent === '♪ Lighthouse tune'`, page, 10*time.Second)

	// In German, back to the default name.
	b.Do(chromedp.Navigate(base + "/lang/de?next=" + url.QueryEscape("/sound/"+id)))
	b.Wait("the German form", `document.querySelector('.sound-rename') && document.querySelector('.sound-rename').innerText.includes('Gib deinem Sound einen Namen')`, page, 10*time.Second)
	b.Eval(`document.querySelector('.sound-rename input[name=sound_name]').value = ''`)
	b.Do(chromedp.Click(chromedp.CSS(`.sound-rename button[type=submit]`)))
	b.Wait("the default name in German", `document.querySelector('.sound-name').textContent === '♪ Originalton – @tune_maker'`, page, 10*time.Second)
	b.shoot(shots, "sound-de-390.png")
	b.Do(chromedp.EmulateViewport(1280, 800))
	b.shoot(shots, "sound-de-1280.png")
	b.Do(chromedp.EmulateViewport(390, 844))

	// The video's page offers both duets.
	b.Do(chromedp.Navigate(base + "/v/" + id))
	b.Wait("a top-and-bottom duet offered", `document.querySelector('.remix-actions a.remix-duet-top') && document.querySelector('.remix-actions a.remix-duet-top').textContent === 'Duett (oben und unten)'`,
		`document.querySelector('.remix-actions') && document.querySelector('.remix-actions').innerText`, 15*time.Second)
	b.Do(chromedp.Click(chromedp.CSS(`.remix-actions a.remix-duet-top`)))
	b.Wait("the upload page for a stacked duet", `location.search.includes('layout=top') && !document.querySelector('.remix-note').hidden && `+
		`document.querySelector('.remix-note').textContent.includes('über dem Video')`, `document.querySelector('.remix-note').textContent`, 10*time.Second)

	// Blocked: unavailable, in German, nothing to use.
	block := map[string]any{"category": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", "ground": "terms",
		"explanation": "A recording its uploader has no rights to."}
	if r := s.do("POST", "/api/v1/moderation/us/sounds/"+id+"/block", block, "Authorization", "Bearer "+mod.Token); r.Status != 201 {
		t.Fatalf("block: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the block in eu's catalogue", func() bool { v, _ := s.Cell("eu").Index.Video(id); return v != nil && v.SoundBlocked })
	b.Do(chromedp.Navigate(base + "/sound/" + id))
	b.Wait("the blocked sound's page", `document.querySelector('.sound-blocked') && document.querySelector('.sound-blocked').textContent.includes('nicht verfügbar') && `+
		`document.querySelector('.sound-use').hidden && !document.querySelector('.sound-rename')`, page, 15*time.Second)
	b.shoot(shots, "sound-blocked-de-390.png")
	b.Do(chromedp.EmulateViewport(1280, 800))
	b.shoot(shots, "sound-blocked-de-1280.png")
	b.noXSS("sound page")
}
