package sqlstore

import (
	"context"

	"kurz"
)

func (q socialQueries) PutBlock(ctx context.Context, b kurz.Block) (bool, error) {
	return q.changed(ctx, `INSERT INTO blocks (person_id, other_id, kind, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		b.PersonID, b.OtherID, b.Kind, ms(b.CreatedAt))
}

func (q socialQueries) DeleteBlock(ctx context.Context, personID, otherID, kind string) (bool, error) {
	return q.changed(ctx, `DELETE FROM blocks WHERE person_id = $1 AND other_id = $2 AND kind = $3`, personID, otherID, kind)
}

func (q socialQueries) BlocksOf(ctx context.Context, personID string) ([]kurz.Block, error) {
	return list(ctx, q.base, func(r scanner) (kurz.Block, error) {
		var b kurz.Block
		var at int64
		err := r.Scan(&b.PersonID, &b.OtherID, &b.Kind, &at)
		b.CreatedAt = fromMS(at)
		return b, err
	}, `SELECT person_id, other_id, kind, created_at FROM blocks WHERE person_id = $1 ORDER BY created_at, other_id, kind`, personID)
}

func (q socialQueries) BlockersOf(ctx context.Context, otherID string) ([]string, error) {
	return q.strings(ctx, `SELECT person_id FROM blocks WHERE other_id = $1 AND kind = 'block' ORDER BY person_id`, otherID)
}

func (q socialQueries) DeleteNotices(ctx context.Context, blockerID string) error {
	return q.exec(ctx, `DELETE FROM blocks WHERE other_id = $1 AND kind = 'blocked_by'`, blockerID)
}
