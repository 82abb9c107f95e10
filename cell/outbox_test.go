package cell_test

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"kurz"
	"kurz/cell"
	"kurz/sqlite"
	"kurz/sqlstore"
)

// TestCatalogCurrent: a commit that wrote the public log makes the
// catalogue not current until a read of the log taken after that commit
// was applied: whether the write came through Cell.Tx (which tells the
// outbox) or straight through the store (whose commit tells it), and a
// read taken before the write does not count for it. Reads of public
// videos answer from the catalogue only while it is current, so a
// takedown is never served from a catalogue that has not applied it.
func TestCatalogCurrent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, c := newOutboxCell(t)
	o := c.Outbox
	appendEntry := func(q kurz.Queries) error {
		return o.AppendLog(ctx, q, cell.LogProfileGone, kurz.NewID("eu"), map[string]string{"id": "x"})
	}
	if !o.CatalogCurrent() {
		t.Fatal("a catalogue with nothing written is not current")
	}
	// A transaction that writes no log entry changes nothing.
	if err := db.Tx(ctx, func(q kurz.Queries) error { return q.SetLogPosition(ctx, "us", 1, c.Now()) }); err != nil {
		t.Fatal(err)
	}
	if !o.CatalogCurrent() {
		t.Fatal("a commit without a log entry made the catalogue behind")
	}
	var seq int64
	read := func() uint64 {
		entries, mark, err := o.LogSinceMark(ctx, seq, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			seq = e.Seq
		}
		return mark
	}
	for _, via := range []string{"Cell.Tx", "the store"} {
		tx := c.Tx
		if via == "the store" {
			tx = db.Tx
		}
		before := read() // a read taken before the write
		if err := tx(ctx, appendEntry); err != nil {
			t.Fatal(err)
		}
		if o.CatalogCurrent() {
			t.Fatalf("via %s: current right after a log write", via)
		}
		o.CatalogApplied(before)
		if o.CatalogCurrent() {
			t.Fatalf("via %s: a read from before the write made the catalogue current", via)
		}
		o.CatalogApplied(read())
		if !o.CatalogCurrent() {
			t.Fatalf("via %s: not current after the log was read to its end", via)
		}
	}
}

// TestCommitWaitsForCatalogue: while the catalogue follows the log, a
// commit that wrote the public log returns only once the catalogue has
// applied it, so the request that made a change (a takedown, a deletion)
// answers only when this node serves it.
func TestCommitWaitsForCatalogue(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newOutboxCell(t)
	o := c.Outbox
	var applied atomic.Int64 // the last sequence the follower applied
	o.Following(true)
	go func() {
		var seq int64
		for ctx.Err() == nil {
			entries, mark, err := o.LogSinceMark(ctx, seq, time.Second)
			if err != nil {
				return
			}
			for _, e := range entries {
				time.Sleep(20 * time.Millisecond) // a slow catalogue
				seq = e.Seq
			}
			applied.Store(seq)
			o.CatalogApplied(mark)
		}
	}()
	for range 5 {
		var e kurz.LogEntry
		err := c.Tx(ctx, func(q kurz.Queries) error {
			if err := o.AppendLog(ctx, q, cell.LogProfileGone, kurz.NewID("eu"), map[string]string{"id": "x"}); err != nil {
				return err
			}
			last, err := q.LastLogSeq(ctx)
			e.Seq = last
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := applied.Load(); got < e.Seq || !o.CatalogCurrent() {
			t.Fatalf("commit of log entry %d returned with the catalogue at %d", e.Seq, got)
		}
	}
}

// newOutboxCell is a cell of region eu on a new SQLite database whose
// commits tell its outbox (as a region's do).
func newOutboxCell(t *testing.T) (*sqlstore.DB, *cell.Cell) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kurz.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &cell.Cell{Region: "eu", Store: db}
	c.Init()
	db.AfterLog(c.Outbox.Committed)
	return db, c
}
