package river_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// TestDelayedTicksAreSkipped: a replica with one worker runs a plan
// @every 1s whose request hangs, so that each run holds the worker until
// the job timeout (2s) cancels it. The ticks that came due meanwhile wait
// in River and reach the worker more than their interval late: each is
// recorded as a canceled execution with stop reason skipped and an error
// of kind late, never run late; every run that did start started within
// its interval.
func TestDelayedTicksAreSkipped(t *testing.T) {
	c := newCluster(t, 0)
	hang := make(chan struct{})
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer target.Close()
	defer close(hang)

	a := c.replicaWorkers("replica-a", 1)
	p, err := plan.Parse([]byte(`{name: slow, schedule: "@every 1s", steps: [{get: {url: "`+target.URL+`"}}]}`), nil)
	require.NoError(t, err)
	require.NoError(t, a.engine.AddPlan(t.Context(), p))
	require.Eventually(t, func() bool { return a.skips(record.SkipLate) >= 3 }, time.Minute, 100*time.Millisecond,
		"no tick was skipped as late")
	stopAll(t, []*replica{a})

	rows, err := c.admin.Query(t.Context(), `SELECT scheduled_at, started_at, stop_reason, coalesce(error->>'kind', '')
		FROM `+pgx.Identifier{c.schema, "executions"}.Sanitize()+` WHERE plan_id = 'slow' ORDER BY scheduled_at`)
	require.NoError(t, err)
	type row struct {
		Due, Started time.Time
		Stop, Kind   string
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	require.NoError(t, err)
	skipped, ran := 0, 0
	for _, r := range got {
		if r.Stop == string(record.StopSkipped) {
			skipped++
			require.Equal(t, string(record.ErrLate), r.Kind, "tick due %s", r.Due)
			require.Greater(t, r.Started.Sub(r.Due), time.Second, "tick due %s was skipped in time", r.Due)
			continue
		}
		ran++
		require.LessOrEqual(t, r.Started.Sub(r.Due), time.Second, "tick due %s ran late", r.Due)
	}
	require.GreaterOrEqual(t, skipped, 3)
	require.Positive(t, ran)
	t.Logf("%d ticks of a plan @every 1s on one worker held 2s by each run: %d ran within their interval, %d were recorded skipped as late", len(got), ran, skipped)
}
