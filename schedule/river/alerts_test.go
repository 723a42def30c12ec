package river_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/plan"
)

// TestAlertsOnceAcrossReplicas: a plan that fails, keeps failing, then
// recovers, its ticks shared by three replicas each with its own alert
// policy on the one store, gives exactly one failing and one recovered
// notification in all.
func TestAlertsOnceAcrossReplicas(t *testing.T) {
	c := newCluster(t, 0)
	var failing atomic.Bool
	failing.Store(true)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(target.Close)
	var mu sync.Mutex
	sent := map[notify.Transition]int{}
	alerts := &notify.PolicyConfig{Targets: []notify.Target{{Name: "count", Notifier: notify.NotifierFunc(func(_ context.Context, e *notify.Event) error {
		mu.Lock()
		defer mu.Unlock()
		sent[e.Transition]++
		return nil
	})}}}
	c.alerts = alerts
	rs := []*replica{c.replica("replica-0"), c.replica("replica-1"), c.replica("replica-2")}

	p, err := plan.Parse([]byte(`{name: flaky, schedule: "@every 1s", steps: [{get: {url: "`+target.URL+`/", expect: {status_code: 204}}}]}`), nil)
	require.NoError(t, err)
	p.ID = "flaky"
	require.NoError(t, rs[1].engine.AddPlan(t.Context(), p))
	count := func(status string) int {
		var n int
		require.NoError(t, c.admin.QueryRow(t.Context(), `SELECT count(*) FROM `+pgx.Identifier{c.schema}.Sanitize()+
			`.executions WHERE plan_id = 'flaky' AND status = $1`, status).Scan(&n))
		return n
	}
	require.Eventually(t, func() bool { return count("failed") >= 4 }, 30*time.Second, 100*time.Millisecond, "the plan does not fail")
	failing.Store(false)
	require.Eventually(t, func() bool { return count("passed") >= 4 }, 30*time.Second, 100*time.Millisecond, "the plan does not recover")
	stopAll(t, rs) // the policies deliver what they decided before they stop

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, map[notify.Transition]int{notify.TransitionFailing: 1, notify.TransitionRecovered: 1}, sent,
		"notifications across three replicas for %d failed and %d passed executions", count("failed"), count("passed"))
}
