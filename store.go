package kurz

import (
	"context"
	"time"
)

// Store is one region's database. Adapters (sqlite, postgres) implement it
// with the same SQL semantics and pass the same test suite (storetest).
type Store interface {
	Queries
	// Tx runs fn in one write transaction, committed if fn returns nil.
	Tx(ctx context.Context, fn func(Queries) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Queries are the operations on a region's rows. They hold no business
// rules: permissions, validation and residency live in the services.
// A missing row is ErrNotFound; a unique violation is an EConflict error.
// They are grouped by concern, one interface each.
type Queries interface {
	AccountQueries
	TrustQueries
	VideoQueries
	QuotaQueries
	SocialQueries
	CommentQueries
	LogQueries
	SafetyQueries
	StandingQueries
	PrivacyQueries
	InboxQueries
	StaffQueries
}

// AccountQueries are the rows of people: profiles, accounts, person keys,
// sessions, and handle and email claims.
type AccountQueries interface {
	CreateProfile(ctx context.Context, p *Profile) error
	ProfileByID(ctx context.Context, id string) (*Profile, error)
	ProfileByHandle(ctx context.Context, handle string) (*Profile, error)
	UpdateProfile(ctx context.Context, p *Profile) error
	// Profiles lists the region's people in ID order (the oldest first,
	// IDs being time-ordered), from after afterID ("" from the start).
	Profiles(ctx context.Context, afterID string, limit int) ([]*Profile, error)

	CreateAccount(ctx context.Context, a *Account) error
	AccountByID(ctx context.Context, userID string) (*Account, error)
	AccountByEmailIndex(ctx context.Context, index []byte) (*Account, error)
	// SuspendAccount blocks sign-in until a time (zero time lifts it).
	SuspendAccount(ctx context.Context, userID string, until time.Time) error
	// SetFeedOptOut records whether a person turned personalised feeds off.
	SetFeedOptOut(ctx context.Context, userID string, optOut bool) error

	// PutPersonKey stores a person's wrapped data key; DeletePersonKey
	// destroys it, which makes every sealed field of theirs unreadable.
	PutPersonKey(ctx context.Context, userID string, wrapped []byte) error
	PersonKey(ctx context.Context, userID string) ([]byte, error)
	DeletePersonKey(ctx context.Context, userID string) error

	CreateSession(ctx context.Context, s *Session) error
	SessionByTokenHash(ctx context.Context, hash []byte) (*Session, error)
	DeleteSession(ctx context.Context, hash []byte) error
	// TouchSession records when a session was last used;
	// DeleteSessionsExcept ends every session of a person but keep's.
	TouchSession(ctx context.Context, hash []byte, at time.Time) error
	DeleteSessionsExcept(ctx context.Context, userID string, keep []byte) error
	// SetPrivacySettings writes a person's ShowLikes and CommentsFrom.
	SetPrivacySettings(ctx context.Context, userID string, showLikes bool, commentsFrom string) error

	// HoldDirectory keeps this region's handle directory from moving away
	// until the transaction ends; if it moved already (kurz directory
	// export) it is an EUnavailable error. Every claim and release at the
	// directory holds it first, in the same transaction.
	HoldDirectory(ctx context.Context) error
	// ClaimHandle records a claim; a handle, or a non-empty handle key,
	// held by another person is an EConflict error, as is a key the same
	// person holds under another handle; a repeated claim by the same
	// person succeeds.
	ClaimHandle(ctx context.Context, c *HandleClaim) error
	HandleClaimOf(ctx context.Context, handle string) (*HandleClaim, error)
	// ReleaseHandle drops a claim if (and only if) userID holds it.
	ReleaseHandle(ctx context.Context, handle, userID string) error
	// HandleClaimsWithoutKey lists claims that have no key, by handle,
	// after the handle after; SetHandleKey gives one its key (EConflict if
	// another claim has that key).
	HandleClaimsWithoutKey(ctx context.Context, after string, limit int) ([]*HandleClaim, error)
	SetHandleKey(ctx context.Context, handle, key string) error

	// ClaimEmail records that userID holds the email whose directory key
	// is key (a keyed hash; no email is stored). A key held by another
	// person is an EConflict error; a repeated claim by the same person
	// succeeds.
	ClaimEmail(ctx context.Context, key []byte, userID string, at time.Time) error
	// EmailClaimOf returns who holds an email key.
	EmailClaimOf(ctx context.Context, key []byte) (userID string, err error)
	// ReleaseEmails drops every email claim userID holds.
	ReleaseEmails(ctx context.Context, userID string) error
}

// TrustQueries keep what signing in safely needs: password resets and
// hashes, email confirmation, TOTP, single-use account tokens, the
// outgoing mail queue, passkeys and sessions' second factors.
type TrustQueries interface {
	// PutPasswordReset stores a one-time password link (its token's hash);
	// TakePasswordReset deletes and returns one (ErrNotFound if unknown or
	// used); SetPasswordHash replaces a person's password hash.
	PutPasswordReset(ctx context.Context, r *PasswordReset) error
	TakePasswordReset(ctx context.Context, tokenHash []byte) (*PasswordReset, error)
	SetPasswordHash(ctx context.Context, userID, hash string) error
	// SetEmailVerified records when a person confirmed their email;
	// SetEmail replaces the email (index and sealed) and its confirmation.
	SetEmailVerified(ctx context.Context, userID string, at time.Time) error
	SetEmail(ctx context.Context, userID string, index, sealed []byte, verifiedAt time.Time) error
	// SetTOTP stores a sealed TOTP secret (nil removes it) and starts its
	// step count over; UseTOTPStep records an accepted code's time step and
	// reports false if that step or a later one was used before (atomic).
	SetTOTP(ctx context.Context, userID string, sealed []byte) error
	UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error)
	// PutAccountToken stores a single-use token (its hash) of a purpose;
	// TakeAccountToken deletes and returns one of that purpose
	// (ErrNotFound if unknown or used); AccountToken reads one;
	// DeleteAccountTokens deletes a person's tokens of a purpose.
	PutAccountToken(ctx context.Context, t *AccountToken) error
	TakeAccountToken(ctx context.Context, tokenHash []byte, purpose string) (*AccountToken, error)
	AccountToken(ctx context.Context, tokenHash []byte, purpose string) (*AccountToken, error)
	DeleteAccountTokens(ctx context.Context, userID, purpose string) error
	// PutMail queues an outgoing message; MailByID reads one; DeleteMail
	// drops one once sent.
	PutMail(ctx context.Context, m *OutMail) error
	MailByID(ctx context.Context, id string) (*OutMail, error)
	DeleteMail(ctx context.Context, id string) error
	// PutPasskey stores (or replaces) a person's passkey; PasskeysOf lists
	// them.
	PutPasskey(ctx context.Context, k *Passkey) error
	PasskeysOf(ctx context.Context, userID string) ([]*Passkey, error)
	// MarkSecondFactor records that a session has passed a second factor.
	MarkSecondFactor(ctx context.Context, tokenHash []byte) error
}

// VideoQueries are videos, their hashtags, lists of them, and their daily
// counts.
type VideoQueries interface {
	CreateVideo(ctx context.Context, v *Video) error
	VideoByID(ctx context.Context, id string) (*Video, error)
	// UpdateVideo writes every mutable field of v (Progress apart).
	UpdateVideo(ctx context.Context, v *Video) error
	// SetVideoProgress sets a video's Progress while its processing job
	// of generation gen runs and the video has status (a stale job's
	// report, or the first step's once the video moved on, changes
	// nothing).
	SetVideoProgress(ctx context.Context, id string, gen int, status string, percent int) error
	DeleteVideo(ctx context.Context, id string) error
	// SetHashtags replaces a video's hashtags.
	SetHashtags(ctx context.Context, videoID string, tags []string, at time.Time) error
	HashtagsOf(ctx context.Context, videoID string) ([]string, error)
	// CountVideos counts a person's videos created at or after since, in
	// any of the statuses (all statuses if none are given).
	CountVideos(ctx context.Context, ownerID string, since time.Time, statuses ...string) (int, error)
	// VideosInStatus lists videos in a status last updated before before.
	VideosInStatus(ctx context.Context, status string, before time.Time) ([]*Video, error)
	// PublicVideos lists every public, showable (kurz.Showable) video of
	// the region.
	PublicVideos(ctx context.Context) ([]*Video, error)
	// VideosOf lists a person's videos, newest first.
	VideosOf(ctx context.Context, ownerID string) ([]*Video, error)
	// AddVideoStat adds delta to one of a video's daily counts (a field
	// of VideoStatFields); a video not in the store is skipped.
	AddVideoStat(ctx context.Context, videoID string, day int64, field string, delta int64) error
	// VideoStatsOf lists the daily counts of an owner's videos from day
	// fromDay on, by video and day.
	VideoStatsOf(ctx context.Context, ownerID string, fromDay int64) ([]*VideoDay, error)
}

// QuotaQueries count what a person uses: storage, and work started per
// day.
type QuotaQueries interface {
	// StorageUsed sums the upload sizes of a person's videos.
	StorageUsed(ctx context.Context, ownerID string) (int64, error)

	// Quotas count work started (see WorkUpload, WorkExport) per person and
	// UTC day (days since 1970-01-01). TakeWork adds one to the day's
	// count unless it has reached limit, atomically, and reports whether
	// it did; GiveBackWork takes one away (never below zero); ForgetWork
	// deletes the counts of days before a day.
	TakeWork(ctx context.Context, userID, kind string, day int64, limit int) (bool, error)
	GiveBackWork(ctx context.Context, userID, kind string, day int64) error
	ForgetWork(ctx context.Context, beforeDay int64) error
}

// SocialQueries are what people do to videos and to each other: counters,
// likes, follows, views, follow requests, blocks and mutes.
type SocialQueries interface {
	// AddCounter adds delta to a counter: on videos likes, comments or
	// views; on profiles followers or following; on comments likes.
	AddCounter(ctx context.Context, table, id, field string, delta int64) error

	// AddLike and AddFollow report whether the row is new; RemoveLike and
	// RemoveFollow whether a row was there.
	AddLike(ctx context.Context, userID, videoID string, at time.Time) (bool, error)
	RemoveLike(ctx context.Context, userID, videoID string) (bool, error)
	Likes(ctx context.Context, userID string, videoIDs []string) (map[string]bool, error)
	LikedVideos(ctx context.Context, userID string, limit int) ([]string, error)
	AddFollow(ctx context.Context, followerID, followeeID string, at time.Time) (bool, error)
	RemoveFollow(ctx context.Context, followerID, followeeID string) (bool, error)
	Followees(ctx context.Context, followerID string) ([]string, error)
	// Follow requests to a private account of this region (kept here, the
	// followee's region): PutFollowRequest records a pending one (false if
	// there was one), ApproveFollowRequest approves a pending one,
	// DeleteFollowRequest drops one (refused, withdrawn, or a follower
	// removed); each reports whether a row changed.
	PutFollowRequest(ctx context.Context, followeeID, followerID, handle string, at time.Time) (bool, error)
	ApproveFollowRequest(ctx context.Context, followeeID, followerID string) (bool, error)
	DeleteFollowRequest(ctx context.Context, followeeID, followerID string) (bool, error)
	FollowApproved(ctx context.Context, followeeID, followerID string) (bool, error)
	// FollowRequests lists a private account's pending requests, or its
	// approved followers, oldest first.
	FollowRequests(ctx context.Context, followeeID string, approved bool) ([]FollowRequest, error)
	// Blocks and mutes of a person of this region, and notices that a
	// person of another region blocked them (kinds BlockKind, MuteKind,
	// BlockedByKind). PutBlock reports whether the row is new, DeleteBlock
	// whether one was there. BlocksOf lists a person's rows, oldest first;
	// BlockersOf lists who blocked a person (rows of kind BlockKind naming
	// them as the other). DeleteNotices drops every BlockedByKind row a
	// blocker left (their erasure).
	PutBlock(ctx context.Context, b Block) (bool, error)
	DeleteBlock(ctx context.Context, personID, otherID, kind string) (bool, error)
	BlocksOf(ctx context.Context, personID string) ([]Block, error)
	BlockersOf(ctx context.Context, otherID string) ([]string, error)
	DeleteNotices(ctx context.Context, blockerID string) error
	// AddView records a view once per person, video and day.
	AddView(ctx context.Context, userID, videoID string, day int64, at time.Time) (bool, error)
	ViewedVideos(ctx context.Context, userID string, sinceDay int64) ([]string, error)
	// AddAnonymousView records a signed-out view by its keyed hash once;
	// ForgetAnonymousViews drops the days before beforeDay.
	AddAnonymousView(ctx context.Context, key []byte, day int64) (bool, error)
	ForgetAnonymousViews(ctx context.Context, beforeDay int64) error
}

// CommentQueries are comments and replies, pins, and likes of comments.
type CommentQueries interface {
	CreateComment(ctx context.Context, c *Comment) error
	// CommentByID reads a comment, hidden or not, with its counts.
	CommentByID(ctx context.Context, id string) (*Comment, error)
	// DeleteComment deletes a comment and, for a top-level one, its
	// replies, and returns how many of them were shown (not hidden), the
	// number the video's comment count loses.
	DeleteComment(ctx context.Context, id string) (int64, error)
	// SetCommentHidden hides a comment from every list (its author was
	// terminated) or shows it again.
	SetCommentHidden(ctx context.Context, id string, hidden bool) error
	// CommentsOf lists a video's shown top-level comments oldest first,
	// after a cursor (created_at, id) position; RepliesOf lists the shown
	// replies of a top-level comment the same way.
	CommentsOf(ctx context.Context, videoID string, after time.Time, afterID string, limit int) ([]*Comment, error)
	RepliesOf(ctx context.Context, parentID string, after time.Time, afterID string, limit int) ([]*Comment, error)
	// SetPinnedComment records the one comment of a video its owner pinned
	// ("" unpins); PinnedComment returns it ("" for none).
	SetPinnedComment(ctx context.Context, videoID, commentID string) error
	PinnedComment(ctx context.Context, videoID string) (string, error)
	// AddCommentLike and RemoveCommentLike record a person's like of a
	// comment of any region and report whether a row changed;
	// CommentLikes says which of ids they like; LikedComments lists every
	// comment they like, newest first.
	AddCommentLike(ctx context.Context, userID, commentID string, at time.Time) (bool, error)
	RemoveCommentLike(ctx context.Context, userID, commentID string) (bool, error)
	CommentLikes(ctx context.Context, userID string, ids []string) (map[string]bool, error)
	LikedComments(ctx context.Context, userID string) ([]string, error)
	CommentsByAuthor(ctx context.Context, authorID string) ([]*Comment, error)
}

// LogQueries are the region's public log, the replicas of other regions'
// logs and the positions read in them, and the counter deltas on their
// way between regions (replication).
type LogQueries interface {
	QueueDelta(ctx context.Context, d *Delta) error
	PendingDeltas(ctx context.Context, limit int) ([]*Delta, error)
	// DeleteDelta takes a delivered delta off the queue (the store may
	// keep it a while as delivered, to send again to a restored region).
	DeleteDelta(ctx context.Context, key string) error
	// MarkDeltaApplied records an incoming delta's key; false means it was
	// applied before.
	MarkDeltaApplied(ctx context.Context, key string, at time.Time) (bool, error)

	// AppendLog adds a public fact to the region's log.
	AppendLog(ctx context.Context, e *LogEntry) error
	// LockLog takes the log's writer lock for the rest of the transaction
	// (AppendLog takes it too). A transaction that decides what to publish
	// takes it before reading what the decision rests on, so that every
	// log writer that committed before it is seen by those reads, and one
	// that commits later appends after it.
	LockLog(ctx context.Context) error
	LogAfter(ctx context.Context, seq int64, limit int) ([]*LogEntry, error)
	LastLogSeq(ctx context.Context) (int64, error)
	// PutReplica stores a replicated object unless a newer one is there.
	PutReplica(ctx context.Context, kind, id string, data []byte, seq int64) error
	DeleteReplica(ctx context.Context, kind, id string) error
	Replica(ctx context.Context, kind, id string) ([]byte, error)
	Replicas(ctx context.Context, kind string) ([][]byte, error)
	LogPosition(ctx context.Context, region Region) (int64, error)
	SetLogPosition(ctx context.Context, region Region, seq int64, at time.Time) error
	// RedactLog deletes the public log's entries about objects (an erased
	// person's profile and videos); peers have been told they are gone.
	RedactLog(ctx context.Context, objectID string) error
}

// SafetyQueries are Trust & Safety's rows: notices, the moderation queue
// and its reports, decisions, appeals and blocked media.
type SafetyQueries interface {
	CreateNotice(ctx context.Context, n *Notice) error
	NoticeByID(ctx context.Context, id string) (*Notice, error)
	// NoticesBy lists the IDs of the notices a person filed, oldest first.
	NoticesBy(ctx context.Context, reporterID string) ([]string, error)
	// OpenItemFor returns the open (or claimed) queue item of a kind about
	// a target, or ErrNotFound.
	OpenItemFor(ctx context.Context, kind, targetID string) (*QueueItem, error)
	// LockQueueTarget takes a lock on a (kind, target) pair until the
	// transaction ends, so concurrent notices about one target find and
	// join one item. It is meant for a transaction; outside one the lock
	// ends with the statement.
	LockQueueTarget(ctx context.Context, kind, targetID string, at time.Time) error
	PutItem(ctx context.Context, it *QueueItem) error
	ItemByID(ctx context.Context, id string) (*QueueItem, error)
	// LockItem reads an item and holds a row lock on it until the
	// transaction ends: another transaction's LockItem of the same item
	// waits, and then reads what this one wrote.
	LockItem(ctx context.Context, id string) (*QueueItem, error)
	// OpenItems lists open and claimed items, highest priority first, then
	// oldest, after a cursor position (the zero cursor starts at the top).
	OpenItems(ctx context.Context, after ItemCursor, limit int) ([]*QueueItem, error)
	// AddItemReport records a notifier of an item once; false if they had
	// reported it already.
	AddItemReport(ctx context.Context, itemID string, reporterHash []byte, noticeID string, noticeRegion Region, at time.Time) (bool, error)
	ItemReports(ctx context.Context, itemID string) ([]ItemReport, error)
	PutDecision(ctx context.Context, d *Decision) error
	DecisionByID(ctx context.Context, id string) (*Decision, error)
	// LockDecision reads a decision and holds a row lock on it until the
	// transaction ends (see LockItem).
	LockDecision(ctx context.Context, id string) (*Decision, error)
	DecisionsAbout(ctx context.Context, targetID string) ([]*Decision, error)
	// Decisions lists the decisions taken in [from, to), oldest first,
	// after a cursor position (the zero cursor starts at from).
	Decisions(ctx context.Context, from, to time.Time, after DecisionCursor, limit int) ([]*Decision, error)
	// AddAppeal records one party's appeal of a decision; a second appeal
	// by the same party (decision and party hash) is an EConflict error.
	AddAppeal(ctx context.Context, a *Appeal) error
	// AppealByItem returns the appeal behind an appeal item.
	AppealByItem(ctx context.Context, itemID string) (*Appeal, error)
	AddBlockedMedia(ctx context.Context, hash, reason, by string, at time.Time) error
	BlockedMedia(ctx context.Context) ([]string, error)
	// UnblockMedia lifts the blocks added for a reason ("decision <id>").
	UnblockMedia(ctx context.Context, reason string) error
}

// StandingQueries are an account's strikes and a notifier's standing.
type StandingQueries interface {
	// Strikes against a person of this region (the strike rule).
	// AddStrike records one once (false: recorded before); DeleteStrike
	// takes one back (false: there was none); UncountedStrikes lists the
	// decisions of strikes since a time not yet counted toward a
	// suspension; CountStrikes marks them counted by one.
	AddStrike(ctx context.Context, personID, decisionID string, at time.Time) (bool, error)
	DeleteStrike(ctx context.Context, personID, decisionID string) (bool, error)
	UncountedStrikes(ctx context.Context, personID string, since time.Time) ([]string, error)
	CountStrikes(ctx context.Context, personID string, decisionIDs []string, by string) error
	// ReporterStanding returns a notifier's unfounded count and suspension;
	// AddUnfounded counts one more unfounded notice, extends the suspension
	// to suspendedUntil if that is later, and returns the new count as of
	// its own write (in a transaction, no other can change it meanwhile).
	ReporterStanding(ctx context.Context, hash []byte) (unfounded int, suspendedUntil time.Time, err error)
	AddUnfounded(ctx context.Context, hash []byte, suspendedUntil time.Time, at time.Time) (int, error)
	// SuspendReporter extends a counted notifier's suspension to until, if
	// that is later; it never shortens one. A notifier never counted is
	// ErrNotFound.
	SuspendReporter(ctx context.Context, hash []byte, until time.Time) error
	// LastReportAt is when a notifier last reported anything here.
	LastReportAt(ctx context.Context, hash []byte) (time.Time, error)
}

// PrivacyQueries serve privacy rights: erasures and DeletePerson, a
// person's sessions, exports, and the row counts of every table.
type PrivacyQueries interface {
	PutErasure(ctx context.Context, userID string, requested, runAt time.Time) error
	Erasure(ctx context.Context, userID string) (runAt time.Time, err error)
	DeleteErasure(ctx context.Context, userID string) error
	DueErasures(ctx context.Context, now time.Time) ([]string, error)
	// DeletePerson deletes a person's profile and every row that hangs off
	// it (account, sessions, likes, follows, views, videos and their
	// comments, notifications, exports).
	DeletePerson(ctx context.Context, userID string) error
	SessionsOf(ctx context.Context, userID string) ([]*Session, error)
	DeleteSessionsOf(ctx context.Context, userID string) error
	// ForgetSessionIPs drops the sign-in IP of sessions created before t
	// and deletes sessions that expired before t.
	ForgetSessionIPs(ctx context.Context, before time.Time) (int64, error)
	PutExport(ctx context.Context, e *Export) error
	ExportByID(ctx context.Context, id string) (*Export, error)
	ExportsOf(ctx context.Context, userID string) ([]string, error)

	// TableCounts counts the rows of every kurz table.
	TableCounts(ctx context.Context) (map[string]int64, error)
}

// InboxQueries are a person's notifications and inbox switches.
type InboxQueries interface {
	AddNotification(ctx context.Context, n *Notification) error
	NotificationsOf(ctx context.Context, userID string) ([]*Notification, error)
	// MarkNotificationsRead marks a person's notifications read at at: the
	// ones named, or all of them when ids is empty. It returns how many
	// were unread.
	MarkNotificationsRead(ctx context.Context, userID string, ids []string, at time.Time) (int64, error)
	// UnreadNotifications counts a person's unread notifications.
	UnreadNotifications(ctx context.Context, userID string) (int, error)
	// InboxSettings reads a person's inbox switches (the zero value when
	// they set none); PutInboxSettings replaces them.
	InboxSettings(ctx context.Context, userID string) (*InboxSettings, error)
	PutInboxSettings(ctx context.Context, s *InboxSettings) error
}

// StaffQueries are staff roles and the audit of staff looks at personal
// data.
type StaffQueries interface {
	AppendAudit(ctx context.Context, a *AuditEntry) error
	LastAudit(ctx context.Context) (*AuditEntry, error)
	// AuditEntries lists the audit log in order; subjectID "" lists all.
	AuditEntries(ctx context.Context, subjectID string) ([]*AuditEntry, error)
	GrantRole(ctx context.Context, userID, role, by string, at time.Time) error
	HasRole(ctx context.Context, userID, role string) (bool, error)
	// Roles lists every grant of the region, by person then role;
	// RevokeRole deletes one (ErrNotFound if there was none).
	Roles(ctx context.Context) ([]RoleGrant, error)
	RevokeRole(ctx context.Context, userID, role string) error
	// RoleHolders lists the people holding a staff role in this region.
	RoleHolders(ctx context.Context, role string) ([]string, error)
}

// PasswordReset is a one-time link that sets a new password. Class:
// personal.
type PasswordReset struct {
	TokenHash []byte
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AccountToken is a single-use token of a person (email confirmation,
// email change, recovery code, ending a session) or a known device. Only
// its hash is stored; DataSealed is sealed with the person's key. Class:
// personal.
type AccountToken struct {
	TokenHash  []byte
	UserID     string
	Purpose    string
	DataSealed []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// OutMail is a message waiting in a region's outgoing-mail queue, sealed
// with the recipient's data key. Class: personal.
type OutMail struct {
	ID        string
	UserID    string
	Sealed    []byte
	CreatedAt time.Time
}

// Passkey is a person's WebAuthn credential, sealed. Class: personal.
type Passkey struct {
	CredentialID []byte
	UserID       string
	Sealed       []byte
	CreatedAt    time.Time
}

// RoleGrant is a staff role held in a region. Class: regional-operational.
type RoleGrant struct {
	UserID, Role, GrantedBy string
	GrantedAt               time.Time
}

// Kinds of work counted by the daily quotas.
const (
	WorkUpload = "upload" // an upload created
	WorkExport = "export" // a data export requested
)

// Day is the quota day of t: whole days since 1970-01-01 in UTC.
func Day(t time.Time) int64 { return t.Unix() / 86400 }

// VideoDay is one video's anonymous counts of one day, kept by the
// video's region for its owner's studio. Class: regional-operational.
type VideoDay struct {
	VideoID string
	Day     int64
	// Likes and Comments are net counts (minus those taken back);
	// WatchMS is the watch time of the Watches, views whose player
	// reported it; Completions are the watches that reached the end.
	Views, Likes, Comments, Shares, WatchMS, Watches, Completions int64
}

// VideoStatFields are the daily counts a counter delta may change.
var VideoStatFields = []string{"views", "likes", "comments", "shares", "watch_ms", "watches", "completions"}

// Notification is a message to a person; its data is sealed. Class: personal.
type Notification struct {
	ID         string
	UserID     string
	Kind       string
	DataSealed []byte
	CreatedAt  time.Time
	// ReadAt is zero while unread.
	ReadAt time.Time
	// GroupKey groups notifications shown as one ("like:<video id>");
	// ActorKey, if set, is the actor's keyed pseudonym within the group:
	// a second notification with the same pair is not added.
	GroupKey, ActorKey string
}

// InboxSettings are a person's inbox switches. Class: personal.
type InboxSettings struct {
	UserID string
	// ShowLikes: notifications of this person's likes name them
	// (handle, display name); otherwise a like is only counted.
	ShowLikes bool
	// Muted lists the notification kinds the person turned off.
	Muted []string
}

// Export is a person's data export. Class: personal.
type Export struct {
	ID        string
	UserID    string
	Status    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AuditEntry is one staff look at personal data.
type AuditEntry struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	ActorID   string    `json:"actor_id"`
	SubjectID string    `json:"subject_id"`
	Action    string    `json:"action"`
	Fields    string    `json:"fields"`
	Reason    string    `json:"reason"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

// Comment is a published comment, stored with its video. Data class: public.
type Comment struct {
	ID           string
	VideoID      string
	AuthorID     string
	AuthorHandle string
	Text         string
	CreatedAt    time.Time
	// Hidden: out of every list while its author is terminated (their
	// home region says so).
	Hidden bool
	// ParentID is the top-level comment a reply belongs to ("" for a
	// top-level comment); ReplyToID and ReplyToHandle name the author it
	// answers (a reply to a reply answers that reply's author).
	ParentID, ReplyToID, ReplyToHandle string
	// Likes is the comment's like count; Replies (read only) counts its
	// shown replies; Pinned (read only): the video's owner pinned it.
	Likes, Replies int64
	Pinned         bool
}

// Delta is a counter change on its way to the object's home region.
type Delta struct {
	Key       string
	Region    Region
	ObjectID  string
	Field     string
	Delta     int64
	CreatedAt time.Time
	// Note is what the owner's inbox gets of this change (JSON, see
	// link.InboxNote), or empty.
	Note string
}

// LogEntry is one public fact in a region's public log.
type LogEntry struct {
	Seq       int64
	Kind      string
	ObjectID  string
	Data      []byte
	CreatedAt time.Time
}

// Notice is a report (DSA Art. 16) as kept in the notifier's region.
type Notice struct {
	ID             string
	ReporterID     string
	TargetRegion   Region
	TargetType     string
	TargetID       string
	Category       string
	Explanation    string
	NotifierSealed []byte
	ItemID         string
	CreatedAt      time.Time
}

// QueueItem is one thing for moderators of a region to decide.
type QueueItem struct {
	ID         string
	Kind       string // notice, appeal, hold
	TargetType string
	TargetID   string
	// The affected person: OwnerID only when they are a person of this
	// region (a comment's author may live elsewhere), OwnerHash (their
	// keyed pseudonym, see Service.PartyHash in safety) and OwnerRegion
	// always.
	OwnerID     string
	OwnerHash   []byte
	OwnerRegion Region
	Category    string
	Reports     int
	Priority    int
	Status      string // open, claimed, decided, resolved
	// Resolution says how a resolved item ended without a decision
	// (removed_by_author).
	Resolution  string
	ClaimedBy   string
	ClaimedAt   time.Time
	AppealOf    string
	Explanation string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ItemCursor is a position in the queue's order (priority descending,
// then created, then ID); the zero value is the top.
type ItemCursor struct {
	Priority  int
	CreatedAt time.Time
	ID        string
}

// DecisionCursor is a position in the decisions' order (created, then
// ID); the zero value is the start.
type DecisionCursor struct {
	CreatedAt time.Time
	ID        string
}

// Appeal is one party's appeal of a decision, kept in the decision's
// region. The appellant is named only by a keyed hash.
type Appeal struct {
	DecisionID string
	PartyHash  []byte
	Party      string // affected, notifier
	ItemID     string
	// A notifier's notice, in its region, where the statement goes.
	NoticeID     string
	NoticeRegion Region
	CreatedAt    time.Time
}

// ItemReport links a queue item to one notice in its region.
type ItemReport struct {
	NoticeID     string
	NoticeRegion Region
	ReporterHash []byte
	CreatedAt    time.Time
}

// Decision is a moderation decision; with the item it makes the statement
// of reasons (DSA Art. 17).
type Decision struct {
	ID                 string
	ItemID             string
	TargetType         string
	TargetID           string
	OwnerID            string // only a person of this region, as QueueItem
	OwnerHash          []byte
	OwnerRegion        Region
	ModeratorID        string
	Action             string
	Ground             string // illegal, terms
	LegalGround        string
	Category           string
	Explanation        string
	Facts              string
	AutomatedDetection bool
	AutomatedDecision  bool
	TerritorialScope   string
	EndDate            time.Time
	AppealOf           string
	Appealed           bool
	CreatedAt          time.Time
}

// Lease is a named lock that one node of a region holds at a time (which
// node follows a peer's log, sends deltas, runs the sweeps).
type Lease interface {
	// Alive reports whether the lease still holds.
	Alive(ctx context.Context) bool
	// Release drops it.
	Release()
}

// The kinds of Block rows.
const (
	BlockKind     = "block"      // the person blocked other
	MuteKind      = "mute"       // the person muted other
	BlockedByKind = "blocked_by" // other, of another region, blocked the person
)

// Block is a block, a mute, or the notice of a block by a person of
// another region. Class: personal (of PersonID, a person of this region).
type Block struct {
	PersonID, OtherID, Kind string
	CreatedAt               time.Time
}

// FollowRequest is a request to follow a private account, or an approved
// follower of one. Class: personal (of the followee; the handle is public).
type FollowRequest struct {
	FollowerID, Handle string
	Approved           bool
	CreatedAt          time.Time
}

// DirectoryState is a region's part as the handle directory, which can
// move to another region (kurz directory export and import).
type DirectoryState struct {
	// MovedTo is where the directory went ("" if it did not).
	MovedTo Region
	// Received is the ID of the directory archive imported here ("" if none).
	Received string
	// HandleClaims and EmailClaims count the claims held here.
	HandleClaims, EmailClaims int64
}
