package integration_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// TestDependsOnAcrossReplicas runs gateway and checkout (which depends on
// it) on two engines that share one PostgreSQL schema, as two replicas
// would, each plan's executions on another engine than the last: the
// decision to hold checkout's alert back is taken from the states in the
// store. Both fail: one alert, the gateway's, naming checkout. The gateway
// recovers and checkout still fails: checkout alerts.
func TestDependsOnAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var gatewayDown, checkoutDown atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.URL.Path == "/gateway" && gatewayDown.Load()) || (r.URL.Path == "/checkout" && checkoutDown.Load()) {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer target.Close()
	plans := fstest.MapFS{
		"gateway.yaml":  {Data: []byte("name: gateway\nsteps:\n  - get: {url: \"" + target.URL + "/gateway\"}\n")},
		"checkout.yaml": {Data: []byte("name: checkout\ndepends_on: [gateway]\nsteps:\n  - get: {url: \"" + target.URL + "/checkout\"}\n")},
	}

	alerts, a, b := alertReplicas(t, plans, notify.Rules{})
	// run runs the plan on eng and waits until its policy decided on it.
	run := func(eng *smokex.Engine, id string) {
		_, err := eng.Run(ctx, id, nil)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return eng.Alerts().Pending() == 0 }, time.Minute, time.Millisecond)
	}
	// got waits for n alerts and returns them as "plan transition
	// [dependents]", then checks that no more come while both policies
	// have nothing left to decide or deliver.
	got := func(n int) []string {
		var out []string
		for range n {
			select {
			case e := <-alerts:
				out = append(out, strings.TrimSpace(e.Plan.ID+" "+string(e.Transition)+" "+strings.Join(e.FailingDependents, " ")))
			case <-time.After(time.Minute):
				require.FailNow(t, "no alert", "got %v", out)
			}
		}
		require.Eventually(t, func() bool {
			sa, sb := a.Alerts().Stats(), b.Alerts().Stats()
			return sa.Sent+sb.Sent == sa.Decided+sb.Decided
		}, time.Minute, time.Millisecond)
		require.Empty(t, alerts, "no other alert")
		return out
	}

	run(a, "gateway")
	run(b, "checkout")
	gatewayDown.Store(true)
	checkoutDown.Store(true)
	run(a, "checkout")
	run(b, "gateway")
	run(b, "checkout")
	run(a, "gateway")
	require.Equal(t, []string{"gateway failing checkout"}, got(1))

	gatewayDown.Store(false)
	run(b, "gateway")
	run(a, "checkout")
	require.Equal(t, []string{"gateway recovered", "checkout failing"}, got(2))
}

// alertReplicas starts two engines of replicaEngines.
func alertReplicas(t *testing.T, plans fstest.MapFS, rules notify.Rules) (chan *notify.Event, *smokex.Engine, *smokex.Engine) {
	t.Helper()
	alerts, newEngine := replicaEngines(t, plans, rules)
	return alerts, newEngine(), newEngine()
}

// replicaEngines makes a new PostgreSQL schema and returns a func that
// starts an engine on it, as a replica, syncing plans and alerting by the
// rules to the channel it returns; each is stopped at the test's end.
func replicaEngines(t *testing.T, plans fstest.MapFS, rules notify.Rules) (chan *notify.Event, func() *smokex.Engine) {
	t.Helper()
	pool := postgrestest.Pool(t, 16)
	schema := postgrestest.Schema(t, pool)
	ctx := t.Context()
	alerts := make(chan *notify.Event, 20)
	notifier := notify.NotifierFunc(func(_ context.Context, e *notify.Event) error {
		alerts <- e
		return nil
	})
	newEngine := func() *smokex.Engine {
		store, err := postgres.New(pool, postgres.Config{Schema: schema})
		require.NoError(t, err)
		require.NoError(t, store.Migrate(ctx))
		eng, err := smokex.New(smokex.Config{
			Store:        store,
			SkipRecovery: true,
			Logger:       slog.New(slog.DiscardHandler),
			Alerts:       &notify.PolicyConfig{Targets: []notify.Target{{Name: "rec", Notifier: notifier}}, Rules: rules},
		})
		require.NoError(t, err)
		_, err = eng.SyncFS(ctx, plans)
		require.NoError(t, err)
		require.NoError(t, eng.Start(ctx))
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, eng.Stop(sctx))
		})
		return eng
	}
	return alerts, newEngine
}

// TestFlakyAfterAcrossReplicas runs a plan whose every execution passes
// only on its retry on two engines sharing one PostgreSQL schema, in
// turn: the flaky runs are counted in the stored state, so FlakyAfter 2/3
// makes one alert between them, at the second run, whichever engine ran
// the first.
func TestFlakyAfterAcrossReplicas(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1)%2 == 0 {
			w.Header().Set("Connection", "close") // the retry passes on a connection of its own
			return
		}
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	}))
	defer target.Close()
	plans := fstest.MapFS{"login.yaml": {Data: []byte("name: login\noptions: {retries: 1}\nsteps:\n  - get: {url: \"" + target.URL + "/login\"}\n")}}
	alerts, a, b := alertReplicas(t, plans, notify.Rules{FlakyAfter: notify.FlakyAfter{Runs: 2, Of: 3}})
	for i, eng := range []*smokex.Engine{a, b, a} {
		x, err := eng.Run(t.Context(), "login", nil)
		require.NoError(t, err)
		require.True(t, x.Flaky, "run %d passed on its retry", i+1)
		require.Eventually(t, func() bool { return eng.Alerts().Pending() == 0 }, time.Minute, time.Millisecond)
	}
	select {
	case e := <-alerts:
		require.Equal(t, notify.TransitionFlaky, e.Transition)
		require.Equal(t, []int{2, 3}, []int{e.FlakyRuns, e.FlakyOf})
	case <-time.After(time.Minute):
		require.FailNow(t, "no flaky alert")
	}
	require.Eventually(t, func() bool {
		sa, sb := a.Alerts().Stats(), b.Alerts().Stats()
		return sa.Decided+sb.Decided == 1 && sa.Sent+sb.Sent == 1
	}, time.Minute, time.Millisecond)
	require.Empty(t, alerts, "one alert between the two")
}
