package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
)

// TestPlanErrorBudget shows a plan's slo in its JSON and on its page: one
// failed execution of two, over a 1-day window at 99%.
func TestPlanErrorBudget(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	_, err := f.Eng.SyncFS(context.Background(), fstest.MapFS{
		"budget.yaml": {Data: []byte("name: budget\nslo: {target: 99%, window: 1d}\nsteps:\n  - get:\n      url: \"${base}/ok\"\n")},
		"flaky.yaml":  {Data: []byte("name: flaky\nslo: {target: 99%, window: 1d}\nsteps:\n  - get:\n      url: \"${base}/broken\"\n")},
	})
	require.NoError(t, err)
	f.Run(t, "budget")
	f.Run(t, "flaky")
	f.Run(t, "budget")

	code, _, body := f.Do(t, "GET", "api/plans/budget", "")
	require.Equal(t, http.StatusOK, code, string(body))
	var p admin.Plan
	require.NoError(t, json.Unmarshal(body, &p))
	require.NotNil(t, p.SLO, string(body))
	require.Equal(t, 2, p.SLO.Executions)
	require.Equal(t, 1.0, *p.SLO.Uptime)
	require.Equal(t, 14.4, p.SLO.BudgetMinutes, "1% of a day")
	require.Equal(t, 14.4, p.SLO.RemainingMinutes)
	require.Equal(t, 1.0, p.SLO.Remaining)
	require.Contains(t, string(body), `"objective":{"target":0.99,"window_ms":86400000}`)
	require.Contains(t, string(body), `"burn_rates":[{"window_ms":300000,"executions":2,"failed":0,"rate":0}`)

	code, _, body = f.Do(t, "GET", "api/plans/flaky", "")
	require.Equal(t, http.StatusOK, code, string(body))
	require.NoError(t, json.Unmarshal(body, &p))
	require.Equal(t, 1, p.SLO.Failed)
	require.Equal(t, 0.0, *p.SLO.Uptime)
	require.Equal(t, 14.4-24*60, p.SLO.RemainingMinutes)
	require.Equal(t, 100.0, p.SLO.BurnRate, "every execution of the hour failed: 1 / 0.01")

	code, _, body = f.Do(t, "GET", "plans/flaky", "")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, string(body), "Error budget left")
	require.Contains(t, string(body), "99% over 1 d")
	require.Contains(t, string(body), "100×")

	// A plan without an slo has none.
	f.Sync(t)
	code, _, body = f.Do(t, "GET", "api/plans/up", "")
	require.Equal(t, http.StatusOK, code)
	require.NotContains(t, string(body), `"slo"`)
}

// TestStatusPageErrorBudget shows a plan's error budget in its status
// page's JSON.
func TestStatusPageErrorBudget(t *testing.T) {
	t.Parallel()
	pages, err := admin.ParseStatusPages([]byte("- slug: shop\n  groups:\n    - name: Shop\n      plans: [budget]\n"))
	require.NoError(t, err)
	f := newFixture(t, &admin.Config{StatusPages: pages}, "/")
	_, err = f.Eng.SyncFS(context.Background(), fstest.MapFS{
		"budget.yaml": {Data: []byte("name: budget\nslo: {target: 99%, window: 1d}\nsteps:\n  - get:\n      url: \"${base}/ok\"\n")},
	})
	require.NoError(t, err)
	f.Run(t, "budget")

	var page struct {
		Groups []struct {
			Plans []struct {
				Budget map[string]any `json:"slo"`
			}
		}
	}
	require.Eventually(t, func() bool {
		code, _, body := f.Do(t, "GET", "s/shop.json", "")
		require.Equal(t, http.StatusOK, code, string(body))
		require.NoError(t, json.Unmarshal(body, &page))
		// The page may be built once before the run is stored, with a
		// budget that has no data yet; the run's build measures it again.
		return len(page.Groups) == 1 && len(page.Groups[0].Plans) == 1 &&
			page.Groups[0].Plans[0].Budget != nil && page.Groups[0].Plans[0].Budget["uptime"] != nil
	}, 10*time.Second, 20*time.Millisecond)
	b := page.Groups[0].Plans[0].Budget
	require.Equal(t, 0.99, b["target"])
	require.Equal(t, 14.4, b["budget_minutes"])
	require.Equal(t, 1.0, b["remaining"])
	require.Equal(t, 1.0, b["uptime"])
	require.NotContains(t, b, "at", "the page changes only when the figures do")
}
