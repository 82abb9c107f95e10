package cell

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/policy"
)

// Public log kinds.
const (
	LogVideo       = "video"      // data: catalog.PublicVideo
	LogVideoGone   = "video_gone" // unpublished, removed or deleted
	LogProfile     = "profile"    // data: catalog.PublicProfile
	LogProfileGone = "profile_gone"
	// LogBlocked carries a perceptual hash a decision put on the block
	// list (object: the decision), so every region refuses copies at
	// upload; LogBlockedGone lifts it when the decision is reversed.
	LogBlocked     = "blocked_media"
	LogBlockedGone = "blocked_media_gone"
)

// Tx runs fn in a write transaction. A commit that wrote the public log
// wakes the log's readers and waits for the catalogue (the store's
// AfterLog hook: Outbox.Committed).
func (c *Cell) Tx(ctx context.Context, fn func(q kurz.Queries) error) error {
	return c.Store.Tx(ctx, fn)
}

// Outbox is a region's public log: every change to what the public sees
// of its videos and profiles (and its block list) is appended in the
// transaction of the change, recomputed from the visibility policy each
// time; peers read it (LogSince, a long poll) and replicate it.
type Outbox struct {
	c    *Cell
	mu   sync.Mutex
	wake chan struct{} // closed and replaced at each write
	// written counts the log writes this node told of (LogNotify);
	// applied is the count the catalogue had applied when it last read
	// the log to its end (CatalogApplied). See CatalogCurrent.
	written, applied atomic.Uint64
	// advanced is closed and replaced each time applied grows; following
	// is set while the catalogue follows the log (Committed waits only
	// then).
	advanced  chan struct{}
	following atomic.Bool
}

// CatalogWait bounds how long a commit waits for the catalogue to apply
// it (Committed). The catalogue applies a write within a millisecond or
// two; the bound is for a catalogue that stalled, so that writes go on.
const CatalogWait = 2 * time.Second

// Committed is run after every commit that wrote the public log: it wakes
// the log's readers and waits (up to CatalogWait) until this node's
// catalogue has applied the write. So a request that changed what the
// public sees (a takedown, a deletion, a change to private, an erasure)
// answers only once this node serves the change: no read here after the
// answer, from a cache or not, sees the old state. Other nodes of the
// region see it within a second (replication's followOwnLog).
func (o *Outbox) Committed() {
	mark := o.LogNotify()
	if !o.following.Load() {
		return // a command's cell, or a region still loading its catalogue
	}
	t := time.NewTimer(CatalogWait)
	defer t.Stop()
	for {
		ch := o.advancedWait()
		if o.applied.Load() >= mark {
			return
		}
		select {
		case <-ch:
		case <-t.C:
			return
		}
	}
}

func (o *Outbox) advancedWait() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.advanced == nil {
		o.advanced = make(chan struct{})
	}
	return o.advanced
}

// Following marks whether the catalogue follows the log (replication's
// followOwnLog sets it while it runs).
func (o *Outbox) Following(on bool) { o.following.Store(on) }

// CatalogCurrent reports whether the region's catalogue holds every
// write to its public log that this node made and told of: then a
// public video it holds is as the database has it, and one it lacks is
// not public (or not yet). Writes by the region's other nodes reach it
// within a second (replication's followOwnLog), as they reach its feeds.
// Reads that answer from the catalogue for the region's own videos ask
// it first, and go to the store while it says no: a takedown, a video
// made private, or an erasure is never served from a catalogue that has
// not applied it yet.
func (o *Outbox) CatalogCurrent() bool { return o.applied.Load() >= o.written.Load() }

// CatalogLoading marks the catalogue behind until the next read of the
// log to its end (replication's start).
func (o *Outbox) CatalogLoading() { o.written.Add(1) }

// CatalogApplied records that the catalogue applied every log entry
// committed before mark (LogSinceMark's mark) was taken.
func (o *Outbox) CatalogApplied(mark uint64) {
	for {
		cur := o.applied.Load()
		if mark <= cur {
			return
		}
		if o.applied.CompareAndSwap(cur, mark) {
			break
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.advanced != nil {
		close(o.advanced)
		o.advanced = nil
	}
}

// PublicVideo builds the public snapshot of a video, and reports whether
// the visibility policy lets the public see it at all (only then may the
// snapshot leave the region).
func (o *Outbox) PublicVideo(ctx context.Context, q kurz.Queries, v *kurz.Video) (*catalog.PublicVideo, bool, error) {
	sub, err := o.c.Subject(ctx, q, v)
	if err != nil {
		return nil, false, err
	}
	pv := &catalog.PublicVideo{ID: v.ID, OwnerID: v.OwnerID, Caption: v.Caption, DurationMS: v.DurationMS, Width: v.Width,
		Height: v.Height, Likes: v.Likes, Comments: v.Comments, Views: v.Views, CreatedAt: v.CreatedAt,
		Partial: v.Status == kurz.StatusPlayable}
	if !policy.Publish(pv, sub) {
		return nil, false, nil
	}
	owner, err := q.ProfileByID(ctx, v.OwnerID)
	if err != nil {
		return nil, false, err
	}
	pv.Handle, pv.Avatar, pv.Hashtags = owner.Handle, owner.Avatar, kurz.Hashtags(v.Caption)
	if pv.Hashtags == nil {
		pv.Hashtags = []string{}
	}
	pv.Sound, pv.RemixKind, pv.RemixOf, pv.Allow = v.SoundID, v.RemixKind, v.RemixOf, v.Allow
	if pv.Sound == "" {
		// The sound is this video's own: its record travels with it.
		pv.Sound, pv.SoundName, pv.AudioPrint, pv.SoundBlocked = v.ID, v.SoundName, v.AudioPrint, v.SoundBlock != ""
	}
	return pv, true, nil
}

// SyncVideoLog writes the public fact about v to the log in transaction q:
// its snapshot if the visibility policy lets the public see it, else that
// it is gone. It is called after every change to a video (an edit, a
// decision, a counter, a comment) and recomputes the decision from the
// video and its owner's state each time, so no write can republish what
// the policy hides. The log's writer lock is taken before the decision's
// reads: a change of the owner's state (an erasure request, a
// termination) committed while this transaction waited is seen, instead
// of a decision read before it being appended after its "gone".
func (o *Outbox) SyncVideoLog(ctx context.Context, q kurz.Queries, v *kurz.Video) error {
	if err := q.LockLog(ctx); err != nil {
		return err
	}
	if v.Status != "deleted" {
		pv, public, err := o.PublicVideo(ctx, q, v)
		if err != nil {
			return err
		}
		if public {
			return o.AppendLog(ctx, q, LogVideo, v.ID, pv)
		}
	}
	// What the video was while public (its caption among it) leaves the
	// log: a peer replaying the log from the start must not get it back.
	if err := q.RedactLog(ctx, v.ID); err != nil {
		return err
	}
	return o.AppendLog(ctx, q, LogVideoGone, v.ID, map[string]string{"id": v.ID, "status": "gone"})
}

// SyncPersonLog republishes a person's profile and every video of theirs
// (after a change of their standing or privacy).
func (o *Outbox) SyncPersonLog(ctx context.Context, q kurz.Queries, userID string) error {
	// Before the reads, as in SyncVideoLog.
	if err := q.LockLog(ctx); err != nil {
		return err
	}
	p, err := q.ProfileByID(ctx, userID)
	if err != nil {
		return err
	}
	vids, err := q.VideosOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, v := range vids {
		if err := o.SyncVideoLog(ctx, q, v); err != nil {
			return err
		}
	}
	return o.PublishProfile(ctx, q, p)
}

// PublishProfile writes a person's public profile to the log, or that it
// is gone while their erasure is pending or after a termination.
func (o *Outbox) PublishProfile(ctx context.Context, q kurz.Queries, p *kurz.Profile) error {
	// Before the standing is read, as in SyncVideoLog.
	if err := q.LockLog(ctx); err != nil {
		return err
	}
	standing, err := o.c.standing(ctx, q, p.ID)
	if err != nil {
		return err
	}
	if standing == policy.Erasing || standing == policy.Terminated {
		return o.AppendLog(ctx, q, LogProfileGone, p.ID, map[string]string{"id": p.ID})
	}
	return o.AppendLog(ctx, q, LogProfile, p.ID, &catalog.PublicProfile{ID: p.ID, Handle: p.Handle, DisplayName: p.DisplayName,
		Bio: p.Bio, Private: p.Private, Followers: p.Followers, Following: p.Following, Avatar: p.Avatar})
}

// AppendLog adds a public fact to the log in transaction q.
func (o *Outbox) AppendLog(ctx context.Context, q kurz.Queries, kind, id string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	return q.AppendLog(ctx, &kurz.LogEntry{Kind: kind, ObjectID: id, Data: b, CreatedAt: o.c.Now().UTC()})
}

// LogNotify wakes everyone waiting for new log entries, and returns the
// count of told writes with this one.
func (o *Outbox) LogNotify() uint64 {
	mark := o.written.Add(1)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.wake != nil { // nil: a cell opened by a command, with no readers
		close(o.wake)
		o.wake = make(chan struct{})
	}
	return mark
}

// LogWait returns a channel closed at the next log write.
func (o *Outbox) LogWait() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.wake
}

// LogSince returns entries after seq, waiting up to wait for one to appear
// (long poll).
func (o *Outbox) LogSince(ctx context.Context, seq int64, wait time.Duration) ([]*kurz.LogEntry, error) {
	entries, _, err := o.LogSinceMark(ctx, seq, wait)
	return entries, err
}

// LogBatch is the most entries LogSince returns at once.
const LogBatch = 500

// LogSinceMark is LogSince that also returns the count of told writes
// (LogNotify) taken before the read that answered: every write told of
// by then is among the entries or before seq, unless LogBatch entries
// came (then more may follow).
func (o *Outbox) LogSinceMark(ctx context.Context, seq int64, wait time.Duration) ([]*kurz.LogEntry, uint64, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		ch := o.LogWait()
		mark := o.written.Load()
		entries, err := o.c.Store.LogAfter(ctx, seq, LogBatch)
		if err != nil || len(entries) > 0 {
			return entries, mark, err
		}
		select {
		case <-ch:
		case <-deadline.C:
			return nil, mark, nil
		case <-ctx.Done():
			return nil, 0, nil
		}
	}
}

// Sleep waits for d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
