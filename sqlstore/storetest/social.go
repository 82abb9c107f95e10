package storetest

import (
	"fmt"
	"testing"
	"time"

	"kurz"
)

// Social: counters, likes, follows, views and comments.
var socialTests = []test{
	{"Counters", testCounters},
	{"Likes", testLikes},
	{"Follows", testFollows},
	{"FollowRequests", testFollowRequests},
	{"Blocks", testBlocks},
	{"Strikes", testStrikes},
	{"Views", testViews},
	{"Comments", testComments},
	{"CommentPages", testCommentPages},
	{"CommentReplies", testCommentReplies},
	{"CommentLikes", testCommentLikes},
	{"CommentLikeRace", testCommentLikeRace},
	{"PinnedComment", testPinnedComment},
}

func testCounters(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "cleo")
	v := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	noErr(t, s.AddCounter(ctx(), "videos", v.ID, "likes", 3))
	noErr(t, s.AddCounter(ctx(), "videos", v.ID, "likes", -1))
	noErr(t, s.AddCounter(ctx(), "videos", v.ID, "comments", 5))
	noErr(t, s.AddCounter(ctx(), "videos", v.ID, "views", 1<<33))
	noErr(t, s.AddCounter(ctx(), "profiles", p.ID, "followers", 4))
	noErr(t, s.AddCounter(ctx(), "profiles", p.ID, "following", -2))
	got := must(s.VideoByID(ctx(), v.ID))(t)
	if got.Likes != 2 || got.Comments != 5 || got.Views != 1<<33 {
		t.Fatalf("video counters = %d likes, %d comments, %d views", got.Likes, got.Comments, got.Views)
	}
	gp := must(s.ProfileByID(ctx(), p.ID))(t)
	if gp.Followers != 4 || gp.Following != -2 {
		t.Fatalf("profile counters = %d followers, %d following", gp.Followers, gp.Following)
	}
	// Only the known counters: no caller-supplied name reaches SQL.
	for _, c := range [][3]string{{"videos", v.ID, "owner_id"}, {"profiles", p.ID, "likes"}, {"videos", v.ID, "followers"},
		{"videos; DROP TABLE videos", v.ID, "likes"}, {"accounts", p.ID, "minor"}} {
		wantCode(t, s.AddCounter(ctx(), c[0], c[1], c[2], 1), kurz.EInvalid)
	}
	if got := must(s.VideoByID(ctx(), v.ID))(t); got.Likes != 2 || got.OwnerID != p.ID {
		t.Fatalf("a refused counter changed the video: %+v", got)
	}
}

func testLikes(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "lena")
	q := mustProfile(t, s, "lars")
	a, b, c := "eu_video_a", "us_video_b", "eu_video_c" // likes name videos of any region
	for i, id := range []string{a, b, c} {
		if added := must(s.AddLike(ctx(), p.ID, id, at(i)))(t); !added {
			t.Fatalf("first AddLike(%s) reported an existing row", id)
		}
	}
	if added := must(s.AddLike(ctx(), p.ID, b, at(9)))(t); added {
		t.Fatal("a repeated AddLike reported a new row")
	}
	must(s.AddLike(ctx(), q.ID, a, at(5)))(t)
	// Newest first, bounded by the limit; the repeated like did not move b.
	wantStrings(t, "LikedVideos", must(s.LikedVideos(ctx(), p.ID, 10))(t), c, b, a)
	wantStrings(t, "LikedVideos(limit 2)", must(s.LikedVideos(ctx(), p.ID, 2))(t), c, b)
	wantStrings(t, "LikedVideos of nobody", must(s.LikedVideos(ctx(), kurz.NewID("eu"), 10))(t))

	got := must(s.Likes(ctx(), p.ID, []string{a, "eu_video_x", c}))(t)
	if len(got) > 3 || !got[a] || got["eu_video_x"] || !got[c] || got[b] {
		t.Fatalf("Likes = %v", got)
	}
	if got := must(s.Likes(ctx(), p.ID, nil))(t); len(got) != 0 {
		t.Fatalf("Likes of no videos = %v", got)
	}

	if removed := must(s.RemoveLike(ctx(), p.ID, b))(t); !removed {
		t.Fatal("RemoveLike of a like reported none")
	}
	if removed := must(s.RemoveLike(ctx(), p.ID, b))(t); removed {
		t.Fatal("a repeated RemoveLike reported a row")
	}
	wantStrings(t, "LikedVideos after RemoveLike", must(s.LikedVideos(ctx(), p.ID, 10))(t), c, a)
	wantStrings(t, "another person's likes", must(s.LikedVideos(ctx(), q.ID, 10))(t), a)
	// A like hangs off the liker's profile.
	if _, err := s.AddLike(ctx(), kurz.NewID("eu"), a, at(0)); err == nil {
		t.Fatal("AddLike by a missing profile succeeded")
	}
}

func testFollows(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "finn")
	x, y, z := "us_x", "eu_y", "sg_z" // followees of any region
	for i, id := range []string{y, x, z} {
		if added := must(s.AddFollow(ctx(), p.ID, id, at(i)))(t); !added {
			t.Fatalf("first AddFollow(%s) reported an existing row", id)
		}
	}
	if added := must(s.AddFollow(ctx(), p.ID, x, at(10)))(t); added {
		t.Fatal("a repeated AddFollow reported a new row")
	}
	// Oldest first.
	wantStrings(t, "Followees", must(s.Followees(ctx(), p.ID))(t), y, x, z)
	if removed := must(s.RemoveFollow(ctx(), p.ID, x))(t); !removed {
		t.Fatal("RemoveFollow of a follow reported none")
	}
	if removed := must(s.RemoveFollow(ctx(), p.ID, x))(t); removed {
		t.Fatal("a repeated RemoveFollow reported a row")
	}
	wantStrings(t, "Followees after RemoveFollow", must(s.Followees(ctx(), p.ID))(t), y, z)
	wantStrings(t, "Followees of nobody", must(s.Followees(ctx(), kurz.NewID("eu")))(t))
	if _, err := s.AddFollow(ctx(), kurz.NewID("eu"), x, at(0)); err == nil {
		t.Fatal("AddFollow by a missing profile succeeded")
	}
}

func testViews(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "vic")
	q := mustProfile(t, s, "val")
	const day = 20_000
	for _, c := range []struct {
		video string
		day   int64
		want  bool
	}{
		{"eu_a", day, true},
		{"eu_a", day, false}, // once per person, video and day
		{"eu_a", day + 1, true},
		{"us_b", day - 2, true},
		{"eu_c", day + 1, true},
	} {
		if added := must(s.AddView(ctx(), p.ID, c.video, c.day, at(0)))(t); added != c.want {
			t.Fatalf("AddView(%s, day %d) = %v, want %v", c.video, c.day, added, c.want)
		}
	}
	must(s.AddView(ctx(), q.ID, "eu_d", day, at(0)))(t)
	// Distinct videos, from sinceDay on.
	wantSet(t, "ViewedVideos(since day)", must(s.ViewedVideos(ctx(), p.ID, day))(t), "eu_a", "eu_c")
	wantSet(t, "ViewedVideos(since day-2)", must(s.ViewedVideos(ctx(), p.ID, day-2))(t), "eu_a", "us_b", "eu_c")
	wantSet(t, "ViewedVideos(since day+2)", must(s.ViewedVideos(ctx(), p.ID, day+2))(t))
	if _, err := s.AddView(ctx(), kurz.NewID("eu"), "eu_a", day, at(0)); err == nil {
		t.Fatal("AddView by a missing profile succeeded")
	}
}

func testComments(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "cai")
	v := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	c := &kurz.Comment{ID: kurz.NewID("eu"), VideoID: v.ID, AuthorID: "us_someone", AuthorHandle: "someone", Text: "nice ✓\n'quoted'", CreatedAt: at(1)}
	noErr(t, s.CreateComment(ctx(), c))
	got := must(s.CommentByID(ctx(), c.ID))(t)
	if *got != *c {
		t.Fatalf("CommentByID = %+v, want %+v", got, c)
	}
	dup := *c
	dup.Text = "again"
	wantCode(t, s.CreateComment(ctx(), &dup), kurz.EConflict)
	// A comment lives with its video.
	orphan := *c
	orphan.ID, orphan.VideoID = kurz.NewID("eu"), kurz.NewID("eu")
	if err := s.CreateComment(ctx(), &orphan); err == nil {
		t.Fatal("CreateComment on a missing video succeeded")
	}
	// A hidden comment (its author terminated) is out of the list, kept,
	// and shown again when unhidden.
	noErr(t, s.SetCommentHidden(ctx(), c.ID, true))
	if got := must(s.CommentByID(ctx(), c.ID))(t); !got.Hidden {
		t.Fatal("SetCommentHidden did not hide the comment")
	}
	if n := len(must(s.CommentsOf(ctx(), v.ID, time.Time{}, "", 10))(t)); n != 0 {
		t.Fatalf("CommentsOf lists a hidden comment (%d)", n)
	}
	noErr(t, s.SetCommentHidden(ctx(), c.ID, false))
	if n := len(must(s.CommentsOf(ctx(), v.ID, time.Time{}, "", 10))(t)); n != 1 {
		t.Fatalf("CommentsOf after unhiding: %d comments", n)
	}
	wantNotFound(t, s.SetCommentHidden(ctx(), kurz.NewID("eu"), true), "SetCommentHidden of a missing comment")
	if n := must(s.DeleteComment(ctx(), c.ID))(t); n != 1 {
		t.Fatalf("DeleteComment of a shown comment = %d shown, want 1", n)
	}
	_, err := s.CommentByID(ctx(), c.ID)
	wantNotFound(t, err, "CommentByID after delete")
	_, err = s.DeleteComment(ctx(), c.ID)
	wantNotFound(t, err, "DeleteComment of a missing comment")

	// Deleting the video deletes its comments.
	c2 := &kurz.Comment{ID: kurz.NewID("eu"), VideoID: v.ID, AuthorID: p.ID, AuthorHandle: "cai", Text: "x", CreatedAt: at(2)}
	noErr(t, s.CreateComment(ctx(), c2))
	noErr(t, s.DeleteVideo(ctx(), v.ID))
	_, err = s.CommentByID(ctx(), c2.ID)
	wantNotFound(t, err, "comment of a deleted video")
}

// testCommentPages: walking CommentsOf page by page with the (created_at,
// id) cursor yields every comment once, oldest first, IDs breaking ties.
func testCommentPages(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "paul")
	v := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	other := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	var want []string
	// Created out of order; three share one millisecond.
	for i, c := range []struct {
		id string
		at int
	}{{"eu_c5", 5}, {"eu_c1", 1}, {"eu_c3b", 3}, {"eu_c3c", 3}, {"eu_c3a", 3}, {"eu_c2", 2}, {"eu_c9", 9}} {
		noErr(t, s.CreateComment(ctx(), &kurz.Comment{ID: c.id, VideoID: v.ID, AuthorID: p.ID, AuthorHandle: "paul",
			Text: fmt.Sprint("comment ", i), CreatedAt: at(c.at)}))
	}
	noErr(t, s.CreateComment(ctx(), &kurz.Comment{ID: "eu_c0", VideoID: other.ID, AuthorID: p.ID, AuthorHandle: "paul", Text: "elsewhere", CreatedAt: at(4)}))
	want = []string{"eu_c1", "eu_c2", "eu_c3a", "eu_c3b", "eu_c3c", "eu_c5", "eu_c9"}

	var got []string
	after, afterID := time.Time{}, ""
	for pages := 0; ; pages++ {
		if pages > len(want) {
			t.Fatalf("CommentsOf does not advance: %v", got)
		}
		page := must(s.CommentsOf(ctx(), v.ID, after, afterID, 2))(t)
		if len(page) > 2 {
			t.Fatalf("CommentsOf returned %d comments, limit 2", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			if c.VideoID != v.ID {
				t.Fatalf("CommentsOf returned a comment of another video: %+v", c)
			}
			got = append(got, c.ID)
		}
		last := page[len(page)-1]
		after, afterID = last.CreatedAt, last.ID
	}
	wantStrings(t, "comments page by page", got, want...)
	// The cursor is exclusive in both parts.
	wantStrings(t, "CommentsOf after (3, eu_c3b)", commentIDs(must(s.CommentsOf(ctx(), v.ID, at(3), "eu_c3b", 10))(t)), "eu_c3c", "eu_c5", "eu_c9")
}

func commentIDs(cs []*kurz.Comment) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}
