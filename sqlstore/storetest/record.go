package storetest

import (
	"context"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"kurz"
)

// calls counts the calls made through recording stores, by method name.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func newCalls() *calls { return &calls{n: map[string]int{}} }

// hit counts one call of the method that called it. The name comes from the
// caller's own function name, so a wrapper cannot count under a wrong name.
func (c *calls) hit() {
	pc := make([]uintptr, 4)
	n := runtime.Callers(3, pc) // skips runtime.Callers, calls.hit, recQueries.hit
	frame, _ := runtime.CallersFrames(pc[:n]).Next()
	name := frame.Function[strings.LastIndexByte(frame.Function, '.')+1:]
	c.mu.Lock()
	c.n[name]++
	c.mu.Unlock()
}

func (c *calls) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

// storeMethods lists every method of kurz.Store, its Queries included.
func storeMethods() []string {
	t := reflect.TypeFor[kurz.Store]()
	out := make([]string, t.NumMethod())
	for i := range out {
		out[i] = t.Method(i).Name
	}
	return out
}

// uncalled lists the methods of kurz.Store that were never called, sorted.
func (c *calls) uncalled() []string {
	var out []string
	for _, m := range storeMethods() {
		if c.count(m) == 0 {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

// wrap returns s with every call counted in c.
func (c *calls) wrap(s kurz.Store) kurz.Store {
	return recStore{recQueries{q: s, c: c}, s}
}

var _ kurz.Store = recStore{}

// recStore is a kurz.Store that counts its calls; the Queries handed to a
// Tx function count theirs too.
type recStore struct {
	recQueries
	s kurz.Store
}

func (r recStore) Tx(ctx context.Context, fn func(kurz.Queries) error) error {
	r.hit()
	return r.s.Tx(ctx, func(q kurz.Queries) error { return fn(recQueries{q: q, c: r.c}) })
}
func (r recStore) Ping(ctx context.Context) error { r.hit(); return r.s.Ping(ctx) }
func (r recStore) Close() error                   { r.hit(); return r.s.Close() }

// recQueries counts calls and passes them to q.
type recQueries struct {
	q kurz.Queries
	c *calls
}

func (r recQueries) hit() { r.c.hit() }

func (r recQueries) CreateProfile(ctx context.Context, p *kurz.Profile) error {
	r.hit()
	return r.q.CreateProfile(ctx, p)
}

func (r recQueries) ProfileByID(ctx context.Context, id string) (*kurz.Profile, error) {
	r.hit()
	return r.q.ProfileByID(ctx, id)
}

func (r recQueries) ProfileByHandle(ctx context.Context, handle string) (*kurz.Profile, error) {
	r.hit()
	return r.q.ProfileByHandle(ctx, handle)
}

func (r recQueries) CreateAccount(ctx context.Context, a *kurz.Account) error {
	r.hit()
	return r.q.CreateAccount(ctx, a)
}

func (r recQueries) AccountByID(ctx context.Context, userID string) (*kurz.Account, error) {
	r.hit()
	return r.q.AccountByID(ctx, userID)
}

func (r recQueries) AccountByEmailIndex(ctx context.Context, index []byte) (*kurz.Account, error) {
	r.hit()
	return r.q.AccountByEmailIndex(ctx, index)
}

func (r recQueries) SetFeedOptOut(ctx context.Context, userID string, optOut bool) error {
	r.hit()
	return r.q.SetFeedOptOut(ctx, userID, optOut)
}

func (r recQueries) SuspendAccount(ctx context.Context, userID string, until time.Time) error {
	r.hit()
	return r.q.SuspendAccount(ctx, userID, until)
}

func (r recQueries) PutPersonKey(ctx context.Context, userID string, wrapped []byte) error {
	r.hit()
	return r.q.PutPersonKey(ctx, userID, wrapped)
}

func (r recQueries) PersonKey(ctx context.Context, userID string) ([]byte, error) {
	r.hit()
	return r.q.PersonKey(ctx, userID)
}

func (r recQueries) DeletePersonKey(ctx context.Context, userID string) error {
	r.hit()
	return r.q.DeletePersonKey(ctx, userID)
}

func (r recQueries) CreateSession(ctx context.Context, s *kurz.Session) error {
	r.hit()
	return r.q.CreateSession(ctx, s)
}

func (r recQueries) SessionByTokenHash(ctx context.Context, hash []byte) (*kurz.Session, error) {
	r.hit()
	return r.q.SessionByTokenHash(ctx, hash)
}

func (r recQueries) DeleteSession(ctx context.Context, hash []byte) error {
	r.hit()
	return r.q.DeleteSession(ctx, hash)
}

func (r recQueries) HoldDirectory(ctx context.Context) error {
	r.hit()
	return r.q.HoldDirectory(ctx)
}

func (r recQueries) ClaimHandle(ctx context.Context, c *kurz.HandleClaim) error {
	r.hit()
	return r.q.ClaimHandle(ctx, c)
}

func (r recQueries) HandleClaimOf(ctx context.Context, handle string) (*kurz.HandleClaim, error) {
	r.hit()
	return r.q.HandleClaimOf(ctx, handle)
}

func (r recQueries) ReleaseHandle(ctx context.Context, handle, userID string) error {
	r.hit()
	return r.q.ReleaseHandle(ctx, handle, userID)
}

func (r recQueries) HandleClaimsWithoutKey(ctx context.Context, after string, limit int) ([]*kurz.HandleClaim, error) {
	r.hit()
	return r.q.HandleClaimsWithoutKey(ctx, after, limit)
}

func (r recQueries) SetHandleKey(ctx context.Context, handle, key string) error {
	r.hit()
	return r.q.SetHandleKey(ctx, handle, key)
}

func (r recQueries) ClaimEmail(ctx context.Context, key []byte, userID string, at time.Time) error {
	r.hit()
	return r.q.ClaimEmail(ctx, key, userID, at)
}

func (r recQueries) EmailClaimOf(ctx context.Context, key []byte) (string, error) {
	r.hit()
	return r.q.EmailClaimOf(ctx, key)
}

func (r recQueries) ReleaseEmails(ctx context.Context, userID string) error {
	r.hit()
	return r.q.ReleaseEmails(ctx, userID)
}

func (r recQueries) CreateVideo(ctx context.Context, v *kurz.Video) error {
	r.hit()
	return r.q.CreateVideo(ctx, v)
}

func (r recQueries) VideoByID(ctx context.Context, id string) (*kurz.Video, error) {
	r.hit()
	return r.q.VideoByID(ctx, id)
}

func (r recQueries) UpdateVideo(ctx context.Context, v *kurz.Video) error {
	r.hit()
	return r.q.UpdateVideo(ctx, v)
}

func (r recQueries) DeleteVideo(ctx context.Context, id string) error {
	r.hit()
	return r.q.DeleteVideo(ctx, id)
}

func (r recQueries) SetHashtags(ctx context.Context, videoID string, tags []string, at time.Time) error {
	r.hit()
	return r.q.SetHashtags(ctx, videoID, tags, at)
}

func (r recQueries) HashtagsOf(ctx context.Context, videoID string) ([]string, error) {
	r.hit()
	return r.q.HashtagsOf(ctx, videoID)
}

func (r recQueries) CountVideos(ctx context.Context, ownerID string, since time.Time, statuses ...string) (int, error) {
	r.hit()
	return r.q.CountVideos(ctx, ownerID, since, statuses...)
}

func (r recQueries) VideosInStatus(ctx context.Context, status string, before time.Time) ([]*kurz.Video, error) {
	r.hit()
	return r.q.VideosInStatus(ctx, status, before)
}

func (r recQueries) PublicVideos(ctx context.Context) ([]*kurz.Video, error) {
	r.hit()
	return r.q.PublicVideos(ctx)
}

func (r recQueries) VideosOf(ctx context.Context, ownerID string) ([]*kurz.Video, error) {
	r.hit()
	return r.q.VideosOf(ctx, ownerID)
}

func (r recQueries) UpdateProfile(ctx context.Context, p *kurz.Profile) error {
	r.hit()
	return r.q.UpdateProfile(ctx, p)
}

func (r recQueries) AddCounter(ctx context.Context, table, id, field string, delta int64) error {
	r.hit()
	return r.q.AddCounter(ctx, table, id, field, delta)
}

func (r recQueries) AddLike(ctx context.Context, userID, videoID string, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddLike(ctx, userID, videoID, at)
}

func (r recQueries) RemoveLike(ctx context.Context, userID, videoID string) (bool, error) {
	r.hit()
	return r.q.RemoveLike(ctx, userID, videoID)
}

func (r recQueries) Likes(ctx context.Context, userID string, videoIDs []string) (map[string]bool, error) {
	r.hit()
	return r.q.Likes(ctx, userID, videoIDs)
}

func (r recQueries) LikedVideos(ctx context.Context, userID string, limit int) ([]string, error) {
	r.hit()
	return r.q.LikedVideos(ctx, userID, limit)
}

func (r recQueries) AddFollow(ctx context.Context, followerID, followeeID string, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddFollow(ctx, followerID, followeeID, at)
}

func (r recQueries) RemoveFollow(ctx context.Context, followerID, followeeID string) (bool, error) {
	r.hit()
	return r.q.RemoveFollow(ctx, followerID, followeeID)
}

func (r recQueries) Followees(ctx context.Context, followerID string) ([]string, error) {
	r.hit()
	return r.q.Followees(ctx, followerID)
}

func (r recQueries) AddView(ctx context.Context, userID, videoID string, day int64, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddView(ctx, userID, videoID, day, at)
}

func (r recQueries) ViewedVideos(ctx context.Context, userID string, sinceDay int64) ([]string, error) {
	r.hit()
	return r.q.ViewedVideos(ctx, userID, sinceDay)
}

func (r recQueries) CreateComment(ctx context.Context, c *kurz.Comment) error {
	r.hit()
	return r.q.CreateComment(ctx, c)
}

func (r recQueries) CommentByID(ctx context.Context, id string) (*kurz.Comment, error) {
	r.hit()
	return r.q.CommentByID(ctx, id)
}

func (r recQueries) DeleteComment(ctx context.Context, id string) (int64, error) {
	r.hit()
	return r.q.DeleteComment(ctx, id)
}

func (r recQueries) RepliesOf(ctx context.Context, parentID string, after time.Time, afterID string, limit int) ([]*kurz.Comment, error) {
	r.hit()
	return r.q.RepliesOf(ctx, parentID, after, afterID, limit)
}

func (r recQueries) SetPinnedComment(ctx context.Context, videoID, commentID string) error {
	r.hit()
	return r.q.SetPinnedComment(ctx, videoID, commentID)
}

func (r recQueries) PinnedComment(ctx context.Context, videoID string) (string, error) {
	r.hit()
	return r.q.PinnedComment(ctx, videoID)
}

func (r recQueries) AddCommentLike(ctx context.Context, userID, commentID string, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddCommentLike(ctx, userID, commentID, at)
}

func (r recQueries) RemoveCommentLike(ctx context.Context, userID, commentID string) (bool, error) {
	r.hit()
	return r.q.RemoveCommentLike(ctx, userID, commentID)
}

func (r recQueries) CommentLikes(ctx context.Context, userID string, ids []string) (map[string]bool, error) {
	r.hit()
	return r.q.CommentLikes(ctx, userID, ids)
}

func (r recQueries) LikedComments(ctx context.Context, userID string) ([]string, error) {
	r.hit()
	return r.q.LikedComments(ctx, userID)
}

func (r recQueries) AddStrike(ctx context.Context, personID, decisionID string, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddStrike(ctx, personID, decisionID, at)
}

func (r recQueries) DeleteStrike(ctx context.Context, personID, decisionID string) (bool, error) {
	r.hit()
	return r.q.DeleteStrike(ctx, personID, decisionID)
}

func (r recQueries) UncountedStrikes(ctx context.Context, personID string, since time.Time) ([]string, error) {
	r.hit()
	return r.q.UncountedStrikes(ctx, personID, since)
}

func (r recQueries) CountStrikes(ctx context.Context, personID string, decisionIDs []string, by string) error {
	r.hit()
	return r.q.CountStrikes(ctx, personID, decisionIDs, by)
}

func (r recQueries) SetCommentHidden(ctx context.Context, id string, hidden bool) error {
	r.hit()
	return r.q.SetCommentHidden(ctx, id, hidden)
}

func (r recQueries) CommentsOf(ctx context.Context, videoID string, after time.Time, afterID string, limit int) ([]*kurz.Comment, error) {
	r.hit()
	return r.q.CommentsOf(ctx, videoID, after, afterID, limit)
}

func (r recQueries) QueueDelta(ctx context.Context, d *kurz.Delta) error {
	r.hit()
	return r.q.QueueDelta(ctx, d)
}

func (r recQueries) PendingDeltas(ctx context.Context, limit int) ([]*kurz.Delta, error) {
	r.hit()
	return r.q.PendingDeltas(ctx, limit)
}

func (r recQueries) DeleteDelta(ctx context.Context, key string) error {
	r.hit()
	return r.q.DeleteDelta(ctx, key)
}

func (r recQueries) MarkDeltaApplied(ctx context.Context, key string, at time.Time) (bool, error) {
	r.hit()
	return r.q.MarkDeltaApplied(ctx, key, at)
}

func (r recQueries) AppendLog(ctx context.Context, e *kurz.LogEntry) error {
	r.hit()
	return r.q.AppendLog(ctx, e)
}

func (r recQueries) LogAfter(ctx context.Context, seq int64, limit int) ([]*kurz.LogEntry, error) {
	r.hit()
	return r.q.LogAfter(ctx, seq, limit)
}

func (r recQueries) LastLogSeq(ctx context.Context) (int64, error) {
	r.hit()
	return r.q.LastLogSeq(ctx)
}

func (r recQueries) PutReplica(ctx context.Context, kind, id string, data []byte, seq int64) error {
	r.hit()
	return r.q.PutReplica(ctx, kind, id, data, seq)
}

func (r recQueries) DeleteReplica(ctx context.Context, kind, id string) error {
	r.hit()
	return r.q.DeleteReplica(ctx, kind, id)
}

func (r recQueries) Replica(ctx context.Context, kind, id string) ([]byte, error) {
	r.hit()
	return r.q.Replica(ctx, kind, id)
}

func (r recQueries) Replicas(ctx context.Context, kind string) ([][]byte, error) {
	r.hit()
	return r.q.Replicas(ctx, kind)
}

func (r recQueries) LogPosition(ctx context.Context, region kurz.Region) (int64, error) {
	r.hit()
	return r.q.LogPosition(ctx, region)
}

func (r recQueries) SetLogPosition(ctx context.Context, region kurz.Region, seq int64, at time.Time) error {
	r.hit()
	return r.q.SetLogPosition(ctx, region, seq, at)
}

func (r recQueries) PutErasure(ctx context.Context, userID string, requested, runAt time.Time) error {
	r.hit()
	return r.q.PutErasure(ctx, userID, requested, runAt)
}

func (r recQueries) Erasure(ctx context.Context, userID string) (runAt time.Time, err error) {
	r.hit()
	return r.q.Erasure(ctx, userID)
}

func (r recQueries) DeleteErasure(ctx context.Context, userID string) error {
	r.hit()
	return r.q.DeleteErasure(ctx, userID)
}

func (r recQueries) DueErasures(ctx context.Context, now time.Time) ([]string, error) {
	r.hit()
	return r.q.DueErasures(ctx, now)
}

func (r recQueries) DeletePerson(ctx context.Context, userID string) error {
	r.hit()
	return r.q.DeletePerson(ctx, userID)
}

func (r recQueries) SessionsOf(ctx context.Context, userID string) ([]*kurz.Session, error) {
	r.hit()
	return r.q.SessionsOf(ctx, userID)
}

func (r recQueries) DeleteSessionsOf(ctx context.Context, userID string) error {
	r.hit()
	return r.q.DeleteSessionsOf(ctx, userID)
}

func (r recQueries) ForgetSessionIPs(ctx context.Context, before time.Time) (int64, error) {
	r.hit()
	return r.q.ForgetSessionIPs(ctx, before)
}

func (r recQueries) CommentsByAuthor(ctx context.Context, authorID string) ([]*kurz.Comment, error) {
	r.hit()
	return r.q.CommentsByAuthor(ctx, authorID)
}

func (r recQueries) AddNotification(ctx context.Context, n *kurz.Notification) error {
	r.hit()
	return r.q.AddNotification(ctx, n)
}

func (r recQueries) NotificationsOf(ctx context.Context, userID string) ([]*kurz.Notification, error) {
	r.hit()
	return r.q.NotificationsOf(ctx, userID)
}

func (r recQueries) MarkNotificationsRead(ctx context.Context, userID string, ids []string, at time.Time) (int64, error) {
	r.hit()
	return r.q.MarkNotificationsRead(ctx, userID, ids, at)
}

func (r recQueries) UnreadNotifications(ctx context.Context, userID string) (int, error) {
	r.hit()
	return r.q.UnreadNotifications(ctx, userID)
}

func (r recQueries) InboxSettings(ctx context.Context, userID string) (*kurz.InboxSettings, error) {
	r.hit()
	return r.q.InboxSettings(ctx, userID)
}

func (r recQueries) PutInboxSettings(ctx context.Context, st *kurz.InboxSettings) error {
	r.hit()
	return r.q.PutInboxSettings(ctx, st)
}

func (r recQueries) PutExport(ctx context.Context, e *kurz.Export) error {
	r.hit()
	return r.q.PutExport(ctx, e)
}

func (r recQueries) ExportByID(ctx context.Context, id string) (*kurz.Export, error) {
	r.hit()
	return r.q.ExportByID(ctx, id)
}

func (r recQueries) ExportsOf(ctx context.Context, userID string) ([]string, error) {
	r.hit()
	return r.q.ExportsOf(ctx, userID)
}

func (r recQueries) AppendAudit(ctx context.Context, a *kurz.AuditEntry) error {
	r.hit()
	return r.q.AppendAudit(ctx, a)
}

func (r recQueries) LastAudit(ctx context.Context) (*kurz.AuditEntry, error) {
	r.hit()
	return r.q.LastAudit(ctx)
}

func (r recQueries) AuditEntries(ctx context.Context, subjectID string) ([]*kurz.AuditEntry, error) {
	r.hit()
	return r.q.AuditEntries(ctx, subjectID)
}

func (r recQueries) GrantRole(ctx context.Context, userID, role, by string, at time.Time) error {
	r.hit()
	return r.q.GrantRole(ctx, userID, role, by, at)
}

func (r recQueries) PutPasswordReset(ctx context.Context, pr *kurz.PasswordReset) error {
	r.hit()
	return r.q.PutPasswordReset(ctx, pr)
}

func (r recQueries) TakePasswordReset(ctx context.Context, tokenHash []byte) (*kurz.PasswordReset, error) {
	r.hit()
	return r.q.TakePasswordReset(ctx, tokenHash)
}

func (r recQueries) SetPasswordHash(ctx context.Context, userID, hash string) error {
	r.hit()
	return r.q.SetPasswordHash(ctx, userID, hash)
}

func (r recQueries) Roles(ctx context.Context) ([]kurz.RoleGrant, error) {
	r.hit()
	return r.q.Roles(ctx)
}

func (r recQueries) RevokeRole(ctx context.Context, userID, role string) error {
	r.hit()
	return r.q.RevokeRole(ctx, userID, role)
}

func (r recQueries) Profiles(ctx context.Context, afterID string, limit int) ([]*kurz.Profile, error) {
	r.hit()
	return r.q.Profiles(ctx, afterID, limit)
}

func (r recQueries) HasRole(ctx context.Context, userID, role string) (bool, error) {
	r.hit()
	return r.q.HasRole(ctx, userID, role)
}

func (r recQueries) RedactLog(ctx context.Context, objectID string) error {
	r.hit()
	return r.q.RedactLog(ctx, objectID)
}

func (r recQueries) CreateNotice(ctx context.Context, n *kurz.Notice) error {
	r.hit()
	return r.q.CreateNotice(ctx, n)
}

func (r recQueries) NoticeByID(ctx context.Context, id string) (*kurz.Notice, error) {
	r.hit()
	return r.q.NoticeByID(ctx, id)
}

func (r recQueries) NoticesBy(ctx context.Context, reporterID string) ([]string, error) {
	r.hit()
	return r.q.NoticesBy(ctx, reporterID)
}

func (r recQueries) OpenItemFor(ctx context.Context, kind, targetID string) (*kurz.QueueItem, error) {
	r.hit()
	return r.q.OpenItemFor(ctx, kind, targetID)
}

func (r recQueries) PutItem(ctx context.Context, it *kurz.QueueItem) error {
	r.hit()
	return r.q.PutItem(ctx, it)
}

func (r recQueries) ItemByID(ctx context.Context, id string) (*kurz.QueueItem, error) {
	r.hit()
	return r.q.ItemByID(ctx, id)
}

func (r recQueries) OpenItems(ctx context.Context, after kurz.ItemCursor, limit int) ([]*kurz.QueueItem, error) {
	r.hit()
	return r.q.OpenItems(ctx, after, limit)
}

func (r recQueries) LockQueueTarget(ctx context.Context, kind, targetID string, at time.Time) error {
	r.hit()
	return r.q.LockQueueTarget(ctx, kind, targetID, at)
}

func (r recQueries) LockItem(ctx context.Context, id string) (*kurz.QueueItem, error) {
	r.hit()
	return r.q.LockItem(ctx, id)
}

func (r recQueries) RoleHolders(ctx context.Context, role string) ([]string, error) {
	r.hit()
	return r.q.RoleHolders(ctx, role)
}

func (r recQueries) AddItemReport(ctx context.Context, itemID string, reporterHash []byte, noticeID string, noticeRegion kurz.Region, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddItemReport(ctx, itemID, reporterHash, noticeID, noticeRegion, at)
}

func (r recQueries) ItemReports(ctx context.Context, itemID string) ([]kurz.ItemReport, error) {
	r.hit()
	return r.q.ItemReports(ctx, itemID)
}

func (r recQueries) PutDecision(ctx context.Context, d *kurz.Decision) error {
	r.hit()
	return r.q.PutDecision(ctx, d)
}

func (r recQueries) DecisionByID(ctx context.Context, id string) (*kurz.Decision, error) {
	r.hit()
	return r.q.DecisionByID(ctx, id)
}

func (r recQueries) DecisionsAbout(ctx context.Context, targetID string) ([]*kurz.Decision, error) {
	r.hit()
	return r.q.DecisionsAbout(ctx, targetID)
}

func (r recQueries) Decisions(ctx context.Context, from, to time.Time, after kurz.DecisionCursor, limit int) ([]*kurz.Decision, error) {
	r.hit()
	return r.q.Decisions(ctx, from, to, after, limit)
}

func (r recQueries) LockDecision(ctx context.Context, id string) (*kurz.Decision, error) {
	r.hit()
	return r.q.LockDecision(ctx, id)
}

func (r recQueries) AddAppeal(ctx context.Context, a *kurz.Appeal) error {
	r.hit()
	return r.q.AddAppeal(ctx, a)
}

func (r recQueries) AppealByItem(ctx context.Context, itemID string) (*kurz.Appeal, error) {
	r.hit()
	return r.q.AppealByItem(ctx, itemID)
}

func (r recQueries) ReporterStanding(ctx context.Context, hash []byte) (unfounded int, suspendedUntil time.Time, err error) {
	r.hit()
	return r.q.ReporterStanding(ctx, hash)
}

func (r recQueries) AddUnfounded(ctx context.Context, hash []byte, suspendedUntil time.Time, at time.Time) (int, error) {
	r.hit()
	return r.q.AddUnfounded(ctx, hash, suspendedUntil, at)
}

func (r recQueries) SuspendReporter(ctx context.Context, hash []byte, until time.Time) error {
	r.hit()
	return r.q.SuspendReporter(ctx, hash, until)
}

func (r recQueries) LastReportAt(ctx context.Context, hash []byte) (time.Time, error) {
	r.hit()
	return r.q.LastReportAt(ctx, hash)
}

func (r recQueries) AddBlockedMedia(ctx context.Context, hash, reason, by string, at time.Time) error {
	r.hit()
	return r.q.AddBlockedMedia(ctx, hash, reason, by, at)
}

func (r recQueries) UnblockMedia(ctx context.Context, reason string) error {
	r.hit()
	return r.q.UnblockMedia(ctx, reason)
}

func (r recQueries) BlockedMedia(ctx context.Context) ([]string, error) {
	r.hit()
	return r.q.BlockedMedia(ctx)
}

func (r recQueries) TableCounts(ctx context.Context) (map[string]int64, error) {
	r.hit()
	return r.q.TableCounts(ctx)
}

func (r recQueries) StorageUsed(ctx context.Context, ownerID string) (int64, error) {
	r.hit()
	return r.q.StorageUsed(ctx, ownerID)
}

func (r recQueries) TakeWork(ctx context.Context, userID, kind string, day int64, limit int) (bool, error) {
	r.hit()
	return r.q.TakeWork(ctx, userID, kind, day, limit)
}

func (r recQueries) GiveBackWork(ctx context.Context, userID, kind string, day int64) error {
	r.hit()
	return r.q.GiveBackWork(ctx, userID, kind, day)
}

func (r recQueries) ForgetWork(ctx context.Context, beforeDay int64) error {
	r.hit()
	return r.q.ForgetWork(ctx, beforeDay)
}

func (r recQueries) AddAnonymousView(ctx context.Context, key []byte, day int64) (bool, error) {
	r.hit()
	return r.q.AddAnonymousView(ctx, key, day)
}

func (r recQueries) ForgetAnonymousViews(ctx context.Context, beforeDay int64) error {
	r.hit()
	return r.q.ForgetAnonymousViews(ctx, beforeDay)
}

func (r recQueries) AddVideoStat(ctx context.Context, videoID string, day int64, field string, delta int64) error {
	r.hit()
	return r.q.AddVideoStat(ctx, videoID, day, field, delta)
}

func (r recQueries) VideoStatsOf(ctx context.Context, ownerID string, fromDay int64) ([]*kurz.VideoDay, error) {
	r.hit()
	return r.q.VideoStatsOf(ctx, ownerID, fromDay)
}

func (r recQueries) SetEmailVerified(ctx context.Context, userID string, at time.Time) error {
	r.hit()
	return r.q.SetEmailVerified(ctx, userID, at)
}

func (r recQueries) SetEmail(ctx context.Context, userID string, index, sealed []byte, verifiedAt time.Time) error {
	r.hit()
	return r.q.SetEmail(ctx, userID, index, sealed, verifiedAt)
}

func (r recQueries) SetTOTP(ctx context.Context, userID string, sealed []byte) error {
	r.hit()
	return r.q.SetTOTP(ctx, userID, sealed)
}

func (r recQueries) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	r.hit()
	return r.q.UseTOTPStep(ctx, userID, step)
}

func (r recQueries) PutAccountToken(ctx context.Context, t *kurz.AccountToken) error {
	r.hit()
	return r.q.PutAccountToken(ctx, t)
}

func (r recQueries) TakeAccountToken(ctx context.Context, tokenHash []byte, purpose string) (*kurz.AccountToken, error) {
	r.hit()
	return r.q.TakeAccountToken(ctx, tokenHash, purpose)
}

func (r recQueries) AccountToken(ctx context.Context, tokenHash []byte, purpose string) (*kurz.AccountToken, error) {
	r.hit()
	return r.q.AccountToken(ctx, tokenHash, purpose)
}

func (r recQueries) DeleteAccountTokens(ctx context.Context, userID, purpose string) error {
	r.hit()
	return r.q.DeleteAccountTokens(ctx, userID, purpose)
}

func (r recQueries) PutMail(ctx context.Context, m *kurz.OutMail) error {
	r.hit()
	return r.q.PutMail(ctx, m)
}

func (r recQueries) MailByID(ctx context.Context, id string) (*kurz.OutMail, error) {
	r.hit()
	return r.q.MailByID(ctx, id)
}

func (r recQueries) DeleteMail(ctx context.Context, id string) error {
	r.hit()
	return r.q.DeleteMail(ctx, id)
}

func (r recQueries) PutPasskey(ctx context.Context, k *kurz.Passkey) error {
	r.hit()
	return r.q.PutPasskey(ctx, k)
}

func (r recQueries) PasskeysOf(ctx context.Context, userID string) ([]*kurz.Passkey, error) {
	r.hit()
	return r.q.PasskeysOf(ctx, userID)
}

func (r recQueries) MarkSecondFactor(ctx context.Context, tokenHash []byte) error {
	r.hit()
	return r.q.MarkSecondFactor(ctx, tokenHash)
}

func (r recQueries) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	r.hit()
	return r.q.TouchSession(ctx, hash, at)
}

func (r recQueries) DeleteSessionsExcept(ctx context.Context, userID string, keep []byte) error {
	r.hit()
	return r.q.DeleteSessionsExcept(ctx, userID, keep)
}

func (r recQueries) SetPrivacySettings(ctx context.Context, userID string, showLikes bool, commentsFrom string) error {
	r.hit()
	return r.q.SetPrivacySettings(ctx, userID, showLikes, commentsFrom)
}
