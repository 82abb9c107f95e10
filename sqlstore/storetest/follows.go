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

func (r recQueries) PutFollowRequest(ctx context.Context, followeeID, followerID, handle string, at time.Time) (bool, error) {
	r.hit()
	return r.q.PutFollowRequest(ctx, followeeID, followerID, handle, at)
}

func (r recQueries) ApproveFollowRequest(ctx context.Context, followeeID, followerID string) (bool, error) {
	r.hit()
	return r.q.ApproveFollowRequest(ctx, followeeID, followerID)
}

func (r recQueries) DeleteFollowRequest(ctx context.Context, followeeID, followerID string) (bool, error) {
	r.hit()
	return r.q.DeleteFollowRequest(ctx, followeeID, followerID)
}

func (r recQueries) FollowApproved(ctx context.Context, followeeID, followerID string) (bool, error) {
	r.hit()
	return r.q.FollowApproved(ctx, followeeID, followerID)
}

func (r recQueries) FollowRequests(ctx context.Context, followeeID string, approved bool) ([]kurz.FollowRequest, error) {
	r.hit()
	return r.q.FollowRequests(ctx, followeeID, approved)
}
