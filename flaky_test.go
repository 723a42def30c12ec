package smokex_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/notifytest"
	"github.com/smokex/smokex/notify/webhook"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// TestFlakyAfterAlerts runs a plan against a server that drops the
// connection of every execution's first attempt, so that each passes
// only on its retry: with Rules.FlakyAfter 2/3 the second execution makes
// one flaky alert, and the third none.
func TestFlakyAfterAlerts(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1)%2 == 0 {
			// The retry passes, on a connection of its own: the client
			// would retry a first attempt dropped on a reused one itself.
			w.Header().Set("Connection", "close")
			return
		}
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(target.Close)
	p, err := plan.Parse([]byte("name: login\noptions: {retries: 1}\nsteps:\n  - get: {url: \""+target.URL+"/login\"}\n"), nil)
	require.NoError(t, err)

	rv := notifytest.NewReceiver(t, http.StatusOK)
	wh, err := webhook.New(webhook.Config{URL: rv.URL})
	require.NoError(t, err)
	eng, err := smokex.New(smokex.Config{
		Logger: slog.New(slog.DiscardHandler),
		Alerts: &notify.PolicyConfig{
			Targets: []notify.Target{{Name: "webhook", Notifier: wh}},
			Rules:   notify.Rules{FlakyAfter: notify.FlakyAfter{Runs: 2, Of: 3}},
		},
	})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, p))
	require.NoError(t, eng.Start(ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, eng.Stop(ctx))
	})

	for i := range 3 {
		x, err := eng.Run(ctx, "login", nil)
		require.NoError(t, err)
		require.True(t, x.Flaky, "execution %d passed on its retry", i+1)
	}
	require.Eventually(t, func() bool {
		st := eng.Alerts().Stats()
		return eng.Alerts().Pending() == 0 && st.Decided == 1 && st.Sent == 1
	}, 10*time.Second, time.Millisecond)
	require.Equal(t, 1, rv.Pending(), "one alert")
	e := rv.Next(t).JSON(t)
	require.Equal(t, "flaky", e["transition"])
	require.Equal(t, float64(2), e["flaky_runs"])
	require.Equal(t, float64(3), e["flaky_of"])
	require.Equal(t, true, e["execution"].(map[string]any)["flaky"])
	ev := &notify.Event{Transition: notify.TransitionFlaky, Plan: record.PlanRef{ID: "login"}, FlakyRuns: 2, FlakyOf: 3}
	require.Equal(t, "login is flaky: up only after a retry in 2 of its last 3 runs", ev.Summary())
}
