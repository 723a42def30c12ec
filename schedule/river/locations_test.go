package river_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

// TestLocations: a plan in two locations, eu-west and us-east, and one
// without locations, on four replicas: eu-west, us-east twice, and an
// agent of eu-west. Each tick of the first runs once in each location, by
// a replica of that location, and reads its location as ${location}; the
// ticks of the second run once each, never on the agent.
func TestLocations(t *testing.T) {
	c := newCluster(t, 0)
	var mu sync.Mutex
	from := map[string]int{}
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		from[r.URL.Query().Get("from")]++
		mu.Unlock()
	}))
	defer target.Close()
	rs := []*replica{
		c.replicaWith("eu", replicaOpts{location: "eu-west"}),
		c.replicaWith("us-1", replicaOpts{location: "us-east"}),
		c.replicaWith("us-2", replicaOpts{location: "us-east"}),
	}
	agent := c.replicaWith("eu-agent", replicaOpts{location: "eu-west", agent: true})
	for _, src := range []string{
		`{name: both, schedule: "@every 1s", locations: [eu-west, us-east], steps: [{get: {url: "` + target.URL + `/?from=${location}"}}]}`,
		`{name: anywhere, schedule: "@every 1s", steps: [{get: {url: "` + target.URL + `/?from=${location}"}}]}`,
	} {
		p, err := plan.Parse([]byte(src), nil)
		require.NoError(t, err)
		require.NoError(t, rs[0].engine.AddPlan(t.Context(), p))
	}
	type row struct {
		Plan, Location string
		Due            time.Time
		N              int
	}
	read := func(ctx context.Context) []row {
		rows, err := c.admin.Query(ctx, `SELECT plan_id, location, scheduled_at, count(*) FROM `+pgx.Identifier{c.schema}.Sanitize()+`.executions
			WHERE scheduled_at IS NOT NULL AND status IN ('passed', 'failed') GROUP BY 1, 2, 3 ORDER BY 3`)
		require.NoError(t, err)
		got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		require.NoError(t, err)
		return got
	}
	// Five ticks of each plan in each of its locations.
	require.Eventually(t, func() bool {
		n := map[string]int{}
		for _, r := range read(t.Context()) {
			n[r.Plan+"@"+r.Location]++
		}
		return n["both@eu-west"] >= 5 && n["both@us-east"] >= 5 && n["anywhere@"] >= 5
	}, time.Minute, 100*time.Millisecond, "the plans do not tick in each location")
	stopAll(t, append(rs, agent))

	byDue := map[string]map[time.Time][]string{}
	for _, r := range read(t.Context()) {
		require.Equal(t, 1, r.N, "%s due %s ran %d times in %q", r.Plan, r.Due, r.N, r.Location)
		if byDue[r.Plan] == nil {
			byDue[r.Plan] = map[time.Time][]string{}
		}
		byDue[r.Plan][r.Due] = append(byDue[r.Plan][r.Due], r.Location)
	}
	for due, locs := range byDue["anywhere"] {
		require.Equal(t, []string{""}, locs, "anywhere due %s", due)
	}
	for _, r := range rs {
		r.mu.Lock()
		t.Logf("%s ran %v", r.name, r.ranIn)
		r.mu.Unlock()
	}
	// Each replica ran the ticks of its location, and of no other.
	for _, r := range rs[1:] {
		require.Zero(t, r.ranIn["eu-west"], r.name)
	}
	require.Zero(t, rs[0].ranIn["us-east"])
	require.Zero(t, agent.ranIn[""], "the agent ran a tick of a plan without locations")
	require.Zero(t, agent.ranIn["us-east"])
	mu.Lock()
	defer mu.Unlock()
	require.Positive(t, from["eu-west"])
	require.Positive(t, from["us-east"])
	require.Positive(t, from[""], "${location} of a plan without locations")
}
