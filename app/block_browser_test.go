package app_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"kurz/internal/browsertest"
	"kurz/internal/mediatest"
)

// TestBrowserBlock drives two Chromium browsers against one server (eu,
// us, sg in one process), at 390×844 in English and at 1280×800 in
// German: the blocked person (us) has the blocker's (eu) video page open;
// the blocker opens the blocked person's profile, blocks them from its
// menu after a confirmation in plain words, and finds them in the list of
// blocked and muted people linked from the settings. Then the blocked
// person's follow and comment on the open page fail with a visible error
// and change nothing on the server, and the blocker's profile is a
// missing page to them. Finally the blocker unblocks from the list.
// Screenshots of the menu, the confirmation, the blocked profile, the
// list and the blocked person's failures go to the artifacts.
func TestBrowserBlock(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	shots := artifacts(t)
	base := s.URL()
	clip := filepath.Join(t.TempDir(), "b.mp4")
	mediatest.Clip(t, clip, 64, 114, 1, false)

	for _, size := range []struct {
		w, h int64
		lang string
	}{{390, 844, "en"}, {1280, 800, "de"}} {
		tag := fmt.Sprintf("%dx%d", size.w, size.h)
		blocker := s.signUp("bb"+size.lang+"blocker", "bb"+size.lang+"blocker@example.org", "1990-01-01", "DE")
		blocked := s.signUp("bb"+size.lang+"blocked", "bb"+size.lang+"blocked@example.com", "1990-01-01", "US")
		muted := s.signUp("bb"+size.lang+"muted", "bb"+size.lang+"muted@example.com", "1990-01-01", "US")
		s.login(&blocker)
		s.login(&blocked)
		res := s.tusUpload(blocker.Token, clip, map[string]string{"caption": "block me not " + tag, "visibility": "public"}, 1, "")
		if v := s.waitVideo(blocker.Token, res.VideoID); v.Status != "ready" {
			t.Fatalf("upload: %+v", v)
		}
		vid := res.VideoID
		waitFor(t, "the video and both profiles in us and eu", func() bool {
			_, v1 := s.Cell("us").Index.Video(vid)
			_, p1 := s.Cell("us").Index.ProfileByHandle(blocker.Handle)
			_, p2 := s.Cell("eu").Index.ProfileByHandle(blocked.Handle)
			_, p3 := s.Cell("eu").Index.ProfileByHandle(muted.Handle)
			return v1 && p1 && p2 && p3
		})
		if r := s.do("PUT", "/api/v1/users/"+muted.Handle+"/mute", nil, bearer(blocker)...); r.Status != 200 {
			t.Fatalf("mute: %d %s", r.Status, r.Body)
		}

		browser := func() *tab {
			ctx, cancel := context.WithTimeout(browsertest.Start(t, chrome), 120*time.Second)
			t.Cleanup(cancel)
			b := &tab{browsertest.NewTab(t, ctx, size.w, size.h)}
			if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": size.lang}}); err != nil {
				t.Fatal(err)
			}
			return b
		}
		signIn := func(b *tab, a account, next string) {
			b.Do(chromedp.Navigate(base+"/signin?next="+next), chromedp.WaitVisible(chromedp.ID("signin-form")),
				chromedp.SendKeys(chromedp.ID("login"), a.Handle),
				chromedp.SendKeys(chromedp.ID("password"), a.Password),
				chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
		}

		// The blocked person, on the blocker's video page.
		x := browser()
		signIn(x, blocked, "%2Fv%2F"+vid)
		x.Wait("the video page", `!!document.querySelector('.single .clip .act.comments') && !!document.querySelector('.single .clip .follow')`,
			`location.pathname`, 30*time.Second)

		// The blocker blocks them from their profile.
		b := browser()
		signIn(b, blocker, "%2F%40"+blocked.Handle)
		b.Wait("the blocked person's profile", `!!document.querySelector('.block-menu summary')`, `location.pathname`, 30*time.Second)
		b.Do(chromedp.Click(chromedp.CSS(`.block-menu summary`)))
		b.Wait("the menu open", `document.querySelector('.block-menu').open`, ``, 5*time.Second)
		b.shoot(shots, "block-menu-"+tag+".png")
		b.Do(chromedp.Click(chromedp.CSS(`.block-toggle[data-kind="block"]`)))
		b.Wait("the confirmation", `document.querySelector('dialog.block-confirm').open`, ``, 5*time.Second)
		confirm := b.Text("dialog.block-confirm .block-confirm-text")
		want := map[string]string{"en": "cannot follow you, comment on your videos or mention you", "de": "kann dir nicht folgen, deine Videos nicht kommentieren und dich nicht erwähnen"}[size.lang]
		if !strings.Contains(confirm, want) {
			t.Fatalf("the confirmation says %q", confirm)
		}
		b.shoot(shots, "block-confirm-"+tag+".png")
		b.Do(chromedp.Click(chromedp.CSS(`dialog.block-confirm .block-confirm-ok`)))
		b.Wait("the profile of someone blocked", `!!document.querySelector('.block-notice') && !document.querySelector('.follow-profile')`,
			`document.querySelector('main') && document.querySelector('main').innerText`, 20*time.Second)
		b.shoot(shots, "block-profile-"+tag+".png")

		// The list in the settings.
		b.Do(chromedp.Navigate(base + "/settings"))
		b.Wait("the settings", `!!document.querySelector('a[href="/blocked"]')`, `location.pathname`, 20*time.Second)
		b.Do(chromedp.Click(chromedp.CSS(`a[href="/blocked"]`)))
		listed := `[...document.querySelectorAll('#blocked-list li[data-handle]')].map(li => li.dataset.handle).join(',') + '/' + [...document.querySelectorAll('#muted-list li[data-handle]')].map(li => li.dataset.handle).join(',')`
		b.Wait("the blocked and the muted person listed", listed+` === `+jsString(blocked.Handle+"/"+muted.Handle), listed, 20*time.Second)
		if size.lang == "de" && !strings.Contains(b.Text("main h1"), "Blockierte") {
			t.Fatalf("the German list page's title: %q", b.Text("main h1"))
		}
		b.shoot(shots, "blocked-list-"+tag+".png")

		// The blocked person's follow and comment fail where they stand.
		x.Do(chromedp.Click(chromedp.CSS(`.single .clip .follow`)))
		x.Wait("the follow refused", `!document.querySelector('.toast').hidden && document.querySelector('.toast').textContent !== '' && document.querySelector('.single .clip .follow').getAttribute('aria-pressed') === 'false'`,
			`document.querySelector('.toast').textContent`, 10*time.Second)
		notAvailable := map[string]string{"en": "Not available", "de": "Nicht verfügbar"}[size.lang]
		if msg := x.Text(".toast"); !strings.HasPrefix(msg, notAvailable) {
			t.Fatalf("the refused follow says %q", msg)
		}
		x.shoot(shots, "blocked-follow-"+tag+".png")
		x.Do(chromedp.Click(chromedp.CSS(`.single .clip .act.comments`)))
		x.Wait("the comments sheet", `document.querySelector('dialog.sheet').open`, ``, 10*time.Second)
		x.Do(chromedp.SendKeys(chromedp.ID("comment-text"), "let me comment"),
			chromedp.Click(chromedp.CSS(`.comment-form button[type=submit]`)))
		x.Wait("the comment refused", `document.querySelector('.comment-form .form-error').textContent !== ''`,
			`document.querySelector('.comment-form .form-error').textContent`, 10*time.Second)
		if msg := x.Text(".comment-form .form-error"); !strings.HasPrefix(msg, notAvailable) {
			t.Fatalf("the refused comment says %q", msg)
		}
		if x.Str(`[...document.querySelectorAll('.comment .text')].map(e => e.textContent).join('|')`) != "" {
			t.Fatal("the refused comment shows in the sheet")
		}
		x.shoot(shots, "blocked-comment-"+tag+".png")
		var p struct {
			Followers     int64
			ViewerFollows bool `json:"viewer_follows"`
		}
		s.do("GET", "/api/v1/users/"+blocker.Handle, nil).json(t, &p)
		var cs struct{ Items []any }
		s.do("GET", "/api/v1/videos/"+vid+"/comments", nil).json(t, &cs)
		if p.Followers != 0 || len(cs.Items) != 0 {
			t.Fatalf("after the refusals the blocker has %d followers and %d comments", p.Followers, len(cs.Items))
		}
		// The blocker's profile is a missing page to them.
		x.Do(chromedp.Navigate(base + "/@" + blocker.Handle))
		x.Wait("the missing profile", `!document.querySelector('.profile-head') && !!document.querySelector('main')`, `document.title`, 10*time.Second)
		x.shoot(shots, "blocked-profile-missing-"+tag+".png")

		// Unblock from the list.
		b.Do(chromedp.Click(chromedp.CSS(`#blocked-list li[data-handle="` + blocked.Handle + `"] [data-action="unblock"]`)))
		b.Wait("the unblock confirmation", `document.querySelector('dialog.block-confirm').open`, ``, 5*time.Second)
		b.Do(chromedp.Click(chromedp.CSS(`dialog.block-confirm .block-confirm-ok`)))
		b.Wait("the list without them", `!!document.querySelector('#blocked-list li.empty')`, listed, 10*time.Second)
		if r := s.do("GET", "/api/v1/users/"+blocker.Handle, nil, bearer(blocked)...); r.Status != 200 {
			t.Fatalf("the profile after the unblock: %d", r.Status)
		}
		b.NoDialogs("the blocker's pages")
		x.NoDialogs("the blocked person's pages")
	}
}
