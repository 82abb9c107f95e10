package app_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"kurz/link"
	"kurz/safety"
)

type commentList struct {
	Items      []link.Comment
	NextCursor string `json:"next_cursor"`
}

func (s *server) comments(path string, hdr ...string) commentList {
	s.t.Helper()
	var l commentList
	r := s.do("GET", path, nil, hdr...)
	if r.Status != 200 {
		s.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	r.json(s.t, &l)
	return l
}

// TestCommentThreadsAcrossRegions: the video's owner lives in eu, the
// commenter in us, the repliers in sg and eu. Replies thread under the
// top-level comment (a reply to a reply too, naming whom it answers), and
// the person answered is told in their own region; likes count exactly
// once per person under concurrent requests, their rows stay in each
// liker's region, and show as liked to the liker only; only the owner
// pins, one comment at a time, listed first; hidden authors' replies and
// deleted conversations disappear; comment likes are in the export.
func TestCommentThreadsAcrossRegions(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	owner := s.signUp("owner", "owner@example.org", "1990-01-01", "DE")
	commenter := s.signUp("commenter", "commenter@example.com", "1990-01-01", "US")
	replier := s.signUp("replier", "replier@example.sg", "1990-01-01", "SG")
	other := s.signUp("other", "other@example.org", "1990-01-01", "FR")
	mod := s.signUp("moddy", "moddy@example.org", "1990-01-01", "AT")
	for _, a := range []*account{&owner, &commenter, &replier, &other, &mod} {
		s.login(a)
	}
	if commenter.Region != "us" || replier.Region != "sg" || owner.Region != "eu" {
		t.Fatalf("regions: %s %s %s", owner.Region, commenter.Region, replier.Region)
	}
	if err := s.grantStaff("eu", mod, "moderator"); err != nil {
		t.Fatal(err)
	}
	auth := func(a account) []string { return []string{"Authorization", "Bearer " + a.Token} }
	id := s.publish(owner, "talk to me")
	for _, r := range []string{"us", "sg"} {
		waitFor(t, "the video in "+r+"'s catalogue", func() bool { _, ok := s.Cell(kurzRegion(r)).Index.Video(id); return ok })
	}

	post := func(a account, path, text string) link.Comment {
		t.Helper()
		r := s.do("POST", path, map[string]string{"text": text}, auth(a)...)
		if r.Status != 201 {
			t.Fatalf("%s posts to %s: %d %s", a.Handle, path, r.Status, r.Body)
		}
		var cm link.Comment
		r.json(t, &cm)
		return cm
	}
	top := post(commenter, "/api/v1/videos/"+id+"/comments", "first from the us")
	reply := post(replier, "/api/v1/comments/"+top.ID+"/replies", "answer from sg")
	if reply.ParentID != top.ID || reply.ReplyTo == nil || reply.ReplyTo.Handle != "commenter" || !strings.HasPrefix(reply.ID, "eu_") {
		t.Fatalf("reply = %+v", reply)
	}
	// A reply to a reply joins the same top-level comment and names whom it
	// answers.
	deep := post(owner, "/api/v1/comments/"+reply.ID+"/replies", "the owner answers sg")
	if deep.ParentID != top.ID || deep.ReplyTo == nil || deep.ReplyTo.Handle != "replier" {
		t.Fatalf("reply to a reply = %+v", deep)
	}
	if r := s.do("POST", "/api/v1/comments/"+top.ID+"/replies", map[string]string{"text": " "}, auth(other)...); r.Status != 400 {
		t.Fatalf("empty reply: %d", r.Status)
	}
	if r := s.do("POST", "/api/v1/comments/"+top.ID+"/replies", map[string]string{"text": "hi"}); r.Status != 401 {
		t.Fatalf("anonymous reply: %d", r.Status)
	}
	if r := s.do("POST", "/api/v1/comments/eu_nonesuch/replies", map[string]string{"text": "hi"}, auth(other)...); r.Status != 404 {
		t.Fatalf("reply to a missing comment: %d", r.Status)
	}

	// The list holds top-level comments with their reply counts, at every
	// door and for anyone; the replies list holds the thread, oldest first.
	list := s.comments("/api/v1/videos/" + id + "/comments")
	if len(list.Items) != 1 || list.Items[0].ID != top.ID || list.Items[0].Replies != 2 {
		t.Fatalf("comments = %+v", list.Items)
	}
	for _, a := range []account{commenter, replier} {
		thread := s.comments("/api/v1/comments/"+top.ID+"/replies", auth(a)...)
		if len(thread.Items) != 2 || thread.Items[0].ID != reply.ID || thread.Items[1].ID != deep.ID {
			t.Fatalf("%s reads the thread: %+v", a.Handle, thread.Items)
		}
	}
	waitFor(t, "comment count 3", func() bool { return s.videoCounts(id).Comments == 3 })

	// Whom a reply answers is told in their own region's inbox: the us
	// commenter by sg's reply (a job over the link), sg by the owner's.
	inbox := func(a account) string { return string(s.do("GET", "/api/v1/me/notifications", nil, auth(a)...).Body) }
	waitFor(t, "the us commenter's reply notification", func() bool {
		n := inbox(commenter)
		return strings.Contains(n, `"kind":"reply"`) && strings.Contains(n, `"author_handle":"replier"`) && strings.Contains(n, "answer from sg")
	})
	waitFor(t, "the sg replier's reply notification", func() bool {
		n := inbox(replier)
		return strings.Contains(n, `"kind":"reply"`) && strings.Contains(n, "the owner answers sg")
	})
	if n := inbox(owner); !strings.Contains(n, "answer from sg") || strings.Contains(n, `"kind":"reply"`) {
		t.Fatalf("the owner's inbox: %s", n)
	}

	// Likes: four people, each sending three likes at once, count four.
	likers := []account{owner, commenter, replier, other}
	var wg sync.WaitGroup
	for _, a := range likers {
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := s.do("PUT", "/api/v1/comments/"+top.ID+"/like", nil, auth(a)...); r.Status != 200 {
					t.Errorf("%s likes: %d %s", a.Handle, r.Status, r.Body)
				}
			}()
		}
	}
	wg.Wait()
	likes := func() int64 { return s.comments("/api/v1/videos/" + id + "/comments").Items[0].Likes }
	waitFor(t, "4 likes", func() bool { return likes() == 4 })
	// A like is personal: its row is in the liker's region only.
	for region, want := range map[string]int{"eu": 2, "us": 1, "sg": 1} {
		if n := s.count(kurzRegion(region), "comment_likes"); n != want {
			t.Fatalf("%s holds %d comment likes, want %d", region, n, want)
		}
	}
	if mine := s.comments("/api/v1/videos/"+id+"/comments", auth(replier)...).Items[0]; !mine.Liked {
		t.Fatal("the replier's list does not mark their like")
	}
	if anon := s.comments("/api/v1/videos/" + id + "/comments").Items[0]; anon.Liked {
		t.Fatal("an anonymous list marks a like")
	}
	var la struct {
		Likes int64
		Liked bool
	}
	s.do("DELETE", "/api/v1/comments/"+top.ID+"/like", nil, auth(replier)...).json(t, &la)
	if la.Liked || la.Likes != 3 {
		t.Fatalf("unlike answers %+v", la)
	}
	s.do("PUT", "/api/v1/comments/"+reply.ID+"/like", nil, auth(commenter)...)
	waitFor(t, "3 likes and the reply's 1", func() bool {
		th := s.comments("/api/v1/comments/" + top.ID + "/replies")
		return likes() == 3 && th.Items[0].Likes == 1
	})

	// Pinning: only the owner; one at a time; the pinned one first.
	second := post(other, "/api/v1/videos/"+id+"/comments", "a later one")
	for _, a := range []account{other, commenter, replier, mod} {
		if r := s.do("PUT", "/api/v1/comments/"+second.ID+"/pin", nil, auth(a)...); r.Status != 403 {
			t.Fatalf("%s (not the owner) pins: %d %s", a.Handle, r.Status, r.Body)
		}
	}
	if r := s.do("PUT", "/api/v1/comments/"+second.ID+"/pin", nil); r.Status != 401 {
		t.Fatalf("anonymous pin: %d", r.Status)
	}
	if r := s.do("PUT", "/api/v1/comments/"+reply.ID+"/pin", nil, auth(owner)...); r.Status != 400 {
		t.Fatalf("pinning a reply: %d", r.Status)
	}
	if l := s.comments("/api/v1/videos/" + id + "/comments"); l.Items[0].ID != top.ID || l.Items[0].Pinned || l.Items[1].Pinned {
		t.Fatalf("a refused pin changed the list: %+v", l.Items)
	}
	for _, cm := range []link.Comment{top, second} {
		if r := s.do("PUT", "/api/v1/comments/"+cm.ID+"/pin", nil, auth(owner)...); r.Status != 200 {
			t.Fatalf("the owner pins: %d %s", r.Status, r.Body)
		}
	}
	l := s.comments("/api/v1/videos/" + id + "/comments")
	if len(l.Items) != 2 || l.Items[0].ID != second.ID || !l.Items[0].Pinned || l.Items[1].ID != top.ID || l.Items[1].Pinned {
		t.Fatalf("after pinning the second comment: %+v", l.Items)
	}
	if r := s.do("DELETE", "/api/v1/comments/"+second.ID+"/pin", nil, auth(owner)...); r.Status != 200 {
		t.Fatalf("unpin: %d", r.Status)
	}
	if l := s.comments("/api/v1/videos/" + id + "/comments"); l.Items[0].ID != top.ID || l.Items[1].Pinned {
		t.Fatalf("after unpinning: %+v", l.Items)
	}

	// A reply a moderator removes is gone from the thread and the counts.
	spam := post(other, "/api/v1/comments/"+top.ID+"/replies", "buy my stuff")
	waitFor(t, "comment count 5", func() bool { return s.videoCounts(id).Comments == 5 })
	if _, err := s.Cell("eu").Safety.DecideAsOperator(t.Context(), "operator:test", "comment", spam.ID, "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
		safety.DecisionInput{Action: "remove", Ground: "terms", Explanation: "spam"}); err != nil {
		t.Fatal(err)
	}
	if th := s.comments("/api/v1/comments/" + top.ID + "/replies"); len(th.Items) != 2 {
		t.Fatalf("thread after a removal: %+v", th.Items)
	}
	waitFor(t, "comment count 4", func() bool { return s.videoCounts(id).Comments == 4 })

	// A hidden author (terminated, at their home region's word) is out of
	// the thread too, and nobody can like or answer their reply.
	if err := s.Cell("eu").Social.Comments.HideAuthor(t.Context(), "sg", replier.ID, true); err != nil {
		t.Fatal(err)
	}
	if th := s.comments("/api/v1/comments/" + top.ID + "/replies"); len(th.Items) != 1 || th.Items[0].ID != deep.ID {
		t.Fatalf("thread with a hidden reply: %+v", th.Items)
	}
	if n := s.comments("/api/v1/videos/" + id + "/comments").Items[0].Replies; n != 1 {
		t.Fatalf("reply count with a hidden reply: %d", n)
	}
	for _, step := range []struct{ method, path string }{{"PUT", "/api/v1/comments/" + reply.ID + "/like"},
		{"POST", "/api/v1/comments/" + reply.ID + "/replies"}, {"GET", "/api/v1/comments/" + reply.ID + "/replies"}} {
		if r := s.do(step.method, step.path, map[string]string{"text": "x"}, auth(other)...); r.Status != 404 {
			t.Fatalf("%s %s of a hidden reply: %d", step.method, step.path, r.Status)
		}
	}

	// The commenter's export holds their comment likes.
	url := s.waitExport(nil, auth(commenter)...)
	dl := s.do("GET", url, nil, auth(commenter)...)
	zr, err := zip.NewReader(bytes.NewReader(dl.Body), int64(len(dl.Body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "data.json" {
			rc, _ := f.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			var d struct {
				CommentLikes []string `json:"comment_likes"`
			}
			if err := json.Unmarshal(data, &d); err != nil || !slices.Equal(d.CommentLikes, []string{reply.ID, top.ID}) {
				t.Fatalf("the export's comment likes: %v %v", d.CommentLikes, err)
			}
		}
	}

	// Deleting the top-level comment takes its conversation along: the
	// replies are gone and the count drops by every shown one.
	if r := s.do("DELETE", "/api/v1/comments/"+top.ID, nil, auth(commenter)...); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/comments/"+top.ID+"/replies", nil); r.Status != 404 {
		t.Fatalf("replies of a deleted comment: %d", r.Status)
	}
	waitFor(t, "comment count 1 (the second comment)", func() bool { return s.videoCounts(id).Comments == 1 })
}
