package postgres_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// TestStartCommitsAloneAsynchronously checks that the start of a run,
// which commits without waiting for the disk, leaves the connection it
// used as it found it: the next writes on it wait for their commits.
func TestStartCommitsAloneAsynchronously(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := postgrestest.Pool(t, 1)
	st := newStore(t, pool, postgres.Config{})
	require.NoError(t, st.SavePlan(ctx, planFor("p")))
	setting := func() string {
		var v string
		require.NoError(t, pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&v))
		return v
	}
	before := setting()
	x := execFor("e", "p", time.Now(), record.StatusCreated)
	require.NoError(t, st.CreateExecution(ctx, x))
	x.Status, x.StartedAt = record.StatusRunning, time.Now()
	require.NoError(t, st.UpdateExecution(ctx, x))
	require.Equal(t, before, setting(), "the one connection's setting after a start")
	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Equal(t, record.StatusRunning, got.Status)
}
