package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// Two stores on one schema, as two replicas, take the sync lock one at a
// time; another schema has a lock of its own.
func TestLockSync(t *testing.T) {
	t.Parallel()
	pool := postgrestest.Pool(t, 4)
	a := newStore(t, pool, postgres.Config{})
	b, err := postgres.New(pool, postgres.Config{Schema: a.Schema()})
	require.NoError(t, err)
	other := newStore(t, pool, postgres.Config{})

	unlockA, err := a.LockSync(t.Context())
	require.NoError(t, err)
	unlockOther, err := other.LockSync(t.Context())
	require.NoError(t, err, "another schema's lock is free")
	unlockOther()

	// b waits while a holds the lock: a canceled wait gets nothing.
	ctx, cancel := context.WithCancel(t.Context())
	got := make(chan error, 1)
	go func() {
		_, err := b.LockSync(ctx)
		got <- err
	}()
	cancel()
	require.Error(t, <-got)

	unlockA()
	unlockB, err := b.LockSync(t.Context())
	require.NoError(t, err)
	unlockB()
}
