package replication

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/cell"
	"kurz/link"
)

// TombstoneTTL is how long compaction keeps a "gone" entry in the public
// log: a peer that has not read the log for longer re-reads it from the
// start (it answers Behind) instead of missing the removal.
const TombstoneTTL = 7 * 24 * time.Hour

// CompactEvery is how often the region's leading node compacts its log.
const CompactEvery = time.Hour

// Compactor is what a store offers for log compaction and for dropping a
// peer's replicas (sqlstore.DB does).
type Compactor interface {
	CompactLog(ctx context.Context, tombstonesBefore time.Time) (deleted, horizon int64, err error)
	LogHorizon(ctx context.Context) (int64, error)
	DropReplicas(ctx context.Context, r kurz.Region) (int64, error)
}

func (c *Service) compactor() (Compactor, error) {
	s, ok := c.Store.(Compactor)
	if !ok {
		return nil, errors.New("replication: the store cannot compact its log")
	}
	return s, nil
}

// Compact compacts the region's public log once: the latest entry per
// object stays, tombstones older than TombstoneTTL go.
func (c *Service) Compact(ctx context.Context) (deleted, horizon int64, err error) {
	s, err := c.compactor()
	if err != nil {
		return 0, 0, err
	}
	deleted, horizon, err = s.CompactLog(ctx, c.Now().Add(-TombstoneTTL))
	if err == nil && deleted > 0 {
		// Dropped entries (old versions of since-changed captions among
		// them) leave the write-ahead log too.
		err = c.Store.Checkpoint(ctx)
	}
	return deleted, horizon, err
}

// compactLoop compacts the log every CompactEvery on the leading node.
func (c *Service) compactLoop(ctx context.Context) {
	for {
		cell.Sleep(ctx, CompactEvery)
		if ctx.Err() != nil {
			return
		}
		if n, h, err := c.Compact(ctx); err != nil {
			c.Log.Warn("compacting the public log", "err", err)
		} else if n > 0 {
			c.Log.Info("compacted the public log", "dropped", n, "horizon", h)
		}
		if s, ok := c.Store.(Generations); ok {
			if _, err := s.ForgetDeliveredDeltas(ctx, c.Now().Add(-DeltaKeep)); err != nil {
				c.Log.Warn("forgetting delivered deltas", "err", err)
			}
		}
	}
}

// resync drops everything held of peer (replicas, position, catalogue
// entries) so its log is read again from the start: the answer when this
// region fell behind the peer's compaction horizon.
func (c *Service) resync(ctx context.Context, peer kurz.Region, head int64) error {
	s, err := c.compactor()
	if err != nil {
		return err
	}
	if _, err := s.DropReplicas(ctx, peer); err != nil {
		return err
	}
	c.dropFromIndex(peer)
	c.posMu.Lock()
	c.pos[peer] = 0
	c.resyncTo[peer] = head
	c.posMu.Unlock()
	c.Log.Warn("behind a peer's compaction horizon: reading its log again from the start", "peer", peer)
	return nil
}

// dropFromIndex removes peer's objects from this node's catalogue and
// purges their media from the edge cache.
func (c *Service) dropFromIndex(peer kurz.Region) {
	if c.OnVideoGone != nil {
		for _, id := range c.Index.VideoIDs(string(peer)) {
			c.OnVideoGone(id)
		}
	}
	c.Index.RemoveRegion(string(peer))
}

// fromStart says whether reading peer's log is a re-read from the start.
func (c *Service) fromStart(peer kurz.Region, pos int64) bool {
	c.posMu.Lock()
	defer c.posMu.Unlock()
	if pos >= c.resyncTo[peer] {
		delete(c.resyncTo, peer)
		return false
	}
	return true
}

// Drop forgets peer entirely: its replicas, this region's position in its
// log and its objects in the catalogue ("kurz region detach").
func (c *Service) Drop(ctx context.Context, peer kurz.Region) (int64, error) {
	s, err := c.compactor()
	if err != nil {
		return 0, err
	}
	n, err := s.DropReplicas(ctx, peer)
	if err != nil {
		return n, err
	}
	c.dropFromIndex(peer)
	return n, c.Store.Checkpoint(ctx)
}

// snapshotPath is where this node keeps its catalogue between runs.
func (c *Service) snapshotPath() string {
	if c.Dir == "" {
		return ""
	}
	return filepath.Join(c.Dir, SnapshotFile)
}

// SnapshotFile is the catalogue snapshot's file name in a region's folder.
const SnapshotFile = "catalogue.snapshot"

// loadSnapshot fills the catalogue from the snapshot a clean stop left,
// if it fits the database: its own part if the own log still holds every
// entry after it; the peers' part only if every peer's position is the
// one it reflects. It returns the own log position to replay from and
// whether the peers' replicas are loaded. The file is removed once read:
// while the region runs, only the database is the truth (and erased
// people's public data must not linger in a file).
func (c *Service) loadSnapshot(ctx context.Context) (ownSeq int64, peersLoaded, used bool, err error) {
	path := c.snapshotPath()
	if path == "" {
		return 0, false, false, nil
	}
	// Read as a stream (the catalogue keeps nothing of the file, and a
	// start holds no copy of it beside the catalogue).
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, false, nil
	}
	if err != nil {
		return 0, false, false, err
	}
	defer os.Remove(path)
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, false, false, err
	}
	var checkErr error
	own := string(c.Region) + "_"
	meta, used, err := c.Index.ReadSnapshot(bufio.NewReaderSize(f, 1<<16), st.Size(), func(meta catalog.SnapshotMeta) func(string) bool {
		if meta.Region != string(c.Region) {
			c.Log.Warn("catalogue snapshot not used", "snapshot_region", meta.Region)
			return nil
		}
		head, err := c.Store.LastLogSeq(ctx)
		if err != nil {
			checkErr = err
			return nil
		}
		horizon := int64(0)
		if s, err := c.compactor(); err == nil {
			if horizon, err = s.LogHorizon(ctx); err != nil {
				checkErr = err
				return nil
			}
		}
		if meta.OwnSeq > head || meta.OwnSeq < horizon {
			return nil // another database, or removals since are compacted away
		}
		peersLoaded = true
		for _, r := range c.Regions {
			if r == c.Region {
				continue
			}
			pos, err := c.Store.LogPosition(ctx, r)
			if err != nil {
				checkErr = err
				return nil
			}
			if pos != meta.Peers[string(r)] {
				peersLoaded = false
			}
		}
		return func(id string) bool { return peersLoaded || strings.HasPrefix(id, own) }
	})
	if checkErr != nil {
		return 0, false, false, checkErr
	}
	if err != nil && !used {
		c.Log.Warn("catalogue snapshot not used", "err", err)
		return 0, false, false, nil
	}
	if err != nil {
		// Half loaded: start again from the database alone.
		c.Index.RemoveRegion(string(c.Region))
		for _, r := range c.Regions {
			c.Index.RemoveRegion(string(r))
		}
		c.Log.Warn("catalogue snapshot not used", "err", err)
		return 0, false, false, nil
	}
	if !used {
		return 0, false, false, nil
	}
	return meta.OwnSeq, peersLoaded, true, nil
}

// saveSnapshot writes the catalogue for the next start; called when the
// region closes, after its loops have stopped.
func (c *Service) saveSnapshot() {
	path := c.snapshotPath()
	if path == "" {
		return
	}
	meta := catalog.SnapshotMeta{Region: string(c.Region), OwnSeq: c.ownSeq.Load(), Peers: map[string]int64{}}
	c.posMu.Lock()
	for r, p := range c.pos {
		meta.Peers[string(r)] = p
	}
	c.posMu.Unlock()
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err == nil {
		err = c.Index.WriteSnapshot(f, meta)
		if err == nil {
			err = f.Sync()
		}
		if e := f.Close(); err == nil {
			err = e
		}
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		c.Log.Warn("writing the catalogue snapshot", "err", err)
	}
}

// Generations is what a store offers for log generations (sqlstore.DB
// does): the region's own, made on first use, and the one of each peer's
// log it has applied.
type Generations interface {
	LogGeneration(ctx context.Context) (string, error)
	PeerGeneration(ctx context.Context, peer kurz.Region) (string, error)
	SetPeerGeneration(ctx context.Context, peer kurz.Region, g string) error
	// ResendDeltas queues again the counter deltas delivered to peer.
	ResendDeltas(ctx context.Context, peer kurz.Region) (int64, error)
	// ForgetDeliveredDeltas drops the deltas delivered before t.
	ForgetDeliveredDeltas(ctx context.Context, t time.Time) (int64, error)
}

// DeltaKeep is how long delivered counter deltas are kept: a peer
// restored from a backup younger than that is sent again the likes,
// views and follows of this region's people that it lost.
const DeltaKeep = 35 * 24 * time.Hour

// Generation is the generation of the region's own public log, sent with
// every log answer ("" for a store without generations).
func (c *Service) Generation(ctx context.Context) (string, error) {
	if g := c.ownGen.Load(); g != nil {
		return *g, nil
	}
	s, ok := c.Store.(Generations)
	if !ok {
		return "", nil
	}
	g, err := s.LogGeneration(ctx)
	if err != nil {
		return "", err
	}
	c.ownGen.Store(&g)
	return g, nil
}

// checkGeneration compares a log answer of peer with what this region
// has applied: a generation other than the one recorded, or a head below
// the position applied, means the peer's log went back (it was restored
// from a backup) and may carry other entries under the numbers already
// read. Then everything held of the peer goes (replicas, position,
// catalogue entries, edge copies) and its log is read again from the
// start, with a WARN naming both generations. It reports whether it did.
func (c *Service) checkGeneration(ctx context.Context, peer kurz.Region, pos int64, out *link.LogSinceResponse) (bool, error) {
	s, ok := c.Store.(Generations)
	if !ok {
		return false, nil
	}
	known, err := s.PeerGeneration(ctx, peer)
	if err != nil {
		return false, err
	}
	changed := out.Generation != "" && known != "" && known != out.Generation
	if !changed && out.Head >= pos {
		if out.Generation != "" && known != out.Generation {
			// First contact, or the first since generations exist.
			if err := s.SetPeerGeneration(ctx, peer, out.Generation); err != nil {
				return false, err
			}
		}
		if out.Generation != "" {
			c.posMu.Lock()
			c.gen[peer] = out.Generation
			c.posMu.Unlock()
		}
		return false, nil
	}
	cp, err := c.compactor()
	if err != nil {
		return false, err
	}
	if _, err := cp.DropReplicas(ctx, peer); err != nil {
		return false, err
	}
	if out.Generation != "" {
		if err := s.SetPeerGeneration(ctx, peer, out.Generation); err != nil {
			return false, err
		}
	}
	// The counters the peer lost with its restore: every delta still
	// kept goes again, and the peer applies the keys it does not know.
	resent, err := s.ResendDeltas(ctx, peer)
	if err != nil {
		return false, err
	}
	c.Outbox.LogNotify()
	c.dropFromIndex(peer)
	c.posMu.Lock()
	c.pos[peer], c.resyncTo[peer], c.gen[peer] = 0, out.Head, out.Generation
	c.posMu.Unlock()
	c.healthMu.Lock()
	h := c.health[peer]
	h.Seq, h.Head, h.LagEvents, h.Generation, h.Resyncing = 0, out.Head, out.Head, out.Generation, true
	c.health[peer] = h
	c.healthMu.Unlock()
	// Removed replicas must not live on in the write-ahead log.
	if err := c.Store.Checkpoint(ctx); err != nil {
		c.Log.Warn("checkpoint after dropping replicas", "err", err)
	}
	c.Log.Warn("a peer region's log went back (restored from a backup): dropping what is held of it and reading its log again from the start",
		"peer", peer, "old_generation", known, "new_generation", out.Generation, "applied_seq", pos, "peer_head_seq", out.Head, "deltas_resent", resent)
	return true, nil
}

// generationChanged records the generation of peer's log that this
// node's catalogue follows and reports whether it changed.
func (c *Service) generationChanged(peer kurz.Region, g string) bool {
	if g == "" {
		return false
	}
	c.posMu.Lock()
	defer c.posMu.Unlock()
	old := c.gen[peer]
	c.gen[peer] = g
	return old != "" && old != g
}
