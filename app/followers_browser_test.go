package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kurz/internal/browsertest"
)

// TestBrowserFollowRequests: a 14-year-old signs in in Chromium; the
// settings page tells them why their account is private and links the
// followers page, which lists two pending requests; they approve one
// (the follower count becomes 1), refuse the other, then remove the
// approved follower (the count is 0 again).
func TestBrowserFollowRequests(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	base := s.URL()
	teen := s.signUp("bfteen", "bfteen@example.org", time.Now().AddDate(-14, 0, 0).Format(time.DateOnly), "DE")
	fan := s.signUp("bffan", "bffan@example.org", "1990-01-01", "US")
	other := s.signUp("bfother", "bfother@example.org", "1990-01-01", "DE")
	waitFor(t, "bfteen's profile in us", func() bool { _, ok := s.Cell("us").Index.ProfileByHandle("bfteen"); return ok })
	for _, a := range []*account{&fan, &other} {
		s.login(a)
		if r := s.do("PUT", "/api/v1/users/bfteen/follow", nil, bearer(*a)...); r.Status != 200 {
			t.Fatalf("%s requests: %d %s", a.Handle, r.Status, r.Body)
		}
	}
	followers := func() int64 {
		var p struct{ Followers int64 }
		s.do("GET", "/api/v1/users/bfteen", nil, bearer(fan)...).json(t, &p)
		return p.Followers
	}

	bctx := browsertest.Start(t, chrome)
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	b := newTab(t, ctx)
	b.Do(chromedp.Navigate(base+"/signin?next=%2Fsettings"), chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.SendKeys(chromedp.ID("login"), teen.Handle),
		chromedp.SendKeys(chromedp.ID("password"), teen.Password),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
	b.Wait("the settings page", `!!document.getElementById('settings-form')`, `location.pathname`, 20*time.Second)
	if why := b.Text("#minor-private"); !strings.Contains(why, "under 16") || !strings.Contains(why, "private") {
		t.Fatalf("the settings page's reason: %q", why)
	}
	b.Do(chromedp.Click(chromedp.CSS(`a[href="/followers"]`)))
	pending := `[...document.querySelectorAll('#follow-requests li[data-handle]')].map(li => li.dataset.handle).join(',')`
	approved := `[...document.querySelectorAll('#approved-followers li[data-handle]')].map(li => li.dataset.handle).join(',')`
	b.Wait("two pending requests", pending+` === 'bffan,bfother'`, pending, 20*time.Second)
	b.Wait("no approved followers", `document.querySelector('#approved-followers li.empty')`, approved, 5*time.Second)
	if n := followers(); n != 0 {
		t.Fatalf("%d followers before any approval", n)
	}

	b.Do(chromedp.Click(chromedp.CSS(`#follow-requests li[data-handle="bffan"] [data-action="approve"]`)))
	b.Wait("bffan approved", approved+` === 'bffan' && `+pending+` === 'bfother'`, pending+` + ' / ' + `+approved, 10*time.Second)
	waitFor(t, "one follower", func() bool { return followers() == 1 })
	b.Do(chromedp.Click(chromedp.CSS(`#follow-requests li[data-handle="bfother"] [data-action="refuse"]`)))
	b.Wait("bfother refused", pending+` === '' && !!document.querySelector('#follow-requests li.empty')`, pending, 10*time.Second)
	b.Do(chromedp.Click(chromedp.CSS(`#approved-followers li[data-handle="bffan"] [data-action="remove"]`)))
	b.Wait("bffan removed", approved+` === ''`, approved, 10*time.Second)
	waitFor(t, "no follower", func() bool { return followers() == 0 })
	b.NoDialogs("the followers page")
}
