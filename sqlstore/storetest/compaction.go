package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"kurz"
)

// compactor is what a region's store offers for log compaction and for
// dropping a peer's replicas (package replication asks for it).
type compactor interface {
	CompactLog(ctx context.Context, tombstonesBefore time.Time) (deleted, horizon int64, err error)
	LogHorizon(ctx context.Context) (int64, error)
	DropReplicas(ctx context.Context, r kurz.Region) (int64, error)
}

func asCompactor(t *testing.T, s kurz.Store) compactor {
	t.Helper()
	if r, ok := s.(recStore); ok {
		s = r.s
	}
	c, ok := s.(compactor)
	if !ok {
		t.Fatal("the store cannot compact its log")
	}
	return c
}

// testCompactLog: compaction keeps the latest entry per object (and the
// newest entry of all, so the head never goes back), drops
// tombstones only before the cut-off, and the horizon says how far.
func testCompactLog(t *testing.T, s kurz.Store) {
	c := asCompactor(t, s)
	var a3, b2, g *kurz.LogEntry
	noErr(t, s.Tx(ctx(), func(q kurz.Queries) error {
		appendLog(t, q, "video", "eu_a", 1)
		appendLog(t, q, "video", "eu_a", 2)
		appendLog(t, q, "video", "eu_b", 3)
		a3 = appendLog(t, q, "video", "eu_a", 4)
		appendLog(t, q, "video", "eu_gone", 5)
		g = appendLog(t, q, "video_gone", "eu_gone", 6)
		b2 = appendLog(t, q, "profile", "eu_b2", 100)
		return nil
	}))
	n, h, err := c.CompactLog(ctx(), at(0)) // no tombstone is old enough
	noErr(t, err)
	if n != 3 || h != 0 {
		t.Fatalf("CompactLog = %d dropped, horizon %d; want 3, 0", n, h)
	}
	all := must(s.LogAfter(ctx(), 0, 100))(t)
	var b *kurz.LogEntry
	for _, e := range all {
		if e.ObjectID == "eu_b" {
			b = e
		}
	}
	if want := []int64{b.Seq, a3.Seq, g.Seq, b2.Seq}; !slices.Equal(logSeqs(all), want) {
		t.Fatalf("log after compaction = %v, want %v", logSeqs(all), want)
	}
	n, h, err = c.CompactLog(ctx(), at(50))
	noErr(t, err)
	if n != 1 || h != g.Seq {
		t.Fatalf("CompactLog of old tombstones = %d dropped, horizon %d; want 1, %d", n, h, g.Seq)
	}
	if got := must(c.LogHorizon(ctx()))(t); got != g.Seq {
		t.Fatalf("LogHorizon = %d, want %d", got, g.Seq)
	}
	// Another compaction with nothing to drop keeps the horizon.
	if _, h, _ := c.CompactLog(ctx(), at(50)); h != g.Seq {
		t.Fatalf("horizon after an empty compaction = %d", h)
	}
	// New entries keep their sequence numbers growing.
	var e *kurz.LogEntry
	noErr(t, s.Tx(ctx(), func(q kurz.Queries) error { e = appendLog(t, q, "video", "eu_a", 200); return nil }))
	if e.Seq <= b2.Seq {
		t.Fatalf("seq after compaction %d, want > %d", e.Seq, b2.Seq)
	}
}

// testDropReplicas: a peer's replicas and position go, others' stay.
func testDropReplicas(t *testing.T, s kurz.Store) {
	c := asCompactor(t, s)
	noErr(t, s.PutReplica(ctx(), "video", "us_1", []byte(`{}`), 1))
	noErr(t, s.PutReplica(ctx(), "profile", "us_2", []byte(`{}`), 2))
	noErr(t, s.PutReplica(ctx(), "video", "sg_1", []byte(`{}`), 1))
	noErr(t, s.PutReplica(ctx(), "video", "usa_1", []byte(`{}`), 1))
	noErr(t, s.SetLogPosition(ctx(), "us", 2, at(1)))
	noErr(t, s.SetLogPosition(ctx(), "sg", 1, at(1)))
	if n := must(c.DropReplicas(ctx(), "us"))(t); n != 2 {
		t.Fatalf("DropReplicas = %d, want 2", n)
	}
	if p := must(s.LogPosition(ctx(), "us"))(t); p != 0 {
		t.Fatalf("position in us after drop = %d", p)
	}
	if p := must(s.LogPosition(ctx(), "sg"))(t); p != 1 {
		t.Fatalf("position in sg after dropping us = %d", p)
	}
	if len(must(s.Replicas(ctx(), "video"))(t)) != 2 {
		t.Fatal("other regions' replicas were dropped")
	}
}

// testDetachRegion: what points to region us goes, the rest stays, and
// the counters of videos that lost comments are recounted.
func testDetachRegion(t *testing.T, s kurz.Store) {
	inner := s
	if r, ok := s.(recStore); ok {
		inner = r.s
	}
	d, ok := inner.(interface {
		DetachRegion(ctx context.Context, r kurz.Region) (map[string]int64, []string, []string, error)
	})
	if !ok {
		t.Fatal("the store cannot detach a region")
	}
	p := mustProfile(t, s, "detacher")
	var v *kurz.Video
	noErr(t, s.Tx(ctx(), func(q kurz.Queries) error {
		v = mustVideo(t, q, p.ID, kurz.StatusReady, kurz.Public, at(1))
		return nil
	}))
	noErr(t, s.CreateComment(ctx(), &kurz.Comment{ID: kurz.NewID("eu"), VideoID: v.ID, AuthorID: "us_author", AuthorHandle: "a", Text: "from us", CreatedAt: at(2)}))
	noErr(t, s.CreateComment(ctx(), &kurz.Comment{ID: kurz.NewID("eu"), VideoID: v.ID, AuthorID: "sg_author", AuthorHandle: "b", Text: "from sg", CreatedAt: at(3)}))
	must(s.AddFollow(ctx(), p.ID, "us_someone", at(4)))(t)
	must(s.AddFollow(ctx(), p.ID, "sg_someone", at(4)))(t)
	must(s.AddLike(ctx(), p.ID, "us_video", at(5)))(t)
	noErr(t, s.QueueDelta(ctx(), &kurz.Delta{Key: "k1", Region: "us", ObjectID: "us_video", Field: "likes", Delta: 1, CreatedAt: at(5)}))
	noErr(t, s.CreateNotice(ctx(), &kurz.Notice{ID: "eu_n", ReporterID: p.ID, TargetRegion: "us", TargetType: "video", TargetID: "us_video",
		Category: "spam", ItemID: "us_i", CreatedAt: at(6)}))
	out, videos, people, err := d.DetachRegion(ctx(), "us")
	noErr(t, err)
	if out["comments"] != 1 || out["follows"] != 1 || out["likes"] != 1 || out["deltas"] != 1 || out["notices"] != 1 ||
		len(videos) != 1 || videos[0] != v.ID || len(people) != 1 || people[0] != p.ID {
		t.Fatalf("DetachRegion = %v %v %v", out, videos, people)
	}
	cs := must(s.CommentsOf(ctx(), v.ID, time.Time{}, "", 10))(t)
	if len(cs) != 1 || cs[0].AuthorID != "sg_author" {
		t.Fatalf("comments left: %+v", cs)
	}
	if got := must(s.VideoByID(ctx(), v.ID))(t); got.Comments != 1 {
		t.Fatalf("comment counter after detach = %d", got.Comments)
	}
	if got := must(s.ProfileByID(ctx(), p.ID))(t); got.Following != 1 {
		t.Fatalf("following counter after detach = %d", got.Following)
	}
}

// generations is what a region's store offers for log generations.
type generations interface {
	LogGeneration(ctx context.Context) (string, error)
	SetLogGeneration(ctx context.Context, g string) error
	PeerGeneration(ctx context.Context, peer kurz.Region) (string, error)
	SetPeerGeneration(ctx context.Context, peer kurz.Region, g string) error
	ResendDeltas(ctx context.Context, peer kurz.Region) (int64, error)
	ForgetDeliveredDeltas(ctx context.Context, t time.Time) (int64, error)
}

// testLogGenerations: the log's generation is made once and kept until a
// restore sets another; a peer's generation survives dropping its
// replicas (a re-sync) and is per peer.
func testLogGenerations(t *testing.T, s kurz.Store) {
	if r, ok := s.(recStore); ok {
		s = r.s
	}
	g, ok := s.(generations)
	if !ok {
		t.Fatal("the store has no log generations")
	}
	first := must(g.LogGeneration(ctx()))(t)
	if again := must(g.LogGeneration(ctx()))(t); len(first) != 32 || again != first {
		t.Fatalf("generation %q, then %q", first, again)
	}
	noErr(t, g.SetLogGeneration(ctx(), "restored"))
	if got := must(g.LogGeneration(ctx()))(t); got != "restored" {
		t.Fatalf("after a restore: %q", got)
	}
	if got := must(g.PeerGeneration(ctx(), "us"))(t); got != "" {
		t.Fatalf("an unknown peer's generation: %q", got)
	}
	noErr(t, g.SetPeerGeneration(ctx(), "us", "one"))
	noErr(t, g.SetPeerGeneration(ctx(), "us", "two"))
	noErr(t, g.SetPeerGeneration(ctx(), "sg", "three"))
	must(asCompactor(t, s).DropReplicas(ctx(), "us"))(t)
	if us, sg := must(g.PeerGeneration(ctx(), "us"))(t), must(g.PeerGeneration(ctx(), "sg"))(t); us != "two" || sg != "three" {
		t.Fatalf("peer generations: us %q, sg %q", us, sg)
	}

	// Delivered deltas are kept: a restored peer is sent its own again.
	for i, r := range []kurz.Region{"us", "us", "sg"} {
		noErr(t, s.QueueDelta(ctx(), &kurz.Delta{Key: fmt.Sprint("d", i), Region: r, ObjectID: string(r) + "_v", Field: "likes", Delta: 1, CreatedAt: at(i)}))
	}
	for _, k := range []string{"d0", "d2"} {
		noErr(t, s.DeleteDelta(ctx(), k))
	}
	pendingKeys := func() (keys []string) {
		for _, d := range must(s.PendingDeltas(ctx(), 10))(t) {
			keys = append(keys, d.Key)
		}
		return keys
	}
	if got := pendingKeys(); !slices.Equal(got, []string{"d1"}) {
		t.Fatalf("pending after delivery: %v", got)
	}
	if n := must(g.ResendDeltas(ctx(), "us"))(t); n != 1 {
		t.Fatalf("ResendDeltas(us) = %d, want 1", n)
	}
	if got := pendingKeys(); !slices.Equal(got, []string{"d0", "d1"}) {
		t.Fatalf("pending after ResendDeltas(us): %v", got)
	}
	if n := must(g.ForgetDeliveredDeltas(ctx(), time.Now().Add(-time.Hour)))(t); n != 0 {
		t.Fatalf("forgot %d deltas delivered within the hour", n)
	}
	if n := must(g.ForgetDeliveredDeltas(ctx(), time.Now().Add(time.Hour)))(t); n != 1 {
		t.Fatalf("ForgetDeliveredDeltas = %d, want 1 (sg's)", n)
	}
	if n := must(g.ResendDeltas(ctx(), "sg"))(t); n != 0 {
		t.Fatalf("a forgotten delta was sent again: %d", n)
	}
}
