package postgres

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"time"
)

// ErrLocked is returned by LockNode when another session holds the lock.
var ErrLocked = errors.New("postgres: the advisory lock is held by another session")

// NodeLock is a session-level advisory lock held on a connection of its
// own for as long as the process runs. If the connection is lost the
// lock goes with it (PostgreSQL releases a session's locks when it ends).
type NodeLock struct {
	db   *sql.DB
	conn *sql.Conn
	key  int64
}

// LockNode takes the advisory lock named name on the database at dsn
// without waiting: ErrLocked if another session holds it.
func LockNode(ctx context.Context, dsn, name string) (*NodeLock, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, int64(h.Sum64())).Scan(&ok); err != nil {
		conn.Close()
		db.Close()
		return nil, err
	}
	if !ok {
		conn.Close()
		db.Close()
		return nil, ErrLocked
	}
	return &NodeLock{db: db, conn: conn, key: int64(h.Sum64())}, nil
}

// Close releases the lock, then ends its session. The release is
// explicit: the server ends a session after the client has gone, so a
// process started right after this one's stop (a supervisor's restart)
// could otherwise find the lock still held. If the release cannot be
// sent, the session's end still releases it.
func (l *NodeLock) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, l.key)
	return errors.Join(l.conn.Close(), l.db.Close())
}
