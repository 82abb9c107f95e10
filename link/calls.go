package link

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"kurz"
)

// The calls of the region link. Each has a route (a net/http pattern the
// answering region registers with Handle), a request and a response type
// whose JSON is the wire format, and a function on *Client. Calls whose
// answer carries nothing respond with Empty, and their client function
// returns only an error.
const (
	// Accounts and follows: a person's home region vouches for their
	// session and answers for their follows; the directory region decides
	// handle and email claims; every region answers email lookups.
	RouteVerifySession = "POST /link/v1/sessions/verify"
	RouteFollows       = "GET /link/v1/follows"
	// A request to follow a private account goes to the followee's
	// region, which keeps it until its owner approves or refuses.
	RouteFollowRequest = "POST /link/v1/follow-requests"
	// A block is kept in the blocker's region; the blocked person's
	// region gets notice of it (IDs only) to enforce it for them.
	RouteBlockNotice   = "POST /link/v1/blocks"
	RouteClaimHandle   = "POST /link/v1/handles/claim"
	RouteReleaseHandle = "POST /link/v1/handles/release"
	RouteHandleOwner   = "GET /link/v1/handles/{handle}"
	RouteLocateEmail   = "POST /link/v1/emails/locate"
	RouteClaimEmail    = "POST /link/v1/emails/claim"
	RouteReleaseEmail  = "POST /link/v1/emails/release"
	RouteEmailTaken    = "POST /link/v1/emails/taken"

	// Replication: the public log and counter deltas.
	RouteLogSince    = "GET /link/v1/log"
	RouteApplyDeltas = "POST /link/v1/deltas"

	// Comments live with their video, in the video's region.
	RoutePostComment      = "POST /link/v1/comments"
	RouteDeleteComment    = "POST /link/v1/comments/delete"
	RouteListComments     = "GET /link/v1/comments"
	RouteCommentsByAuthor = "GET /link/v1/comments/by-author"
	RouteEraseAuthor      = "POST /link/v1/comments/erase-author"
	// A terminated person's comments are hidden (and shown again after a
	// reversal) in every region, at their home region's word.
	RouteHideAuthor = "POST /link/v1/comments/hide-author"
	// One comment, as the public sees it (a like or a reply at the
	// person's home region finds its video so), and a reply's
	// notification to the answered person's home region.
	RouteGetComment  = "GET /link/v1/comments/{id}"
	RouteNotifyReply = "POST /link/v1/comments/notify-reply"

	// Trust & Safety: notices go to the queue of the content's region,
	// statements of reasons back to the notice's region, appeals to the
	// decision's region.
	RouteFileNotice       = "POST /link/v1/notices"
	RouteDeliverStatement = "POST /link/v1/statements"
	RouteItemStatus       = "GET /link/v1/items/{id}"
	RouteAppeal           = "POST /link/v1/appeals"
	RouteAppealInfo       = "POST /link/v1/appeals/info"
	// A decision about a person of another region (the author of a
	// comment on a video here, say) goes to their home region, which
	// applies what it means for the account (suspension, termination, a
	// strike, a reversal) and hands them the statement of reasons.
	RouteAccountDecision = "POST /link/v1/accounts/decisions"
)

// Routes lists every call of the link, for route-table tests.
func Routes() []string {
	return []string{
		RouteVerifySession, RouteFollows, RouteFollowRequest, RouteBlockNotice, RouteClaimHandle, RouteReleaseHandle, RouteHandleOwner, RouteLocateEmail,
		RouteClaimEmail, RouteReleaseEmail, RouteEmailTaken,
		RouteLogSince, RouteApplyDeltas,
		RoutePostComment, RouteDeleteComment, RouteListComments, RouteCommentsByAuthor, RouteEraseAuthor, RouteHideAuthor,
		RouteGetComment, RouteNotifyReply,
		RouteFileNotice, RouteDeliverStatement, RouteItemStatus, RouteAppeal, RouteAppealInfo, RouteAccountDecision,
	}
}

// Empty is the answer of a call that returns nothing: {}.
type Empty struct{}

// VerifySessionRequest asks a person's home region who holds a session.
type VerifySessionRequest struct {
	// TokenHash is the SHA-256 of the session token (never the token).
	TokenHash []byte `json:"token_hash"`
}

// VerifySessionResponse is the session's holder, as the public knows them.
type VerifySessionResponse struct {
	ID     string `json:"id"`
	Handle string `json:"handle"`
	// SecondFactor: the session was opened with a second factor.
	SecondFactor bool `json:"second_factor,omitempty"`
}

// FollowsRequest asks the follower's home region whether they follow
// followee.
type FollowsRequest struct {
	Follower string `json:"follower"`
	Followee string `json:"followee"`
}

// FollowRequestRequest asks (or, Withdraw, stops asking) to follow a
// private account, for a person of the calling region.
type FollowRequestRequest struct {
	Followee string `json:"followee"`
	Follower string `json:"follower"`
	Handle   string `json:"handle"` // the follower's public handle
	Withdraw bool   `json:"withdraw,omitempty"`
}

// BlockNoticeRequest tells the blocked person's region that a person of
// the calling region blocked them (Block), or no longer does; with
// Blocked empty and Block false, that the blocker is gone (erased) and
// every notice of theirs goes.
type BlockNoticeRequest struct {
	Blocker string `json:"blocker"`
	Blocked string `json:"blocked,omitempty"`
	Block   bool   `json:"block,omitempty"`
}

// FollowsResponse answers FollowsRequest.
type FollowsResponse struct {
	Follows bool `json:"follows"`
}

// ClaimHandleRequest claims a handle, in the directory region, for a
// person of the calling region.
type ClaimHandleRequest struct {
	Handle string `json:"handle"`
	UserID string `json:"user_id"`
}

// ReleaseHandleRequest gives a claimed handle back.
type ReleaseHandleRequest struct {
	Handle string `json:"handle"`
	UserID string `json:"user_id"`
}

// HandleOwnerRequest asks the directory who holds a handle.
type HandleOwnerRequest struct {
	Handle string `json:"handle"` // in the path
}

// HandleOwnerResponse is a handle's claim.
type HandleOwnerResponse struct {
	Handle string `json:"handle"`
	UserID string `json:"user_id"`
}

// LocateEmailRequest asks a region whether it holds an account with an
// email, by the email's keyed hash (see Keys.LocatorKey).
type LocateEmailRequest struct {
	Locator []byte `json:"locator"`
}

// LocateEmailResponse answers LocateEmailRequest.
type LocateEmailResponse struct {
	Found bool `json:"found"`
}

// ClaimEmailRequest claims an email, in the directory region, for a
// person of the calling region, so that one email has one account across
// regions. The email travels only as its locator (see
// LocateEmailRequest).
type ClaimEmailRequest struct {
	Locator []byte `json:"locator"`
	UserID  string `json:"user_id"`
}

// ReleaseEmailRequest gives back the email claims a person of the calling
// region holds (after a failed sign-up, and at erasure).
type ReleaseEmailRequest struct {
	UserID string `json:"user_id"`
}

// LogSinceRequest reads a region's public log after a position, waiting
// up to WaitSeconds for new entries.
type LogSinceRequest struct {
	After       int64 `json:"after"`
	WaitSeconds int   `json:"wait"`
	// FromStart says the reader is re-reading the whole log from the
	// start (after an answer Behind), so a position below the horizon is
	// expected.
	FromStart bool `json:"from_start,omitempty"`
}

// LogSinceResponse holds the entries after the position asked and the
// log's head. Entries travel in kurz.LogEntry's default JSON encoding
// (Seq, Kind, ObjectID, Data, CreatedAt), as they always have.
type LogSinceResponse struct {
	Entries []*kurz.LogEntry `json:"entries"`
	Head    int64            `json:"head"`
	// Behind says the position asked is below the log's compaction
	// horizon: removals after it may be gone from the log, so the reader
	// drops what it holds of the region and reads from the start.
	Behind bool `json:"behind,omitempty"`
	// Generation names this incarnation of the log: a random ID made with
	// the log and made anew by every restore of the region. A reader that
	// sees it change (the log may have gone back and taken other entries
	// under the same numbers) drops what it holds of the region and reads
	// from the start. Empty from a kurz without generations.
	Generation string `json:"generation,omitempty"`
}

// CounterDelta is an anonymous change of a public counter, applied once
// per key by the object's region.
type CounterDelta struct {
	Key      string `json:"key"`
	ObjectID string `json:"object_id"`
	Field    string `json:"field"`
	Delta    int64  `json:"delta"`
	// Day is the day (kurz.Day) the change happened, for the video's
	// daily counts; absent from older peers.
	Day int64 `json:"day,omitempty"`
	// Note, if set, is what the object's owner's inbox gets of the change.
	Note *InboxNote `json:"note,omitempty"`
}

// InboxNote is what a like, follow or mention tells the inbox of the
// person it concerns, in another region or this one: only what the actor
// made public (their handle and display name; for a like only if they
// chose to show their likes) and a pseudonym that is the same for one
// actor and one object, so a repeated action notifies once. The receiving
// region checks that the handle is one of the sending region's people.
type InboxNote struct {
	// ActorKey is a keyed hash (hex) of the actor and the object, keyed
	// by the sending region: it names nobody and links nothing across
	// objects.
	ActorKey    string `json:"actor_key"`
	Handle      string `json:"handle,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	// VideoID and CommentID say what a mention is in; Text is the
	// public comment.
	VideoID   string `json:"video_id,omitempty"`
	CommentID string `json:"comment_id,omitempty"`
	Text      string `json:"text,omitempty"`
}

// ApplyDeltasRequest is a batch of deltas; on the wire, a JSON array.
type ApplyDeltasRequest []CounterDelta

// PostCommentRequest publishes a comment by a person of the calling
// region on a video of the answering region.
type PostCommentRequest struct {
	VideoID      string `json:"video_id"`
	AuthorID     string `json:"author_id"`
	AuthorHandle string `json:"author_handle"`
	Text         string `json:"text"`
	// FollowsOwner is no longer believed (the video's region decides who
	// may comment from what it holds) and kept for older peers. It was vouched for by the author's region, which holds the
	// follow.
	FollowsOwner bool `json:"follows_owner"`
	// ReplyTo is the comment a reply answers (of the video asked); the
	// reply joins its top-level comment.
	ReplyTo string `json:"reply_to,omitempty"`
}

// Comment is a public comment as the link carries it.
type Comment struct {
	ID        string        `json:"id"`
	VideoID   string        `json:"video_id"`
	Text      string        `json:"text"`
	Author    CommentAuthor `json:"author"`
	CreatedAt time.Time     `json:"created_at"`
	// ParentID is the top-level comment of a reply; ReplyTo whom it
	// answers.
	ParentID string         `json:"parent_id,omitempty"`
	ReplyTo  *CommentAuthor `json:"reply_to,omitempty"`
	Likes    int64          `json:"likes,omitempty"`
	Replies  int64          `json:"replies,omitempty"`
	// Pinned: the video's owner pinned it. Liked: the viewer likes it
	// (filled in by the viewer's home region, never by the link).
	Pinned bool `json:"pinned,omitempty"`
	Liked  bool `json:"liked,omitempty"`
}

// GetCommentRequest asks for one shown comment.
type GetCommentRequest struct {
	ID string `json:"id"`
}

// NotifyReplyRequest tells a person of the answering region that a reply
// (a comment of the calling region) answers them. It carries only what
// the reply made public.
type NotifyReplyRequest struct {
	Person       string `json:"person"`
	VideoID      string `json:"video_id"`
	CommentID    string `json:"comment_id"`
	ParentID     string `json:"parent_id"`
	AuthorHandle string `json:"author_handle"`
	Text         string `json:"text"`
}

// CommentAuthor is a comment's author, as the public knows them.
type CommentAuthor struct {
	ID     string `json:"id"`
	Handle string `json:"handle"`
	// AvatarURL is filled in by the region answering the person who
	// asked, from its catalogue (never taken from a peer's answer).
	AvatarURL string `json:"avatar_url,omitempty"`
}

// DeleteCommentRequest removes a comment on behalf of a person of the
// calling region (its author or the video's owner).
type DeleteCommentRequest struct {
	ID string `json:"id"`
	By string `json:"by"`
}

// ListCommentsRequest pages through a video's top-level comments, or
// (Parent) the replies of one of them.
type ListCommentsRequest struct {
	Video  string `json:"video"`
	Cursor string `json:"cursor"`
	Parent string `json:"parent,omitempty"`
}

// ListCommentsResponse is a page of comments.
type ListCommentsResponse struct {
	Items      []Comment `json:"items"`
	NextCursor string    `json:"next_cursor"`
}

// CommentsByAuthorRequest asks for a person's comments (for their
// export); only their home region may ask.
type CommentsByAuthorRequest struct {
	Author string `json:"author"`
}

// CommentsByAuthorResponse holds a person's comments in one region.
type CommentsByAuthorResponse struct {
	Items []Comment `json:"items"`
}

// EraseAuthorRequest removes an erased person's comments; only their
// home region may ask.
type EraseAuthorRequest struct {
	Author string `json:"author"`
}

// HideAuthorRequest hides (Hidden) or shows again a person's comments;
// only their home region may ask.
type HideAuthorRequest struct {
	Author string `json:"author"`
	Hidden bool   `json:"hidden"`
}

// FileNoticeRequest sends a notice to the queue of the content's region.
// The notifier stays in their region: only a keyed hash stands for them.
type FileNoticeRequest struct {
	NoticeID     string      `json:"notice_id"`
	NoticeRegion kurz.Region `json:"notice_region"`
	ReporterHash []byte      `json:"reporter_hash"`
	TargetType   string      `json:"target_type"`
	TargetID     string      `json:"target_id"`
	Category     string      `json:"category"`
	Explanation  string      `json:"explanation"`
}

// FileNoticeResponse names the queue item the notice joined.
type FileNoticeResponse struct {
	ItemID string `json:"item_id"`
}

// DeliverStatementRequest sends a statement of reasons to the region of a
// notice, which passes it to its notifier.
type DeliverStatementRequest struct {
	NoticeID  string          `json:"notice_id"`
	Statement json.RawMessage `json:"statement"`
}

// ItemStatusRequest asks for a queue item's public status, for a notice's
// receipt.
type ItemStatusRequest struct {
	ID string `json:"id"` // in the path
}

// ItemStatusResponse is a queue item's status and, once decided, the
// statement of reasons.
type ItemStatusResponse struct {
	Status string `json:"status"`
	// Waiting says why an item waits (every moderator of the region is
	// involved in it).
	Waiting string `json:"waiting,omitempty"`
	// Resolution and ResolutionText say how an item ended without a
	// decision (its content removed by its author, say).
	Resolution     string          `json:"resolution,omitempty"`
	ResolutionText string          `json:"resolution_text,omitempty"`
	Statement      json.RawMessage `json:"statement,omitempty"`
}

// AppealRequest appeals a decision of the answering region, for a person
// of the calling region: the affected person, or a notifier of a notice
// filed in the calling region. The appellant is named only by their keyed
// hash (safety.Service.PartyHash), never by their ID.
type AppealRequest struct {
	DecisionID    string `json:"decision_id"`
	AppellantHash []byte `json:"appellant_hash"`
	Explanation   string `json:"explanation"`
}

// AppealResponse names the appeal's queue item.
type AppealResponse struct {
	ItemID string `json:"item_id"`
}

// AppealInfoRequest asks the decision's region what a party (by keyed
// hash, as in AppealRequest) may do about a decision.
type AppealInfoRequest struct {
	DecisionID string `json:"decision_id"`
	PartyHash  []byte `json:"party_hash"`
}

// AppealInfoResponse says whether the party may appeal, and if not, why
// (appeals.Service.AppealInfo's reasons).
type AppealInfoResponse struct {
	MayAppeal bool      `json:"may_appeal"`
	Reason    string    `json:"reason,omitempty"`
	Party     string    `json:"party,omitempty"`
	Until     time.Time `json:"until"`
}

// Account effects of a decision, as AccountDecisionRequest.Effect.
const (
	EffectNone      = ""          // the statement only (a removed comment, say)
	EffectSuspend   = "suspend"   // until Until
	EffectTerminate = "terminate" // for good
	EffectStrike    = "strike"    // counts toward a suspension (the strike rule)
	EffectLift      = "lift"      // a reversal: the suspension, termination or strike of DecisionID's appeal ends
)

// AccountDecisionRequest is a decision of the calling region about a
// person of the answering region, their home: the home region applies
// Effect to their account and puts Statement (the statement of reasons)
// in their inbox.
type AccountDecisionRequest struct {
	// DecisionID is the calling region's decision (for a lift: the
	// reversal), Reverses the decision a lift reverses.
	DecisionID string `json:"decision_id"`
	Reverses   string `json:"reverses,omitempty"`
	Person     string `json:"person"`
	Effect     string `json:"effect"`
	// Until ends a suspension.
	Until     time.Time       `json:"until,omitzero"`
	Statement json.RawMessage `json:"statement"`
}

// VerifySession asks region to, a person's home, who holds a session. The
// holder must be a person of region to: a region vouches only for its own
// people.
func (c *Client) VerifySession(ctx context.Context, to kurz.Region, in VerifySessionRequest) (*VerifySessionResponse, error) {
	return call(ctx, c, to, RouteVerifySession, &in, func(out *VerifySessionResponse) error {
		return ownID(to, "session holder", out.ID)
	})
}

// Follows asks region to, the follower's home, whether they follow.
func (c *Client) Follows(ctx context.Context, to kurz.Region, in FollowsRequest) (*FollowsResponse, error) {
	return call[FollowsRequest, FollowsResponse](ctx, c, to, RouteFollows, &in, nil)
}

// FollowRequest asks region to, the followee's home, to record (or drop)
// a request to follow a private account of theirs.
func (c *Client) FollowRequest(ctx context.Context, to kurz.Region, in FollowRequestRequest) error {
	_, err := call[FollowRequestRequest, Empty](ctx, c, to, RouteFollowRequest, &in, nil)
	return err
}

// BlockNotice tells region to, the blocked person's home, of a block or
// its end.
func (c *Client) BlockNotice(ctx context.Context, to kurz.Region, in BlockNoticeRequest) error {
	_, err := call[BlockNoticeRequest, Empty](ctx, c, to, RouteBlockNotice, &in, nil)
	return err
}

// ClaimHandle claims a handle in the directory region to.
func (c *Client) ClaimHandle(ctx context.Context, to kurz.Region, in ClaimHandleRequest) error {
	_, err := call[ClaimHandleRequest, Empty](ctx, c, to, RouteClaimHandle, &in, nil)
	return err
}

// ReleaseHandle gives a handle back to the directory region to.
func (c *Client) ReleaseHandle(ctx context.Context, to kurz.Region, in ReleaseHandleRequest) error {
	_, err := call[ReleaseHandleRequest, Empty](ctx, c, to, RouteReleaseHandle, &in, nil)
	return err
}

// HandleOwner asks the directory region to who holds a handle. The
// directory records claims of every region's people, so the holder may be
// of any region; the answer must be about the handle asked and name a
// well-formed person ID. Callers that act on the holder's identity check
// it with the holder's own region (see accounts.ResolveHandle).
func (c *Client) HandleOwner(ctx context.Context, to kurz.Region, in HandleOwnerRequest) (*HandleOwnerResponse, error) {
	return call(ctx, c, to, RouteHandleOwner, &in, func(out *HandleOwnerResponse) error {
		if !strings.EqualFold(out.Handle, in.Handle) {
			return foreign(to, "the holder of another handle")
		}
		if _, err := kurz.ParseID(out.UserID); err != nil {
			return foreign(to, "a malformed person ID")
		}
		return nil
	})
}

// LocateEmail asks region to whether it holds an account with an email.
func (c *Client) LocateEmail(ctx context.Context, to kurz.Region, in LocateEmailRequest) (*LocateEmailResponse, error) {
	return call[LocateEmailRequest, LocateEmailResponse](ctx, c, to, RouteLocateEmail, &in, nil)
}

// ClaimEmail claims an email locator in the directory region to.
func (c *Client) ClaimEmail(ctx context.Context, to kurz.Region, in ClaimEmailRequest) error {
	_, err := call[ClaimEmailRequest, Empty](ctx, c, to, RouteClaimEmail, &in, nil)
	return err
}

// ReleaseEmail gives a person's email claims back to the directory region
// to.
func (c *Client) ReleaseEmail(ctx context.Context, to kurz.Region, in ReleaseEmailRequest) error {
	_, err := call[ReleaseEmailRequest, Empty](ctx, c, to, RouteReleaseEmail, &in, nil)
	return err
}

// LogSince reads region to's public log. Every entry must be about an
// object of region to: a region publishes only its own.
func (c *Client) LogSince(ctx context.Context, to kurz.Region, in LogSinceRequest) (*LogSinceResponse, error) {
	return call(ctx, c, to, RouteLogSince, &in, func(out *LogSinceResponse) error {
		for _, e := range out.Entries {
			if e == nil {
				return foreign(to, "an empty log entry")
			}
			if err := ownID(to, "log entry", e.ObjectID); err != nil {
				return err
			}
		}
		return nil
	})
}

// ApplyDeltas delivers counter deltas to region to, their objects' home.
func (c *Client) ApplyDeltas(ctx context.Context, to kurz.Region, in ApplyDeltasRequest) error {
	_, err := call[ApplyDeltasRequest, Empty](ctx, c, to, RouteApplyDeltas, &in, nil)
	return err
}

// PostComment publishes a comment on a video of region to. The stored
// comment must be region to's, on the video asked, by the author asked.
func (c *Client) PostComment(ctx context.Context, to kurz.Region, in PostCommentRequest) (*Comment, error) {
	return call(ctx, c, to, RoutePostComment, &in, func(out *Comment) error {
		return checkComment(to, out, in.VideoID, in.AuthorID)
	})
}

// DeleteComment removes a comment held by region to.
func (c *Client) DeleteComment(ctx context.Context, to kurz.Region, in DeleteCommentRequest) error {
	_, err := call[DeleteCommentRequest, Empty](ctx, c, to, RouteDeleteComment, &in, nil)
	return err
}

// ListComments pages through the comments of a video of region to; each
// must be region to's, on that video.
func (c *Client) ListComments(ctx context.Context, to kurz.Region, in ListCommentsRequest) (*ListCommentsResponse, error) {
	return call(ctx, c, to, RouteListComments, &in, func(out *ListCommentsResponse) error {
		for i := range out.Items {
			if err := checkComment(to, &out.Items[i], in.Video, ""); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetComment reads a shown comment held by region to.
func (c *Client) GetComment(ctx context.Context, to kurz.Region, in GetCommentRequest) (*Comment, error) {
	return call(ctx, c, to, RouteGetComment, &in, func(out *Comment) error {
		if out.ID != in.ID {
			return foreign(to, "a comment other than the one asked for")
		}
		return checkComment(to, out, "", "")
	})
}

// NotifyReply tells region to's person that a reply answers them.
func (c *Client) NotifyReply(ctx context.Context, to kurz.Region, in NotifyReplyRequest) error {
	_, err := call[NotifyReplyRequest, Empty](ctx, c, to, RouteNotifyReply, &in, nil)
	return err
}

// CommentsByAuthor collects a person's comments held by region to; each
// must be region to's, by that person.
func (c *Client) CommentsByAuthor(ctx context.Context, to kurz.Region, in CommentsByAuthorRequest) (*CommentsByAuthorResponse, error) {
	return call(ctx, c, to, RouteCommentsByAuthor, &in, func(out *CommentsByAuthorResponse) error {
		for i := range out.Items {
			if err := checkComment(to, &out.Items[i], "", in.Author); err != nil {
				return err
			}
		}
		return nil
	})
}

// EraseAuthor removes an erased person's comments held by region to.
func (c *Client) EraseAuthor(ctx context.Context, to kurz.Region, in EraseAuthorRequest) error {
	_, err := call[EraseAuthorRequest, Empty](ctx, c, to, RouteEraseAuthor, &in, nil)
	return err
}

// HideAuthor hides (or shows again) a person of the calling region's
// comments held by region to.
func (c *Client) HideAuthor(ctx context.Context, to kurz.Region, in HideAuthorRequest) error {
	_, err := call[HideAuthorRequest, Empty](ctx, c, to, RouteHideAuthor, &in, nil)
	return err
}

// AccountDecision sends a decision about a person of region to, their
// home.
func (c *Client) AccountDecision(ctx context.Context, to kurz.Region, in AccountDecisionRequest) error {
	_, err := call[AccountDecisionRequest, Empty](ctx, c, to, RouteAccountDecision, &in, nil)
	return err
}

// FileNotice sends a notice to the queue of region to, the content's.
func (c *Client) FileNotice(ctx context.Context, to kurz.Region, in FileNoticeRequest) (*FileNoticeResponse, error) {
	return call(ctx, c, to, RouteFileNotice, &in, func(out *FileNoticeResponse) error {
		return ownID(to, "queue item", out.ItemID)
	})
}

// DeliverStatement sends a statement of reasons to region to, the
// notice's.
func (c *Client) DeliverStatement(ctx context.Context, to kurz.Region, in DeliverStatementRequest) error {
	_, err := call[DeliverStatementRequest, Empty](ctx, c, to, RouteDeliverStatement, &in, nil)
	return err
}

// ItemStatus asks region to for a queue item's public status.
func (c *Client) ItemStatus(ctx context.Context, to kurz.Region, in ItemStatusRequest) (*ItemStatusResponse, error) {
	return call[ItemStatusRequest, ItemStatusResponse](ctx, c, to, RouteItemStatus, &in, nil)
}

// Appeal appeals a decision of region to.
func (c *Client) Appeal(ctx context.Context, to kurz.Region, in AppealRequest) (*AppealResponse, error) {
	return call(ctx, c, to, RouteAppeal, &in, func(out *AppealResponse) error {
		return ownID(to, "queue item", out.ItemID)
	})
}

// AppealInfo asks region to what a party may do about its decision.
func (c *Client) AppealInfo(ctx context.Context, to kurz.Region, in AppealInfoRequest) (*AppealInfoResponse, error) {
	return call[AppealInfoRequest, AppealInfoResponse](ctx, c, to, RouteAppealInfo, &in, nil)
}

// ErrForeignID is the cause of the EUnavailable error a call returns for
// a signed answer that names a person or object its region cannot vouch
// for: another region's, a malformed one, or not the one asked about.
var ErrForeignID = errors.New("link: answer names an identity its region cannot vouch for")

func foreign(to kurz.Region, what string) error {
	return &kurz.Error{Code: kurz.EUnavailable, Message: fmt.Sprintf("region %s answered with %s; the answer is refused", to, what),
		Cause: ErrForeignID}
}

// ownID checks that id is an ID of region to.
func ownID(to kurz.Region, what, id string) error {
	if r, err := kurz.ParseID(id); err != nil || r != to {
		return foreign(to, "a "+what+" that is not its own")
	}
	return nil
}

// checkComment checks a comment region to holds: its ID is region to's,
// and it is on video and by author when those are given.
func checkComment(to kurz.Region, cm *Comment, video, author string) error {
	if err := ownID(to, "comment", cm.ID); err != nil {
		return err
	}
	if err := ownID(to, "video", cm.VideoID); err != nil {
		return err
	}
	if _, err := kurz.ParseID(cm.Author.ID); err != nil {
		return foreign(to, "a comment by a malformed person ID")
	}
	if (video != "" && cm.VideoID != video) || (author != "" && cm.Author.ID != author) {
		return foreign(to, "a comment other than the one asked for")
	}
	if cm.ParentID != "" {
		return ownID(to, "comment", cm.ParentID)
	}
	return nil
}

// call makes one typed call: the request goes in the URL for GET and as
// JSON otherwise; the answer must be signed by region to (or come from
// this client's own region, in memory), and pass check (when not nil),
// which binds the identities in it to region to.
func call[Req, Resp any](ctx context.Context, c *Client, to kurz.Region, route string, in *Req, check func(*Resp) error) (*Resp, error) {
	method, pattern, _ := strings.Cut(route, " ")
	uri := pattern
	var body []byte
	var err error
	if method == "GET" {
		uri, err = encodeURL(pattern, in)
	} else {
		body, err = json.Marshal(in)
	}
	if err != nil {
		return nil, err
	}
	data, err := c.roundTrip(ctx, to, method, uri, body)
	if err != nil {
		return nil, err
	}
	out := new(Resp)
	if err := json.Unmarshal(data, out); err != nil {
		return nil, &kurz.Error{Code: kurz.EUnavailable, Message: "region " + string(to) + " sent an answer that does not parse", Cause: err}
	}
	if check != nil {
		if err := check(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// EmailTakenRequest asks the region holding an email (by its locator) to
// tell its owner that someone tried to sign up with it. The address never
// travels; the holder mails its own person.
type EmailTakenRequest struct {
	Locator []byte `json:"locator"`
	Lang    string `json:"lang,omitempty"`
}

// EmailTaken asks region to to tell the owner of an email of a sign-up
// attempt.
func (c *Client) EmailTaken(ctx context.Context, to kurz.Region, in EmailTakenRequest) error {
	_, err := call[EmailTakenRequest, Empty](ctx, c, to, RouteEmailTaken, &in, nil)
	return err
}
