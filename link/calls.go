package link

import (
	"context"
	"encoding/json"
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
	// handle claims; every region answers email lookups.
	RouteVerifySession = "POST /link/v1/sessions/verify"
	RouteFollows       = "GET /link/v1/follows"
	RouteClaimHandle   = "POST /link/v1/handles/claim"
	RouteReleaseHandle = "POST /link/v1/handles/release"
	RouteHandleOwner   = "GET /link/v1/handles/{handle}"
	RouteLocateEmail   = "POST /link/v1/emails/locate"

	// Replication: the public log and counter deltas.
	RouteLogSince    = "GET /link/v1/log"
	RouteApplyDeltas = "POST /link/v1/deltas"

	// Comments live with their video, in the video's region.
	RoutePostComment      = "POST /link/v1/comments"
	RouteDeleteComment    = "POST /link/v1/comments/delete"
	RouteListComments     = "GET /link/v1/comments"
	RouteCommentsByAuthor = "GET /link/v1/comments/by-author"
	RouteEraseAuthor      = "POST /link/v1/comments/erase-author"

	// Trust & Safety: notices go to the queue of the content's region,
	// statements of reasons back to the notice's region, appeals to the
	// decision's region.
	RouteFileNotice       = "POST /link/v1/notices"
	RouteDeliverStatement = "POST /link/v1/statements"
	RouteItemStatus       = "GET /link/v1/items/{id}"
	RouteAppeal           = "POST /link/v1/appeals"
)

// Routes lists every call of the link, for route-table tests.
func Routes() []string {
	return []string{
		RouteVerifySession, RouteFollows, RouteClaimHandle, RouteReleaseHandle, RouteHandleOwner, RouteLocateEmail,
		RouteLogSince, RouteApplyDeltas,
		RoutePostComment, RouteDeleteComment, RouteListComments, RouteCommentsByAuthor, RouteEraseAuthor,
		RouteFileNotice, RouteDeliverStatement, RouteItemStatus, RouteAppeal,
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
}

// FollowsRequest asks the follower's home region whether they follow
// followee.
type FollowsRequest struct {
	Follower string `json:"follower"`
	Followee string `json:"followee"`
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

// LogSinceRequest reads a region's public log after a position, waiting
// up to WaitSeconds for new entries.
type LogSinceRequest struct {
	After       int64 `json:"after"`
	WaitSeconds int   `json:"wait"`
}

// LogSinceResponse holds the entries after the position asked and the
// log's head. Entries travel in kurz.LogEntry's default JSON encoding
// (Seq, Kind, ObjectID, Data, CreatedAt), as they always have.
type LogSinceResponse struct {
	Entries []*kurz.LogEntry `json:"entries"`
	Head    int64            `json:"head"`
}

// CounterDelta is an anonymous change of a public counter, applied once
// per key by the object's region.
type CounterDelta struct {
	Key      string `json:"key"`
	ObjectID string `json:"object_id"`
	Field    string `json:"field"`
	Delta    int64  `json:"delta"`
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
	// FollowsOwner is vouched for by the author's region, which holds the
	// follow.
	FollowsOwner bool `json:"follows_owner"`
}

// Comment is a public comment as the link carries it.
type Comment struct {
	ID        string        `json:"id"`
	VideoID   string        `json:"video_id"`
	Text      string        `json:"text"`
	Author    CommentAuthor `json:"author"`
	CreatedAt time.Time     `json:"created_at"`
}

// CommentAuthor is a comment's author, as the public knows them.
type CommentAuthor struct {
	ID     string `json:"id"`
	Handle string `json:"handle"`
}

// DeleteCommentRequest removes a comment on behalf of a person of the
// calling region (its author or the video's owner).
type DeleteCommentRequest struct {
	ID string `json:"id"`
	By string `json:"by"`
}

// ListCommentsRequest pages through a video's comments.
type ListCommentsRequest struct {
	Video  string `json:"video"`
	Cursor string `json:"cursor"`
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

// VerifySession asks region to, a person's home, who holds a session.
func (c *Client) VerifySession(ctx context.Context, to kurz.Region, in VerifySessionRequest) (*VerifySessionResponse, error) {
	return call[VerifySessionRequest, VerifySessionResponse](ctx, c, to, RouteVerifySession, &in)
}

// Follows asks region to, the follower's home, whether they follow.
func (c *Client) Follows(ctx context.Context, to kurz.Region, in FollowsRequest) (*FollowsResponse, error) {
	return call[FollowsRequest, FollowsResponse](ctx, c, to, RouteFollows, &in)
}

// ClaimHandle claims a handle in the directory region to.
func (c *Client) ClaimHandle(ctx context.Context, to kurz.Region, in ClaimHandleRequest) error {
	_, err := call[ClaimHandleRequest, Empty](ctx, c, to, RouteClaimHandle, &in)
	return err
}

// ReleaseHandle gives a handle back to the directory region to.
func (c *Client) ReleaseHandle(ctx context.Context, to kurz.Region, in ReleaseHandleRequest) error {
	_, err := call[ReleaseHandleRequest, Empty](ctx, c, to, RouteReleaseHandle, &in)
	return err
}

// HandleOwner asks the directory region to who holds a handle.
func (c *Client) HandleOwner(ctx context.Context, to kurz.Region, in HandleOwnerRequest) (*HandleOwnerResponse, error) {
	return call[HandleOwnerRequest, HandleOwnerResponse](ctx, c, to, RouteHandleOwner, &in)
}

// LocateEmail asks region to whether it holds an account with an email.
func (c *Client) LocateEmail(ctx context.Context, to kurz.Region, in LocateEmailRequest) (*LocateEmailResponse, error) {
	return call[LocateEmailRequest, LocateEmailResponse](ctx, c, to, RouteLocateEmail, &in)
}

// LogSince reads region to's public log.
func (c *Client) LogSince(ctx context.Context, to kurz.Region, in LogSinceRequest) (*LogSinceResponse, error) {
	return call[LogSinceRequest, LogSinceResponse](ctx, c, to, RouteLogSince, &in)
}

// ApplyDeltas delivers counter deltas to region to, their objects' home.
func (c *Client) ApplyDeltas(ctx context.Context, to kurz.Region, in ApplyDeltasRequest) error {
	_, err := call[ApplyDeltasRequest, Empty](ctx, c, to, RouteApplyDeltas, &in)
	return err
}

// PostComment publishes a comment on a video of region to.
func (c *Client) PostComment(ctx context.Context, to kurz.Region, in PostCommentRequest) (*Comment, error) {
	return call[PostCommentRequest, Comment](ctx, c, to, RoutePostComment, &in)
}

// DeleteComment removes a comment held by region to.
func (c *Client) DeleteComment(ctx context.Context, to kurz.Region, in DeleteCommentRequest) error {
	_, err := call[DeleteCommentRequest, Empty](ctx, c, to, RouteDeleteComment, &in)
	return err
}

// ListComments pages through the comments of a video of region to.
func (c *Client) ListComments(ctx context.Context, to kurz.Region, in ListCommentsRequest) (*ListCommentsResponse, error) {
	return call[ListCommentsRequest, ListCommentsResponse](ctx, c, to, RouteListComments, &in)
}

// CommentsByAuthor collects a person's comments held by region to.
func (c *Client) CommentsByAuthor(ctx context.Context, to kurz.Region, in CommentsByAuthorRequest) (*CommentsByAuthorResponse, error) {
	return call[CommentsByAuthorRequest, CommentsByAuthorResponse](ctx, c, to, RouteCommentsByAuthor, &in)
}

// EraseAuthor removes an erased person's comments held by region to.
func (c *Client) EraseAuthor(ctx context.Context, to kurz.Region, in EraseAuthorRequest) error {
	_, err := call[EraseAuthorRequest, Empty](ctx, c, to, RouteEraseAuthor, &in)
	return err
}

// FileNotice sends a notice to the queue of region to, the content's.
func (c *Client) FileNotice(ctx context.Context, to kurz.Region, in FileNoticeRequest) (*FileNoticeResponse, error) {
	return call[FileNoticeRequest, FileNoticeResponse](ctx, c, to, RouteFileNotice, &in)
}

// DeliverStatement sends a statement of reasons to region to, the
// notice's.
func (c *Client) DeliverStatement(ctx context.Context, to kurz.Region, in DeliverStatementRequest) error {
	_, err := call[DeliverStatementRequest, Empty](ctx, c, to, RouteDeliverStatement, &in)
	return err
}

// ItemStatus asks region to for a queue item's public status.
func (c *Client) ItemStatus(ctx context.Context, to kurz.Region, in ItemStatusRequest) (*ItemStatusResponse, error) {
	return call[ItemStatusRequest, ItemStatusResponse](ctx, c, to, RouteItemStatus, &in)
}

// Appeal appeals a decision of region to.
func (c *Client) Appeal(ctx context.Context, to kurz.Region, in AppealRequest) (*AppealResponse, error) {
	return call[AppealRequest, AppealResponse](ctx, c, to, RouteAppeal, &in)
}

// call makes one typed call: the request goes in the URL for GET and as
// JSON otherwise; the answer must be signed by region to (or come from
// this client's own region, in memory).
func call[Req, Resp any](ctx context.Context, c *Client, to kurz.Region, route string, in *Req) (*Resp, error) {
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
	data, err := c.roundTrip(ctx, to, method, uri, body, true)
	if err != nil {
		return nil, err
	}
	out := new(Resp)
	if err := json.Unmarshal(data, out); err != nil {
		return nil, &kurz.Error{Code: kurz.EUnavailable, Message: "region " + string(to) + " sent an answer that does not parse", Cause: err}
	}
	return out, nil
}
