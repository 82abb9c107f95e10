package link

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"

	"kurz"
)

// The shapes today's callers in cell/ send and read, copied as they are
// before the switch to typed calls: the typed protocol must match them
// on the wire, both ways.
type (
	legacyClaim struct {
		Handle string `json:"handle"`
		UserID string `json:"user_id"`
	}
	legacyLocate struct {
		Locator []byte `json:"locator"`
	}
	legacyFound struct {
		Found bool `json:"found"`
	}
	legacyDelta struct {
		Key      string `json:"key"`
		ObjectID string `json:"object_id"`
		Field    string `json:"field"`
		Delta    int64  `json:"delta"`
	}
	legacyCommentRequest struct {
		VideoID      string `json:"video_id"`
		AuthorID     string `json:"author_id"`
		AuthorHandle string `json:"author_handle"`
		Text         string `json:"text"`
		FollowsOwner bool   `json:"follows_owner"`
	}
	legacyComment struct {
		ID      string `json:"id"`
		VideoID string `json:"video_id"`
		Text    string `json:"text"`
		Author  struct {
			ID     string `json:"id"`
			Handle string `json:"handle"`
		} `json:"author"`
		CreatedAt time.Time `json:"created_at"`
	}
	legacyNotice struct {
		NoticeID     string      `json:"notice_id"`
		NoticeRegion kurz.Region `json:"notice_region"`
		ReporterHash []byte      `json:"reporter_hash"`
		TargetType   string      `json:"target_type"`
		TargetID     string      `json:"target_id"`
		Category     string      `json:"category"`
		Explanation  string      `json:"explanation"`
	}
	legacyAppeal struct {
		DecisionID    string `json:"decision_id"`
		AppellantHash []byte `json:"appellant_hash"`
		Explanation   string `json:"explanation"`
	}
	legacyStatement struct {
		DecisionID string `json:"decision_id"`
		Action     string `json:"action"`
	}
)

// canned registers route on m to record its decoded request and give resp.
func canned[Req, Resp any](m *Mux, route string, got *sync.Map, resp *Resp) {
	Handle(m, route, func(ctx context.Context, from kurz.Region, in *Req) (*Resp, error) {
		got.Store(route, in)
		return resp, nil
	})
}

type wire struct {
	method, path string
	query        url.Values
	body         any
}

// TestCallsWireFormat makes every typed call against handlers registered
// with Handle: each sends the request the callers in cell/ sent before
// the typed calls (method, path, query and body), the handler decodes it
// strictly into the typed request, and the answer reads as those callers
// read it.
func TestCallsWireFormat(t *testing.T) {
	t.Parallel()
	var (
		t0        = time.Date(2026, 2, 3, 4, 5, 6, 7_000_000, time.UTC)
		uid       = kurz.NewID("eu")
		usr       = kurz.NewID("us")
		partyHash = []byte("0123456789abcdef0123456789abcdef") // a keyed hash stands for an appellant
		vid       = kurz.NewID("us")
		cid       = kurz.NewID("us")
		itemID    = kurz.NewID("us")
		hash      = bytes.Repeat([]byte{7}, 32)
		comment   = Comment{ID: cid, VideoID: vid, Text: "nice", Author: CommentAuthor{ID: uid, Handle: "alice"}, CreatedAt: t0}
		stmt      = json.RawMessage(`{"decision_id":"` + itemID + `","action":"remove"}`)
	)
	var legacyCm legacyComment
	legacyCm.ID, legacyCm.VideoID, legacyCm.Text, legacyCm.CreatedAt = cid, vid, "nice", t0
	legacyCm.Author.ID, legacyCm.Author.Handle = uid, "alice"

	answers := struct {
		session  VerifySessionResponse
		follows  FollowsResponse
		owner    HandleOwnerResponse
		located  LocateEmailResponse
		log      LogSinceResponse
		comment  Comment
		comments ListCommentsResponse
		byAuthor CommentsByAuthorResponse
		notice   FileNoticeResponse
		item     ItemStatusResponse
		appeal   AppealResponse
		info     AppealInfoResponse
	}{
		session:  VerifySessionResponse{ID: usr, Handle: "alice"},
		follows:  FollowsResponse{Follows: true},
		owner:    HandleOwnerResponse{Handle: "alice", UserID: uid},
		located:  LocateEmailResponse{Found: true},
		log:      LogSinceResponse{Entries: []*kurz.LogEntry{{Seq: 6, Kind: "video", ObjectID: vid, Data: []byte(`{"a":1}`), CreatedAt: t0}}, Head: 9},
		comment:  comment,
		comments: ListCommentsResponse{Items: []Comment{comment}, NextCursor: "123_x"},
		byAuthor: CommentsByAuthorResponse{Items: []Comment{comment}},
		notice:   FileNoticeResponse{ItemID: itemID},
		item:     ItemStatusResponse{Status: "decided", Statement: stmt},
		appeal:   AppealResponse{ItemID: itemID},
		info:     AppealInfoResponse{Reason: "own_decision", Until: t0},
	}
	var got sync.Map
	m := NewMux()
	canned[VerifySessionRequest](m, RouteVerifySession, &got, &answers.session)
	canned[FollowsRequest](m, RouteFollows, &got, &answers.follows)
	canned[FollowRequestRequest, Empty](m, RouteFollowRequest, &got, nil)
	canned[BlockNoticeRequest, Empty](m, RouteBlockNotice, &got, nil)
	canned[ClaimHandleRequest, Empty](m, RouteClaimHandle, &got, nil)
	canned[ReleaseHandleRequest, Empty](m, RouteReleaseHandle, &got, nil)
	canned[HandleOwnerRequest](m, RouteHandleOwner, &got, &answers.owner)
	canned[LocateEmailRequest](m, RouteLocateEmail, &got, &answers.located)
	canned[ClaimEmailRequest, Empty](m, RouteClaimEmail, &got, nil)
	canned[ReleaseEmailRequest, Empty](m, RouteReleaseEmail, &got, nil)
	canned[EmailTakenRequest, Empty](m, RouteEmailTaken, &got, nil)
	canned[LogSinceRequest](m, RouteLogSince, &got, &answers.log)
	canned[ApplyDeltasRequest, Empty](m, RouteApplyDeltas, &got, nil)
	canned[PostCommentRequest](m, RoutePostComment, &got, &answers.comment)
	canned[DeleteCommentRequest, Empty](m, RouteDeleteComment, &got, nil)
	canned[ListCommentsRequest](m, RouteListComments, &got, &answers.comments)
	canned[CommentsByAuthorRequest](m, RouteCommentsByAuthor, &got, &answers.byAuthor)
	canned[EraseAuthorRequest, Empty](m, RouteEraseAuthor, &got, nil)
	canned[HideAuthorRequest, Empty](m, RouteHideAuthor, &got, nil)
	canned[GetCommentRequest](m, RouteGetComment, &got, &answers.comment)
	canned[NotifyReplyRequest, Empty](m, RouteNotifyReply, &got, nil)
	canned[FileNoticeRequest](m, RouteFileNotice, &got, &answers.notice)
	canned[DeliverStatementRequest, Empty](m, RouteDeliverStatement, &got, nil)
	canned[ItemStatusRequest](m, RouteItemStatus, &got, &answers.item)
	canned[AppealRequest](m, RouteAppeal, &got, &answers.appeal)
	canned[AppealInfoRequest](m, RouteAppealInfo, &got, &answers.info)
	canned[AccountDecisionRequest, Empty](m, RouteAccountDecision, &got, nil)
	if want := Routes(); !reflect.DeepEqual(m.Routes(), want) {
		t.Fatalf("registered %v, want every call %v", m.Routes(), want)
	}

	type wireCase struct {
		route string
		// Today's call.
		method, path string
		in, out      any
		wantOut      any
		// The typed call and its answer.
		typed     func(ctx context.Context, c *Client) (any, error)
		wantTyped any
		wantReq   any
	}
	var logOut struct {
		Entries []*kurz.LogEntry `json:"entries"`
		Head    int64            `json:"head"`
	}
	var commentsOut struct {
		Items      []legacyComment `json:"items"`
		NextCursor string          `json:"next_cursor"`
	}
	var byAuthorOut struct {
		Items []legacyComment `json:"items"`
	}
	var sessionOut struct {
		ID     string `json:"id"`
		Handle string `json:"handle"`
	}
	var itemOut, appealOut struct {
		ItemID string `json:"item_id"`
	}
	var followsOut struct{ Follows bool }
	var claimOut legacyClaim
	var foundOut legacyFound
	var commentOut legacyComment
	var statusOut map[string]any
	cases := []wireCase{{
		route: RouteVerifySession, method: "POST", path: "/link/v1/sessions/verify",
		in: map[string][]byte{"token_hash": hash}, out: &sessionOut, wantOut: &struct {
			ID     string `json:"id"`
			Handle string `json:"handle"`
		}{usr, "alice"},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.VerifySession(ctx, "us", VerifySessionRequest{TokenHash: hash})
		},
		wantTyped: &answers.session, wantReq: &VerifySessionRequest{TokenHash: hash},
	}, {
		route: RouteFollows, method: "GET", path: "/link/v1/follows?follower=" + url.QueryEscape(uid) + "&followee=" + url.QueryEscape(vid),
		out: &followsOut, wantOut: map[string]bool{"follows": true},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.Follows(ctx, "us", FollowsRequest{Follower: uid, Followee: vid})
		},
		wantTyped: &answers.follows, wantReq: &FollowsRequest{Follower: uid, Followee: vid},
	}, {
		route: RouteFollowRequest, method: "POST", path: "/link/v1/follow-requests",
		in: FollowRequestRequest{Followee: vid, Follower: uid, Handle: "alice"},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.FollowRequest(ctx, "us", FollowRequestRequest{Followee: vid, Follower: uid, Handle: "alice"})
		},
		wantReq: &FollowRequestRequest{Followee: vid, Follower: uid, Handle: "alice"},
	}, {
		route: RouteBlockNotice, method: "POST", path: "/link/v1/blocks",
		in: BlockNoticeRequest{Blocker: uid, Blocked: vid, Block: true},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.BlockNotice(ctx, "us", BlockNoticeRequest{Blocker: uid, Blocked: vid, Block: true})
		},
		wantReq: &BlockNoticeRequest{Blocker: uid, Blocked: vid, Block: true},
	}, {
		route: RouteClaimHandle, method: "POST", path: "/link/v1/handles/claim", in: legacyClaim{"alice", uid},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.ClaimHandle(ctx, "us", ClaimHandleRequest{Handle: "alice", UserID: uid})
		},
		wantReq: &ClaimHandleRequest{Handle: "alice", UserID: uid},
	}, {
		route: RouteReleaseHandle, method: "POST", path: "/link/v1/handles/release", in: legacyClaim{"alice", uid},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.ReleaseHandle(ctx, "us", ReleaseHandleRequest{Handle: "alice", UserID: uid})
		},
		wantReq: &ReleaseHandleRequest{Handle: "alice", UserID: uid},
	}, {
		route: RouteHandleOwner, method: "GET", path: "/link/v1/handles/alice",
		out: &claimOut, wantOut: &legacyClaim{"alice", uid},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.HandleOwner(ctx, "us", HandleOwnerRequest{Handle: "alice"})
		},
		wantTyped: &answers.owner, wantReq: &HandleOwnerRequest{Handle: "alice"},
	}, {
		route: RouteLocateEmail, method: "POST", path: "/link/v1/emails/locate",
		in: legacyLocate{Locator: hash}, out: &foundOut, wantOut: &legacyFound{true},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.LocateEmail(ctx, "us", LocateEmailRequest{Locator: hash})
		},
		wantTyped: &answers.located, wantReq: &LocateEmailRequest{Locator: hash},
	}, {
		route: RouteClaimEmail, method: "POST", path: "/link/v1/emails/claim",
		in: map[string]any{"locator": hash, "user_id": uid},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.ClaimEmail(ctx, "us", ClaimEmailRequest{Locator: hash, UserID: uid})
		},
		wantReq: &ClaimEmailRequest{Locator: hash, UserID: uid},
	}, {
		route: RouteReleaseEmail, method: "POST", path: "/link/v1/emails/release",
		in: map[string]string{"user_id": uid},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.ReleaseEmail(ctx, "us", ReleaseEmailRequest{UserID: uid})
		},
		wantReq: &ReleaseEmailRequest{UserID: uid},
	}, {
		route: RouteEmailTaken, method: "POST", path: "/link/v1/emails/taken",
		in: map[string]any{"locator": hash, "lang": "de"},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.EmailTaken(ctx, "us", EmailTakenRequest{Locator: hash, Lang: "de"})
		},
		wantReq: &EmailTakenRequest{Locator: hash, Lang: "de"},
	}, {
		route: RouteLogSince, method: "GET", path: "/link/v1/log?after=5&wait=8",
		out: &logOut, wantOut: &struct {
			Entries []*kurz.LogEntry `json:"entries"`
			Head    int64            `json:"head"`
		}{answers.log.Entries, 9},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.LogSince(ctx, "us", LogSinceRequest{After: 5, WaitSeconds: 8})
		},
		wantTyped: &answers.log, wantReq: &LogSinceRequest{After: 5, WaitSeconds: 8},
	}, {
		route: RouteApplyDeltas, method: "POST", path: "/link/v1/deltas",
		in: []legacyDelta{{"k1", vid, "likes", 1}, {"k2", vid, "views", -2}},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.ApplyDeltas(ctx, "us", ApplyDeltasRequest{{Key: "k1", ObjectID: vid, Field: "likes", Delta: 1}, {Key: "k2", ObjectID: vid, Field: "views", Delta: -2}})
		},
		wantReq: &ApplyDeltasRequest{{Key: "k1", ObjectID: vid, Field: "likes", Delta: 1}, {Key: "k2", ObjectID: vid, Field: "views", Delta: -2}},
	}, {
		route: RoutePostComment, method: "POST", path: "/link/v1/comments",
		in:  legacyCommentRequest{VideoID: vid, AuthorID: uid, AuthorHandle: "alice", Text: "nice", FollowsOwner: true},
		out: &commentOut, wantOut: &legacyCm,
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.PostComment(ctx, "us", PostCommentRequest{VideoID: vid, AuthorID: uid, AuthorHandle: "alice", Text: "nice", FollowsOwner: true})
		},
		wantTyped: &answers.comment,
		wantReq:   &PostCommentRequest{VideoID: vid, AuthorID: uid, AuthorHandle: "alice", Text: "nice", FollowsOwner: true},
	}, {
		route: RouteDeleteComment, method: "POST", path: "/link/v1/comments/delete", in: map[string]string{"id": cid, "by": uid},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.DeleteComment(ctx, "us", DeleteCommentRequest{ID: cid, By: uid})
		},
		wantReq: &DeleteCommentRequest{ID: cid, By: uid},
	}, {
		route: RouteListComments, method: "GET", path: "/link/v1/comments?video=" + url.QueryEscape(vid) + "&cursor=" + url.QueryEscape("1_x"),
		out: &commentsOut, wantOut: &struct {
			Items      []legacyComment `json:"items"`
			NextCursor string          `json:"next_cursor"`
		}{[]legacyComment{legacyCm}, "123_x"},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.ListComments(ctx, "us", ListCommentsRequest{Video: vid, Cursor: "1_x"})
		},
		wantTyped: &answers.comments, wantReq: &ListCommentsRequest{Video: vid, Cursor: "1_x"},
	}, {
		route: RouteCommentsByAuthor, method: "GET", path: "/link/v1/comments/by-author?author=" + uid,
		out: &byAuthorOut, wantOut: &struct {
			Items []legacyComment `json:"items"`
		}{[]legacyComment{legacyCm}},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.CommentsByAuthor(ctx, "us", CommentsByAuthorRequest{Author: uid})
		},
		wantTyped: &answers.byAuthor, wantReq: &CommentsByAuthorRequest{Author: uid},
	}, {
		route: RouteEraseAuthor, method: "POST", path: "/link/v1/comments/erase-author", in: map[string]string{"author": uid},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.EraseAuthor(ctx, "us", EraseAuthorRequest{Author: uid})
		},
		wantReq: &EraseAuthorRequest{Author: uid},
	}, {
		route: RouteHideAuthor, method: "POST", path: "/link/v1/comments/hide-author", in: map[string]any{"author": uid, "hidden": true},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.HideAuthor(ctx, "us", HideAuthorRequest{Author: uid, Hidden: true})
		},
		wantReq: &HideAuthorRequest{Author: uid, Hidden: true},
	}, {
		route: RouteGetComment, method: "GET", path: "/link/v1/comments/" + cid,
		out: &commentOut, wantOut: &legacyCm,
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.GetComment(ctx, "us", GetCommentRequest{ID: cid})
		},
		wantTyped: &answers.comment, wantReq: &GetCommentRequest{ID: cid},
	}, {
		route: RouteNotifyReply, method: "POST", path: "/link/v1/comments/notify-reply",
		in: map[string]string{"person": usr, "video_id": vid, "comment_id": cid, "parent_id": cid, "author_handle": "alice", "text": "re"},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.NotifyReply(ctx, "us", NotifyReplyRequest{Person: usr, VideoID: vid, CommentID: cid, ParentID: cid, AuthorHandle: "alice", Text: "re"})
		},
		wantReq: &NotifyReplyRequest{Person: usr, VideoID: vid, CommentID: cid, ParentID: cid, AuthorHandle: "alice", Text: "re"},
	}, {
		route: RouteFileNotice, method: "POST", path: "/link/v1/notices",
		in:  legacyNotice{NoticeID: "n1", NoticeRegion: "eu", ReporterHash: hash, TargetType: "video", TargetID: vid, Category: "scams_and_fraud", Explanation: "why"},
		out: &itemOut, wantOut: &struct {
			ItemID string `json:"item_id"`
		}{itemID},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.FileNotice(ctx, "us", FileNoticeRequest{NoticeID: "n1", NoticeRegion: "eu", ReporterHash: hash, TargetType: "video", TargetID: vid, Category: "scams_and_fraud", Explanation: "why"})
		},
		wantTyped: &answers.notice,
		wantReq:   &FileNoticeRequest{NoticeID: "n1", NoticeRegion: "eu", ReporterHash: hash, TargetType: "video", TargetID: vid, Category: "scams_and_fraud", Explanation: "why"},
	}, {
		route: RouteDeliverStatement, method: "POST", path: "/link/v1/statements",
		in: map[string]any{"notice_id": "n1", "statement": &legacyStatement{DecisionID: itemID, Action: "remove"}},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.DeliverStatement(ctx, "us", DeliverStatementRequest{NoticeID: "n1", Statement: stmt})
		},
		wantReq: &DeliverStatementRequest{NoticeID: "n1", Statement: stmt},
	}, {
		route: RouteItemStatus, method: "GET", path: "/link/v1/items/" + itemID,
		out: &statusOut, wantOut: &map[string]any{"status": "decided", "statement": map[string]any{"decision_id": itemID, "action": "remove"}},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.ItemStatus(ctx, "us", ItemStatusRequest{ID: itemID})
		},
		wantTyped: &answers.item, wantReq: &ItemStatusRequest{ID: itemID},
	}, {
		route: RouteAppeal, method: "POST", path: "/link/v1/appeals",
		in:  legacyAppeal{DecisionID: itemID, AppellantHash: partyHash, Explanation: "wrong"},
		out: &appealOut, wantOut: &struct {
			ItemID string `json:"item_id"`
		}{itemID},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.Appeal(ctx, "us", AppealRequest{DecisionID: itemID, AppellantHash: partyHash, Explanation: "wrong"})
		},
		wantTyped: &answers.appeal, wantReq: &AppealRequest{DecisionID: itemID, AppellantHash: partyHash, Explanation: "wrong"},
	}, {
		route: RouteAppealInfo, method: "POST", path: "/link/v1/appeals/info",
		in:  map[string]any{"decision_id": itemID, "party_hash": partyHash},
		out: &map[string]any{}, wantOut: &map[string]any{"may_appeal": false, "reason": "own_decision", "until": t0.Format(time.RFC3339Nano)},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return c.AppealInfo(ctx, "us", AppealInfoRequest{DecisionID: itemID, PartyHash: partyHash})
		},
		wantTyped: &answers.info, wantReq: &AppealInfoRequest{DecisionID: itemID, PartyHash: partyHash},
	}, {
		route: RouteAccountDecision, method: "POST", path: "/link/v1/accounts/decisions",
		in: map[string]any{"decision_id": itemID, "person": usr, "effect": "suspend", "until": t0,
			"statement": &legacyStatement{DecisionID: itemID, Action: "suspend"}},
		typed: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.AccountDecision(ctx, "us", AccountDecisionRequest{DecisionID: itemID, Person: usr, Effect: EffectSuspend, Until: t0,
				Statement: json.RawMessage(`{"decision_id":"` + itemID + `","action":"suspend"}`)})
		},
		wantReq: &AccountDecisionRequest{DecisionID: itemID, Person: usr, Effect: EffectSuspend, Until: t0,
			Statement: json.RawMessage(`{"decision_id":"` + itemID + `","action":"suspend"}`)},
	}}
	if len(cases) != len(Routes()) {
		t.Fatalf("%d cases for %d calls", len(cases), len(Routes()))
	}

	for _, tr := range transports {
		b := setup(t)
		b.muxes["us"] = m
		var sent box[wire]
		b.setFront(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var v any
			if len(body) > 0 {
				if err := json.Unmarshal(body, &v); err != nil {
					t.Errorf("%s %s: body %q", r.Method, r.URL, body)
				}
			}
			sent.Set(wire{r.Method, r.URL.EscapedPath(), r.URL.Query(), v})
			r.Body = io.NopCloser(bytes.NewReader(body))
			b.handler.ServeHTTP(w, r)
		}))
		c := b.client("eu", tr)
		for _, tc := range cases {
			got.Delete(tc.route)
			out, err := tc.typed(t.Context(), c)
			if err != nil {
				t.Errorf("%s: %v", tc.route, err)
				continue
			}
			if req, _ := got.Load(tc.route); !reflect.DeepEqual(req, tc.wantReq) {
				t.Errorf("%s: decoded as %#v, want %#v", tc.route, req, tc.wantReq)
			}
			if tc.wantTyped != nil && !reflect.DeepEqual(out, tc.wantTyped) {
				t.Errorf("%s: answer %#v, want %#v", tc.route, out, tc.wantTyped)
			}
			if tc.wantOut != nil && !reflect.DeepEqual(jsonOf(t, out), jsonOf(t, tc.wantOut)) {
				t.Errorf("%s: the answer reads %s, the callers before read %s", tc.route, jsonOf(t, out), jsonOf(t, tc.wantOut))
			}
			u, err := url.Parse(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			before := wire{tc.method, u.EscapedPath(), u.Query(), nil}
			if tc.in != nil {
				before.body = jsonOf(t, tc.in)
			}
			if typed := sent.Get(); !reflect.DeepEqual(typed, before) {
				t.Errorf("%s: sends %#v, the callers before sent %#v", tc.route, typed, before)
			}
		}
	}
}

// jsonOf is v's JSON read back as generic values, to compare shapes.
func jsonOf(tb testing.TB, v any) any {
	tb.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// The answers' JSON is what the handlers in cell/ write today.
func TestAnswerShapes(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	var cm legacyComment
	cm.ID, cm.VideoID, cm.Text, cm.CreatedAt, cm.Author.ID, cm.Author.Handle = "us_1", "us_2", "t", t0, "eu_3", "bob"
	for name, tc := range map[string]struct{ typed, today any }{
		"empty":    {Empty{}, struct{}{}},
		"session":  {VerifySessionResponse{ID: "eu_1", Handle: "bob"}, map[string]string{"id": "eu_1", "handle": "bob"}},
		"follows":  {FollowsResponse{Follows: true}, map[string]bool{"follows": true}},
		"owner":    {HandleOwnerResponse{Handle: "bob", UserID: "eu_1"}, legacyClaim{"bob", "eu_1"}},
		"locate":   {LocateEmailResponse{Found: true}, legacyFound{true}},
		"log":      {LogSinceResponse{Entries: []*kurz.LogEntry{}, Head: 3}, map[string]any{"entries": []*kurz.LogEntry{}, "head": 3}},
		"notice":   {FileNoticeResponse{ItemID: "us_1"}, map[string]string{"item_id": "us_1"}},
		"appeal":   {AppealResponse{ItemID: "us_1"}, map[string]string{"item_id": "us_1"}},
		"open":     {ItemStatusResponse{Status: "open"}, map[string]any{"status": "open"}},
		"decided":  {ItemStatusResponse{Status: "decided", Statement: json.RawMessage(`{"a":1}`)}, map[string]any{"status": "decided", "statement": map[string]int{"a": 1}}},
		"comment":  {Comment{ID: "us_1", VideoID: "us_2", Text: "t", CreatedAt: t0, Author: CommentAuthor{ID: "eu_3", Handle: "bob"}}, cm},
		"page":     {ListCommentsResponse{Items: []Comment{}, NextCursor: ""}, map[string]any{"items": []legacyComment{}, "next_cursor": ""}},
		"byAuthor": {CommentsByAuthorResponse{Items: []Comment{}}, map[string]any{"items": []legacyComment{}}},
	} {
		if got, want := jsonOf(t, tc.typed), jsonOf(t, tc.today); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, today %v", name, got, want)
		}
	}
}

// TestForeignIdentitiesRefused: a correctly signed answer that names a
// person or object its region cannot vouch for (another region's, a
// malformed one, or not the one asked about) is refused, on both
// transports; the same answer naming the region's own passes.
func TestForeignIdentitiesRefused(t *testing.T) {
	t.Parallel()
	var (
		euPerson = kurz.NewID("eu")
		usPerson = kurz.NewID("us")
		usVideo  = kurz.NewID("us")
		euVideo  = kurz.NewID("eu")
		usItem   = kurz.NewID("us")
		comment  = func(id, video, author string) Comment {
			return Comment{ID: id, VideoID: video, Text: "t", Author: CommentAuthor{ID: author, Handle: "a"}}
		}
	)
	type answerCase struct {
		name  string
		good  bool
		route string
		call  func(ctx context.Context, c *Client) error
	}
	var cases []answerCase
	// add records a case: what the peer answers on route, and the call
	// that reads it.
	answer := map[string]any{}
	add := func(name string, good bool, route string, resp any, call func(ctx context.Context, c *Client) error) {
		answer[name] = resp
		cases = append(cases, answerCase{name: name, good: good, route: route, call: call})
	}
	session := func(ctx context.Context, c *Client) error {
		_, err := c.VerifySession(ctx, "us", VerifySessionRequest{TokenHash: make([]byte, 32)})
		return err
	}
	add("session of us's person", true, RouteVerifySession, VerifySessionResponse{ID: usPerson, Handle: "a"}, session)
	add("session of eu's person", false, RouteVerifySession, VerifySessionResponse{ID: euPerson, Handle: "a"}, session)
	add("session of a malformed ID", false, RouteVerifySession, VerifySessionResponse{ID: "us", Handle: "a"}, session)
	add("session of nobody", false, RouteVerifySession, VerifySessionResponse{}, session)
	owner := func(ctx context.Context, c *Client) error {
		_, err := c.HandleOwner(ctx, "us", HandleOwnerRequest{Handle: "alice"})
		return err
	}
	add("owner of the handle", true, RouteHandleOwner, HandleOwnerResponse{Handle: "alice", UserID: euPerson}, owner)
	add("owner of another handle", false, RouteHandleOwner, HandleOwnerResponse{Handle: "bob", UserID: euPerson}, owner)
	add("owner with a malformed ID", false, RouteHandleOwner, HandleOwnerResponse{Handle: "alice", UserID: "nobody"}, owner)
	logOf := func(ctx context.Context, c *Client) error {
		_, err := c.LogSince(ctx, "us", LogSinceRequest{})
		return err
	}
	add("log of us's video", true, RouteLogSince, LogSinceResponse{Entries: []*kurz.LogEntry{{Seq: 1, Kind: "video_gone", ObjectID: usVideo}}}, logOf)
	add("log of eu's video", false, RouteLogSince, LogSinceResponse{Entries: []*kurz.LogEntry{{Seq: 1, Kind: "video_gone", ObjectID: usVideo}, {Seq: 2, Kind: "video_gone", ObjectID: euVideo}}}, logOf)
	add("log with a null entry", false, RouteLogSince, json.RawMessage(`{"entries":[null],"head":1}`), logOf)
	post := func(ctx context.Context, c *Client) error {
		_, err := c.PostComment(ctx, "us", PostCommentRequest{VideoID: usVideo, AuthorID: euPerson, Text: "t"})
		return err
	}
	add("comment stored", true, RoutePostComment, comment(usItem, usVideo, euPerson), post)
	add("comment of eu", false, RoutePostComment, comment(kurz.NewID("eu"), usVideo, euPerson), post)
	add("comment by another author", false, RoutePostComment, comment(usItem, usVideo, usPerson), post)
	add("comment on another video", false, RoutePostComment, comment(usItem, kurz.NewID("us"), euPerson), post)
	list := func(ctx context.Context, c *Client) error {
		_, err := c.ListComments(ctx, "us", ListCommentsRequest{Video: usVideo})
		return err
	}
	add("comments of the video", true, RouteListComments, ListCommentsResponse{Items: []Comment{comment(usItem, usVideo, euPerson), comment(kurz.NewID("us"), usVideo, usPerson)}}, list)
	add("comments of another video", false, RouteListComments, ListCommentsResponse{Items: []Comment{comment(usItem, usVideo, euPerson), comment(kurz.NewID("us"), euVideo, usPerson)}}, list)
	add("comments by a malformed author", false, RouteListComments, ListCommentsResponse{Items: []Comment{comment(usItem, usVideo, "x")}}, list)
	byAuthor := func(ctx context.Context, c *Client) error {
		_, err := c.CommentsByAuthor(ctx, "us", CommentsByAuthorRequest{Author: euPerson})
		return err
	}
	add("comments by the author", true, RouteCommentsByAuthor, CommentsByAuthorResponse{Items: []Comment{comment(usItem, usVideo, euPerson)}}, byAuthor)
	add("comments by another author", false, RouteCommentsByAuthor, CommentsByAuthorResponse{Items: []Comment{comment(usItem, usVideo, kurz.NewID("eu"))}}, byAuthor)
	notice := func(ctx context.Context, c *Client) error {
		_, err := c.FileNotice(ctx, "us", FileNoticeRequest{NoticeID: "n", NoticeRegion: "eu"})
		return err
	}
	add("notice item of us", true, RouteFileNotice, FileNoticeResponse{ItemID: usItem}, notice)
	add("notice item of eu", false, RouteFileNotice, FileNoticeResponse{ItemID: kurz.NewID("eu")}, notice)
	appeal := func(ctx context.Context, c *Client) error {
		_, err := c.Appeal(ctx, "us", AppealRequest{DecisionID: usItem})
		return err
	}
	add("appeal item of us", true, RouteAppeal, AppealResponse{ItemID: usItem}, appeal)
	add("appeal item of sg", false, RouteAppeal, AppealResponse{ItemID: kurz.NewID("sg")}, appeal)

	for _, tc := range cases {
		for _, tr := range transports {
			b := setup(t)
			m := NewMux()
			resp := answer[tc.name]
			// Every call answers with the case's JSON, whatever its type.
			raw, err := json.Marshal(resp)
			if err != nil {
				t.Fatal(err)
			}
			rawAnswers[tc.route](m, tc.route, raw)
			b.muxes["us"] = m
			err = tc.call(t.Context(), b.client("eu", tr))
			switch {
			case tc.good && err != nil:
				t.Errorf("%s over %s: %v", tc.name, tr, err)
			case !tc.good && (kurz.ErrorCode(err) != kurz.EUnavailable || !errors.Is(err, ErrForeignID)):
				t.Errorf("%s over %s: %v, want EUnavailable with ErrForeignID", tc.name, tr, err)
			}
		}
	}
}

// rawAnswers register a call that answers with fixed JSON, per route.
var rawAnswers = map[string]func(m *Mux, route string, raw []byte){
	RouteVerifySession:    rawAnswer[VerifySessionRequest],
	RouteHandleOwner:      rawAnswer[HandleOwnerRequest],
	RouteLogSince:         rawAnswer[LogSinceRequest],
	RoutePostComment:      rawAnswer[PostCommentRequest],
	RouteListComments:     rawAnswer[ListCommentsRequest],
	RouteCommentsByAuthor: rawAnswer[CommentsByAuthorRequest],
	RouteFileNotice:       rawAnswer[FileNoticeRequest],
	RouteAppeal:           rawAnswer[AppealRequest],
}

func rawAnswer[Req any](m *Mux, route string, raw []byte) {
	Handle(m, route, func(ctx context.Context, from kurz.Region, in *Req) (*json.RawMessage, error) {
		r := json.RawMessage(raw)
		return &r, nil
	})
}
