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

// TestCompletedJobRetention: the job of a tick that ran is deleted by
// River's cleaner once CompletedJobRetention has passed, not kept for
// River's default of a day; a retention not longer than CatchUp is
// refused, naming both.
func TestCompletedJobRetention(t *testing.T) {
	t.Parallel()
	pool, schema := migratedSchema(t, 8)
	noop := func(context.Context, string, time.Time) {}

	_, err := smokexriver.New(smokexriver.Config{Pool: pool, Schema: schema, Func: noop,
		CatchUp: time.Hour, CompletedJobRetention: time.Hour})
	require.ErrorContains(t, err, "Config.CompletedJobRetention (1h0m0s) must exceed Config.CatchUp (1h0m0s)")

	s, err := smokexriver.New(smokexriver.Config{Pool: pool, Schema: schema, Logger: slog.New(slog.DiscardHandler),
		CatchUp: time.Second, CompletedJobRetention: 2 * time.Second, Func: noop})
	require.NoError(t, err)
	require.NoError(t, s.Start(t.Context()))
	t.Cleanup(func() { require.NoError(t, s.Stop(context.Background())) })

	// A job completed more than the retention ago, as one of a tick that
	// ran: the cleaner (on the leader, every 30s) deletes it.
	var id int64
	require.NoError(t, pool.QueryRow(t.Context(), `INSERT INTO `+pgx.Identifier{schema, "river_job"}.Sanitize()+`
		(state, kind, args, queue, max_attempts, attempt, attempted_at, finalized_at)
		VALUES ('completed', 'smokex_tick', '{}', 'smokex', 1, 1, now() - interval '1 minute', now() - interval '1 minute')
		RETURNING id`).Scan(&id))
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var left bool
		require.NoError(t, pool.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{schema, "river_job"}.Sanitize()+` WHERE id = $1)`, id).Scan(&left))
		if !left {
			return
		}
		require.False(t, time.Now().After(deadline), "a job completed a minute ago is still kept, with a retention of 2s, after 3 minutes")
		select {
		case <-t.Context().Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}
