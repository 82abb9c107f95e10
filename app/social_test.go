package app_test

import (
	"fmt"
	"kurz"
	"path/filepath"
	"strings"
	"testing"

	"kurz/app"
	"kurz/internal/leak"
	"kurz/internal/mediatest"
)

// publish uploads a small clip for a and waits until it is ready.
func (s *server) publish(a account, caption string) string {
	s.t.Helper()
	clip := filepath.Join(s.t.TempDir(), "clip.mp4")
	mediatest.Clip(s.t, clip, 360, 640, 1, true)
	res := s.tusUpload(a.Token, clip, map[string]string{"caption": caption, "visibility": "public"}, 1, "")
	if !res.Done {
		s.t.Fatalf("upload: %+v", res)
	}
	if v := s.waitVideo(a.Token, res.VideoID); v.Status != "ready" {
		s.t.Fatalf("video %s: %s", v.Status, v.Error)
	}
	return res.VideoID
}

type counts struct {
	Likes, Comments, Views int64
}

func (s *server) videoCounts(id string) counts {
	s.t.Helper()
	var c counts
	s.do("GET", "/api/v1/videos/"+id, nil).json(s.t, &c)
	return c
}

type feedPage struct {
	Items []struct {
		ID        string
		Caption   string
		Liked     bool
		Following bool
		Seen      bool
		Creator   struct{ Handle string }
	}
	NextCursor string `json:"next_cursor"`
}

// TestSocialAcrossRegions: an eu person follows a us creator, likes,
// comments on and watches the creator's video; the creator's counters
// reflect it exactly once; the eu person's Following feed has the video;
// an sg viewer sees the comment.
func TestSocialAcrossRegions(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	creator := s.signUp("creator", "creator@example.com", "1990-01-01", "US")
	s.login(&creator)
	fan := s.signUp("fan", "fan@example.org", "1990-01-01", "DE")
	s.login(&fan)
	viewer := s.signUp("viewer", "viewer@example.sg", "1990-01-01", "SG")
	s.login(&viewer)
	id := s.publish(creator, "hello from the us #greetings")
	if !strings.HasPrefix(id, "us_") {
		t.Fatalf("us creator's video %s", id)
	}
	auth := func(a account) []string { return []string{"Authorization", "Bearer " + a.Token} }

	waitFor(t, "the video to reach eu's catalogue", func() bool { _, ok := s.Cell("eu").Index.Video(id); return ok })
	for i := 0; i < 2; i++ { // following and liking twice count once
		if r := s.do("PUT", "/api/v1/users/creator/follow", nil, auth(fan)...); r.Status != 200 {
			t.Fatalf("follow: %d %s", r.Status, r.Body)
		}
		if r := s.do("PUT", "/api/v1/videos/"+id+"/like", nil, auth(fan)...); r.Status != 200 {
			t.Fatalf("like: %d %s", r.Status, r.Body)
		}
		if r := s.do("POST", "/api/v1/videos/"+id+"/view", nil, auth(fan)...); r.Status != 204 {
			t.Fatalf("view: %d %s", r.Status, r.Body)
		}
	}
	r := s.do("POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": "Grüße aus Europa"}, auth(fan)...)
	if r.Status != 201 {
		t.Fatalf("comment: %d %s", r.Status, r.Body)
	}
	var cm struct {
		ID     string
		Author struct{ Handle string }
	}
	r.json(t, &cm)
	if !strings.HasPrefix(cm.ID, "us_") || cm.Author.Handle != "fan" {
		t.Fatalf("comment = %s", r.Body)
	}

	waitFor(t, "counters at the creator's region", func() bool {
		c := s.videoCounts(id)
		return c.Likes == 1 && c.Views == 1 && c.Comments == 1
	})
	waitFor(t, "the follower count", func() bool {
		var p struct{ Followers int64 }
		s.do("GET", "/api/v1/users/creator", nil).json(t, &p)
		return p.Followers == 1
	})
	// The likes, views and follows are the fan's personal data: their rows
	// exist in eu only.
	for _, table := range []string{"likes", "views", "follows"} {
		if s.count("eu", table) != 1 || s.count("us", table) != 0 || s.count("sg", table) != 0 {
			t.Fatalf("%s rows: eu %d, us %d, sg %d", table, s.count("eu", table), s.count("us", table), s.count("sg", table))
		}
	}

	var following feedPage
	s.do("GET", "/api/v1/feed?kind=following", nil, auth(fan)...).json(t, &following)
	if len(following.Items) != 1 || following.Items[0].ID != id || !following.Items[0].Liked || !following.Items[0].Following {
		t.Fatalf("fan's Following feed: %+v", following)
	}
	// The sg viewer sees the comment, the video in For You and on its tag.
	var comments struct {
		Items []struct {
			Text   string
			Author struct{ Handle string }
		}
	}
	s.do("GET", "/api/v1/videos/"+id+"/comments", nil, auth(viewer)...).json(t, &comments)
	if len(comments.Items) != 1 || comments.Items[0].Text != "Grüße aus Europa" || comments.Items[0].Author.Handle != "fan" {
		t.Fatalf("sg viewer's comments: %+v", comments)
	}
	waitFor(t, "the video in sg's catalogue", func() bool { _, ok := s.Cell("sg").Index.Video(id); return ok })
	var foryou feedPage
	s.do("GET", "/api/v1/feed?kind=foryou", nil, auth(viewer)...).json(t, &foryou)
	if len(foryou.Items) == 0 || foryou.Items[0].ID != id {
		t.Fatalf("sg viewer's For You: %+v", foryou)
	}
	var tag feedPage
	s.do("GET", "/api/v1/tags/greetings/videos", nil).json(t, &tag)
	if len(tag.Items) != 1 {
		t.Fatalf("tag page: %+v", tag)
	}
	// What the fan has watched is not recommended to them as new: with
	// nothing else to watch it comes back marked as seen.
	s.do("GET", "/api/v1/feed?kind=foryou", nil, auth(fan)...).json(t, &foryou)
	for _, it := range foryou.Items {
		if it.ID == id && !it.Seen {
			t.Fatal("a watched video is recommended again as new")
		}
	}

	// Unlike and unfollow bring the counts back.
	s.do("DELETE", "/api/v1/videos/"+id+"/like", nil, auth(fan)...)
	s.do("DELETE", "/api/v1/videos/"+id+"/like", nil, auth(fan)...)
	s.do("DELETE", "/api/v1/users/creator/follow", nil, auth(fan)...)
	waitFor(t, "likes back to 0", func() bool { return s.videoCounts(id).Likes == 0 })
	waitFor(t, "followers back to 0", func() bool {
		var p struct{ Followers int64 }
		s.do("GET", "/api/v1/users/creator", nil).json(t, &p)
		return p.Followers == 0
	})
}

func TestComments(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	a := s.signUp("author", "author@example.org", "1990-01-01", "DE")
	s.login(&a)
	b := s.signUp("reader", "reader@example.org", "1990-01-01", "FR")
	s.login(&b)
	id := s.publish(a, "comment on me")
	auth := func(x account) []string { return []string{"Authorization", "Bearer " + x.Token} }
	for _, text := range []string{"", "   ", strings.Repeat("x", 501)} {
		if r := s.do("POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": text}, auth(b)...); r.Status != 400 {
			t.Fatalf("comment of %d chars: %d", len(text), r.Status)
		}
	}
	if r := s.do("POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": strings.Repeat("ü", 500)}, auth(b)...); r.Status != 201 {
		t.Fatalf("500-character comment: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": "hi"}); r.Status != 401 {
		t.Fatalf("anonymous comment: %d", r.Status)
	}
	var cm struct{ ID string }
	s.do("POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": "mine"}, auth(b)...).json(t, &cm)
	// The video's owner is told, with the author's handle and words; the
	// owner's own comment tells nobody.
	s.do("POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": "thanks, says the owner"}, auth(a)...)
	inbox := string(s.do("GET", "/api/v1/me/notifications", nil, auth(a)...).Body)
	if !strings.Contains(inbox, `"kind":"comment"`) || !strings.Contains(inbox, `"author_handle":"reader"`) || !strings.Contains(inbox, `"text":"mine"`) ||
		strings.Contains(inbox, "says the owner") {
		t.Fatalf("the owner's inbox after comments: %s", inbox)
	}
	// Only the author (or the video's owner) can delete; others get 404.
	c := s.signUp("third", "third@example.org", "1990-01-01", "US")
	s.login(&c)
	if r := s.do("DELETE", "/api/v1/comments/"+cm.ID, nil, auth(c)...); r.Status != 404 {
		t.Fatalf("stranger deletes a comment: %d", r.Status)
	}
	if r := s.do("DELETE", "/api/v1/comments/"+cm.ID, nil, auth(b)...); r.Status != 204 {
		t.Fatalf("author deletes: %d %s", r.Status, r.Body)
	}
	waitFor(t, "comment count 2", func() bool { return s.videoCounts(id).Comments == 2 })
	// Comment spam: past 10 a minute, 429 with Retry-After.
	var limited *response
	for i := 0; i < 12 && limited == nil; i++ {
		r := s.do("POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": fmt.Sprintf("spam %d", i)}, auth(c)...)
		if r.Status == 429 {
			limited = r
		}
	}
	if limited == nil || limited.Header.Get("Retry-After") == "" {
		t.Fatal("no rate limit on comments")
	}
	var list struct {
		Items []struct{ Text string }
	}
	s.do("GET", "/api/v1/videos/"+id+"/comments", nil).json(t, &list)
	if len(list.Items) != 12 { // the 500 ü, the owner's and 10 before the limit
		t.Fatalf("%d comments listed, want 12", len(list.Items))
	}
}

// TestSignedOutViewsCount: a signed-out visitor's view counts once per
// network and day; another network counts again; a private video takes
// none; and the store keeps no address.
func TestSignedOutViewsCount(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.TrustedProxies = trustLoopback() })
	maker := s.signUp("viewcounted", "viewcounted@example.org", "1990-01-01", "US")
	s.login(&maker)
	id := s.publish(maker, "count me #views")
	waitFor(t, "the video in eu", func() bool { _, ok := s.Cell("eu").Index.Video(id); return ok })
	view := func(ip string) int {
		return s.do("POST", "/api/v1/videos/"+id+"/view", nil, "X-Forwarded-For", ip).Status
	}
	for _, ip := range []string{"203.0.113.7", "203.0.113.7", "2001:db8:1:2::1", "2001:db8:1:2::99"} {
		if st := view(ip); st != 204 {
			t.Fatalf("signed-out view from %s: %d", ip, st)
		}
	}
	waitFor(t, "two signed-out views counted", func() bool { return s.videoCounts(id).Views == 2 })
	if st := view("198.51.100.40"); st != 204 {
		t.Fatalf("a view from another network: %d", st)
	}
	waitFor(t, "a third network's view counted", func() bool { return s.videoCounts(id).Views == 3 })

	priv := s.publish(maker, "not for strangers")
	s.do("PATCH", "/api/v1/videos/"+priv, map[string]string{"visibility": "private"}, "Authorization", "Bearer "+maker.Token)
	waitFor(t, "the private video out of eu's catalogue", func() bool { _, ok := s.Cell("eu").Index.Video(priv); return !ok })
	if r := s.do("POST", "/api/v1/videos/"+priv+"/view", nil, "X-Forwarded-For", "203.0.113.8"); r.Status != 404 {
		t.Fatalf("a signed-out view of a private video: %d %s", r.Status, r.Body)
	}
	// The keys stay with the door the visitor came through (eu here);
	// only the count travels to the video's region.
	total := 0
	for _, r := range []kurz.Region{"eu", "us", "sg"} {
		var n int
		rawSQL(s.Cell(r)).QueryRow(`SELECT count(*) FROM anonymous_views`).Scan(&n)
		total += n
	}
	if total != 3 {
		t.Fatalf("%d signed-out view keys, want one per network", total)
	}
	if hits, _ := leak.ScanDir(s.Config.DataDir, "203.0.113.7", "198.51.100.40", "2001:db8:1:2"); len(hits) > 0 && s.Config.DB["us"] == "" {
		t.Fatalf("a signed-out visitor's address at rest: %v", hits)
	}
}

// TestPendingErasureHidesComments: a person who asked to be erased has
// their comments hidden on every region's videos (and uncounted) at once,
// and back when they withdraw the request.
func TestPendingErasureHidesComments(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	maker := s.signUp("talkmaker", "talkmaker@example.org", "1990-01-01", "US")
	s.login(&maker)
	vid := s.publish(maker, "talk to me")
	leaver := s.signUp("talkleaver", "talkleaver@example.org", "1990-01-01", "DE")
	s.login(&leaver)
	waitFor(t, "the us video in eu", func() bool { _, ok := s.Cell("eu").Index.Video(vid); return ok })
	text := canary("a comment that goes with its author ")
	if r := s.do("POST", "/api/v1/videos/"+vid+"/comments", map[string]string{"text": text}, "Authorization", "Bearer "+leaver.Token); r.Status != 201 {
		t.Fatalf("comment: %d %s", r.Status, r.Body)
	}
	shown := func() bool {
		return strings.Contains(string(s.do("GET", "/api/v1/videos/"+vid+"/comments", nil).Body), text)
	}
	if !shown() {
		t.Fatal("the comment is not listed")
	}
	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": leaver.Password}, "Authorization", "Bearer "+leaver.Token); r.Status != 202 {
		t.Fatalf("erasure: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the comment hidden", func() bool { return !shown() && s.videoCounts(vid).Comments == 0 })
	if r := s.do("POST", "/api/v1/me/erasure/cancel", nil, "Authorization", "Bearer "+leaver.Token); r.Status >= 300 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the comment back", func() bool { return shown() && s.videoCounts(vid).Comments == 1 })
}
