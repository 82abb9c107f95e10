package storetest

import (
	"context"
	"testing"
	"time"

	"kurz"
)

// testFollowRequests: a private account's requests are pending until
// approved, listed oldest first, approved once, and deleted with the
// followee.
func testFollowRequests(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "priv")
	a, b := "us_a", "eu_b"
	if added := must(s.PutFollowRequest(ctx(), p.ID, a, "anna", at(1)))(t); !added {
		t.Fatal("first PutFollowRequest reported an existing row")
	}
	if added := must(s.PutFollowRequest(ctx(), p.ID, a, "anna", at(2)))(t); added {
		t.Fatal("a repeated PutFollowRequest reported a new row")
	}
	must(s.PutFollowRequest(ctx(), p.ID, b, "ben", at(3)))(t)
	if ok := must(s.FollowApproved(ctx(), p.ID, a))(t); ok {
		t.Fatal("a pending request counts as approved")
	}
	pending := must(s.FollowRequests(ctx(), p.ID, false))(t)
	if len(pending) != 2 || pending[0].FollowerID != a || pending[0].Handle != "anna" || pending[1].FollowerID != b || pending[0].Approved {
		t.Fatalf("pending: %+v", pending)
	}
	if ok := must(s.ApproveFollowRequest(ctx(), p.ID, a))(t); !ok {
		t.Fatal("ApproveFollowRequest of a pending request changed nothing")
	}
	if ok := must(s.ApproveFollowRequest(ctx(), p.ID, a))(t); ok {
		t.Fatal("a second approval changed a row")
	}
	if ok := must(s.FollowApproved(ctx(), p.ID, a))(t); !ok {
		t.Fatal("an approved follower is not approved")
	}
	approved := must(s.FollowRequests(ctx(), p.ID, true))(t)
	if len(approved) != 1 || approved[0].FollowerID != a || !approved[0].Approved || !approved[0].CreatedAt.Equal(at(1)) {
		t.Fatalf("approved: %+v", approved)
	}
	if ok := must(s.DeleteFollowRequest(ctx(), p.ID, b))(t); !ok {
		t.Fatal("DeleteFollowRequest of a request reported none")
	}
	if ok := must(s.DeleteFollowRequest(ctx(), p.ID, b))(t); ok {
		t.Fatal("a repeated DeleteFollowRequest reported a row")
	}
	if err := s.DeletePerson(ctx(), p.ID); err != nil {
		t.Fatal(err)
	}
	if ok := must(s.FollowApproved(ctx(), p.ID, a))(t); ok {
		t.Fatal("an approval outlived the followee")
	}
}

func (r recSocial) PutFollowRequest(ctx context.Context, followeeID, followerID, handle string, at time.Time) (bool, error) {
	r.hit()
	return r.q.PutFollowRequest(ctx, followeeID, followerID, handle, at)
}

func (r recSocial) ApproveFollowRequest(ctx context.Context, followeeID, followerID string) (bool, error) {
	r.hit()
	return r.q.ApproveFollowRequest(ctx, followeeID, followerID)
}

func (r recSocial) DeleteFollowRequest(ctx context.Context, followeeID, followerID string) (bool, error) {
	r.hit()
	return r.q.DeleteFollowRequest(ctx, followeeID, followerID)
}

func (r recSocial) FollowApproved(ctx context.Context, followeeID, followerID string) (bool, error) {
	r.hit()
	return r.q.FollowApproved(ctx, followeeID, followerID)
}

func (r recSocial) FollowRequests(ctx context.Context, followeeID string, approved bool) ([]kurz.FollowRequest, error) {
	r.hit()
	return r.q.FollowRequests(ctx, followeeID, approved)
}

// testStrikes: a strike is recorded once, listed while uncounted and in
// the window, marked counted by a suspension, taken back, and goes with
// the person.
func testStrikes(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "struck")
	d1, d2, d3 := kurz.NewID("us"), kurz.NewID("eu"), kurz.NewID("sg")
	if added := must(s.AddStrike(ctx(), p.ID, d1, at(1)))(t); !added {
		t.Fatal("AddStrike reported an existing strike")
	}
	if added := must(s.AddStrike(ctx(), p.ID, d1, at(2)))(t); added {
		t.Fatal("a repeated AddStrike reported a new strike")
	}
	must(s.AddStrike(ctx(), p.ID, d2, at(3)))(t)
	must(s.AddStrike(ctx(), p.ID, d3, at(5)))(t)
	wantStrings(t, "UncountedStrikes since 0", must(s.UncountedStrikes(ctx(), p.ID, at(0)))(t), d1, d2, d3)
	wantStrings(t, "UncountedStrikes since 3", must(s.UncountedStrikes(ctx(), p.ID, at(3)))(t), d2, d3)
	noErr(t, s.CountStrikes(ctx(), p.ID, []string{d1, d2}, "us_suspension"))
	wantStrings(t, "UncountedStrikes after counting", must(s.UncountedStrikes(ctx(), p.ID, at(0)))(t), d3)
	if gone := must(s.DeleteStrike(ctx(), p.ID, d3))(t); !gone {
		t.Fatal("DeleteStrike of a strike changed nothing")
	}
	if gone := must(s.DeleteStrike(ctx(), p.ID, d3))(t); gone {
		t.Fatal("DeleteStrike of a missing strike reported one")
	}
	wantStrings(t, "UncountedStrikes after taking one back", must(s.UncountedStrikes(ctx(), p.ID, at(0)))(t))
	must(s.AddStrike(ctx(), p.ID, d3, at(6)))(t)
	noErr(t, s.DeletePerson(ctx(), p.ID))
	wantStrings(t, "UncountedStrikes after erasure", must(s.UncountedStrikes(ctx(), p.ID, at(0)))(t))
	if _, err := s.AddStrike(ctx(), kurz.NewID("us"), d1, at(1)); err == nil {
		t.Fatal("a strike against no one was recorded")
	}
}
