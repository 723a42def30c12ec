package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// TestStatusLocationQuorum: a plan in two locations with
// min_failing_locations 2 is up in /status and its badge while one
// location fails, and down once both do.
func TestStatusLocationQuorum(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	p, err := plan.Parse([]byte(`name: geo
locations: [eu-west, us-east]
alerts: {min_failing_locations: 2}
steps:
  - get: {url: "${base}/up"}
`), nil)
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, f.Eng.AddPlan(ctx, p))
	n := 0
	store := func(location string, status record.Status) {
		n++
		at := time.Now().UTC().Add(time.Duration(n) * time.Millisecond)
		x := &record.Execution{ID: fmt.Sprintf("x-%02d", n), PlanID: "geo", PlanName: "geo", Trigger: record.TriggerSchedule,
			Status: status, CreatedAt: at, StartedAt: at, FinishedAt: at, Location: location}
		require.NoError(t, f.Eng.Store().CreateExecution(ctx, x))
	}
	status := func(code int, want string) {
		t.Helper()
		require.Eventually(t, func() bool {
			got, _, body := f.Do(t, "GET", "status", "")
			_, _, badge := f.Do(t, "GET", "badge/geo.svg", "")
			return got == code && strings.Contains(string(body), `"status":"`+want+`"`) && strings.Contains(string(badge), ">"+want+"<")
		}, 10*time.Second, 20*time.Millisecond, "status %d %s", code, want)
	}
	store("us-east", record.StatusPassed)
	store("eu-west", record.StatusFailed)
	status(200, "passed")
	store("us-east", record.StatusFailed)
	status(503, "failed")
	store("eu-west", record.StatusPassed)
	status(200, "passed")

	// The dashboard: a row per location on the plan's page, the state of
	// each on the overview, and the Locations page.
	code, _, body := f.Do(t, "GET", "plans/geo", "")
	require.Equal(t, 200, code)
	require.Contains(t, string(body), `data-location-row="eu-west"`)
	require.Contains(t, string(body), `data-location-row="us-east"`)
	code, _, body = f.Do(t, "GET", "", "")
	require.Equal(t, 200, code)
	require.Contains(t, string(body), `data-location="us-east" title="us-east: failed"`)
	code, _, body = f.Do(t, "GET", "locations", "")
	require.Equal(t, 200, code)
	require.Contains(t, string(body), `data-location-row="eu-west"`)
	require.Contains(t, string(body), "unavailable")
}

// TestAPILocations: a location that a plan names and no process was seen
// in is listed as unavailable, with no process.
func TestAPILocations(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	p, err := plan.Parse([]byte(`name: far
locations: [ap-south]
steps:
  - get: {url: "${base}/up"}
`), nil)
	require.NoError(t, err)
	require.NoError(t, f.Eng.AddPlan(context.Background(), p))
	got := f.GetJSON(t, "api/locations", 200)
	require.Equal(t, []any{map[string]any{"name": "ap-south", "available": false, "reason": "no process seen for 15s",
		"processes": []any{}, "last_seen": nil, "queue_depth": 0.0, "lateness_ms": 0.0}}, got["locations"])
}

// TestNavLocationsOnEveryPage: the Locations link of the top bar is on
// every page of a token that sees every plan, a plan's page without
// locations of its own included.
func TestNavLocationsOnEveryPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	_, err := f.Eng.SyncFS(context.Background(), fstest.MapFS{
		"plain.yaml": {Data: []byte("name: plain\nsteps:\n  - get:\n      url: \"${base}/ok\"\n")},
	})
	require.NoError(t, err)
	for _, path := range []string{"", "plans/plain", "incidents", "locations"} {
		code, _, body := f.Do(t, "GET", path, "")
		require.Equal(t, http.StatusOK, code, path)
		require.Contains(t, string(body), `locations"`, "the nav of /%s", path)
		require.Regexp(t, `<a href="(\./|\.\./)*locations"[^>]*>Locations</a>`, string(body), "the nav of /%s", path)
	}
}
