package sqlstore

import (
	"context"

	"kurz"
	"kurz/sqlstore/regionops"
)

// HoldDirectory holds the handle directory in this transaction (see
// regionops.HoldDirectory; the directory's move is a region-level
// operation there).
func (q accountQueries) HoldDirectory(ctx context.Context) error {
	err := regionops.HoldDirectory(ctx, q.w.e)
	if kurz.ErrorCode(err) == kurz.EUnavailable {
		return err
	}
	return q.wrap(err)
}
