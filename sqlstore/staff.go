package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"kurz"
)

// staffQueries are staff roles and the audit of staff looks at personal
// data.
type staffQueries struct{ base }

const auditCols = `seq, at, actor_id, subject_id, action, fields, reason, prev_hash, hash`

func scanAudit(row scanner) (*kurz.AuditEntry, error) {
	var a kurz.AuditEntry
	var at int64
	if err := row.Scan(&a.Seq, &at, &a.ActorID, &a.SubjectID, &a.Action, &a.Fields, &a.Reason, &a.PrevHash, &a.Hash); err != nil {
		return nil, err
	}
	a.At = fromMS(at)
	return &a, nil
}

func (q staffQueries) AppendAudit(ctx context.Context, a *kurz.AuditEntry) error {
	return q.exec(ctx, `INSERT INTO access_audit (`+auditCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.Seq, ms(a.At), a.ActorID, a.SubjectID, a.Action, a.Fields, a.Reason, a.PrevHash, a.Hash)
}

func (q staffQueries) LastAudit(ctx context.Context) (*kurz.AuditEntry, error) {
	a, err := scanAudit(q.r.QueryRowContext(ctx, `SELECT `+auditCols+` FROM access_audit ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kurz.ErrNotFound
	}
	return a, q.wrap(err)
}

func (q staffQueries) AuditEntries(ctx context.Context, subjectID string) ([]*kurz.AuditEntry, error) {
	scan := scanAudit
	if subjectID == "" {
		return list(ctx, q.base, scan, `SELECT `+auditCols+` FROM access_audit ORDER BY seq`)
	}
	return list(ctx, q.base, scan, `SELECT `+auditCols+` FROM access_audit WHERE subject_id = $1 ORDER BY seq`, subjectID)
}

func (q staffQueries) GrantRole(ctx context.Context, userID, role, by string, at time.Time) error {
	return q.exec(ctx, `INSERT INTO roles (user_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, userID, role, by, ms(at))
}

func (q staffQueries) HasRole(ctx context.Context, userID, role string) (bool, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM roles WHERE user_id = $1 AND role = $2`, userID, role).Scan(&n)
	return n > 0, q.wrap(err)
}

func (q staffQueries) Roles(ctx context.Context) ([]kurz.RoleGrant, error) {
	return list(ctx, q.base, func(row scanner) (kurz.RoleGrant, error) {
		var g kurz.RoleGrant
		var at int64
		err := row.Scan(&g.UserID, &g.Role, &g.GrantedBy, &at)
		g.GrantedAt = fromMS(at)
		return g, err
	}, `SELECT user_id, role, granted_by, granted_at FROM roles ORDER BY user_id, role`)
}

func (q staffQueries) RevokeRole(ctx context.Context, userID, role string) error {
	return q.execOne(ctx, `DELETE FROM roles WHERE user_id = $1 AND role = $2`, userID, role)
}

func (q staffQueries) RoleHolders(ctx context.Context, role string) ([]string, error) {
	return q.strings(ctx, `SELECT user_id FROM roles WHERE role = $1 ORDER BY user_id`, role)
}
