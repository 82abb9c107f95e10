package storetest

import (
	"errors"
	"testing"

	"kurz"
)

// Deltas: counter changes queued for other regions, and the keys of
// applied incoming ones.
var deltaTests = []test{
	{"Outgoing", testDeltasOut},
	{"Incoming", testDeltasIn},
}

func testDeltasOut(t *testing.T, s kurz.Store) {
	if got := must(s.PendingDeltas(ctx(), 10))(t); len(got) != 0 {
		t.Fatalf("PendingDeltas of an empty queue = %v", got)
	}
	ds := []*kurz.Delta{
		{Key: "k2", Region: "us", ObjectID: "us_v", Field: "likes", Delta: -1, CreatedAt: at(2)},
		{Key: "k1", Region: "sg", ObjectID: "sg_p", Field: "followers", Delta: 1, CreatedAt: at(1), Note: `{"handle":"ann"}`},
		{Key: "k3", Region: "us", ObjectID: "us_v", Field: "views", Delta: 1 << 40, CreatedAt: at(3)},
	}
	for _, d := range ds {
		noErr(t, s.QueueDelta(ctx(), d))
	}
	// The key is the idempotency key: it is queued once.
	dup := *ds[0]
	dup.Delta = 5
	wantCode(t, s.QueueDelta(ctx(), &dup), kurz.EConflict)

	got := must(s.PendingDeltas(ctx(), 10))(t)
	want := []*kurz.Delta{ds[1], ds[0], ds[2]} // oldest first
	if len(got) != len(want) {
		t.Fatalf("PendingDeltas = %d deltas, want %d", len(got), len(want))
	}
	for i, d := range got {
		w := want[i]
		if d.Key != w.Key || d.Region != w.Region || d.ObjectID != w.ObjectID || d.Field != w.Field || d.Delta != w.Delta || !d.CreatedAt.Equal(w.CreatedAt) || d.Note != w.Note {
			t.Fatalf("PendingDeltas[%d] = %+v, want %+v", i, d, w)
		}
	}
	if got := must(s.PendingDeltas(ctx(), 2))(t); len(got) != 2 || got[0].Key != "k1" || got[1].Key != "k2" {
		t.Fatalf("PendingDeltas(2) = %v", got)
	}

	noErr(t, s.DeleteDelta(ctx(), "k1"))
	// An acknowledgement may arrive twice.
	noErr(t, s.DeleteDelta(ctx(), "k1"))
	if got := must(s.PendingDeltas(ctx(), 10))(t); len(got) != 2 || got[0].Key != "k2" || got[1].Key != "k3" {
		t.Fatalf("PendingDeltas after DeleteDelta = %v", got)
	}
}

func testDeltasIn(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "ines")
	v := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	if fresh := must(s.MarkDeltaApplied(ctx(), "us:k1", at(1)))(t); !fresh {
		t.Fatal("first MarkDeltaApplied reported the key as applied before")
	}
	if fresh := must(s.MarkDeltaApplied(ctx(), "us:k1", at(2)))(t); fresh {
		t.Fatal("repeated MarkDeltaApplied reported the key as new")
	}
	if fresh := must(s.MarkDeltaApplied(ctx(), "us:k2", at(2)))(t); !fresh {
		t.Fatal("another key reported as applied before")
	}

	// A receiver marks the key and applies the change in one transaction,
	// so a delta that failed to apply is applied when it comes again, and
	// one that was applied is not applied twice.
	apply := func(key string, fail error) error {
		return s.Tx(ctx(), func(q kurz.Queries) error {
			fresh, err := q.MarkDeltaApplied(ctx(), key, at(3))
			if err != nil || !fresh {
				return err
			}
			if err := q.AddCounter(ctx(), "videos", v.ID, "likes", 1); err != nil {
				return err
			}
			return fail
		})
	}
	failed := errors.New("apply failed")
	if err := apply("us:k3", failed); !errors.Is(err, failed) {
		t.Fatalf("apply = %v", err)
	}
	noErr(t, apply("us:k3", nil))
	noErr(t, apply("us:k3", nil))
	noErr(t, apply("us:k3", nil))
	if got := must(s.VideoByID(ctx(), v.ID))(t); got.Likes != 1 {
		t.Fatalf("likes = %d after one delivery that failed and three that did not, want 1", got.Likes)
	}
}
