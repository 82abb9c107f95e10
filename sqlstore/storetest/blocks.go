package storetest

import (
	"context"
	"slices"
	"testing"

	"kurz"
)

// testBlocks: a person's blocks, mutes and notices are kept once each,
// listed oldest first, found by the blocked person, deleted one by one,
// a blocker's notices all at once, and every row with the person.
func testBlocks(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "blocker")
	q := mustProfile(t, s, "quiet")
	other, remote := "eu_other", "us_remote"
	if added := must(s.PutBlock(ctx(), kurz.Block{PersonID: p.ID, OtherID: other, Kind: kurz.BlockKind, CreatedAt: at(1)}))(t); !added {
		t.Fatal("a first block reported an existing row")
	}
	if added := must(s.PutBlock(ctx(), kurz.Block{PersonID: p.ID, OtherID: other, Kind: kurz.BlockKind, CreatedAt: at(2)}))(t); added {
		t.Fatal("a repeated block reported a new row")
	}
	must(s.PutBlock(ctx(), kurz.Block{PersonID: p.ID, OtherID: other, Kind: kurz.MuteKind, CreatedAt: at(3)}))(t)
	must(s.PutBlock(ctx(), kurz.Block{PersonID: p.ID, OtherID: remote, Kind: kurz.BlockedByKind, CreatedAt: at(4)}))(t)
	must(s.PutBlock(ctx(), kurz.Block{PersonID: q.ID, OtherID: other, Kind: kurz.BlockKind, CreatedAt: at(5)}))(t)
	must(s.PutBlock(ctx(), kurz.Block{PersonID: q.ID, OtherID: remote, Kind: kurz.BlockedByKind, CreatedAt: at(6)}))(t)
	got := must(s.BlocksOf(ctx(), p.ID))(t)
	if len(got) != 3 || got[0].Kind != kurz.BlockKind || got[0].OtherID != other || !got[0].CreatedAt.Equal(at(1)) ||
		got[1].Kind != kurz.MuteKind || got[2].Kind != kurz.BlockedByKind || got[2].OtherID != remote || got[2].PersonID != p.ID {
		t.Fatalf("blocks of the blocker: %+v", got)
	}
	if ids := must(s.BlockersOf(ctx(), other))(t); !slices.Equal(ids, []string{p.ID, q.ID}) && !slices.Equal(ids, []string{q.ID, p.ID}) {
		t.Fatalf("blockers of other: %v (mutes and notices must not count)", ids)
	}
	if ids := must(s.BlockersOf(ctx(), remote))(t); len(ids) != 0 {
		t.Fatalf("a notice counted as a block by the person it names: %v", ids)
	}
	if gone := must(s.DeleteBlock(ctx(), p.ID, other, kurz.MuteKind))(t); !gone {
		t.Fatal("deleting a mute found none")
	}
	if gone := must(s.DeleteBlock(ctx(), p.ID, other, kurz.MuteKind))(t); gone {
		t.Fatal("a repeated delete found a row")
	}
	if got := must(s.BlocksOf(ctx(), p.ID))(t); len(got) != 2 || got[0].Kind != kurz.BlockKind {
		t.Fatalf("after the unmute the block must stay: %+v", got)
	}
	noErr(t, s.DeleteNotices(ctx(), remote))
	if got := must(s.BlocksOf(ctx(), q.ID))(t); len(got) != 1 || got[0].Kind != kurz.BlockKind {
		t.Fatalf("a blocker's notices outlived their erasure: %+v", got)
	}
	noErr(t, s.DeletePerson(ctx(), p.ID))
	if got := must(s.BlocksOf(ctx(), p.ID))(t); len(got) != 0 {
		t.Fatalf("blocks outlived their person: %+v", got)
	}
}

func (r recSocial) PutBlock(ctx context.Context, b kurz.Block) (bool, error) {
	r.hit()
	return r.q.PutBlock(ctx, b)
}

func (r recSocial) DeleteBlock(ctx context.Context, personID, otherID, kind string) (bool, error) {
	r.hit()
	return r.q.DeleteBlock(ctx, personID, otherID, kind)
}

func (r recSocial) BlocksOf(ctx context.Context, personID string) ([]kurz.Block, error) {
	r.hit()
	return r.q.BlocksOf(ctx, personID)
}

func (r recSocial) BlockersOf(ctx context.Context, otherID string) ([]string, error) {
	r.hit()
	return r.q.BlockersOf(ctx, otherID)
}

func (r recSocial) DeleteNotices(ctx context.Context, blockerID string) error {
	r.hit()
	return r.q.DeleteNotices(ctx, blockerID)
}
