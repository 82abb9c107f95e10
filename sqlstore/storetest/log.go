package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"kurz"
)

// Log: the public log, replicas of other regions' objects and how far
// each peer's log has been read.
var logTests = []test{
	{"PublicLog", testPublicLog},
	{"LogSeqNotReused", testLogSeqNotReused},
	{"LogTail", testLogTail},
	{"RedactLog", testRedactLog},
	{"Replicas", testReplicas},
	{"LogPositions", testLogPositions},
	{"CompactLog", testCompactLog},
	{"DropReplicas", testDropReplicas},
	{"DetachRegion", testDetachRegion},
	{"LogGenerations", testLogGenerations},
}

func appendLog(t *testing.T, q kurz.Queries, kind, id string, n int) *kurz.LogEntry {
	t.Helper()
	e := &kurz.LogEntry{Kind: kind, ObjectID: id, Data: fmt.Appendf(nil, `{"id":%q,"n":%d}`, id, n), CreatedAt: at(n)}
	noErr(t, q.AppendLog(ctx(), e))
	return e
}

func logSeqs(es []*kurz.LogEntry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

func testPublicLog(t *testing.T, s kurz.Store) {
	if seq := must(s.LastLogSeq(ctx()))(t); seq != 0 {
		t.Fatalf("LastLogSeq of an empty log = %d", seq)
	}
	if got := must(s.LogAfter(ctx(), 0, 10))(t); len(got) != 0 {
		t.Fatalf("LogAfter of an empty log = %v", got)
	}
	var all []*kurz.LogEntry
	for i := range 5 {
		var e *kurz.LogEntry
		// The writer lock taken first (as a transaction deciding what
		// to publish does) and again by the append.
		noErr(t, s.Tx(ctx(), func(q kurz.Queries) error {
			if err := q.LockLog(ctx()); err != nil {
				return err
			}
			e = appendLog(t, q, "video", fmt.Sprint("eu_v", i), i)
			return nil
		}))
		if e.Seq <= 0 || (i > 0 && e.Seq <= all[i-1].Seq) {
			t.Fatalf("AppendLog set seq %d after %v", e.Seq, logSeqs(all))
		}
		all = append(all, e)
	}
	if seq := must(s.LastLogSeq(ctx()))(t); seq != all[4].Seq {
		t.Fatalf("LastLogSeq = %d, want %d", seq, all[4].Seq)
	}
	got := must(s.LogAfter(ctx(), 0, 100))(t)
	if !slices.Equal(logSeqs(got), logSeqs(all)) {
		t.Fatalf("LogAfter(0) = %v, want %v", logSeqs(got), logSeqs(all))
	}
	for i, e := range got {
		w := all[i]
		if e.Kind != w.Kind || e.ObjectID != w.ObjectID || !bytes.Equal(e.Data, w.Data) || !e.CreatedAt.Equal(w.CreatedAt) {
			t.Fatalf("entry %d = %+v, want %+v", i, e, w)
		}
	}
	// After a position, bounded by the limit, in order.
	if got := logSeqs(must(s.LogAfter(ctx(), all[1].Seq, 2))(t)); !slices.Equal(got, logSeqs(all[2:4])) {
		t.Fatalf("LogAfter(%d, 2) = %v, want %v", all[1].Seq, got, logSeqs(all[2:4]))
	}
	if got := must(s.LogAfter(ctx(), all[4].Seq, 10))(t); len(got) != 0 {
		t.Fatalf("LogAfter the last entry = %v", logSeqs(got))
	}
}

// testLogSeqNotReused: peers remember the last sequence number they read,
// so a number is never handed out twice, even after the newest entries
// are redacted.
func testLogSeqNotReused(t *testing.T, s kurz.Store) {
	appendLog(t, s, "video", "eu_a", 1)
	last := appendLog(t, s, "profile", "eu_p", 2)
	noErr(t, s.RedactLog(ctx(), "eu_p"))
	next := appendLog(t, s, "video", "eu_b", 3)
	if next.Seq <= last.Seq {
		t.Fatalf("seq %d handed out again after redaction (now %d)", last.Seq, next.Seq)
	}
	// A reader at last.Seq sees the new entry.
	if got := logSeqs(must(s.LogAfter(ctx(), last.Seq, 10))(t)); !slices.Equal(got, []int64{next.Seq}) {
		t.Fatalf("LogAfter(%d) = %v, want [%d]", last.Seq, got, next.Seq)
	}
}

// testLogTail: entries become visible in sequence order, so a reader that
// follows the log from its last position (as peers and the outbox do)
// never skips an entry, however writers interleave.
func testLogTail(t *testing.T, s kurz.Store) {
	const writers, each = 6, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				errs <- s.Tx(ctx(), func(q kurz.Queries) error {
					e := &kurz.LogEntry{Kind: "video", ObjectID: fmt.Sprintf("eu_w%d_%d", w, i), Data: []byte("{}"), CreatedAt: at(i)}
					if err := q.AppendLog(ctx(), e); err != nil {
						return err
					}
					time.Sleep(2 * time.Millisecond) // hold the transaction open after the insert
					return nil
				})
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	var seen []*kurz.LogEntry
	var pos int64
	read := func() {
		for {
			page := must(s.LogAfter(ctx(), pos, 7))(t)
			if len(page) == 0 {
				return
			}
			seen = append(seen, page...)
			pos = page[len(page)-1].Seq
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			read()
		}
	}
	read()
	close(errs)
	for err := range errs {
		noErr(t, err)
	}
	all := must(s.LogAfter(ctx(), 0, 1000))(t)
	if len(all) != writers*each {
		t.Fatalf("log has %d entries, want %d", len(all), writers*each)
	}
	if !slices.Equal(logSeqs(seen), logSeqs(all)) {
		t.Fatalf("a reader following the log saw %d entries %v; the log has %v", len(seen), logSeqs(seen), logSeqs(all))
	}
}

func testRedactLog(t *testing.T, s kurz.Store) {
	v := appendLog(t, s, "video", "eu_v", 1)
	appendLog(t, s, "profile", "eu_p", 2)
	gone := appendLog(t, s, "video_gone", "eu_v", 3)
	other := appendLog(t, s, "video", "eu_w", 4)
	appendLog(t, s, "video", "eu_v", 5)
	profileGone := appendLog(t, s, "profile_gone", "eu_p", 6)
	noErr(t, s.RedactLog(ctx(), "eu_v"))
	noErr(t, s.RedactLog(ctx(), "eu_p"))
	// Snapshots of the objects go; the facts that they are gone stay, and
	// so do other objects' entries.
	want := []int64{gone.Seq, other.Seq, profileGone.Seq}
	if got := logSeqs(must(s.LogAfter(ctx(), 0, 100))(t)); !slices.Equal(got, want) {
		t.Fatalf("log after RedactLog = %v, want %v", got, want)
	}
	if got := logSeqs(must(s.LogAfter(ctx(), v.Seq, 1))(t)); !slices.Equal(got, want[:1]) {
		t.Fatalf("LogAfter across redacted entries = %v, want %v", got, want[:1])
	}
	noErr(t, s.RedactLog(ctx(), "eu_nothing"))
}

func testReplicas(t *testing.T, s kurz.Store) {
	noErr(t, s.PutReplica(ctx(), "video", "us_1", []byte(`{"v":1}`), 10))
	noErr(t, s.PutReplica(ctx(), "profile", "us_1", []byte(`{"p":1}`), 11)) // kinds are separate
	noErr(t, s.PutReplica(ctx(), "video", "us_2", []byte(`{"v":2}`), 12))
	replica := func(kind, id string) string {
		t.Helper()
		return string(must(s.Replica(ctx(), kind, id))(t))
	}
	if got := replica("video", "us_1"); got != `{"v":1}` {
		t.Fatalf("Replica = %s", got)
	}
	if got := replica("profile", "us_1"); got != `{"p":1}` {
		t.Fatalf("Replica(profile) = %s", got)
	}
	// A newer copy replaces; an older or equal one does not (entries may
	// arrive twice or out of order).
	noErr(t, s.PutReplica(ctx(), "video", "us_1", []byte(`{"v":"new"}`), 20))
	noErr(t, s.PutReplica(ctx(), "video", "us_1", []byte(`{"v":"old"}`), 15))
	noErr(t, s.PutReplica(ctx(), "video", "us_1", []byte(`{"v":"same"}`), 20))
	if got := replica("video", "us_1"); got != `{"v":"new"}` {
		t.Fatalf("Replica after older puts = %s, want the seq 20 copy", got)
	}
	var list []string
	for _, b := range must(s.Replicas(ctx(), "video"))(t) {
		list = append(list, string(b))
	}
	wantSet(t, "Replicas(video)", list, `{"v":"new"}`, `{"v":2}`)
	if got := must(s.Replicas(ctx(), "comment"))(t); len(got) != 0 {
		t.Fatalf("Replicas of an unused kind = %q", got)
	}

	noErr(t, s.DeleteReplica(ctx(), "video", "us_1"))
	_, err := s.Replica(ctx(), "video", "us_1")
	wantNotFound(t, err, "Replica after delete")
	_, err = s.Replica(ctx(), "video", "us_9")
	wantNotFound(t, err, "Replica never stored")
	if got := replica("profile", "us_1"); got != `{"p":1}` {
		t.Fatalf("DeleteReplica of a video removed the profile: %s", got)
	}
	noErr(t, s.DeleteReplica(ctx(), "video", "us_1"))
	// After a delete, any copy is newer than nothing.
	noErr(t, s.PutReplica(ctx(), "video", "us_1", []byte(`{"v":"back"}`), 1))
	if got := replica("video", "us_1"); got != `{"v":"back"}` {
		t.Fatalf("Replica stored again = %s", got)
	}
}

func testLogPositions(t *testing.T, s kurz.Store) {
	if seq, err := s.LogPosition(ctx(), "us"); err != nil || seq != 0 {
		t.Fatalf("LogPosition of a region never read = %d, %v; want 0, nil", seq, err)
	}
	noErr(t, s.SetLogPosition(ctx(), "us", 42, at(1)))
	noErr(t, s.SetLogPosition(ctx(), "sg", 7, at(1)))
	noErr(t, s.SetLogPosition(ctx(), "us", 50, at(2)))
	for region, want := range map[kurz.Region]int64{"us": 50, "sg": 7, "eu": 0} {
		if seq := must(s.LogPosition(ctx(), region))(t); seq != want {
			t.Fatalf("LogPosition(%s) = %d, want %d", region, seq, want)
		}
	}
	// A follower applies a page of entries and its new position in one
	// transaction: if applying fails, neither moves.
	failed := errors.New("apply failed")
	err := s.Tx(ctx(), func(q kurz.Queries) error {
		if err := q.PutReplica(ctx(), "video", "us_v", []byte("{}"), 60); err != nil {
			return err
		}
		if err := q.SetLogPosition(ctx(), "us", 60, at(4)); err != nil {
			return err
		}
		if seq := must(q.LogPosition(ctx(), "us"))(t); seq != 60 {
			t.Errorf("LogPosition inside the transaction = %d, want 60", seq)
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Tx = %v", err)
	}
	if seq := must(s.LogPosition(ctx(), "us"))(t); seq != 50 {
		t.Fatalf("LogPosition after a rolled-back Tx = %d, want 50", seq)
	}
	_, err = s.Replica(ctx(), "video", "us_v")
	wantNotFound(t, err, "replica of a rolled-back Tx")
}
