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
	n := runtime.Callers(3, pc) // skips runtime.Callers, calls.hit, rec.hit
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
	return recStore{newRecQueries(s, c), rec{c}, s}
}

var _ kurz.Store = recStore{}

// recStore is a kurz.Store that counts its calls; the Queries handed to a
// Tx function count theirs too.
type recStore struct {
	recQueries
	rec
	s kurz.Store
}

func (r recStore) Tx(ctx context.Context, fn func(kurz.Queries) error) error {
	r.hit()
	return r.s.Tx(ctx, func(q kurz.Queries) error { return fn(newRecQueries(q, r.c)) })
}
func (r recStore) Ping(ctx context.Context) error { r.hit(); return r.s.Ping(ctx) }
func (r recStore) Close() error                   { r.hit(); return r.s.Close() }

// rec counts the calls of a recorder's methods in c.
type rec struct{ c *calls }

func (r rec) hit() { r.c.hit() }

// recQueries counts calls of kurz.Queries and passes them on: one
// recorder per concern, as kurz.Queries is composed.
type recQueries struct {
	recAccounts
	recTrust
	recVideos
	recQuota
	recSocial
	recComments
	recLog
	recSafety
	recStanding
	recPrivacy
	recInbox
	recStaff
}

func newRecQueries(q kurz.Queries, c *calls) recQueries {
	r := rec{c}
	return recQueries{recAccounts{r, q}, recTrust{r, q}, recVideos{r, q}, recQuota{r, q}, recSocial{r, q}, recComments{r, q},
		recLog{r, q}, recSafety{r, q}, recStanding{r, q}, recPrivacy{r, q}, recInbox{r, q}, recStaff{r, q}}
}

// recAccounts counts calls of kurz.AccountQueries and passes them to q.
type recAccounts struct {
	rec
	q kurz.AccountQueries
}

func (r recAccounts) CreateProfile(ctx context.Context, p *kurz.Profile) error {
	r.hit()
	return r.q.CreateProfile(ctx, p)
}

func (r recAccounts) ProfileByID(ctx context.Context, id string) (*kurz.Profile, error) {
	r.hit()
	return r.q.ProfileByID(ctx, id)
}

func (r recAccounts) ProfileByHandle(ctx context.Context, handle string) (*kurz.Profile, error) {
	r.hit()
	return r.q.ProfileByHandle(ctx, handle)
}

func (r recAccounts) CreateAccount(ctx context.Context, a *kurz.Account) error {
	r.hit()
	return r.q.CreateAccount(ctx, a)
}

func (r recAccounts) AccountByID(ctx context.Context, userID string) (*kurz.Account, error) {
	r.hit()
	return r.q.AccountByID(ctx, userID)
}

func (r recAccounts) AccountByEmailIndex(ctx context.Context, index []byte) (*kurz.Account, error) {
	r.hit()
	return r.q.AccountByEmailIndex(ctx, index)
}

func (r recAccounts) SetFeedOptOut(ctx context.Context, userID string, optOut bool) error {
	r.hit()
	return r.q.SetFeedOptOut(ctx, userID, optOut)
}

func (r recAccounts) SuspendAccount(ctx context.Context, userID string, until time.Time) error {
	r.hit()
	return r.q.SuspendAccount(ctx, userID, until)
}

func (r recAccounts) PutPersonKey(ctx context.Context, userID string, wrapped []byte) error {
	r.hit()
	return r.q.PutPersonKey(ctx, userID, wrapped)
}

func (r recAccounts) PersonKey(ctx context.Context, userID string) ([]byte, error) {
	r.hit()
	return r.q.PersonKey(ctx, userID)
}

func (r recAccounts) DeletePersonKey(ctx context.Context, userID string) error {
	r.hit()
	return r.q.DeletePersonKey(ctx, userID)
}

func (r recAccounts) CreateSession(ctx context.Context, s *kurz.Session) error {
	r.hit()
	return r.q.CreateSession(ctx, s)
}

func (r recAccounts) SessionByTokenHash(ctx context.Context, hash []byte) (*kurz.Session, error) {
	r.hit()
	return r.q.SessionByTokenHash(ctx, hash)
}

func (r recAccounts) DeleteSession(ctx context.Context, hash []byte) error {
	r.hit()
	return r.q.DeleteSession(ctx, hash)
}

func (r recAccounts) HoldDirectory(ctx context.Context) error {
	r.hit()
	return r.q.HoldDirectory(ctx)
}

func (r recAccounts) ClaimHandle(ctx context.Context, c *kurz.HandleClaim) error {
	r.hit()
	return r.q.ClaimHandle(ctx, c)
}

func (r recAccounts) HandleClaimOf(ctx context.Context, handle string) (*kurz.HandleClaim, error) {
	r.hit()
	return r.q.HandleClaimOf(ctx, handle)
}

func (r recAccounts) ReleaseHandle(ctx context.Context, handle, userID string) error {
	r.hit()
	return r.q.ReleaseHandle(ctx, handle, userID)
}

func (r recAccounts) HandleClaimsWithoutKey(ctx context.Context, after string, limit int) ([]*kurz.HandleClaim, error) {
	r.hit()
	return r.q.HandleClaimsWithoutKey(ctx, after, limit)
}

func (r recAccounts) SetHandleKey(ctx context.Context, handle, key string) error {
	r.hit()
	return r.q.SetHandleKey(ctx, handle, key)
}

func (r recAccounts) ClaimEmail(ctx context.Context, key []byte, userID string, at time.Time) error {
	r.hit()
	return r.q.ClaimEmail(ctx, key, userID, at)
}

func (r recAccounts) EmailClaimOf(ctx context.Context, key []byte) (string, error) {
	r.hit()
	return r.q.EmailClaimOf(ctx, key)
}

func (r recAccounts) ReleaseEmails(ctx context.Context, userID string) error {
	r.hit()
	return r.q.ReleaseEmails(ctx, userID)
}

func (r recAccounts) UpdateProfile(ctx context.Context, p *kurz.Profile) error {
	r.hit()
	return r.q.UpdateProfile(ctx, p)
}

func (r recAccounts) Profiles(ctx context.Context, afterID string, limit int) ([]*kurz.Profile, error) {
	r.hit()
	return r.q.Profiles(ctx, afterID, limit)
}

func (r recAccounts) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	r.hit()
	return r.q.TouchSession(ctx, hash, at)
}

func (r recAccounts) DeleteSessionsExcept(ctx context.Context, userID string, keep []byte) error {
	r.hit()
	return r.q.DeleteSessionsExcept(ctx, userID, keep)
}

func (r recAccounts) SetPrivacySettings(ctx context.Context, userID string, showLikes bool, commentsFrom string) error {
	r.hit()
	return r.q.SetPrivacySettings(ctx, userID, showLikes, commentsFrom)
}

// recTrust counts calls of kurz.TrustQueries and passes them to q.
type recTrust struct {
	rec
	q kurz.TrustQueries
}

func (r recTrust) PutPasswordReset(ctx context.Context, pr *kurz.PasswordReset) error {
	r.hit()
	return r.q.PutPasswordReset(ctx, pr)
}

func (r recTrust) TakePasswordReset(ctx context.Context, tokenHash []byte) (*kurz.PasswordReset, error) {
	r.hit()
	return r.q.TakePasswordReset(ctx, tokenHash)
}

func (r recTrust) SetPasswordHash(ctx context.Context, userID, hash string) error {
	r.hit()
	return r.q.SetPasswordHash(ctx, userID, hash)
}

func (r recTrust) SetEmailVerified(ctx context.Context, userID string, at time.Time) error {
	r.hit()
	return r.q.SetEmailVerified(ctx, userID, at)
}

func (r recTrust) SetEmail(ctx context.Context, userID string, index, sealed []byte, verifiedAt time.Time) error {
	r.hit()
	return r.q.SetEmail(ctx, userID, index, sealed, verifiedAt)
}

func (r recTrust) SetTOTP(ctx context.Context, userID string, sealed []byte) error {
	r.hit()
	return r.q.SetTOTP(ctx, userID, sealed)
}

func (r recTrust) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	r.hit()
	return r.q.UseTOTPStep(ctx, userID, step)
}

func (r recTrust) PutAccountToken(ctx context.Context, t *kurz.AccountToken) error {
	r.hit()
	return r.q.PutAccountToken(ctx, t)
}

func (r recTrust) TakeAccountToken(ctx context.Context, tokenHash []byte, purpose string) (*kurz.AccountToken, error) {
	r.hit()
	return r.q.TakeAccountToken(ctx, tokenHash, purpose)
}

func (r recTrust) AccountToken(ctx context.Context, tokenHash []byte, purpose string) (*kurz.AccountToken, error) {
	r.hit()
	return r.q.AccountToken(ctx, tokenHash, purpose)
}

func (r recTrust) DeleteAccountTokens(ctx context.Context, userID, purpose string) error {
	r.hit()
	return r.q.DeleteAccountTokens(ctx, userID, purpose)
}

func (r recTrust) PutMail(ctx context.Context, m *kurz.OutMail) error {
	r.hit()
	return r.q.PutMail(ctx, m)
}

func (r recTrust) MailByID(ctx context.Context, id string) (*kurz.OutMail, error) {
	r.hit()
	return r.q.MailByID(ctx, id)
}

func (r recTrust) DeleteMail(ctx context.Context, id string) error {
	r.hit()
	return r.q.DeleteMail(ctx, id)
}

func (r recTrust) PutPasskey(ctx context.Context, k *kurz.Passkey) error {
	r.hit()
	return r.q.PutPasskey(ctx, k)
}

func (r recTrust) PasskeysOf(ctx context.Context, userID string) ([]*kurz.Passkey, error) {
	r.hit()
	return r.q.PasskeysOf(ctx, userID)
}

func (r recTrust) MarkSecondFactor(ctx context.Context, tokenHash []byte) error {
	r.hit()
	return r.q.MarkSecondFactor(ctx, tokenHash)
}

// recVideos counts calls of kurz.VideoQueries and passes them to q.
type recVideos struct {
	rec
	q kurz.VideoQueries
}

func (r recVideos) CreateVideo(ctx context.Context, v *kurz.Video) error {
	r.hit()
	return r.q.CreateVideo(ctx, v)
}

func (r recVideos) VideoByID(ctx context.Context, id string) (*kurz.Video, error) {
	r.hit()
	return r.q.VideoByID(ctx, id)
}

func (r recVideos) UpdateVideo(ctx context.Context, v *kurz.Video) error {
	r.hit()
	return r.q.UpdateVideo(ctx, v)
}

func (r recVideos) SetVideoProgress(ctx context.Context, id string, gen int, status string, percent int) error {
	r.hit()
	return r.q.SetVideoProgress(ctx, id, gen, status, percent)
}

func (r recVideos) DeleteVideo(ctx context.Context, id string) error {
	r.hit()
	return r.q.DeleteVideo(ctx, id)
}

func (r recVideos) SetHashtags(ctx context.Context, videoID string, tags []string, at time.Time) error {
	r.hit()
	return r.q.SetHashtags(ctx, videoID, tags, at)
}

func (r recVideos) HashtagsOf(ctx context.Context, videoID string) ([]string, error) {
	r.hit()
	return r.q.HashtagsOf(ctx, videoID)
}

func (r recVideos) CountVideos(ctx context.Context, ownerID string, since time.Time, statuses ...string) (int, error) {
	r.hit()
	return r.q.CountVideos(ctx, ownerID, since, statuses...)
}

func (r recVideos) VideosInStatus(ctx context.Context, status string, before time.Time) ([]*kurz.Video, error) {
	r.hit()
	return r.q.VideosInStatus(ctx, status, before)
}

func (r recVideos) PublicVideos(ctx context.Context) ([]*kurz.Video, error) {
	r.hit()
	return r.q.PublicVideos(ctx)
}

func (r recVideos) VideosOf(ctx context.Context, ownerID string) ([]*kurz.Video, error) {
	r.hit()
	return r.q.VideosOf(ctx, ownerID)
}

func (r recVideos) AddVideoStat(ctx context.Context, videoID string, day int64, field string, delta int64) error {
	r.hit()
	return r.q.AddVideoStat(ctx, videoID, day, field, delta)
}

func (r recVideos) VideoStatsOf(ctx context.Context, ownerID string, fromDay int64) ([]*kurz.VideoDay, error) {
	r.hit()
	return r.q.VideoStatsOf(ctx, ownerID, fromDay)
}

// recQuota counts calls of kurz.QuotaQueries and passes them to q.
type recQuota struct {
	rec
	q kurz.QuotaQueries
}

func (r recQuota) StorageUsed(ctx context.Context, ownerID string) (int64, error) {
	r.hit()
	return r.q.StorageUsed(ctx, ownerID)
}

func (r recQuota) TakeWork(ctx context.Context, userID, kind string, day int64, limit int) (bool, error) {
	r.hit()
	return r.q.TakeWork(ctx, userID, kind, day, limit)
}

func (r recQuota) GiveBackWork(ctx context.Context, userID, kind string, day int64) error {
	r.hit()
	return r.q.GiveBackWork(ctx, userID, kind, day)
}

func (r recQuota) ForgetWork(ctx context.Context, beforeDay int64) error {
	r.hit()
	return r.q.ForgetWork(ctx, beforeDay)
}

// recSocial counts calls of kurz.SocialQueries and passes them to q.
type recSocial struct {
	rec
	q kurz.SocialQueries
}

func (r recSocial) AddCounter(ctx context.Context, table, id, field string, delta int64) error {
	r.hit()
	return r.q.AddCounter(ctx, table, id, field, delta)
}

func (r recSocial) AddLike(ctx context.Context, userID, videoID string, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddLike(ctx, userID, videoID, at)
}

func (r recSocial) RemoveLike(ctx context.Context, userID, videoID string) (bool, error) {
	r.hit()
	return r.q.RemoveLike(ctx, userID, videoID)
}

func (r recSocial) Likes(ctx context.Context, userID string, videoIDs []string) (map[string]bool, error) {
	r.hit()
	return r.q.Likes(ctx, userID, videoIDs)
}

func (r recSocial) LikedVideos(ctx context.Context, userID string, limit int) ([]string, error) {
	r.hit()
	return r.q.LikedVideos(ctx, userID, limit)
}

func (r recSocial) AddFollow(ctx context.Context, followerID, followeeID string, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddFollow(ctx, followerID, followeeID, at)
}

func (r recSocial) RemoveFollow(ctx context.Context, followerID, followeeID string) (bool, error) {
	r.hit()
	return r.q.RemoveFollow(ctx, followerID, followeeID)
}

func (r recSocial) Followees(ctx context.Context, followerID string) ([]string, error) {
	r.hit()
	return r.q.Followees(ctx, followerID)
}

func (r recSocial) AddView(ctx context.Context, userID, videoID string, day int64, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddView(ctx, userID, videoID, day, at)
}

func (r recSocial) ViewedVideos(ctx context.Context, userID string, sinceDay int64) ([]string, error) {
	r.hit()
	return r.q.ViewedVideos(ctx, userID, sinceDay)
}

func (r recSocial) AddAnonymousView(ctx context.Context, key []byte, day int64) (bool, error) {
	r.hit()
	return r.q.AddAnonymousView(ctx, key, day)
}

func (r recSocial) ForgetAnonymousViews(ctx context.Context, beforeDay int64) error {
	r.hit()
	return r.q.ForgetAnonymousViews(ctx, beforeDay)
}

// recComments counts calls of kurz.CommentQueries and passes them to q.
type recComments struct {
	rec
	q kurz.CommentQueries
}

func (r recComments) CreateComment(ctx context.Context, c *kurz.Comment) error {
	r.hit()
	return r.q.CreateComment(ctx, c)
}

func (r recComments) CommentByID(ctx context.Context, id string) (*kurz.Comment, error) {
	r.hit()
	return r.q.CommentByID(ctx, id)
}

func (r recComments) DeleteComment(ctx context.Context, id string) (int64, error) {
	r.hit()
	return r.q.DeleteComment(ctx, id)
}

func (r recComments) RepliesOf(ctx context.Context, parentID string, after time.Time, afterID string, limit int) ([]*kurz.Comment, error) {
	r.hit()
	return r.q.RepliesOf(ctx, parentID, after, afterID, limit)
}

func (r recComments) SetPinnedComment(ctx context.Context, videoID, commentID string) error {
	r.hit()
	return r.q.SetPinnedComment(ctx, videoID, commentID)
}

func (r recComments) PinnedComment(ctx context.Context, videoID string) (string, error) {
	r.hit()
	return r.q.PinnedComment(ctx, videoID)
}

func (r recComments) AddCommentLike(ctx context.Context, userID, commentID string, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddCommentLike(ctx, userID, commentID, at)
}

func (r recComments) RemoveCommentLike(ctx context.Context, userID, commentID string) (bool, error) {
	r.hit()
	return r.q.RemoveCommentLike(ctx, userID, commentID)
}

func (r recComments) CommentLikes(ctx context.Context, userID string, ids []string) (map[string]bool, error) {
	r.hit()
	return r.q.CommentLikes(ctx, userID, ids)
}

func (r recComments) LikedComments(ctx context.Context, userID string) ([]string, error) {
	r.hit()
	return r.q.LikedComments(ctx, userID)
}

func (r recComments) SetCommentHidden(ctx context.Context, id string, hidden bool) error {
	r.hit()
	return r.q.SetCommentHidden(ctx, id, hidden)
}

func (r recComments) CommentsOf(ctx context.Context, videoID string, after time.Time, afterID string, limit int) ([]*kurz.Comment, error) {
	r.hit()
	return r.q.CommentsOf(ctx, videoID, after, afterID, limit)
}

func (r recComments) CommentsByAuthor(ctx context.Context, authorID string) ([]*kurz.Comment, error) {
	r.hit()
	return r.q.CommentsByAuthor(ctx, authorID)
}

// recLog counts calls of kurz.LogQueries and passes them to q.
type recLog struct {
	rec
	q kurz.LogQueries
}

func (r recLog) QueueDelta(ctx context.Context, d *kurz.Delta) error {
	r.hit()
	return r.q.QueueDelta(ctx, d)
}

func (r recLog) PendingDeltas(ctx context.Context, limit int) ([]*kurz.Delta, error) {
	r.hit()
	return r.q.PendingDeltas(ctx, limit)
}

func (r recLog) DeleteDelta(ctx context.Context, key string) error {
	r.hit()
	return r.q.DeleteDelta(ctx, key)
}

func (r recLog) MarkDeltaApplied(ctx context.Context, key string, at time.Time) (bool, error) {
	r.hit()
	return r.q.MarkDeltaApplied(ctx, key, at)
}

func (r recLog) AppendLog(ctx context.Context, e *kurz.LogEntry) error {
	r.hit()
	return r.q.AppendLog(ctx, e)
}

func (r recLog) LockLog(ctx context.Context) error {
	r.hit()
	return r.q.LockLog(ctx)
}

func (r recLog) LogAfter(ctx context.Context, seq int64, limit int) ([]*kurz.LogEntry, error) {
	r.hit()
	return r.q.LogAfter(ctx, seq, limit)
}

func (r recLog) LastLogSeq(ctx context.Context) (int64, error) {
	r.hit()
	return r.q.LastLogSeq(ctx)
}

func (r recLog) PutReplica(ctx context.Context, kind, id string, data []byte, seq int64) error {
	r.hit()
	return r.q.PutReplica(ctx, kind, id, data, seq)
}

func (r recLog) DeleteReplica(ctx context.Context, kind, id string) error {
	r.hit()
	return r.q.DeleteReplica(ctx, kind, id)
}

func (r recLog) Replica(ctx context.Context, kind, id string) ([]byte, error) {
	r.hit()
	return r.q.Replica(ctx, kind, id)
}

func (r recLog) Replicas(ctx context.Context, kind string) ([][]byte, error) {
	r.hit()
	return r.q.Replicas(ctx, kind)
}

func (r recLog) LogPosition(ctx context.Context, region kurz.Region) (int64, error) {
	r.hit()
	return r.q.LogPosition(ctx, region)
}

func (r recLog) SetLogPosition(ctx context.Context, region kurz.Region, seq int64, at time.Time) error {
	r.hit()
	return r.q.SetLogPosition(ctx, region, seq, at)
}

func (r recLog) RedactLog(ctx context.Context, objectID string) error {
	r.hit()
	return r.q.RedactLog(ctx, objectID)
}

// recSafety counts calls of kurz.SafetyQueries and passes them to q.
type recSafety struct {
	rec
	q kurz.SafetyQueries
}

func (r recSafety) CreateNotice(ctx context.Context, n *kurz.Notice) error {
	r.hit()
	return r.q.CreateNotice(ctx, n)
}

func (r recSafety) NoticeByID(ctx context.Context, id string) (*kurz.Notice, error) {
	r.hit()
	return r.q.NoticeByID(ctx, id)
}

func (r recSafety) NoticesBy(ctx context.Context, reporterID string) ([]string, error) {
	r.hit()
	return r.q.NoticesBy(ctx, reporterID)
}

func (r recSafety) OpenItemFor(ctx context.Context, kind, targetID string) (*kurz.QueueItem, error) {
	r.hit()
	return r.q.OpenItemFor(ctx, kind, targetID)
}

func (r recSafety) PutItem(ctx context.Context, it *kurz.QueueItem) error {
	r.hit()
	return r.q.PutItem(ctx, it)
}

func (r recSafety) ItemByID(ctx context.Context, id string) (*kurz.QueueItem, error) {
	r.hit()
	return r.q.ItemByID(ctx, id)
}

func (r recSafety) OpenItems(ctx context.Context, after kurz.ItemCursor, limit int) ([]*kurz.QueueItem, error) {
	r.hit()
	return r.q.OpenItems(ctx, after, limit)
}

func (r recSafety) LockQueueTarget(ctx context.Context, kind, targetID string, at time.Time) error {
	r.hit()
	return r.q.LockQueueTarget(ctx, kind, targetID, at)
}

func (r recSafety) LockItem(ctx context.Context, id string) (*kurz.QueueItem, error) {
	r.hit()
	return r.q.LockItem(ctx, id)
}

func (r recSafety) AddItemReport(ctx context.Context, itemID string, reporterHash []byte, noticeID string, noticeRegion kurz.Region, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddItemReport(ctx, itemID, reporterHash, noticeID, noticeRegion, at)
}

func (r recSafety) ItemReports(ctx context.Context, itemID string) ([]kurz.ItemReport, error) {
	r.hit()
	return r.q.ItemReports(ctx, itemID)
}

func (r recSafety) PutDecision(ctx context.Context, d *kurz.Decision) error {
	r.hit()
	return r.q.PutDecision(ctx, d)
}

func (r recSafety) DecisionByID(ctx context.Context, id string) (*kurz.Decision, error) {
	r.hit()
	return r.q.DecisionByID(ctx, id)
}

func (r recSafety) DecisionsAbout(ctx context.Context, targetID string) ([]*kurz.Decision, error) {
	r.hit()
	return r.q.DecisionsAbout(ctx, targetID)
}

func (r recSafety) Decisions(ctx context.Context, from, to time.Time, after kurz.DecisionCursor, limit int) ([]*kurz.Decision, error) {
	r.hit()
	return r.q.Decisions(ctx, from, to, after, limit)
}

func (r recSafety) LockDecision(ctx context.Context, id string) (*kurz.Decision, error) {
	r.hit()
	return r.q.LockDecision(ctx, id)
}

func (r recSafety) AddAppeal(ctx context.Context, a *kurz.Appeal) error {
	r.hit()
	return r.q.AddAppeal(ctx, a)
}

func (r recSafety) AppealByItem(ctx context.Context, itemID string) (*kurz.Appeal, error) {
	r.hit()
	return r.q.AppealByItem(ctx, itemID)
}

func (r recSafety) AddBlockedMedia(ctx context.Context, hash, reason, by string, at time.Time) error {
	r.hit()
	return r.q.AddBlockedMedia(ctx, hash, reason, by, at)
}

func (r recSafety) UnblockMedia(ctx context.Context, reason string) error {
	r.hit()
	return r.q.UnblockMedia(ctx, reason)
}

func (r recSafety) BlockedMedia(ctx context.Context) ([]string, error) {
	r.hit()
	return r.q.BlockedMedia(ctx)
}

// recStanding counts calls of kurz.StandingQueries and passes them to q.
type recStanding struct {
	rec
	q kurz.StandingQueries
}

func (r recStanding) AddStrike(ctx context.Context, personID, decisionID string, at time.Time) (bool, error) {
	r.hit()
	return r.q.AddStrike(ctx, personID, decisionID, at)
}

func (r recStanding) DeleteStrike(ctx context.Context, personID, decisionID string) (bool, error) {
	r.hit()
	return r.q.DeleteStrike(ctx, personID, decisionID)
}

func (r recStanding) UncountedStrikes(ctx context.Context, personID string, since time.Time) ([]string, error) {
	r.hit()
	return r.q.UncountedStrikes(ctx, personID, since)
}

func (r recStanding) CountStrikes(ctx context.Context, personID string, decisionIDs []string, by string) error {
	r.hit()
	return r.q.CountStrikes(ctx, personID, decisionIDs, by)
}

func (r recStanding) ReporterStanding(ctx context.Context, hash []byte) (unfounded int, suspendedUntil time.Time, err error) {
	r.hit()
	return r.q.ReporterStanding(ctx, hash)
}

func (r recStanding) AddUnfounded(ctx context.Context, hash []byte, suspendedUntil time.Time, at time.Time) (int, error) {
	r.hit()
	return r.q.AddUnfounded(ctx, hash, suspendedUntil, at)
}

func (r recStanding) SuspendReporter(ctx context.Context, hash []byte, until time.Time) error {
	r.hit()
	return r.q.SuspendReporter(ctx, hash, until)
}

func (r recStanding) LastReportAt(ctx context.Context, hash []byte) (time.Time, error) {
	r.hit()
	return r.q.LastReportAt(ctx, hash)
}

// recPrivacy counts calls of kurz.PrivacyQueries and passes them to q.
type recPrivacy struct {
	rec
	q kurz.PrivacyQueries
}

func (r recPrivacy) PutErasure(ctx context.Context, userID string, requested, runAt time.Time) error {
	r.hit()
	return r.q.PutErasure(ctx, userID, requested, runAt)
}

func (r recPrivacy) Erasure(ctx context.Context, userID string) (runAt time.Time, err error) {
	r.hit()
	return r.q.Erasure(ctx, userID)
}

func (r recPrivacy) DeleteErasure(ctx context.Context, userID string) error {
	r.hit()
	return r.q.DeleteErasure(ctx, userID)
}

func (r recPrivacy) DueErasures(ctx context.Context, now time.Time) ([]string, error) {
	r.hit()
	return r.q.DueErasures(ctx, now)
}

func (r recPrivacy) DeletePerson(ctx context.Context, userID string) error {
	r.hit()
	return r.q.DeletePerson(ctx, userID)
}

func (r recPrivacy) SessionsOf(ctx context.Context, userID string) ([]*kurz.Session, error) {
	r.hit()
	return r.q.SessionsOf(ctx, userID)
}

func (r recPrivacy) DeleteSessionsOf(ctx context.Context, userID string) error {
	r.hit()
	return r.q.DeleteSessionsOf(ctx, userID)
}

func (r recPrivacy) ForgetSessionIPs(ctx context.Context, before time.Time) (int64, error) {
	r.hit()
	return r.q.ForgetSessionIPs(ctx, before)
}

func (r recPrivacy) PutExport(ctx context.Context, e *kurz.Export) error {
	r.hit()
	return r.q.PutExport(ctx, e)
}

func (r recPrivacy) ExportByID(ctx context.Context, id string) (*kurz.Export, error) {
	r.hit()
	return r.q.ExportByID(ctx, id)
}

func (r recPrivacy) ExportsOf(ctx context.Context, userID string) ([]string, error) {
	r.hit()
	return r.q.ExportsOf(ctx, userID)
}

func (r recPrivacy) TableCounts(ctx context.Context) (map[string]int64, error) {
	r.hit()
	return r.q.TableCounts(ctx)
}

// recInbox counts calls of kurz.InboxQueries and passes them to q.
type recInbox struct {
	rec
	q kurz.InboxQueries
}

func (r recInbox) AddNotification(ctx context.Context, n *kurz.Notification) error {
	r.hit()
	return r.q.AddNotification(ctx, n)
}

func (r recInbox) NotificationsOf(ctx context.Context, userID string) ([]*kurz.Notification, error) {
	r.hit()
	return r.q.NotificationsOf(ctx, userID)
}

func (r recInbox) MarkNotificationsRead(ctx context.Context, userID string, ids []string, at time.Time) (int64, error) {
	r.hit()
	return r.q.MarkNotificationsRead(ctx, userID, ids, at)
}

func (r recInbox) UnreadNotifications(ctx context.Context, userID string) (int, error) {
	r.hit()
	return r.q.UnreadNotifications(ctx, userID)
}

func (r recInbox) InboxSettings(ctx context.Context, userID string) (*kurz.InboxSettings, error) {
	r.hit()
	return r.q.InboxSettings(ctx, userID)
}

func (r recInbox) PutInboxSettings(ctx context.Context, st *kurz.InboxSettings) error {
	r.hit()
	return r.q.PutInboxSettings(ctx, st)
}

// recStaff counts calls of kurz.StaffQueries and passes them to q.
type recStaff struct {
	rec
	q kurz.StaffQueries
}

func (r recStaff) AppendAudit(ctx context.Context, a *kurz.AuditEntry) error {
	r.hit()
	return r.q.AppendAudit(ctx, a)
}

func (r recStaff) LastAudit(ctx context.Context) (*kurz.AuditEntry, error) {
	r.hit()
	return r.q.LastAudit(ctx)
}

func (r recStaff) AuditEntries(ctx context.Context, subjectID string) ([]*kurz.AuditEntry, error) {
	r.hit()
	return r.q.AuditEntries(ctx, subjectID)
}

func (r recStaff) GrantRole(ctx context.Context, userID, role, by string, at time.Time) error {
	r.hit()
	return r.q.GrantRole(ctx, userID, role, by, at)
}

func (r recStaff) Roles(ctx context.Context) ([]kurz.RoleGrant, error) {
	r.hit()
	return r.q.Roles(ctx)
}

func (r recStaff) RevokeRole(ctx context.Context, userID, role string) error {
	r.hit()
	return r.q.RevokeRole(ctx, userID, role)
}

func (r recStaff) HasRole(ctx context.Context, userID, role string) (bool, error) {
	r.hit()
	return r.q.HasRole(ctx, userID, role)
}

func (r recStaff) RoleHolders(ctx context.Context, role string) ([]string, error) {
	r.hit()
	return r.q.RoleHolders(ctx, role)
}
