package metrics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/metrics"
	"github.com/smokex/smokex/record"
)

// TestLocationQuorum: smokex.plan.up of a plan in two locations with
// min_failing_locations 2 stays 1 while one fails and is 0 once both do;
// a plan without locations follows its last execution.
func TestLocationQuorum(t *testing.T) {
	t.Parallel()
	var q metrics.LocationQuorum
	plan := &record.PlanRef{ID: "geo", Locations: []string{"eu-west", "us-east"}, MinFailingLocations: 2}
	at := time.Unix(1_700_000_000, 0)
	up := func(p *record.PlanRef, loc string, s record.Status) int64 {
		t.Helper()
		v, last, ok := q.PlanHealth(p, &record.Execution{PlanID: p.ID, Status: s, Location: loc, StartedAt: at, FinishedAt: at})
		require.True(t, ok)
		require.Equal(t, at.Unix(), last)
		return v
	}
	require.Equal(t, int64(1), up(plan, "us-east", record.StatusPassed))
	require.Equal(t, int64(1), up(plan, "eu-west", record.StatusFailed), "one of two failing")
	require.Equal(t, int64(0), up(plan, "us-east", record.StatusFailed), "both failing")
	require.Equal(t, int64(1), up(plan, "eu-west", record.StatusPassed), "one passes again")
	plain := &record.PlanRef{ID: "plain"}
	require.Equal(t, int64(0), up(plain, "", record.StatusFailed))
	_, _, ok := q.PlanHealth(plan, &record.Execution{Status: record.StatusCanceled, Location: "eu-west"})
	require.False(t, ok, "a canceled run says nothing")
}
