package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kurz/internal/browsertest"
	"kurz/internal/imagetest"
)

// TestBrowserSettings drives the settings page in Chromium at phone size
// (in German) and at laptop size (in English): a profile picture with GPS
// EXIF is uploaded and cropped (the served picture has no metadata and
// shows on the profile), the password form shows all its field errors at
// once in the page's language and then changes the password, which ends
// the person's other session; a data export is asked for and downloaded;
// the account is deleted (the 14-day grace period shown) and the deletion
// cancelled. Screenshots of the settings page and the profile in both
// sizes go to the artifacts.
func TestBrowserSettings(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	base := s.URL()
	dir := artifacts(t)
	photo := filepath.Join(t.TempDir(), "phone-photo.jpg")
	if err := os.WriteFile(photo, imagetest.WithEXIF(imagetest.JPEG(imagetest.Halves(900, 600)), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct {
		name string
		w, h int64
		lang string
	}{{"phone", 390, 844, "de"}, {"wide", 1280, 800, "en"}} {
		t.Run(size.name, func(t *testing.T) {
			a := s.signUp("set_"+size.name, "set."+size.name+"@example.org", "1990-01-01", "DE")
			other := a
			s.login(&other) // another device's session

			bctx := browsertest.Start(t, chrome)
			ctx, cancel := context.WithTimeout(bctx, 150*time.Second)
			defer cancel()
			b := &tab{browsertest.NewTab(t, ctx, size.w, size.h)}
			de := size.lang == "de"
			pick := func(en, de_ string) string {
				if de {
					return de_
				}
				return en
			}
			b.Do(chromedp.Navigate(base+"/lang/"+size.lang+"?next=%2Fsignin%3Fnext%3D%252Fsettings"), chromedp.WaitVisible(chromedp.ID("signin-form")),
				chromedp.SendKeys(chromedp.ID("login"), a.Handle),
				chromedp.SendKeys(chromedp.ID("password"), a.Password),
				chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
			b.Wait("the settings page", `!!document.getElementById('privacy-form') && !document.getElementById('comments-from').disabled`, `location.pathname`, 20*time.Second)
			if h1 := b.Text("h1"); h1 != pick("Settings", "Einstellungen") {
				t.Fatalf("settings page title %q", h1)
			}

			// The profile picture: choose, drag a little, zoom, save.
			b.Do(chromedp.SetUploadFiles(chromedp.CSS(`#picture-file`), []string{photo}))
			b.Wait("the crop frame", `!document.querySelector('.cropper').hidden && document.querySelector('.crop-image').naturalWidth === 900`, ``, 10*time.Second)
			b.Eval(`(() => { const z = document.getElementById('picture-zoom'); z.value = '1.5'; z.dispatchEvent(new Event('input')); })()`)
			b.Do(chromedp.Click(chromedp.CSS(`#picture-form button[type=submit]`)))
			b.Wait("the saved picture", `!document.querySelector('.current-avatar').hidden && document.querySelector('.current-avatar').naturalWidth === 400`,
				`document.querySelector('#picture-form').innerText`, 20*time.Second)
			picURL := b.Str(`new URL(document.querySelector('.current-avatar').src).pathname`)
			waitFor(t, "the picture public", func() bool { return s.do("GET", picURL, nil).Status == 200 })
			pic := s.do("GET", picURL, nil)
			if pic.Status != 200 {
				t.Fatalf("the picture at %s: %d", picURL, pic.Status)
			}
			if md := imagetest.Metadata(pic.Body); md != nil {
				t.Fatalf("the served picture has metadata: %v", md)
			}
			// Zoomed 1.5× about the centre of a 900×600 picture whose
			// left half is red: the square kept is x 250-650, red on the
			// left half of the picture, blue on the right.
			if left, right := imagetest.RedBlue(pic.Body, 100, 200), imagetest.RedBlue(pic.Body, 300, 200); left != "red" || right != "blue" {
				t.Fatalf("the crop: %s on the left, %s on the right", left, right)
			}
			if got := s.do("GET", "/api/v1/users/"+a.Handle, nil); !strings.Contains(string(got.Body), picURL) {
				t.Fatalf("the profile's avatar_url: %s", got.Body)
			}

			// The password form: every field's error at once, in the
			// page's language; then a change that ends the other session.
			b.Do(chromedp.SendKeys(chromedp.ID("new-password"), "short"), chromedp.Click(chromedp.CSS(`#password-form button[type=submit]`)))
			errs := `[...document.querySelectorAll('#password-form .form-error')].map(e => e.textContent).filter(Boolean)`
			b.Wait("three field errors", errs+`.length === 3`, errs, 5*time.Second)
			if got := b.Str(`document.querySelector('[data-error-for=current_password]').textContent`); got != pick("Enter your current password.", "Gib dein aktuelles Passwort ein.") {
				t.Fatalf("current password error %q", got)
			}
			if got := b.Str(`document.querySelector('[data-error-for=repeat_password]').textContent`); !strings.Contains(got, pick("not the same", "nicht überein")) {
				t.Fatalf("repeat error %q", got)
			}
			const newPass = "a new and long passphrase"
			b.Do(chromedp.SendKeys(chromedp.ID("current-password"), "not my password"),
				chromedp.SetValue(chromedp.CSS(`#new-password`), newPass),
				chromedp.SendKeys(chromedp.ID("repeat-password"), newPass),
				chromedp.Click(chromedp.CSS(`#password-form button[type=submit]`)))
			b.Wait("the wrong password refused", `document.querySelector('[data-error-for=current_password]').textContent === `+jsString(pick("This password is wrong.", "Dieses Passwort ist falsch.")),
				`document.querySelector('#password-form').innerText`, 10*time.Second)
			if r := s.do("GET", "/api/v1/me", nil, bearer(other)...); r.Status != 200 {
				t.Fatalf("the other session ended before the password changed: %d", r.Status)
			}
			b.Do(chromedp.SetValue(chromedp.CSS(`#current-password`), a.Password),
				chromedp.Click(chromedp.CSS(`#password-form button[type=submit]`)))
			b.Wait("the password changed", `document.querySelector('#password-form .form-status').textContent.length > 0`,
				`document.querySelector('#password-form').innerText`, 10*time.Second)
			if r := s.do("GET", "/api/v1/me", nil, bearer(other)...); r.Status != 401 {
				t.Fatalf("the other session works after the password change: %d", r.Status)
			}
			a.Password = newPass
			sessions := `document.querySelectorAll('#session-list li').length`
			b.Wait("one session left in the list", sessions+` === 1 && !!document.querySelector('#session-list li.current')`, sessions, 10*time.Second)

			// A data export, asked for and downloaded from the page.
			b.Do(chromedp.Click(chromedp.CSS(`#export-form button[type=submit]`)))
			b.Wait("the export's download link", `!!document.querySelector('.export-download')`, `document.querySelector('#export-form').innerText`, 60*time.Second)
			b.Eval(`window.__dl = null; fetch(document.querySelector('.export-download').href).then(async r => {
				const u = new Uint8Array(await r.arrayBuffer());
				window.__dl = {status: r.status, type: r.headers.get('content-type'), zip: u[0] === 0x50 && u[1] === 0x4b,
					picture: new TextDecoder('latin1').decode(u).includes('profile-picture.jpg'), data: new TextDecoder('latin1').decode(u).includes('data.json')};
			})`)
			b.Wait("the download", `window.__dl !== null`, ``, 20*time.Second)
			if dl := b.Str(`JSON.stringify(window.__dl)`); dl != `{"status":200,"type":"application/zip","zip":true,"picture":true,"data":true}` {
				t.Fatalf("download: %s", dl)
			}
			b.shoot(dir, fmt.Sprintf("settings-%s-%dx%d.png", size.name, size.w, size.h))
			b.fullShot(dir, fmt.Sprintf("settings-full-%s-%dx%d.png", size.name, size.w, size.h))

			// The profile with its picture.
			b.Do(chromedp.Navigate(base + "/@" + a.Handle))
			b.Wait("the picture on the profile", `document.querySelector('img.avatar.large') && document.querySelector('img.avatar.large').naturalWidth === 400`,
				`document.querySelector('.profile-head') && document.querySelector('.profile-head').innerHTML`, 10*time.Second)
			b.shoot(dir, fmt.Sprintf("profile-%s-%dx%d.png", size.name, size.w, size.h))

			// The picture beside the creator in the feed's action column
			// and beside their comment.
			other2(s, &a)
			vid := s.publish(a, "with a picture")
			if r := s.do("POST", "/api/v1/videos/"+vid+"/comments", map[string]string{"text": "my own comment"}, bearer(a)...); r.Status != 201 {
				t.Fatalf("comment: %d %s", r.Status, r.Body)
			}
			b.Do(chromedp.Navigate(base + "/v/" + vid))
			b.Wait("the creator's picture on the video", `[...document.querySelectorAll('.actions a.avatar img.avatar-img')].some(i => i.naturalWidth === 400)`,
				`document.querySelector('.actions') && document.querySelector('.actions').innerHTML`, 20*time.Second)
			b.Do(chromedp.Click(chromedp.CSS(`.act.comments`)))
			b.Wait("the author's picture on the comment", `[...document.querySelectorAll('.comment .avatar img.avatar-img')].some(i => i.naturalWidth === 400)`,
				`document.querySelector('.comment-list') && document.querySelector('.comment-list').innerHTML`, 20*time.Second)
			b.shoot(dir, fmt.Sprintf("comments-%s-%dx%d.png", size.name, size.w, size.h))

			// Delete the account: the grace period is shown; cancel.
			b.Do(chromedp.Navigate(base+"/settings#settings-data"), chromedp.WaitVisible(chromedp.ID("delete-form")))
			b.Wait("settings loaded", `!document.getElementById('comments-from').disabled`, ``, 10*time.Second)
			b.Do(chromedp.Click(chromedp.CSS(`#delete-form button[type=submit]`)))
			b.Wait("the missing password", `document.querySelector('#delete-form [data-error-for=password]').textContent === `+jsString(pick("Enter your current password.", "Gib dein aktuelles Passwort ein.")), ``, 5*time.Second)
			b.Do(chromedp.SendKeys(chromedp.ID("delete-password"), a.Password),
				chromedp.Click(chromedp.CSS(`#delete-form button[type=submit]`)))
			pending := `document.querySelector('.delete-pending .notice').textContent`
			b.Wait("the deletion pending", `!document.querySelector('.delete-pending').hidden && `+pending+`.length > 0`, `document.querySelector('#delete-form').innerText`, 10*time.Second)
			notice := b.Str(pending)
			eraseDay := time.Now().AddDate(0, 0, 14)
			if !strings.Contains(notice, fmt.Sprint(eraseDay.Day())) || !strings.Contains(notice, pick("in 14 days", "in 14 Tagen")) {
				t.Fatalf("the pending deletion says %q", notice)
			}
			waitFor(t, "the profile hidden while the deletion is pending", func() bool { return s.do("GET", "/api/v1/users/"+a.Handle, nil).Status == 404 })
			if r := s.do("GET", picURL, nil); r.Status != 404 {
				t.Fatalf("the picture while the deletion is pending: %d", r.Status)
			}
			b.Do(chromedp.ScrollIntoView(chromedp.CSS(`#delete-form`)))
			b.shoot(dir, fmt.Sprintf("settings-deleting-%s-%dx%d.png", size.name, size.w, size.h))
			b.Do(chromedp.Click(chromedp.CSS(`[data-action="erasure-cancel"]`)))
			b.Wait("the deletion cancelled", `!document.querySelector('.delete-ask').hidden && document.querySelector('.delete-pending').hidden`, ``, 10*time.Second)
			waitFor(t, "the profile back", func() bool { return s.do("GET", "/api/v1/users/"+a.Handle, nil).Status == 200 })
			waitFor(t, "the picture back", func() bool { return s.do("GET", picURL, nil).Status == 200 })
			b.NoDialogs("the settings page")
		})
	}
}

// fullShot writes a screenshot of the whole page.
func (b *tab) fullShot(dir, name string) {
	b.T.Helper()
	buf, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		b.T.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.T.Fatal(err)
	}
	b.T.Logf("screenshot: %s", p)
}

// other2 signs a in once more (after a password change) and returns it
// with its token.
func other2(s *server, a *account) account {
	s.t.Helper()
	c := *a
	s.login(&c)
	a.Token = c.Token
	return c
}
