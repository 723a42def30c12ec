package river_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	smokexriver "github.com/smokex/smokex/schedule/river"
)

// TestAgentEnqueuesNoTick: an agent works its location's ticks but
// enqueues none, not even those of its own location's entries: alone on
// its database, through three due times of an entry "@every 1s" of its
// location and its Stop, it inserts no job.
func TestAgentEnqueuesNoTick(t *testing.T) {
	t.Parallel()
	pool, schema := migratedSchema(t, 8)
	ticks := make(chan time.Time, 16)
	s, err := smokexriver.New(smokexriver.Config{Pool: pool, Schema: schema, Logger: slog.New(slog.DiscardHandler),
		Location: "eu", Agent: true,
		Func: func(_ context.Context, _ string, due time.Time) { ticks <- due }})
	require.NoError(t, err)
	require.NoError(t, s.AddIn(t.Context(), "a", "@every 1s", []string{"eu"}))
	require.NoError(t, s.Start(t.Context()))
	// Three due times pass with the agent running.
	select {
	case due := <-ticks:
		require.FailNow(t, "the agent ran a tick it enqueued", "due %s", due)
	case <-time.After(3500 * time.Millisecond):
	}
	require.NoError(t, s.Stop(t.Context()))
	var jobs int
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT count(*) FROM `+pgx.Identifier{schema, "river_job"}.Sanitize()).Scan(&jobs))
	require.Zero(t, jobs, "jobs an agent inserted")
}
