package storetest

import (
	"sync"
	"testing"
	"time"

	"kurz"
)

// testCommentReplies: replies hang off a top-level comment, out of the
// video's top-level list, counted on it while shown; deleting the
// top-level comment deletes them and counts the shown ones.
func testCommentReplies(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "rita")
	v := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	top := &kurz.Comment{ID: "eu_top", VideoID: v.ID, AuthorID: "us_ann", AuthorHandle: "ann", Text: "first", CreatedAt: at(1)}
	other := &kurz.Comment{ID: "eu_other", VideoID: v.ID, AuthorID: p.ID, AuthorHandle: "rita", Text: "second", CreatedAt: at(2)}
	noErr(t, s.CreateComment(ctx(), top))
	noErr(t, s.CreateComment(ctx(), other))
	var replies []string
	for i, id := range []string{"eu_r3", "eu_r1", "eu_r2"} {
		r := &kurz.Comment{ID: id, VideoID: v.ID, AuthorID: "sg_bo", AuthorHandle: "bo", Text: "re", CreatedAt: at(10 + i),
			ParentID: top.ID, ReplyToID: "us_ann", ReplyToHandle: "ann"}
		noErr(t, s.CreateComment(ctx(), r))
		replies = append(replies, id)
	}
	got := must(s.CommentByID(ctx(), "eu_r1"))(t)
	if got.ParentID != top.ID || got.ReplyToID != "us_ann" || got.ReplyToHandle != "ann" || got.Replies != 0 {
		t.Fatalf("a reply reads back as %+v", got)
	}
	wantStrings(t, "CommentsOf (top-level only)", commentIDs(must(s.CommentsOf(ctx(), v.ID, time.Time{}, "", 10))(t)), "eu_top", "eu_other")
	wantStrings(t, "RepliesOf", commentIDs(must(s.RepliesOf(ctx(), top.ID, time.Time{}, "", 10))(t)), replies...)
	wantStrings(t, "RepliesOf after a cursor", commentIDs(must(s.RepliesOf(ctx(), top.ID, at(10), "eu_r3", 1))(t)), "eu_r1")
	if n := must(s.CommentByID(ctx(), top.ID))(t).Replies; n != 3 {
		t.Fatalf("top-level comment counts %d replies, want 3", n)
	}
	// A hidden reply (its author terminated) is neither listed nor counted.
	noErr(t, s.SetCommentHidden(ctx(), "eu_r2", true))
	wantStrings(t, "RepliesOf with one hidden", commentIDs(must(s.RepliesOf(ctx(), top.ID, time.Time{}, "", 10))(t)), "eu_r3", "eu_r1")
	if list := must(s.CommentsOf(ctx(), v.ID, time.Time{}, "", 10))(t); list[0].Replies != 2 {
		t.Fatalf("CommentsOf counts %d replies, want 2", list[0].Replies)
	}
	// Deleting a reply deletes it alone.
	if n := must(s.DeleteComment(ctx(), "eu_r3"))(t); n != 1 {
		t.Fatalf("DeleteComment of a reply = %d shown, want 1", n)
	}
	// Deleting the top-level comment deletes its replies; the hidden one
	// was not counted.
	if n := must(s.DeleteComment(ctx(), top.ID))(t); n != 2 {
		t.Fatalf("DeleteComment of a top-level comment with a shown and a hidden reply = %d shown, want 2", n)
	}
	for _, id := range replies {
		_, err := s.CommentByID(ctx(), id)
		wantNotFound(t, err, "a reply of a deleted comment")
	}
	wantStrings(t, "CommentsOf after the delete", commentIDs(must(s.CommentsOf(ctx(), v.ID, time.Time{}, "", 10))(t)), "eu_other")
	// An erased author's comments take the replies to them along.
	noErr(t, s.CreateComment(ctx(), &kurz.Comment{ID: "eu_r9", VideoID: v.ID, AuthorID: "us_ann", AuthorHandle: "ann", Text: "re",
		CreatedAt: at(20), ParentID: other.ID, ReplyToID: p.ID, ReplyToHandle: "rita"}))
	noErr(t, s.DeletePerson(ctx(), p.ID))
	_, err := s.CommentByID(ctx(), "eu_r9")
	wantNotFound(t, err, "a reply to an erased person's comment")
}

// testCommentLikes: a person likes a comment of any region once; the
// comment's own count moves only through AddCounter.
func testCommentLikes(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "lia")
	q := mustProfile(t, s, "lou")
	a, b := "us_comment_a", "eu_comment_b"
	if !must(s.AddCommentLike(ctx(), p.ID, a, at(1)))(t) || !must(s.AddCommentLike(ctx(), p.ID, b, at(2)))(t) {
		t.Fatal("a first AddCommentLike reported an existing row")
	}
	if must(s.AddCommentLike(ctx(), p.ID, a, at(3)))(t) {
		t.Fatal("a repeated AddCommentLike reported a new row")
	}
	if _, err := s.AddCommentLike(ctx(), kurz.NewID("eu"), a, at(1)); err == nil {
		t.Fatal("AddCommentLike by a missing profile succeeded")
	}
	got := must(s.CommentLikes(ctx(), p.ID, []string{a, b, "eu_none"}))(t)
	if !got[a] || !got[b] || got["eu_none"] {
		t.Fatalf("CommentLikes = %v", got)
	}
	if got := must(s.CommentLikes(ctx(), q.ID, []string{a}))(t); got[a] {
		t.Fatal("CommentLikes of another person says liked")
	}
	wantStrings(t, "LikedComments", must(s.LikedComments(ctx(), p.ID))(t), b, a)
	if !must(s.RemoveCommentLike(ctx(), p.ID, a))(t) || must(s.RemoveCommentLike(ctx(), p.ID, a))(t) {
		t.Fatal("RemoveCommentLike did not report the one row it removed")
	}
	wantStrings(t, "LikedComments after unlike", must(s.LikedComments(ctx(), p.ID))(t), b)
	// The counter on a comment of this region.
	v := mustVideo(t, s, q.ID, kurz.StatusReady, kurz.Public, at(0))
	cm := &kurz.Comment{ID: kurz.NewID("eu"), VideoID: v.ID, AuthorID: q.ID, AuthorHandle: "lou", Text: "x", CreatedAt: at(1)}
	noErr(t, s.CreateComment(ctx(), cm))
	noErr(t, s.AddCounter(ctx(), "comments", cm.ID, "likes", 2))
	noErr(t, s.AddCounter(ctx(), "comments", cm.ID, "likes", -1))
	if n := must(s.CommentByID(ctx(), cm.ID))(t).Likes; n != 1 {
		t.Fatalf("comment likes = %d, want 1", n)
	}
	wantCode(t, s.AddCounter(ctx(), "comments", cm.ID, "text", 1), kurz.EInvalid)
	// Erasure takes a person's comment likes.
	noErr(t, s.DeletePerson(ctx(), p.ID))
	if n := len(must(s.LikedComments(ctx(), p.ID))(t)); n != 0 {
		t.Fatalf("%d comment likes survive their person's erasure", n)
	}
}

// testCommentLikeRace: people liking one comment at once, each several
// times: one row per person, and exactly one AddCommentLike each says new.
func testCommentLikeRace(t *testing.T, s kurz.Store) {
	const people, tries = 4, 5
	var mu sync.Mutex
	fresh := map[string]int{}
	var wg sync.WaitGroup
	for i := range people {
		p := mustProfile(t, s, "racer"+string(rune('a'+i)))
		for range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				added, err := s.AddCommentLike(ctx(), p.ID, "us_hot", at(1))
				if err != nil {
					t.Error(err)
					return
				}
				if added {
					mu.Lock()
					fresh[p.ID]++
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if len(fresh) != people {
		t.Fatalf("%d of %d people's likes were recorded", len(fresh), people)
	}
	for id, n := range fresh {
		if n != 1 {
			t.Fatalf("%s: %d of %d concurrent likes reported new, want 1", id, n, tries)
		}
	}
}

// testPinnedComment: a video pins one comment at a time; the pin reads
// back on the comment.
func testPinnedComment(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "pia")
	v := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	w := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	a := &kurz.Comment{ID: "eu_pa", VideoID: v.ID, AuthorID: p.ID, AuthorHandle: "pia", Text: "a", CreatedAt: at(1)}
	b := &kurz.Comment{ID: "eu_pb", VideoID: v.ID, AuthorID: p.ID, AuthorHandle: "pia", Text: "b", CreatedAt: at(2)}
	noErr(t, s.CreateComment(ctx(), a))
	noErr(t, s.CreateComment(ctx(), b))
	if id := must(s.PinnedComment(ctx(), v.ID))(t); id != "" {
		t.Fatalf("a new video pins %q", id)
	}
	noErr(t, s.SetPinnedComment(ctx(), v.ID, a.ID))
	noErr(t, s.SetPinnedComment(ctx(), v.ID, b.ID))
	if id := must(s.PinnedComment(ctx(), v.ID))(t); id != b.ID {
		t.Fatalf("PinnedComment = %q, want %q", id, b.ID)
	}
	if must(s.CommentByID(ctx(), a.ID))(t).Pinned || !must(s.CommentByID(ctx(), b.ID))(t).Pinned {
		t.Fatal("pinning b did not unpin a")
	}
	if id := must(s.PinnedComment(ctx(), w.ID))(t); id != "" {
		t.Fatalf("another video pins %q", id)
	}
	noErr(t, s.SetPinnedComment(ctx(), v.ID, ""))
	if must(s.CommentByID(ctx(), b.ID))(t).Pinned {
		t.Fatal("unpinning left the comment pinned")
	}
	wantNotFound(t, s.SetPinnedComment(ctx(), kurz.NewID("eu"), a.ID), "SetPinnedComment on a missing video")
	_, err := s.PinnedComment(ctx(), kurz.NewID("eu"))
	wantNotFound(t, err, "PinnedComment of a missing video")
}
