package cell

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"kurz"
)

// Public log kinds.
const (
	LogVideo       = "video"      // data: PublicVideo
	LogVideoGone   = "video_gone" // unpublished, removed or deleted
	LogProfile     = "profile"    // data: PublicProfile
	LogProfileGone = "profile_gone"
)

// publicVideo builds the public snapshot of a public, ready video.
func (c *Cell) publicVideo(ctx context.Context, q kurz.Queries, v *kurz.Video) (*PublicVideo, error) {
	owner, err := q.ProfileByID(ctx, v.OwnerID)
	if err != nil {
		return nil, err
	}
	acct, err := q.AccountByID(ctx, v.OwnerID)
	if err != nil {
		return nil, err
	}
	tags := kurz.Hashtags(v.Caption)
	if tags == nil {
		tags = []string{}
	}
	pv := &PublicVideo{ID: v.ID, OwnerID: v.OwnerID, Handle: owner.Handle, Caption: v.Caption, Hashtags: tags,
		DurationMS: v.DurationMS, Width: v.Width, Height: v.Height, Likes: v.Likes, Comments: v.Comments, Views: v.Views,
		CreatedAt: v.CreatedAt, Minor: acct.Minor}
	for _, r := range strings.Split(v.Restrictions, ",") {
		switch {
		case r == "reduced":
			pv.Reduced = true
		case r == "age_restricted":
			pv.AgeRestricted = true
		case strings.HasPrefix(r, "label:"):
			pv.Label = strings.TrimPrefix(r, "label:")
		}
	}
	return pv, nil
}

// syncVideoLog writes the public fact about v to the log in transaction q:
// its snapshot if it is public and ready, else that it is gone. Called
// after every change that may alter what the public sees.
func (c *Cell) syncVideoLog(ctx context.Context, q kurz.Queries, v *kurz.Video) error {
	if v.Status == kurz.StatusReady && v.Visibility == kurz.Public {
		pv, err := c.publicVideo(ctx, q, v)
		if err != nil {
			return err
		}
		return c.appendLog(ctx, q, LogVideo, v.ID, pv)
	}
	return c.appendLog(ctx, q, LogVideoGone, v.ID, map[string]string{"id": v.ID, "status": v.Status})
}

func (c *Cell) publishProfile(ctx context.Context, q kurz.Queries, p *kurz.Profile) error {
	return c.appendLog(ctx, q, LogProfile, p.ID, &PublicProfile{ID: p.ID, Handle: p.Handle, DisplayName: p.DisplayName,
		Bio: p.Bio, Private: p.Private, Followers: p.Followers, Following: p.Following})
}

func (c *Cell) appendLog(ctx context.Context, q kurz.Queries, kind, id string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	return q.AppendLog(ctx, &kurz.LogEntry{Kind: kind, ObjectID: id, Data: b, CreatedAt: c.now().UTC()})
}

// tx runs fn in a write transaction and, after commit, wakes the log
// readers if fn wrote to the public log.
func (c *Cell) tx(ctx context.Context, fn func(q kurz.Queries) error) error {
	err := c.Store.Tx(ctx, fn)
	if err == nil {
		c.logNotify()
	}
	return err
}

// logNotify wakes everyone waiting for new log entries.
func (c *Cell) logNotify() {
	c.logMu.Lock()
	if c.logWake == nil { // a cell opened by a command, with no readers
		c.logMu.Unlock()
		return
	}
	close(c.logWake)
	c.logWake = make(chan struct{})
	c.logMu.Unlock()
}

// logWait returns a channel closed at the next log write.
func (c *Cell) logWait() <-chan struct{} {
	c.logMu.Lock()
	defer c.logMu.Unlock()
	return c.logWake
}

// LogSince returns entries after seq, waiting up to wait for one to appear
// (long poll).
func (c *Cell) LogSince(ctx context.Context, seq int64, wait time.Duration) ([]*kurz.LogEntry, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		ch := c.logWait()
		entries, err := c.Store.LogAfter(ctx, seq, 500)
		if err != nil || len(entries) > 0 {
			return entries, err
		}
		select {
		case <-ch:
		case <-deadline.C:
			return nil, nil
		case <-ctx.Done():
			return nil, nil
		}
	}
}

// applyToIndex puts a log entry (own or replicated) into the catalogue.
func (c *Cell) applyToIndex(e *kurz.LogEntry) {
	switch e.Kind {
	case LogVideo:
		var v PublicVideo
		if json.Unmarshal(e.Data, &v) == nil {
			c.Index.PutVideo(&v)
		}
	case LogVideoGone:
		c.Index.RemoveVideo(e.ObjectID)
		if c.OnVideoGone != nil {
			c.OnVideoGone(e.ObjectID)
		}
	case LogProfile:
		var p PublicProfile
		if json.Unmarshal(e.Data, &p) == nil {
			c.Index.PutProfile(&p)
		}
	case LogProfileGone:
		c.Index.RemoveProfile(e.ObjectID)
	}
}

// followOwnLog keeps the catalogue in step with this region's own log.
func (c *Cell) followOwnLog(ctx context.Context, seq int64) {
	for ctx.Err() == nil {
		entries, err := c.LogSince(ctx, seq, 30*time.Second)
		if err != nil {
			c.Log.Warn("reading own public log", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		for _, e := range entries {
			c.applyToIndex(e)
			seq = e.Seq
		}
	}
}

// followPeer replicates a peer region's public log: it long-polls the
// peer over the link, applies entries idempotently to the replica table
// and remembers its position in the same transaction.
func (c *Cell) followPeer(ctx context.Context, peer kurz.Region) {
	backoff := 200 * time.Millisecond
	for ctx.Err() == nil {
		pos, err := c.Store.LogPosition(ctx, peer)
		if err != nil {
			sleep(ctx, time.Second)
			continue
		}
		var out struct {
			Entries []*kurz.LogEntry `json:"entries"`
			Head    int64            `json:"head"`
		}
		err = c.Link.Call(ctx, peer, "GET", "/link/v1/log?after="+strconv.FormatInt(pos, 10)+"&wait=8", nil, &out)
		if err != nil {
			if ctx.Err() == nil {
				c.peerDown(peer, err)
				sleep(ctx, backoff)
				backoff = min(backoff*2, 5*time.Second)
			}
			continue
		}
		backoff = 200 * time.Millisecond
		if len(out.Entries) == 0 {
			c.peerUp(peer, pos, out.Head, nil)
			continue
		}
		err = c.Store.Tx(ctx, func(q kurz.Queries) error {
			for _, e := range out.Entries {
				if err := applyReplica(ctx, q, e); err != nil {
					return err
				}
			}
			return q.SetLogPosition(ctx, peer, out.Entries[len(out.Entries)-1].Seq, c.now())
		})
		if err != nil {
			c.Log.Warn("applying replicated log", "peer", peer, "err", err)
			sleep(ctx, time.Second)
			continue
		}
		for _, e := range out.Entries {
			c.applyToIndex(e)
		}
		last := out.Entries[len(out.Entries)-1]
		c.peerUp(peer, last.Seq, out.Head, last)
	}
}

func applyReplica(ctx context.Context, q kurz.Queries, e *kurz.LogEntry) error {
	switch e.Kind {
	case LogVideo:
		return q.PutReplica(ctx, "video", e.ObjectID, e.Data, e.Seq)
	case LogVideoGone:
		return q.DeleteReplica(ctx, "video", e.ObjectID)
	case LogProfile:
		return q.PutReplica(ctx, "profile", e.ObjectID, e.Data, e.Seq)
	case LogProfileGone:
		return q.DeleteReplica(ctx, "profile", e.ObjectID)
	}
	return nil
}

// loadIndex fills the catalogue at start: the replicas of other regions,
// then this region's own log replayed from the beginning. It returns the
// own log position reached.
func (c *Cell) loadIndex(ctx context.Context) (int64, error) {
	c.Index.BeginBulk()
	defer c.Index.EndBulk()
	for _, kind := range []string{"profile", "video"} {
		rows, err := c.Store.Replicas(ctx, kind)
		if err != nil {
			return 0, err
		}
		for _, data := range rows {
			logKind := LogVideo
			if kind == "profile" {
				logKind = LogProfile
			}
			c.applyToIndex(&kurz.LogEntry{Kind: logKind, Data: data})
		}
	}
	var seq int64
	for {
		entries, err := c.Store.LogAfter(ctx, seq, 500)
		if err != nil {
			return 0, err
		}
		if len(entries) == 0 {
			return seq, nil
		}
		for _, e := range entries {
			c.applyToIndex(e)
			seq = e.Seq
		}
	}
}

// peerDown and peerUp record link health for /api/v1/regions.
func (c *Cell) peerDown(peer kurz.Region, err error) {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	h := c.health[peer]
	h.Up = false
	c.health[peer] = h
}

func (c *Cell) peerUp(peer kurz.Region, seq, head int64, last *kurz.LogEntry) {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	h := PeerHealth{Up: true, Seq: seq, Head: max(head, seq), LagEvents: max(head-seq, 0), At: c.now()}
	if last != nil && h.LagEvents > 0 {
		h.LagSeconds = c.now().Sub(last.CreatedAt).Seconds()
	}
	c.health[peer] = h
}

// PeerHealth is what a region knows about a peer's public log: how far it
// has applied it, how far the peer had written at last contact, and how
// far behind that is in entries and in seconds.
type PeerHealth struct {
	Up         bool      `json:"up"`
	Seq        int64     `json:"applied_seq"`
	Head       int64     `json:"peer_head_seq"`
	LagEvents  int64     `json:"lag_events"`
	LagSeconds float64   `json:"lag_seconds"`
	At         time.Time `json:"last_contact"`
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
