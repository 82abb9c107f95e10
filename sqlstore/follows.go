package sqlstore

import (
	"context"
	"time"

	"kurz"
)

func (q queries) PutFollowRequest(ctx context.Context, followeeID, followerID, handle string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO follow_requests (followee_id, follower_id, follower_handle, approved, created_at)
		VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING`, followeeID, followerID, handle, ms(at))
}

func (q queries) ApproveFollowRequest(ctx context.Context, followeeID, followerID string) (bool, error) {
	return q.changed(ctx, `UPDATE follow_requests SET approved = 1 WHERE followee_id = $1 AND follower_id = $2 AND approved = 0`,
		followeeID, followerID)
}

func (q queries) DeleteFollowRequest(ctx context.Context, followeeID, followerID string) (bool, error) {
	return q.changed(ctx, `DELETE FROM follow_requests WHERE followee_id = $1 AND follower_id = $2`, followeeID, followerID)
}

func (q queries) FollowApproved(ctx context.Context, followeeID, followerID string) (bool, error) {
	ids, err := q.strings(ctx, `SELECT follower_id FROM follow_requests WHERE followee_id = $1 AND follower_id = $2 AND approved = 1`,
		followeeID, followerID)
	return len(ids) > 0, err
}

func (q queries) FollowRequests(ctx context.Context, followeeID string, approved bool) ([]kurz.FollowRequest, error) {
	return list(ctx, q, func(r scanner) (kurz.FollowRequest, error) {
		var f kurz.FollowRequest
		var ok, at int64
		err := r.Scan(&f.FollowerID, &f.Handle, &ok, &at)
		f.Approved, f.CreatedAt = ok != 0, fromMS(at)
		return f, err
	}, `SELECT follower_id, follower_handle, approved, created_at FROM follow_requests
		WHERE followee_id = $1 AND approved = $2 ORDER BY created_at, follower_id`, followeeID, b2i(approved))
}

func (q queries) AddStrike(ctx context.Context, personID, decisionID string, at time.Time) (bool, error) {
	return q.changed(ctx, `INSERT INTO strikes (person_id, decision_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		personID, decisionID, ms(at))
}

func (q queries) DeleteStrike(ctx context.Context, personID, decisionID string) (bool, error) {
	return q.changed(ctx, `DELETE FROM strikes WHERE person_id = $1 AND decision_id = $2`, personID, decisionID)
}

func (q queries) UncountedStrikes(ctx context.Context, personID string, since time.Time) ([]string, error) {
	return q.strings(ctx, `SELECT decision_id FROM strikes WHERE person_id = $1 AND counted_by = '' AND created_at >= $2
		ORDER BY created_at, decision_id`, personID, ms(since))
}

func (q queries) CountStrikes(ctx context.Context, personID string, decisionIDs []string, by string) error {
	for _, id := range decisionIDs {
		if err := q.exec(ctx, `UPDATE strikes SET counted_by = $3 WHERE person_id = $1 AND decision_id = $2`, personID, id, by); err != nil {
			return err
		}
	}
	return nil
}
