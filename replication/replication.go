// Package replication owns what crosses between regions in the public
// flows: following each peer's public log into replica tables and the
// catalogue, serving this region's log, and delivering and applying
// counter deltas. It keeps the health of each peer for /api/v1/regions.
// It never imports a concern package.
package replication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"kurz"
	"kurz/catalog"
	"kurz/cell"
	"kurz/link"
)

// Service replicates the public log of one region.
type Service struct {
	*cell.Cell

	healthMu sync.Mutex
	health   map[kurz.Region]PeerHealth
	// pos is how far this node's catalogue has applied each peer's log.
	posMu sync.Mutex
	pos   map[kurz.Region]int64
	// resyncTo is, for a peer whose log is re-read from the start, the
	// head it had when that began.
	resyncTo map[kurz.Region]int64
	// ownSeq is how far the catalogue has applied the region's own log.
	ownSeq atomic.Int64
	// gen is the generation of each peer's log this node's catalogue
	// holds; ownGen the region's own (it changes only by a restore, with
	// every node stopped).
	gen    map[kurz.Region]string
	ownGen atomic.Pointer[string]
}

// New returns the replication service of region c.
func New(c *cell.Cell) *Service {
	s := &Service{Cell: c, health: map[kurz.Region]PeerHealth{}, pos: map[kurz.Region]int64{}, resyncTo: map[kurz.Region]int64{}, gen: map[kurz.Region]string{}}
	for _, r := range c.Regions {
		if r != c.Region {
			s.health[r] = PeerHealth{} // not reached yet
		}
	}
	return s
}

// applyToIndex puts a log entry (own or replicated) into the catalogue.
func (c *Service) applyToIndex(e *kurz.LogEntry) {
	switch e.Kind {
	case cell.LogVideo:
		var v catalog.PublicVideo
		if json.Unmarshal(e.Data, &v) == nil {
			old, known := c.Index.Video(v.ID)
			c.Index.PutVideo(&v)
			if known && old.Partial && !v.Partial && c.OnVideoGone != nil {
				c.OnVideoGone(v.ID) // its whole ladder replaces the edge's master of one variant
			}
		}
	case cell.LogVideoGone:
		c.Index.RemoveVideo(e.ObjectID)
		if c.OnVideoGone != nil {
			c.OnVideoGone(e.ObjectID)
		}
	case cell.LogProfile:
		var p catalog.PublicProfile
		if json.Unmarshal(e.Data, &p) == nil {
			old, known := c.Index.Profile(p.ID)
			c.Index.PutProfile(&p)
			if known && old.Avatar != "" && old.Avatar != p.Avatar && c.OnVideoGone != nil {
				c.OnVideoGone(p.ID) // the old picture leaves the edge
			}
		}
	case cell.LogProfileGone:
		c.Index.RemoveProfile(e.ObjectID)
		if c.OnVideoGone != nil {
			c.OnVideoGone(e.ObjectID) // its picture leaves the edge
		}
	}
}

// followOwnLog keeps the catalogue in step with this region's own log. A
// write on this node wakes it at once; writes by the region's other nodes
// (which share the database) are seen within a second.
func (c *Service) followOwnLog(ctx context.Context, seq int64) {
	c.Outbox.Following(true)
	defer c.Outbox.Following(false)
	for ctx.Err() == nil {
		entries, mark, err := c.Outbox.LogSinceMark(ctx, seq, time.Second)
		if err != nil {
			c.Log.Warn("reading own public log", "err", err)
			cell.Sleep(ctx, time.Second)
			continue
		}
		for _, e := range entries {
			c.applyToIndex(e)
			seq = e.Seq
		}
		c.ownSeq.Store(seq)
		if len(entries) < cell.LogBatch && ctx.Err() == nil {
			c.Outbox.CatalogApplied(mark)
		}
	}
}

// followPeer keeps this region in step with a peer's public log. One
// node of the region at a time (the lease "follow:<peer>") long-polls the
// peer over the link, applies entries idempotently to the replica tables
// and records its position in the same transaction; the other nodes watch
// that position in the database and bring their catalogue up to it.
func (c *Service) followPeer(ctx context.Context, peer kurz.Region) {
	c.Lead(ctx, "follow:"+string(peer),
		func(ctx context.Context) { c.leadPeer(ctx, peer) },
		func(ctx context.Context) { c.watchPeer(ctx, peer) })
}

// leadPeer is the following node's loop.
func (c *Service) leadPeer(ctx context.Context, peer kurz.Region) {
	backoff := 200 * time.Millisecond
	for ctx.Err() == nil {
		pos, err := c.Store.LogPosition(ctx, peer)
		if err != nil {
			cell.Sleep(ctx, time.Second)
			continue
		}
		out, err := c.Link.LogSince(ctx, peer, link.LogSinceRequest{After: pos, WaitSeconds: 8, FromStart: c.fromStart(peer, pos)})
		if err == nil {
			err = checkPeerEntries(peer, out.Entries)
		}
		if err == nil && out.Behind {
			if err = c.resync(ctx, peer, out.Head); err == nil {
				continue
			}
		}
		if err == nil {
			var again bool
			if again, err = c.checkGeneration(ctx, peer, pos, out); err == nil && again {
				continue
			}
		}
		if err != nil {
			if errors.Is(err, link.ErrForeignID) {
				// Signed, so the peer (or its key) said it: worth a look.
				c.Log.Warn("a peer's log answer is refused", "peer", peer, "err", err)
			}
			if ctx.Err() == nil {
				c.peerDown(peer, err)
				cell.Sleep(ctx, backoff)
				backoff = min(backoff*2, 5*time.Second)
			}
			continue
		}
		backoff = 200 * time.Millisecond
		if len(out.Entries) == 0 {
			c.catchUp(ctx, peer, pos)
			c.peerUp(peer, pos, out.Head, nil)
			continue
		}
		err = c.Store.Tx(ctx, func(q kurz.Queries) error {
			for _, e := range out.Entries {
				if err := applyReplica(ctx, q, e); err != nil {
					return err
				}
			}
			return q.SetLogPosition(ctx, peer, out.Entries[len(out.Entries)-1].Seq, c.Now())
		})
		if err != nil {
			c.Log.Warn("applying replicated log", "peer", peer, "err", err)
			cell.Sleep(ctx, time.Second)
			continue
		}
		// A replica dropped (taken down, made private, erased) must not
		// live on in the write-ahead log beside the database.
		for _, e := range out.Entries {
			if e.Kind == cell.LogVideoGone || e.Kind == cell.LogProfileGone {
				if err := c.Store.Checkpoint(ctx); err != nil {
					c.Log.Warn("checkpoint after dropping replicas", "err", err)
				}
				break
			}
		}
		// Entries this node missed while another node led come first.
		c.catchUp(ctx, peer, pos)
		c.applyEntries(peer, out.Entries)
		last := out.Entries[len(out.Entries)-1]
		c.peerUp(peer, last.Seq, out.Head, last)
	}
}

// watchPeer is the other nodes' loop: when the leader has applied more of
// the peer's log than this node's catalogue holds, fetch just those
// entries once (no long poll) and apply them to the catalogue.
func (c *Service) watchPeer(ctx context.Context, peer kurz.Region) {
	pos, err := c.Store.LogPosition(ctx, peer)
	if err == nil {
		c.catchUp(ctx, peer, pos)
	}
	<-ctx.Done()
}

// catchUp brings the catalogue's view of peer up to pos, the position the
// region's database holds.
func (c *Service) catchUp(ctx context.Context, peer kurz.Region, pos int64) {
	for ctx.Err() == nil {
		have := c.applied(peer)
		if have >= pos {
			return
		}
		out, err := c.Link.LogSince(ctx, peer, link.LogSinceRequest{After: have, FromStart: c.fromStart(peer, have)})
		if err == nil {
			err = checkPeerEntries(peer, out.Entries)
		}
		if err == nil && (out.Behind || c.generationChanged(peer, out.Generation) || out.Head < have) {
			// The leader re-reads the peer; this node's catalogue follows.
			c.dropFromIndex(peer)
			c.posMu.Lock()
			c.pos[peer], c.resyncTo[peer] = 0, out.Head
			c.posMu.Unlock()
			continue
		}
		if err != nil {
			if ctx.Err() == nil {
				c.peerDown(peer, err)
			}
			return
		}
		var upto []*kurz.LogEntry
		for _, e := range out.Entries {
			if e.Seq <= pos {
				upto = append(upto, e)
			}
		}
		if len(upto) == 0 {
			return
		}
		c.applyEntries(peer, upto)
		last := upto[len(upto)-1]
		c.peerUp(peer, last.Seq, out.Head, last)
	}
}

// applyEntries puts a peer's entries into the catalogue and records how
// far this node's catalogue has come.
func (c *Service) applyEntries(peer kurz.Region, entries []*kurz.LogEntry) {
	for _, e := range entries {
		c.applyToIndex(e)
	}
	c.posMu.Lock()
	if last := entries[len(entries)-1].Seq; last > c.pos[peer] {
		c.pos[peer] = last
	}
	c.posMu.Unlock()
}

func (c *Service) applied(peer kurz.Region) int64 {
	c.posMu.Lock()
	defer c.posMu.Unlock()
	return c.pos[peer]
}

// checkPeerEntries refuses a page of peer's log that speaks for another
// region: every video and profile it publishes must be its own, by one of
// its own people (the link has checked the entries' object IDs).
func checkPeerEntries(peer kurz.Region, entries []*kurz.LogEntry) error {
	own := func(id string) bool { r, err := kurz.ParseID(id); return err == nil && r == peer }
	for _, e := range entries {
		ok := true
		switch e.Kind {
		case cell.LogVideo:
			var v catalog.PublicVideo
			ok = json.Unmarshal(e.Data, &v) == nil && v.ID == e.ObjectID && own(v.OwnerID)
		case cell.LogProfile:
			var p catalog.PublicProfile
			ok = json.Unmarshal(e.Data, &p) == nil && p.ID == e.ObjectID
		}
		if !ok {
			return &kurz.Error{Code: kurz.EUnavailable, Message: fmt.Sprintf("region %s published an entry about what is not its own; its log is refused", peer),
				Cause: link.ErrForeignID}
		}
	}
	return nil
}

func applyReplica(ctx context.Context, q kurz.Queries, e *kurz.LogEntry) error {
	switch e.Kind {
	case cell.LogVideo:
		return q.PutReplica(ctx, "video", e.ObjectID, e.Data, e.Seq)
	case cell.LogVideoGone:
		return q.DeleteReplica(ctx, "video", e.ObjectID)
	case cell.LogProfile:
		return q.PutReplica(ctx, "profile", e.ObjectID, e.Data, e.Seq)
	case cell.LogProfileGone:
		return q.DeleteReplica(ctx, "profile", e.ObjectID)
	case cell.LogBlocked:
		return q.PutReplica(ctx, "blocked", e.ObjectID, e.Data, e.Seq)
	case cell.LogBlockedGone:
		return q.DeleteReplica(ctx, "blocked", e.ObjectID)
	}
	return nil
}

// loadIndex fills the catalogue at start: from the snapshot the last
// clean stop wrote, where it fits the database (see loadSnapshot), else
// from the replicas of other regions; then this region's own log replayed
// after the snapshot's position (from the beginning without one). It
// returns the own log position reached.
func (c *Service) loadIndex(ctx context.Context) (int64, error) {
	start := time.Now()
	var used, peersLoaded bool
	defer func() {
		c.Log.Info("catalogue loaded", "videos", c.Index.Len(), "from_snapshot", used, "replicas_from_snapshot", peersLoaded,
			"seconds", time.Since(start).Seconds())
	}()
	// Nearly everything allocated while loading stays: collecting
	// garbage meanwhile would only scan the growing catalogue again and
	// again. (A memory limit, GOMEMLIMIT, still applies.)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	c.Index.BeginBulk()
	defer c.Index.EndBulk()
	seq, peersLoaded, used, err := c.loadSnapshot(ctx)
	if err != nil {
		return 0, err
	}
	// Positions before replicas: whatever is applied in between is fetched
	// again (applying an entry twice is harmless), never skipped.
	for _, r := range c.Regions {
		if r == c.Region {
			continue
		}
		pos, err := c.Store.LogPosition(ctx, r)
		if err != nil {
			return 0, err
		}
		gen := ""
		if s, ok := c.Store.(Generations); ok {
			if gen, err = s.PeerGeneration(ctx, r); err != nil {
				return 0, err
			}
		}
		c.posMu.Lock()
		c.pos[r], c.gen[r] = pos, gen
		c.posMu.Unlock()
	}
	for _, kind := range []string{"profile", "video"} {
		if peersLoaded {
			break
		}
		rows, err := c.Store.Replicas(ctx, kind)
		if err != nil {
			return 0, err
		}
		for _, data := range rows {
			logKind := cell.LogVideo
			if kind == "profile" {
				logKind = cell.LogProfile
			}
			c.applyToIndex(&kurz.LogEntry{Kind: logKind, Data: data})
		}
	}
	for {
		entries, err := c.Store.LogAfter(ctx, seq, 5000)
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

// peerDown and peerUp record link health for /api/v1/regions, and log
// each change at WARN (down, or down for another cause) and INFO (up
// again), with the cause (link.Problem), so that a wrong secret, URL or
// topology shows at once instead of as silence.
func (c *Service) peerDown(peer kurz.Region, err error) {
	why := link.Problem(err)
	c.healthMu.Lock()
	h := c.health[peer]
	changed := h.Up || h.Reason != why || h.DownSince.IsZero()
	if h.Up || h.DownSince.IsZero() {
		h.DownSince = c.Now()
	}
	h.Up, h.Reason = false, why
	c.health[peer] = h
	c.healthMu.Unlock()
	if changed {
		c.Log.Warn("peer region unreachable", "peer", peer, "cause", why)
	}
}

func (c *Service) peerUp(peer kurz.Region, seq, head int64, last *kurz.LogEntry) {
	c.healthMu.Lock()
	was := c.health[peer]
	c.posMu.Lock()
	gen, resyncing := c.gen[peer], c.resyncTo[peer] > seq
	c.posMu.Unlock()
	h := PeerHealth{Up: true, Seq: seq, Head: max(head, seq), LagEvents: max(head-seq, 0), At: c.Now(), Generation: gen, Resyncing: resyncing}
	if last != nil && h.LagEvents > 0 {
		h.LagSeconds = c.Now().Sub(last.CreatedAt).Seconds()
	}
	c.health[peer] = h
	c.healthMu.Unlock()
	if !was.Up && !was.DownSince.IsZero() {
		c.Log.Info("peer region reachable again", "peer", peer, "down_seconds", int(c.Now().Sub(was.DownSince).Seconds()))
	}
}

// PeerHealth is what a region knows about a peer's public log: how far it
// has applied it, how far the peer had written at last contact, and how
// far behind that is in entries and in seconds. A peer that cannot be
// followed has a Reason (shown to staff only) and the time since when.
type PeerHealth struct {
	Up         bool      `json:"up"`
	Seq        int64     `json:"applied_seq"`
	Head       int64     `json:"peer_head_seq"`
	LagEvents  int64     `json:"lag_events"`
	LagSeconds float64   `json:"lag_seconds"`
	At         time.Time `json:"last_contact"`
	Reason     string    `json:"reason,omitempty"`
	// Generation is the generation of the peer's log applied here;
	// Resyncing says its log is being read again from the start (after a
	// restore of the peer, or falling behind its compaction), so what is
	// held of it is incomplete until LagEvents reaches 0.
	Generation string    `json:"generation,omitempty"`
	Resyncing  bool      `json:"resyncing,omitempty"`
	DownSince  time.Time `json:"down_since,omitzero"`
}

// Start loads the catalogue and starts the region's loops: its
// own log, every peer's log, and the counter-delta sender.
func (c *Service) Start(ctx context.Context) error {
	// Until the own log has been read to its end, the catalogue is not
	// the database's view of the region's videos.
	c.Outbox.CatalogLoading()
	seq, err := c.loadIndex(ctx)
	if err != nil {
		return err
	}
	c.ownSeq.Store(seq)
	c.AtClose(c.saveSnapshot)
	c.Go(func(ctx context.Context) { c.followOwnLog(ctx, seq) })
	c.Go(func(ctx context.Context) { c.Lead(ctx, "compact", c.compactLoop, nil) })
	for _, r := range c.Regions {
		if r != c.Region {
			c.Go(func(ctx context.Context) { c.followPeer(ctx, r) })
		}
	}
	// One node of the region sends the queued deltas.
	c.Go(func(ctx context.Context) { c.Lead(ctx, "deltas", c.sendDeltas, nil) })
	return nil
}

// Health reports the link state of every peer.
// HealthFor is Health as a viewer may see it: why a peer is down only for
// the region's staff.
func (c *Service) HealthFor(staff bool) map[kurz.Region]PeerHealth {
	out := c.Health()
	for p, h := range out {
		if !staff {
			h.Reason = ""
		}
		out[p] = h
	}
	return out
}

func (c *Service) Health() map[kurz.Region]PeerHealth {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	out := map[kurz.Region]PeerHealth{}
	for r, h := range c.health {
		out[r] = h
	}
	return out
}

// sendDeltas delivers queued deltas to their regions, retrying failures;
// the receiver applies each key once.
func (c *Service) sendDeltas(ctx context.Context) {
	for ctx.Err() == nil {
		ch := c.Outbox.LogWait()
		pending, err := c.Store.PendingDeltas(ctx, 200)
		if err != nil {
			cell.Sleep(ctx, time.Second)
			continue
		}
		byRegion := map[kurz.Region][]*kurz.Delta{}
		for _, d := range pending {
			byRegion[d.Region] = append(byRegion[d.Region], d)
		}
		failed := false
		for region, ds := range byRegion {
			batch := make(link.ApplyDeltasRequest, len(ds))
			for i, d := range ds {
				batch[i] = link.CounterDelta{Key: d.Key, ObjectID: d.ObjectID, Field: d.Field, Delta: d.Delta, Day: kurz.Day(d.CreatedAt)}
				if d.Note != "" {
					var n link.InboxNote
					if json.Unmarshal([]byte(d.Note), &n) == nil {
						batch[i].Note = &n
					}
				}
			}
			if err := c.Link.ApplyDeltas(ctx, region, batch); err != nil {
				failed = true
				continue
			}
			for _, d := range ds {
				if err := c.Store.DeleteDelta(ctx, d.Key); err != nil {
					failed = true
				}
			}
		}
		switch {
		case failed:
			cell.Sleep(ctx, time.Second)
		case len(pending) == 200:
		default:
			select {
			case <-ch:
			case <-time.After(2 * time.Second):
			case <-ctx.Done():
			}
		}
	}
}

// publicCounter are the fields kept as public counters of a video or
// profile; the other fields of kurz.VideoStatFields are daily counts only.
var publicCounter = map[string]bool{"likes": true, "comments": true, "views": true, "followers": true, "comment_likes": true}

// statDay is the day a delta is counted on: the day it happened, unless
// that is unknown, in the future or more than a week back (a clock far
// off), then today.
func statDay(day int64, now time.Time) int64 {
	today := kurz.Day(now)
	if day <= 0 || day > today || day < today-7 {
		return today
	}
	return day
}

// applyDeltas folds incoming deltas into this region's counters, each key
// once, and publishes the new counts.
func (c *Service) applyDeltas(ctx context.Context, from kurz.Region, batch link.ApplyDeltasRequest) error {
	return c.Tx(ctx, func(q kurz.Queries) error {
		touched := map[string]bool{}
		for _, d := range batch {
			region, err := kurz.ParseID(d.ObjectID)
			if err != nil || region != c.Region {
				return kurz.Errorf(kurz.EInvalid, "delta for an object of another region")
			}
			table, field := "videos", d.Field
			switch d.Field {
			case "followers":
				table = "profiles"
			case "comment_likes":
				// A comment's likes: read live with the comment, never on
				// the public log.
				table, field = "comments", "likes"
			}
			fresh, err := q.MarkDeltaApplied(ctx, d.Key, c.Now())
			if err != nil {
				return err
			}
			if !fresh {
				continue
			}
			if d.Note != nil {
				if err := c.deliverNote(ctx, q, from, d); err != nil {
					return err
				}
			}
			if d.Field == cell.NotifyMention {
				continue // a note only
			}
			stat := table == "videos" && slices.Contains(kurz.VideoStatFields, d.Field)
			if stat {
				if err := q.AddVideoStat(ctx, d.ObjectID, statDay(d.Day, c.Now()), d.Field, d.Delta); err != nil {
					return err
				}
			}
			if !publicCounter[d.Field] {
				if !stat {
					return kurz.Errorf(kurz.EInvalid, "no counter %s", d.Field)
				}
				continue // a daily count only (shares, watch time, completions)
			}
			if err := q.AddCounter(ctx, table, d.ObjectID, field, d.Delta); err != nil {
				return err
			}
			if table != "comments" {
				touched[table+"/"+d.ObjectID] = true
			}
		}
		for key := range touched {
			table, id, _ := strings.Cut(key, "/")
			if table == "profiles" {
				p, err := q.ProfileByID(ctx, id)
				if errors.Is(err, kurz.ErrNotFound) {
					continue
				} else if err != nil {
					return err
				}
				if err := c.Outbox.PublishProfile(ctx, q, p); err != nil {
					return err
				}
				continue
			}
			v, err := q.VideoByID(ctx, id)
			if errors.Is(err, kurz.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			if err := c.Outbox.SyncVideoLog(ctx, q, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// deliverNote puts a delta's inbox note in the inbox of the person it
// concerns: a video's owner (likes), a followee (followers), a person
// mentioned (mention). The actor is named only by the public profile of
// the handle the note gives, and only when that profile is one of the
// sending region's people; a note naming anyone else is counted without
// a name. One actor notifies once per object (ActorKey).
func (c *Service) deliverNote(ctx context.Context, q kurz.Queries, from kurz.Region, d link.CounterDelta) error {
	n := d.Note
	if d.Delta < 0 || len(n.ActorKey) != 64 {
		return nil
	}
	data := map[string]any{}
	if n.Handle != "" {
		if p, ok := c.Index.ProfileByHandle(n.Handle); ok {
			if r, _ := kurz.ParseID(p.ID); r == from {
				data["actor"] = cell.Actor{Handle: p.Handle, DisplayName: p.DisplayName}
			}
		}
	}
	var to, kind, group string
	switch d.Field {
	case "likes":
		v, err := q.VideoByID(ctx, d.ObjectID)
		if errors.Is(err, kurz.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		to, kind, group = v.OwnerID, cell.NotifyLike, "like:"+v.ID
		data["video_id"] = v.ID
	case "followers":
		to, kind, group = d.ObjectID, cell.NotifyFollow, "follow"
	case cell.NotifyMention:
		vr, err1 := kurz.ParseID(n.VideoID)
		cr, err2 := kurz.ParseID(n.CommentID)
		if err1 != nil || err2 != nil || vr != from || cr != from || data["actor"] == nil || utf8.RuneCountInString(n.Text) > 500 {
			return nil // a mention is of the sending region's comment, by a person it names
		}
		to, kind, group = d.ObjectID, cell.NotifyMention, "mention:"+n.CommentID
		data["video_id"], data["comment_id"], data["text"] = n.VideoID, n.CommentID, n.Text
	default:
		return nil
	}
	err := c.Inbox.NotifyGroup(ctx, q, to, kind, group, string(from)+":"+n.ActorKey, data)
	if errors.Is(err, kurz.ErrNotFound) {
		return nil // the person is gone
	}
	return err
}

// RegisterLink registers the public log and counter deltas on the region
// link.
func (c *Service) RegisterLink(m *link.Mux) {
	link.Handle(m, link.RouteLogSince, func(ctx context.Context, from kurz.Region, in *link.LogSinceRequest) (*link.LogSinceResponse, error) {
		if in.After > 0 && !in.FromStart {
			if s, err := c.compactor(); err == nil {
				horizon, err := s.LogHorizon(ctx)
				if err != nil {
					return nil, err
				}
				if in.After < horizon {
					head, err := c.Store.LastLogSeq(ctx)
					if err != nil {
						return nil, err
					}
					gen, err := c.Generation(ctx)
					if err != nil {
						return nil, err
					}
					return &link.LogSinceResponse{Entries: []*kurz.LogEntry{}, Head: head, Behind: true, Generation: gen}, nil
				}
			}
		}
		entries, err := c.Outbox.LogSince(ctx, in.After, time.Duration(min(max(in.WaitSeconds, 0), 25))*time.Second)
		if err != nil {
			return nil, err
		}
		if entries == nil {
			entries = []*kurz.LogEntry{}
		}
		head, err := c.Store.LastLogSeq(ctx)
		if err != nil {
			return nil, err
		}
		gen, err := c.Generation(ctx)
		if err != nil {
			return nil, err
		}
		return &link.LogSinceResponse{Entries: entries, Head: head, Generation: gen}, nil
	})
	link.Handle(m, link.RouteApplyDeltas, func(ctx context.Context, from kurz.Region, in *link.ApplyDeltasRequest) (*link.Empty, error) {
		return nil, c.applyDeltas(ctx, from, *in)
	})
}
