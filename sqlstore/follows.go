package sqlstore

import (
	"context"
	"time"

	"kurz"
)

func (q socialQueries) PutFollowRequest(ctx context.Context, followeeID, followerID, handle string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO follow_requests (followee_id, follower_id, follower_handle, approved, created_at)
		VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING`, followeeID, followerID, handle, ms(at))
}

func (q socialQueries) ApproveFollowRequest(ctx context.Context, followeeID, followerID string) (bool, error) {
	return q.changed(ctx, `UPDATE follow_requests SET approved = 1 WHERE followee_id = $1 AND follower_id = $2 AND approved = 0`,
		followeeID, followerID)
}

func (q socialQueries) DeleteFollowRequest(ctx context.Context, followeeID, followerID string) (bool, error) {
	return q.changed(ctx, `DELETE FROM follow_requests WHERE followee_id = $1 AND follower_id = $2`, followeeID, followerID)
}

func (q socialQueries) FollowApproved(ctx context.Context, followeeID, followerID string) (bool, error) {
	ids, err := q.strings(ctx, `SELECT follower_id FROM follow_requests WHERE followee_id = $1 AND follower_id = $2 AND approved = 1`,
		followeeID, followerID)
	return len(ids) > 0, err
}

func (q socialQueries) FollowRequests(ctx context.Context, followeeID string, approved bool) ([]kurz.FollowRequest, error) {
	return list(ctx, q.base, func(r scanner) (kurz.FollowRequest, error) {
		var f kurz.FollowRequest
		var ok, at int64
		err := r.Scan(&f.FollowerID, &f.Handle, &ok, &at)
		f.Approved, f.CreatedAt = ok != 0, fromMS(at)
		return f, err
	}, `SELECT follower_id, follower_handle, approved, created_at FROM follow_requests
		WHERE followee_id = $1 AND approved = $2 ORDER BY created_at, follower_id`, followeeID, b2i(approved))
}
