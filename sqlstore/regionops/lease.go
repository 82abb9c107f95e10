package regionops

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"time"

	"kurz"
)

// lease is a named lock held by one node of a region at a time.
type lease struct {
	conn    *sql.Conn
	release func()
}

// Alive checks that the lease still holds: on PostgreSQL, that the session
// holding it still answers (if it was lost, so was the lock).
func (l *lease) Alive(ctx context.Context) bool {
	if l.conn == nil {
		return true
	}
	return l.conn.PingContext(ctx) == nil
}

// Release drops the lease.
func (l *lease) Release() { l.release() }

// TryLease takes the lock name without waiting; nil if another node (or
// this one) holds it. On PostgreSQL it is a session advisory lock on a
// connection of its own, so a node that dies loses it at once.
func (db *Ops) TryLease(ctx context.Context, name string) (kurz.Lease, error) {
	if db.d.TryLock == "" {
		db.leaseMu.Lock()
		defer db.leaseMu.Unlock()
		if db.leases == nil {
			db.leases = map[string]bool{}
		}
		if db.leases[name] {
			return nil, nil
		}
		db.leases[name] = true
		return &lease{release: func() {
			db.leaseMu.Lock()
			delete(db.leases, name)
			db.leaseMu.Unlock()
		}}, nil
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, db.wrap(err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, db.d.TryLock, name).Scan(&ok); err != nil || !ok {
		conn.Close()
		return nil, db.wrap(err)
	}
	return &lease{conn: conn, release: func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, db.d.Unlock, name); err != nil {
			// The session must not go back to the pool holding the lock.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}}, nil
}
