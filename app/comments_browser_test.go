package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kurz/internal/browsertest"
)

// signInTab signs a into a fresh browser's tab (width × height) and
// opens path; lang "de" picks German first.
func signInTab(t *testing.T, chrome, base string, a account, lang string, width, height int64, path string) *tab {
	t.Helper()
	bctx := browsertest.Start(t, chrome)
	ctx, cancel := context.WithTimeout(bctx, 120*time.Second)
	t.Cleanup(cancel)
	b := &tab{browsertest.NewTab(t, ctx, width, height)}
	if lang != "" {
		b.Do(chromedp.Navigate(base + "/lang/" + lang))
	}
	b.Do(chromedp.Navigate(base+"/signin?next="+path), chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.SendKeys(chromedp.ID("login"), a.Handle),
		chromedp.SendKeys(chromedp.ID("password"), a.Password),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
	b.Wait("signed in at "+path, `location.pathname + location.search === `+jsString(path)+` && !!document.querySelector('.single .clip .actions')`,
		`location.href`, 20*time.Second)
	return b
}

// shootBoth takes a screenshot at 390×844 and at 1280×800, then goes back
// to the tab's size.
func (b *tab) shootBoth(dir, name string, width, height int64) {
	b.T.Helper()
	for _, size := range [][2]int64{{390, 844}, {1280, 800}} {
		b.Do(chromedp.EmulateViewport(size[0], size[1]))
		time.Sleep(200 * time.Millisecond) // let the layout settle before the picture
		b.shoot(dir, fmt.Sprintf("%s-%dx%d.png", name, size[0], size[1]))
	}
	b.Do(chromedp.EmulateViewport(width, height))
}

// TestBrowserCommentThreads: in Chromium, an sg person (phone size,
// English) answers a us person's comment on an eu creator's video and
// likes the comment; the creator (wide screen, German) sees "1 Antwort
// ansehen", pins the comment ("Vom Ersteller angeheftet", first in the
// list), then "2 Antworten ansehen" after another reply. Nobody but the
// creator is offered a pin button.
func TestBrowserCommentThreads(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	base := s.URL()
	owner := s.signUp("bcowner", "bcowner@example.org", "1990-01-01", "DE")
	commenter := s.signUp("bccommenter", "bccommenter@example.com", "1990-01-01", "US")
	replier := s.signUp("bcreplier", "bcreplier@example.sg", "1990-01-01", "SG")
	for _, a := range []*account{&owner, &commenter, &replier} {
		s.login(a)
	}
	id := s.publish(owner, "let's talk")
	for _, r := range []string{"us", "sg"} {
		waitFor(t, "the video in "+r, func() bool { _, ok := s.Cell(kurzRegion(r)).Index.Video(id); return ok })
	}
	second := s.do("POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": "a second thought"}, bearer(commenter)...)
	r := s.do("POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": "first from the us"}, bearer(commenter)...)
	if r.Status != 201 || second.Status != 201 {
		t.Fatalf("comments: %d %s", r.Status, r.Body)
	}
	var top struct{ ID string }
	r.json(t, &top)
	shots := artifacts(t)
	topSel := `.comment-list > li.comment[data-id="` + top.ID + `"]`

	// The replier, on a phone, in English.
	b := signInTab(t, chrome, base, replier, "", 390, 844, "/v/"+id)
	b.Do(chromedp.Click(chromedp.CSS(`.single .clip .act.comments`)))
	b.Wait("the comment", `!!document.querySelector(`+jsString(topSel+" .text")+`)`, `document.querySelector('dialog.sheet').innerHTML`, 15*time.Second)
	if n := b.Str(`String(document.querySelectorAll('.comment-pin').length)`); n != "0" {
		t.Fatalf("a person who does not own the video is offered %s pin buttons", n)
	}
	b.Do(chromedp.Click(chromedp.CSS(topSel + ` > .comment-bar .comment-reply`)))
	b.Wait("replying to bccommenter", `document.querySelector('.comment-form .replying').textContent.includes('Replying to @bccommenter')`,
		`document.querySelector('.comment-form').innerHTML`, 5*time.Second)
	b.Do(chromedp.SendKeys(chromedp.ID("comment-text"), "answer from sg"),
		chromedp.Click(chromedp.CSS(`.comment-form button[type=submit]`)))
	b.Wait("the reply in the thread", `[...document.querySelectorAll(`+jsString(topSel+" .replies .comment .text")+`)].some(e => e.textContent === 'answer from sg')`,
		`document.querySelector('.comment-form .form-error').textContent`, 10*time.Second)
	b.Do(chromedp.Click(chromedp.CSS(topSel + ` > .comment-bar .comment-like`)))
	b.Wait("the like", `document.querySelector(`+jsString(topSel+" > .comment-bar .comment-like")+`).getAttribute('aria-pressed') === 'true' && document.querySelector(`+
		jsString(topSel+" > .comment-bar .comment-like .count")+`).textContent === '1'`, `document.querySelector(`+jsString(topSel)+`).innerHTML`, 10*time.Second)
	b.shootBoth(shots, "comments-reply-like", 390, 844)
	waitFor(t, "the like counted at the video's region", func() bool {
		var l commentList
		s.do("GET", "/api/v1/videos/"+id+"/comments", nil).json(t, &l)
		for _, c := range l.Items {
			if c.ID == top.ID {
				return c.Likes == 1 && c.Replies == 1
			}
		}
		return false
	})
	// Opened again: the like is still the replier's, the thread folded.
	b.Do(chromedp.Click(chromedp.CSS(`dialog.sheet .sheet-head button`)), chromedp.Click(chromedp.CSS(`.single .clip .act.comments`)))
	b.Wait("the folded thread", `(document.querySelector(`+jsString(topSel+" .view-replies")+`) || {}).textContent === 'View 1 reply' && document.querySelector(`+
		jsString(topSel+" > .comment-bar .comment-like")+`).getAttribute('aria-pressed') === 'true'`, `document.querySelector(`+jsString(topSel)+`).innerHTML`, 10*time.Second)
	b.NoDialogs("the replier's comments")

	// The creator, on a wide screen, in German, pins the comment.
	o := signInTab(t, chrome, base, owner, "de", 1280, 800, "/v/"+id)
	o.Do(chromedp.Click(chromedp.CSS(`.single .clip .act.comments`)))
	o.Wait("1 Antwort ansehen", `(document.querySelector(`+jsString(topSel+" .view-replies")+`) || {}).textContent === '1 Antwort ansehen'`,
		`document.querySelector('dialog.sheet').innerHTML`, 15*time.Second)
	if first := o.Str(`document.querySelector('.comment-list > li.comment').dataset.id`); first == top.ID {
		t.Fatal("the later comment is first before any pin")
	}
	o.Do(chromedp.Click(chromedp.CSS(topSel + ` > .comment-bar .comment-pin`)))
	o.Wait("pinned first", `(() => { const li = document.querySelector('.comment-list > li.comment'); return li && li.dataset.id === `+jsString(top.ID)+
		` && li.querySelector('.comment-pinned').textContent === 'Vom Ersteller angeheftet' && li.querySelector('.comment-pin').textContent === 'Lösen'; })()`,
		`document.querySelector('.comment-list').innerHTML`, 10*time.Second)
	o.Do(chromedp.Click(chromedp.CSS(topSel + ` .view-replies`)))
	o.Wait("the thread open", `document.querySelector(`+jsString(topSel+" .view-replies")+`).textContent === 'Antworten ausblenden' && !!document.querySelector(`+
		jsString(topSel+" .replies .comment")+`)`, `document.querySelector(`+jsString(topSel)+`).innerHTML`, 10*time.Second)
	o.shootBoth(shots, "comments-pinned-de", 1280, 800)
	// Another reply: the plural's other form.
	if r := s.do("POST", "/api/v1/comments/"+top.ID+"/replies", map[string]string{"text": "me too"}, bearer(commenter)...); r.Status != 201 {
		t.Fatalf("second reply: %d %s", r.Status, r.Body)
	}
	o.Do(chromedp.Click(chromedp.CSS(`dialog.sheet .sheet-head button`)), chromedp.Click(chromedp.CSS(`.single .clip .act.comments`)))
	o.Wait("2 Antworten ansehen", `(document.querySelector(`+jsString(topSel+" .view-replies")+`) || {}).textContent === '2 Antworten ansehen'`,
		`document.querySelector('dialog.sheet').innerHTML`, 10*time.Second)
	o.NoDialogs("the creator's comments")
	var l commentList
	s.do("GET", "/api/v1/videos/"+id+"/comments", nil).json(t, &l)
	if len(l.Items) != 2 || l.Items[0].ID != top.ID || !l.Items[0].Pinned {
		t.Fatalf("the API after the pin: %+v", l.Items)
	}
}
