package river_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	smokexriver "github.com/smokex/smokex/schedule/river"
)

// tickJob is a tick's job as the scheduler inserts it (its arguments are
// unexported), for tests that put ticks in a queue themselves.
type tickJob struct {
	ID       string    `json:"id"`
	Due      time.Time `json:"due"`
	Location string    `json:"location,omitempty"`
}

func (tickJob) Kind() string { return "smokex_tick" }

// TestRescuedTicksAreNotExpired: two ticks wait in us-east's queue, due
// long ago: one no replica fetched, and one that River rescued from a
// replica that died running it (fetched once, attempt 1, and available
// again for its second attempt, which finishes the dead replica's
// execution as interrupted). QueuedTicks counts the first alone, so that
// a rescue does not make a location with live replicas look unavailable,
// and ExpireTicks drops the first alone: the rescued tick is not lost.
func TestRescuedTicksAreNotExpired(t *testing.T) {
	c := newCluster(t, 0)
	s, err := smokexriver.New(smokexriver.Config{Pool: c.admin, Schema: c.schema, Location: "us-east", Func: func(context.Context, string, time.Time) {}})
	require.NoError(t, err)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	waiting := tickJob{ID: "waiting", Due: now.Add(-time.Minute), Location: "us-east"}
	rescued := tickJob{ID: "rescued", Due: now.Add(-2 * time.Minute), Location: "us-east"}
	var ids []int64
	for _, args := range []tickJob{waiting, rescued} {
		res, err := s.Client().Insert(ctx, args, &river.InsertOpts{Queue: "smokex_us-east"})
		require.NoError(t, err)
		ids = append(ids, res.Job.ID)
	}
	// The state River's rescuer and scheduler leave a rescued job in: its
	// first attempt made by the dead replica, available for its second.
	_, err = c.admin.Exec(ctx, `UPDATE `+pgx.Identifier{c.schema}.Sanitize()+`.river_job
		SET attempt = 1, attempted_at = now() - interval '1 minute', attempted_by = ARRAY['dead'], state = 'available' WHERE id = $1`, ids[1])
	require.NoError(t, err)

	queued, err := s.QueuedTicks(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, queued["us-east"].Ticks, "queued in us-east: %+v", queued)
	require.True(t, waiting.Due.Equal(queued["us-east"].OldestDue), "oldest due %s", queued["us-east"].OldestDue)

	n, err := s.ExpireTicks(ctx, "us-east", now)
	require.NoError(t, err)
	require.Equal(t, 1, n, "ticks expired")
	rows, err := c.admin.Query(ctx, `SELECT args->>'id' FROM `+pgx.Identifier{c.schema}.Sanitize()+`.river_job ORDER BY id`)
	require.NoError(t, err)
	left, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"rescued"}, left, "the rescued tick waits for its second attempt")
	require.NoError(t, s.Stop(ctx))
}
