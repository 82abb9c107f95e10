package regionops

import "context"

// PersonKeys lists wrapped data keys in user ID order after after (a KEK
// rotation reads them all).
func (db *Ops) PersonKeys(ctx context.Context, after string, limit int) ([]string, [][]byte, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT user_id, wrapped_key FROM person_keys WHERE user_id > $1 ORDER BY user_id LIMIT $2`, after, limit)
	if err != nil {
		return nil, nil, db.wrap(err)
	}
	defer rows.Close()
	var ids []string
	var keys [][]byte
	for rows.Next() {
		var id string
		var k []byte
		if err := rows.Scan(&id, &k); err != nil {
			return nil, nil, db.wrap(err)
		}
		ids, keys = append(ids, id), append(keys, k)
	}
	return ids, keys, db.wrap(rows.Err())
}

// SwapPersonKey replaces a wrapped data key if it is still old; false if
// it changed or is gone.
func (db *Ops) SwapPersonKey(ctx context.Context, userID string, old, new []byte) (bool, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE person_keys SET wrapped_key = $1 WHERE user_id = $2 AND wrapped_key = $3`, new, userID, old)
	if err != nil {
		return false, db.wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.wrap(err)
}
