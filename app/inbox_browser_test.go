package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"kurz/cell"
	"kurz/internal/browsertest"
)

// personTab opens a tab in a browser context of its own, signed in as a
// (by its session cookie) or signed out (nil), in language lang.
func personTab(t *testing.T, ctx context.Context, base string, a *account, lang string) *tab {
	t.Helper()
	cctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := newTab(t, cctx)
	yes := true
	if a != nil {
		if _, err := chromedp.Call(cctx, network.SetCookie, network.SetCookieParams{Name: "kurz_session", Value: a.Token, URL: base + "/", HTTPOnly: &yes}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := chromedp.Call(cctx, network.SetCookie, network.SetCookieParams{Name: "lang", Value: lang, URL: base + "/"}); err != nil {
		t.Fatal(err)
	}
	return b
}

// anonLiker is a new person (us) who likes without showing it.
func anonLiker(t *testing.T, s *server) account {
	t.Helper()
	a := s.signUp("br_liker", "br_liker@example.org", "1990-01-01", "US")
	s.login(&a)
	return a
}

// fileReport files a report through the dialog of the video page.
func (b *tab) fileReport(base, video string) {
	b.T.Helper()
	b.Do(chromedp.Navigate(base + "/v/" + video))
	b.Wait("the report action", `!!document.querySelector('.single .report-action')`, "", 15*time.Second)
	b.Do(chromedp.Click(chromedp.CSS(`.single .report-action`)))
	b.Wait("the report dialog", `!!document.querySelector('dialog.report-sheet[open]')`, "", 5*time.Second)
}

// TestBrowserReportAppeal drives the notice-and-appeal path in chromium
// (390x844, screenshots also at 1280x800) against the real server: an
// anonymous visitor and a signed-in person report a video through the
// dialog; a moderator decides on the moderation page; the signed-in
// reporter and the creator see the statement in their inbox, the
// anonymous one on their receipt; the creator (in German) appeals from
// the statement's link; the deciding moderator gets no appeal form of
// their own decision and cannot take the appeal; another moderator
// reverses, and the creator's inbox says so.
func TestBrowserReportAppeal(t *testing.T) {
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	shots := artifacts(t)
	base := s.URL()
	creator := s.signUp("br_creator", "br_creator@example.org", "1990-01-01", "US")
	reporter := s.signUp("br_reporter", "br_reporter@example.org", "1990-01-01", "DE")
	modA := s.signUp("br_moda", "br_moda@example.org", "1990-01-01", "US")
	modB := s.signUp("br_modb", "br_modb@example.org", "1990-01-01", "US")
	for _, a := range []*account{&creator, &reporter, &modA, &modB} {
		s.login(a)
	}
	s.grantAll("us", cell.RoleModerator, modA, modB)
	s.login(&modA)
	s.login(&modB)
	video := s.publish(creator, "a clip someone will report")
	waitFor(t, "the video in eu", func() bool { _, ok := s.Cell("eu").Index.Video(video); return ok })

	bctx := browsertest.Start(t, chrome, chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	ctx, cancel := context.WithTimeout(bctx, 240*time.Second)
	defer cancel()
	newTab(t, ctx) // the browser starts with its first tab
	errs := `[...document.querySelectorAll('.form-error, [role=alert], .notice')].map(e => e.textContent).join('|')`

	// 1. An anonymous visitor reports the video as illegal content. The
	// empty form shows every missing field at once, in words.
	anon := personTab(t, ctx, base, nil, "en")
	anon.fileReport(base, video)
	anon.shootBoth(shots, "report-dialog", 390, 844)
	anon.Do(chromedp.Click(chromedp.CSS(`.report-form button[type=submit]`)))
	anon.Wait("all errors at once", `document.querySelector('.report-form [data-error-for=category]').textContent !== '' &&
		document.querySelector('.report-form [data-error-for=explanation]').textContent !== ''`, errs, 5*time.Second)
	anon.Do(chromedp.Click(chromedp.CSS(`.report-form input[name=illegal]`)))
	anon.Do(chromedp.Click(chromedp.CSS(`.report-form button[type=submit]`)))
	anon.Wait("illegal-content errors", `['legal_ground', 'name', 'email', 'good_faith'].every(f =>
		document.querySelector('.report-form [data-error-for=' + f + ']').textContent !== '')`, errs, 5*time.Second)
	anon.shootBoth(shots, "report-dialog-errors", 390, 844)
	anon.Do(chromedp.SetValue(chromedp.CSS(`.report-form select[name=category]`), "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"),
		chromedp.SendKeys(chromedp.CSS(`.report-form textarea[name=explanation]`), "It sells a fake cure."),
		chromedp.SendKeys(chromedp.CSS(`.report-form input[name=legal_ground]`), "Unfair competition law, misleading health claims"),
		chromedp.SendKeys(chromedp.CSS(`.report-form input[name=name]`), "Ann Onym"),
		chromedp.SendKeys(chromedp.CSS(`.report-form input[name=email]`), "ann@example.org"),
		chromedp.Click(chromedp.CSS(`.report-form input[name=good_faith]`)),
		chromedp.Click(chromedp.CSS(`.report-form button[type=submit]`)))
	anon.Wait("report received", `!!document.querySelector('.report-done .receipt-link')`, errs, 15*time.Second)
	anon.shootBoth(shots, "report-done", 390, 844)
	receipt := anon.Str(`document.querySelector('.report-done .receipt-link').getAttribute('href')`)
	anonID, ok := strings.CutPrefix(receipt, "/reports/")
	if !ok || anonID == "" {
		t.Fatalf("receipt link %q", receipt)
	}
	// The browser keeps the receipt: /reports lists it, signed out.
	anon.Do(chromedp.Navigate(base + "/reports"))
	anon.Wait("my reports, signed out", fmt.Sprintf(`!!document.querySelector('.report-card[data-notice=%q] .status-open')`, anonID), errs, 15*time.Second)
	anon.shootBoth(shots, "reports-anonymous", 390, 844)

	// 2. A signed-in person reports it too.
	rep := personTab(t, ctx, base, &reporter, "en")
	rep.fileReport(base, video)
	rep.Do(chromedp.SetValue(chromedp.CSS(`.report-form select[name=category]`), "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"),
		chromedp.SendKeys(chromedp.CSS(`.report-form textarea[name=explanation]`), "Spam."),
		chromedp.Click(chromedp.CSS(`.report-form button[type=submit]`)))
	rep.Wait("report received", `!!document.querySelector('.report-done')`, errs, 15*time.Second)
	rep.Do(chromedp.Navigate(base + "/reports"))
	rep.Wait("my reports", `document.querySelectorAll('.report-card .status-open').length === 1`, errs, 15*time.Second)
	rep.shootBoth(shots, "reports-signed-in", 390, 844)

	// The profile and the comments offer the report form too.
	rep.Do(chromedp.Navigate(base + "/@" + creator.Handle))
	rep.Wait("the profile's report button", `!!document.querySelector('button.report-profile')`, errs, 15*time.Second)
	rep.Do(chromedp.Click(chromedp.CSS(`button.report-profile`)))
	rep.Wait("the account report dialog", `document.querySelector('dialog.report-sheet[open] h2').textContent === 'Report this account'`, errs, 5*time.Second)
	rep.shootBoth(shots, "report-profile", 390, 844)
	rep.Do(chromedp.Click(chromedp.CSS(`dialog.report-sheet[open] .report-form button.button`)))
	s.comment(creator, video, "a comment to report")
	rep.Do(chromedp.Navigate(base + "/v/" + video))
	rep.Wait("the comments button", `!!document.querySelector('.single .act.comments')`, errs, 15*time.Second)
	rep.Do(chromedp.Click(chromedp.CSS(`.single .act.comments`)))
	rep.Wait("a comment's report action", `!!document.querySelector('.comment .report-action')`, errs, 15*time.Second)
	rep.Do(chromedp.Click(chromedp.CSS(`.comment .report-action`)))
	rep.Wait("the comment report dialog", `[...document.querySelectorAll('dialog.report-sheet[open] h2')].some(h => h.textContent === 'Report this comment')`, errs, 5*time.Second)
	rep.shootBoth(shots, "report-comment", 390, 844)

	// Two people like the video: one inbox entry for its creator.
	for _, a := range []account{reporter, modB} {
		if r := s.do("PUT", "/api/v1/videos/"+video+"/like", nil, bearer(a)...); r.Status != 200 {
			t.Fatalf("like: %d %s", r.Status, r.Body)
		}
	}
	waitFor(t, "two likes in the creator's inbox", func() bool {
		list, _, _ := s.inboxOf(creator)
		for _, e := range list {
			if e.Kind == "like" && e.Count == 2 {
				return true
			}
		}
		return false
	})

	// 3. modA decides on the moderation page: removed.
	item, reports := s.itemAbout("us", video)
	if reports != 2 {
		t.Fatalf("the item counts %d reports, want 2", reports)
	}
	ma := personTab(t, ctx, base, &modA, "en")
	ma.Do(chromedp.Navigate(base + "/mod/item/us/" + item))
	ma.Wait("the decide form", `!document.querySelector('.mod-grid').hidden`, errs, 15*time.Second)
	ma.Do(chromedp.SendKeys(chromedp.ID("explanation"), "Selling fake cures is not allowed on kurz."),
		chromedp.Click(chromedp.CSS(`#decide-form button[type=submit]`)))
	ma.Wait("decided", `!document.querySelector('section.statement').hidden`, errs, 15*time.Second)
	var decision string
	if err := rawSQL(s.Cell("us")).QueryRow(`SELECT id FROM decisions WHERE item_id = $1`, item).Scan(&decision); err != nil {
		t.Fatal(err)
	}

	// 4. The signed-in reporter sees the statement in their inbox and on
	// my reports; the anonymous one on the receipt's page.
	rep.reloadUntil(base, "/inbox", "the statement in the reporter's inbox", `document.getElementById('inbox-list').getAttribute('aria-busy') === 'false'`,
		`document.querySelector('.inbox-entry.kind-statement_of_reasons .sor-what')`, errs)
	if got := rep.Str(`document.querySelector('.inbox-entry.kind-statement_of_reasons').textContent`); !strings.Contains(got, "A decision on your report") ||
		!strings.Contains(got, "Decision: removed") || !strings.Contains(got, "Selling fake cures") {
		t.Errorf("reporter's inbox entry: %q", got)
	}
	rep.shootBoth(shots, "inbox-reporter", 390, 844)
	rep.Do(chromedp.Navigate(base + "/reports"))
	rep.Wait("my report decided", `!!document.querySelector('.report-card .status-decided') && !!document.querySelector('.report-card .sor')`, errs, 15*time.Second)
	anon.Do(chromedp.Navigate(base + receipt))
	anon.Wait("the receipt decided", `!!document.querySelector('.report-card .status-decided') && !!document.querySelector('.report-card .sor-what')`, errs, 15*time.Second)
	if anon.Eval(`!!document.querySelector('.appeal-link')`) == true {
		t.Error("a signed-out receipt offers the appeal form's link")
	}
	anon.shootBoth(shots, "receipt-decided", 390, 844)

	// 5. The creator, reading German, finds the statement in the inbox
	// and appeals from its link. Two people liked the video before: one
	// entry, the German plural, nobody named (neither shows their likes).
	cr := personTab(t, ctx, base, &creator, "de")
	cr.reloadUntil(base, "/inbox", "the statement in the creator's inbox", `document.getElementById('inbox-list').getAttribute('aria-busy') === 'false'`,
		`document.querySelector('.inbox-entry.kind-statement_of_reasons .appeal-link')`, errs)
	if got := cr.Str(`document.querySelector('.inbox-entry.kind-statement_of_reasons').textContent`); !strings.Contains(got, "Entscheidung: entfernt") ||
		!strings.Contains(got, "Dieser Entscheidung widersprechen") {
		t.Errorf("creator's inbox entry (de): %q", got)
	}
	if got := cr.Str(`document.querySelector('.inbox-entry.kind-like .inbox-text').textContent`); !strings.HasSuffix(got, "2 Personen gefällt dein Video") {
		t.Errorf("likes entry (de): %q", got)
	}
	cr.shootBoth(shots, "inbox-creator-de", 390, 844)
	cr.Do(chromedp.Click(chromedp.CSS(`.inbox-entry.kind-statement_of_reasons .appeal-link`)))
	cr.Wait("the appeal form", `location.pathname === '/appeal/`+decision+`' && !document.getElementById('appeal-form').hidden`, errs, 15*time.Second)
	cr.Wait("the statement on the appeal page", `!document.getElementById('appeal-statement').hidden`, errs, 10*time.Second)
	cr.Do(chromedp.Click(chromedp.CSS(`#appeal-form button[type=submit]`)))
	cr.Wait("an empty appeal refused in German", `document.querySelector('[data-error-for=explanation]').textContent.includes('warum die Entscheidung falsch ist')`, errs, 5*time.Second)
	cr.shootBoth(shots, "appeal-form-de", 390, 844)
	cr.Do(chromedp.SendKeys(chromedp.ID("appeal-explanation"), "Das ist ein Sketch, kein Verkauf."),
		chromedp.Click(chromedp.CSS(`#appeal-form button[type=submit]`)))
	cr.Wait("appeal sent", `!document.getElementById('appeal-done').hidden && document.getElementById('appeal-form').hidden`, errs, 15*time.Second)
	cr.shootBoth(shots, "appeal-done-de", 390, 844)

	// 6. modA: no appeal form of their own decision, and the appeal item
	// is not theirs to take.
	ma.Do(chromedp.Navigate(base + "/appeal/" + decision))
	ma.Wait("the decider told why", `!document.getElementById('appeal-refused').hidden`, errs, 15*time.Second)
	if ma.Eval(`document.getElementById('appeal-form').hidden`) != true || !strings.Contains(ma.Str(`document.getElementById('appeal-refused').textContent`), "You took this decision yourself") {
		t.Errorf("the deciding moderator's appeal page: form hidden %v, %q", ma.Eval(`document.getElementById('appeal-form').hidden`), ma.Str(`document.getElementById('appeal-refused').textContent`))
	}
	ma.shootBoth(shots, "appeal-own-decision", 390, 844)
	appealItem, _ := s.itemAbout("us", video)
	ma.Do(chromedp.Navigate(base + "/mod/item/us/" + appealItem))
	ma.Wait("modA refused the appeal item", `document.querySelector('.mod-status').textContent !== '' && document.querySelector('.mod-grid').hidden`, errs, 15*time.Second)

	// 7. modB reverses on the moderation page.
	mb := personTab(t, ctx, base, &modB, "en")
	mb.Do(chromedp.Navigate(base + "/mod/item/us/" + appealItem))
	mb.Wait("the appeal form", `!document.querySelector('.mod-grid').hidden && !document.querySelector('fieldset.for-appeal').hidden`, errs, 15*time.Second)
	mb.Do(chromedp.SetValue(chromedp.ID("action-appeal"), "reverse"),
		chromedp.SendKeys(chromedp.ID("explanation"), "A sketch, not a sale: it stays."),
		chromedp.Click(chromedp.CSS(`#decide-form button[type=submit]`)))
	mb.Wait("reversed", `!document.querySelector('section.statement').hidden`, errs, 15*time.Second)

	// 8. The creator's inbox says the appeal succeeded; the video is back.
	cr.reloadUntil(base, "/inbox", "the reversal in the creator's inbox", `document.getElementById('inbox-list').getAttribute('aria-busy') === 'false'`,
		`[...document.querySelectorAll('.inbox-entry .sor-what')].some(e => e.textContent.includes('Widerspruch war erfolgreich'))`, errs)
	cr.shootBoth(shots, "inbox-creator-reversed-de", 390, 844)
	waitFor(t, "the video public again", func() bool { return s.do("GET", "/api/v1/videos/"+video, nil).Status == 200 })
	waitFor(t, "all read", func() bool { _, n, _ := s.inboxOf(creator); return n == 0 })
	// The unread badge: the inbox marked what it showed read; one more
	// like is one unread, shown in any [data-unread-badge].
	if r := s.do("PUT", "/api/v1/videos/"+video+"/like", nil, bearer(anonLiker(t, s))...); r.Status != 200 {
		t.Fatalf("like: %d %s", r.Status, r.Body)
	}
	waitFor(t, "one unread", func() bool { _, n, _ := s.inboxOf(creator); return n == 1 })
	cr.Eval(`(() => { const b = document.createElement('span'); b.dataset.unreadBadge = ''; b.id = 'test-badge'; b.hidden = true; document.body.append(b);
		document.dispatchEvent(new Event('kurz:refresh-unread')); })()`)
	cr.Wait("the badge shows 1", `document.getElementById('test-badge').textContent === '1' && !document.getElementById('test-badge').hidden`, errs, 10*time.Second)
	for _, b := range []*tab{anon, rep, cr, ma, mb} {
		b.NoDialogs("report and appeal pages")
	}
}
