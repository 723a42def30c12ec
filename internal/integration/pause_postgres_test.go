package integration_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// TestPauseHoldsAcrossReplicas pauses a failing plan through one engine
// and runs it on another sharing the PostgreSQL schema, as a replica
// would, and on a third started after the first stopped, as after a
// restart: the pause holds on both; once it is ended, the next run
// alerts.
func TestPauseHoldsAcrossReplicas(t *testing.T) {
	t.Parallel()
	pool := postgrestest.Pool(t, 8)
	schema := postgrestest.Schema(t, pool)
	ctx := t.Context()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer target.Close()
	alerts := make(chan *notify.Event, 10)
	p, err := plan.Parse([]byte("name: shared\nsteps:\n  - get:\n      host: "+target.URL+"\n      expect:\n        status_code: 200\n"), nil)
	require.NoError(t, err)
	newEngine := func() *smokex.Engine {
		store, err := postgres.New(pool, postgres.Config{Schema: schema})
		require.NoError(t, err)
		require.NoError(t, store.Migrate(ctx))
		eng, err := smokex.New(smokex.Config{
			Store:        store,
			SkipRecovery: true,
			Logger:       slog.New(slog.DiscardHandler),
			Alerts: &notify.PolicyConfig{Targets: []notify.Target{{Name: "rec", Notifier: notify.NotifierFunc(func(_ context.Context, e *notify.Event) error {
				alerts <- e
				return nil
			})}}},
		})
		require.NoError(t, err)
		require.NoError(t, eng.AddPlan(ctx, p))
		require.NoError(t, eng.Start(ctx))
		return eng
	}
	stop := func(eng *smokex.Engine) {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, eng.Stop(sctx))
	}

	a, b := newEngine(), newEngine()
	require.NoError(t, a.PausePlan(ctx, p.ID, time.Now().Add(time.Hour)))
	x, err := b.Run(ctx, p.ID, nil)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(x.Maintenance, "paused until "), "paused on the other replica: %q", x.Maintenance)
	stop(a)
	c := newEngine()
	x, err = c.Run(ctx, p.ID, nil)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(x.Maintenance, "paused until "), "paused after a restart: %q", x.Maintenance)

	require.NoError(t, c.ResumePlan(ctx, p.ID))
	x, err = b.Run(ctx, p.ID, nil)
	require.NoError(t, err)
	require.Empty(t, x.Maintenance)
	stop(b) // Stop drains the policies: every decision is made and sent.
	stop(c)
	require.Len(t, alerts, 1, "one alert, after the pause")
	e := <-alerts
	require.Equal(t, notify.TransitionFailing, e.Transition)
	require.Equal(t, x.ID, e.Execution.ID)
}
