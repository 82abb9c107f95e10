package storetest

import (
	"testing"

	"kurz"
)

// Text: what a text column can hold is the same in every dialect.
var textTests = []test{
	{"Unicode", testUnicodeText},
	{"Unstorable", testUnstorableText},
}

// testUnicodeText: any UTF-8 text round-trips byte for byte.
func testUnicodeText(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "uma")
	v := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	texts := []string{"", " ", "tab\there", "crlf\r\n", "'; DROP TABLE comments; --", `\x00 as text`, "ÄÖÜ ß é", "日本語", "emoji 👩‍👩‍👧 🏳️‍🌈", "\u200b zero width", "\U0010FFFD"}
	for i, text := range texts {
		c := &kurz.Comment{ID: kurz.NewID("eu"), VideoID: v.ID, AuthorID: p.ID, AuthorHandle: "uma", Text: text, CreatedAt: at(i)}
		noErr(t, s.CreateComment(ctx(), c))
		if got := must(s.CommentByID(ctx(), c.ID))(t); got.Text != text {
			t.Errorf("comment text %q came back as %q", text, got.Text)
		}
	}
}

// testUnstorableText: text with a NUL character or bytes that are not
// UTF-8 cannot be stored in every dialect, so every dialect refuses it the
// same way, as invalid input, and stores nothing.
func testUnstorableText(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "una")
	v := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	for _, text := range []string{"a\x00b", "\x00", "bad \xff byte", "cut \xe6\x97"} {
		c := &kurz.Comment{ID: kurz.NewID("eu"), VideoID: v.ID, AuthorID: p.ID, AuthorHandle: "una", Text: text, CreatedAt: at(1)}
		wantCode(t, s.CreateComment(ctx(), c), kurz.EInvalid)
		_, err := s.CommentByID(ctx(), c.ID)
		wantNotFound(t, err, "a refused comment")

		n := &kurz.Notice{ID: kurz.NewID("eu"), TargetRegion: "eu", TargetType: "video", TargetID: v.ID, Category: "spam",
			Explanation: text, CreatedAt: at(1)}
		wantCode(t, s.CreateNotice(ctx(), n), kurz.EInvalid)

		upd := *p
		upd.Bio = text
		wantCode(t, s.UpdateProfile(ctx(), &upd), kurz.EInvalid)
		if got := must(s.ProfileByID(ctx(), p.ID))(t); got.Bio != p.Bio {
			t.Fatalf("a refused bio was stored: %q", got.Bio)
		}
		// Looking such text up is refused alike.
		_, err = s.ProfileByHandle(ctx(), "una"+text)
		wantCode(t, err, kurz.EInvalid)
		_, err = s.LikedVideos(ctx(), text, 10)
		wantCode(t, err, kurz.EInvalid)
		// In a transaction too; the transaction's other writes roll back.
		err = s.Tx(ctx(), func(q kurz.Queries) error {
			if err := q.SetHashtags(ctx(), v.ID, []string{"fine"}, at(2)); err != nil {
				return err
			}
			return q.SetHashtags(ctx(), v.ID, []string{"fine", text}, at(2))
		})
		wantCode(t, err, kurz.EInvalid)
		wantStrings(t, "hashtags after a refused transaction", must(s.HashtagsOf(ctx(), v.ID))(t))
	}
	if got := must(s.TableCounts(ctx()))(t); got["comments"] != 0 || got["notices"] != 0 {
		t.Fatalf("refused rows were stored: %v", got)
	}
}
