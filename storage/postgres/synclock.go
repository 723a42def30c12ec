package postgres

import (
	"context"
	"time"

	"github.com/smokex/smokex/storage"
)

var _ storage.SyncLocker = (*Store)(nil)

// LockSync takes a session advisory lock keyed on the schema on a
// connection of its own, which it keeps until unlock: the replicas sharing
// the schema apply one sync at a time. The lock goes with the connection
// when the process dies.
func (s *Store) LockSync(ctx context.Context) (func(), error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, s.wrap(ctx, "lock sync", nil, err)
	}
	key := syncKey(s.schema)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		conn.Release()
		return nil, s.wrap(ctx, "lock sync", nil, err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
			// A connection that may still hold the lock is closed, which
			// releases it, rather than going back to the pool.
			_ = conn.Conn().Close(ctx)
		}
		conn.Release()
	}, nil
}
