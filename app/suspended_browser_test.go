package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kurz/cell"
	"kurz/internal/browsertest"
)

// TestBrowserSuspendedAppeal: a person suspended for a comment signs in
// in Chromium (phone and desktop sizes): the page says until when, shows
// the statement of reasons and takes their appeal, which reaches the
// moderation queue, although they have no session.
func TestBrowserSuspendedAppeal(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	creator := s.signUp("bscreator", "bscreator@example.org", "1990-01-01", "DE")
	mod := s.signUp("bsmod", "bsmod@example.org", "1985-01-01", "DE")
	notifier := s.signUp("bsnotifier", "bsnotifier@example.org", "1990-01-01", "DE")
	var people []account
	for _, h := range []string{"bsphone", "bsdesk"} {
		people = append(people, s.signUp(h, h+"@example.org", "1990-01-01", "US"))
	}
	for _, a := range []*account{&creator, &mod, &notifier, &people[0], &people[1]} {
		s.login(a)
	}
	s.grantAll("eu", cell.RoleModerator, mod)
	video := s.publish(creator, "the video they commented on")
	end := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	decisions := map[string]string{}
	for _, p := range people {
		c := s.comment(p, video, "a rude comment by "+p.Handle)
		s.report(notifier, "comment", c)
		item, _ := s.itemAbout("eu", c)
		if r := s.modPost(mod, "eu", item, "claim", nil); r.Status != 200 {
			t.Fatalf("claim: %d %s", r.Status, r.Body)
		}
		r := s.modPost(mod, "eu", item, "decide", map[string]any{"action": "suspend", "ground": "terms",
			"explanation": "Insults are not allowed (" + p.Handle + ").", "end_date": end})
		if r.Status != 201 {
			t.Fatalf("suspend: %d %s", r.Status, r.Body)
		}
		decisions[p.Handle] = decisionID(t, r)
		waitFor(t, "the suspension of "+p.Handle, func() bool { return s.do("GET", "/api/v1/me", nil, bearer(p)...).Status == 401 })
	}

	bctx := browsertest.Start(t, chrome)
	ctx, cancel := context.WithTimeout(bctx, 120*time.Second)
	defer cancel()
	dir := artifacts(t)
	for i, size := range [][2]int64{{390, 844}, {1280, 800}} {
		p := people[i]
		b := &tab{browsertest.NewTab(t, ctx, size[0], size[1])}
		b.Do(chromedp.Navigate(s.URL()+"/signin"), chromedp.WaitVisible(chromedp.ID("signin-form")),
			chromedp.SendKeys(chromedp.ID("login"), p.Handle),
			chromedp.SendKeys(chromedp.ID("password"), p.Password),
			chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
		card := `.suspension .statement[data-decision="` + decisions[p.Handle] + `"]`
		b.Wait("the statement of reasons", `!!document.querySelector('`+card+`')`, `document.body.innerText.slice(0, 500)`, 20*time.Second)
		if head := b.Text("#suspension-title"); !strings.Contains(head, end) {
			t.Errorf("%s: the heading %q does not say until when", p.Handle, head)
		}
		if facts := b.Text(card); !strings.Contains(facts, "Insults are not allowed ("+p.Handle+")") {
			t.Errorf("%s: the statement shown: %q", p.Handle, facts)
		}
		b.shoot(dir, "suspended-"+p.Handle+".png")
		// An empty appeal is refused on the page; a real one is filed.
		b.Do(chromedp.Click(chromedp.CSS(card + ` button[type=submit]`)))
		b.Wait("the empty appeal refused", `document.querySelector('`+card+` .form-error').textContent !== ''`, ``, 5*time.Second)
		b.Do(chromedp.SendKeys(chromedp.CSS(card+` textarea`), "I was quoting a film."),
			chromedp.Click(chromedp.CSS(card+` button[type=submit]`)))
		b.Wait("the appeal filed", `!document.querySelector('`+card+` form') && document.querySelector('`+card+` [role=status]')`,
			`document.querySelector('`+card+`').innerText`, 15*time.Second)
		b.shoot(dir, "suspended-appealed-"+p.Handle+".png")
		b.NoDialogs("the sign-in page of a suspended person")
		found := false
		for _, it := range s.queue(mod, "eu") {
			found = found || (it.Kind == "appeal" && it.AppealOf == decisions[p.Handle])
		}
		if !found {
			t.Errorf("%s's appeal is not in eu's queue", p.Handle)
		}
	}
}
