package regionops

import (
	"context"
	"database/sql"
	"time"

	"kurz"
)

// CompactLog drops every public-log entry that a later entry about the
// same object supersedes, and the tombstones ("…_gone" entries) written
// before tombstonesBefore; it returns how many entries it dropped and the
// horizon: the highest sequence number of a tombstone ever dropped (a peer
// behind it may have missed a removal).
func (db *Ops) CompactLog(ctx context.Context, tombstonesBefore time.Time) (deleted, horizon int64, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM public_log WHERE EXISTS
			(SELECT 1 FROM public_log later WHERE later.object_id = public_log.object_id AND later.seq > public_log.seq)`)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		deleted += n
		// The newest entry always stays, so the log's head (LastLogSeq)
		// never goes back.
		const old = `kind LIKE '%\_gone' ESCAPE '\' AND created_at < $1 AND seq < (SELECT max(seq) FROM public_log)`
		var top sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM public_log WHERE `+old, ms(tombstonesBefore)).Scan(&top); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(horizon), 0) FROM log_compaction`).Scan(&horizon); err != nil {
			return err
		}
		if !top.Valid {
			return nil
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM public_log WHERE `+old, ms(tombstonesBefore))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		deleted += n
		horizon = max(horizon, top.Int64)
		_, err = tx.ExecContext(ctx, `INSERT INTO log_compaction (id, horizon, compacted_at) VALUES (1, $1, $2)
			ON CONFLICT (id) DO UPDATE SET horizon = excluded.horizon, compacted_at = excluded.compacted_at`, horizon, ms(time.Now()))
		return err
	})
	return deleted, horizon, db.wrap(err)
}

// LogHorizon is the compaction horizon (0: no tombstone was ever dropped).
func (db *Ops) LogHorizon(ctx context.Context) (int64, error) {
	var h int64
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE(max(horizon), 0) FROM log_compaction`).Scan(&h)
	return h, db.wrap(err)
}

// DropReplicas deletes every replica of region r's objects and this
// region's position in r's log, in one transaction (a re-sync from the
// start, or detaching r).
func (db *Ops) DropReplicas(ctx context.Context, r kurz.Region) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM replicas WHERE substr(id, 1, $1) = $2`, len(r)+1, string(r)+"_")
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM log_positions WHERE region = $1`, string(r))
		return err
	})
	return n, db.wrap(err)
}

// DetachRegion removes, in one transaction, what this region holds that
// points to people or objects of region r: r's people's comments on this
// region's videos (the counters recounted), this region's people's
// follows, likes and views of r's people and videos, deltas on their way
// to r, r's people's handle and email claims, and the notices this
// region's people filed about r's content (r's queue, where they would be
// decided, is no longer reachable). Replicas go through DropReplicas. It
// returns how many rows went, by kind (comments, follows, likes, views,
// deltas, handle_claims, email_claims, notices), this region's videos
// that lost comments and its people who lost follows (their counters are
// recounted).
func (db *Ops) DetachRegion(ctx context.Context, r kurz.Region) (counts map[string]int64, videos, people []string, err error) {
	counts = map[string]int64{}
	prefix := string(r) + "_"
	n := len(prefix)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		ids := func(query string) ([]string, error) {
			rows, err := tx.QueryContext(ctx, query, n, prefix)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return nil, err
				}
				out = append(out, id)
			}
			return out, rows.Err()
		}
		var err error
		if videos, err = ids(`SELECT DISTINCT video_id FROM comments WHERE substr(author_id, 1, $1) = $2 ORDER BY video_id`); err != nil {
			return err
		}
		if people, err = ids(`SELECT DISTINCT follower_id FROM follows WHERE substr(followee_id, 1, $1) = $2 ORDER BY follower_id`); err != nil {
			return err
		}
		for _, step := range []struct{ kind, sql string }{
			{"comments", `DELETE FROM comments WHERE substr(author_id, 1, $1) = $2`},
			{"comment_likes", `DELETE FROM comment_likes WHERE substr(comment_id, 1, $1) = $2`},
			{"follows", `DELETE FROM follows WHERE substr(followee_id, 1, $1) = $2`},
			{"likes", `DELETE FROM likes WHERE substr(video_id, 1, $1) = $2`},
			{"views", `DELETE FROM views WHERE substr(video_id, 1, $1) = $2`},
			{"deltas", `DELETE FROM deltas_out WHERE substr(object_id, 1, $1) = $2`},
			{"handle_claims", `DELETE FROM handle_claims WHERE substr(user_id, 1, $1) = $2`},
			{"email_claims", `DELETE FROM email_claims WHERE substr(user_id, 1, $1) = $2`},
			{"notices", `DELETE FROM notices WHERE substr(target_id, 1, $1) = $2`},
		} {
			res, err := tx.ExecContext(ctx, step.sql, n, prefix)
			if err != nil {
				return err
			}
			counts[step.kind], _ = res.RowsAffected()
		}
		// Replies to those comments go with them (their conversation).
		res, err := tx.ExecContext(ctx, `DELETE FROM comments WHERE parent_id <> '' AND parent_id NOT IN (SELECT id FROM comments)`)
		if err != nil {
			return err
		}
		counts["replies"], _ = res.RowsAffected()
		for _, id := range videos {
			if _, err := tx.ExecContext(ctx, `UPDATE videos SET comments = (SELECT count(*) FROM comments WHERE video_id = $1) WHERE id = $1`, id); err != nil {
				return err
			}
		}
		// Profile counters of this region's people who followed r's.
		for _, id := range people {
			if _, err := tx.ExecContext(ctx, `UPDATE profiles SET following = (SELECT count(*) FROM follows WHERE follower_id = $1) WHERE id = $1`, id); err != nil {
				return err
			}
		}
		return nil
	})
	return counts, videos, people, db.wrap(err)
}
