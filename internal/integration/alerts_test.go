package integration_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// TestTwoEnginesOneAlert runs two engines on one PostgreSQL schema, as two
// replicas would, and has both finish a failing execution of one plan at
// the same moment, five times over: the plan becomes failing once, and
// exactly one alert is sent between them. A third engine started later on
// the same store remembers that the plan is failing: it sends the
// recovery, and no second failure alert.
func TestTwoEnginesOneAlert(t *testing.T) {
	t.Parallel()
	pool := postgrestest.Pool(t, 16)
	schema := postgrestest.Schema(t, pool)
	ctx := t.Context()

	var (
		mu      sync.Mutex
		healthy bool
	)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		ok := healthy
		mu.Unlock()
		if !ok {
			http.Error(w, "down", http.StatusBadGateway)
		}
	}))
	defer target.Close()

	alerts := make(chan *notify.Event, 20)
	notifier := notify.NotifierFunc(func(_ context.Context, e *notify.Event) error {
		alerts <- e
		return nil
	})
	p, err := plan.Parse([]byte("name: shared\nsteps:\n  - get:\n      host: "+target.URL+"\n      expect:\n        status_code: 200\n"), nil)
	require.NoError(t, err)

	newEngine := func() *smokex.Engine {
		store, err := postgres.New(pool, postgres.Config{Schema: schema})
		require.NoError(t, err)
		require.NoError(t, store.Migrate(ctx))
		eng, err := smokex.New(smokex.Config{
			Store:        store,
			SkipRecovery: true,
			Overlap:      smokex.OverlapAllow,
			Logger:       slog.New(slog.DiscardHandler),
			Alerts: &notify.PolicyConfig{
				Targets: []notify.Target{{Name: "rec", Notifier: notifier}},
			},
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
	for range 5 {
		var wg sync.WaitGroup
		for _, eng := range []*smokex.Engine{a, b} {
			wg.Go(func() {
				_, err := eng.Run(ctx, p.ID, nil)
				require.NoError(t, err)
			})
		}
		wg.Wait()
	}
	stop(a) // Stop drains the policies: every decision is made and sent.
	stop(b)
	require.Len(t, alerts, 1, "one alert between the two engines")
	e := <-alerts
	require.Equal(t, notify.TransitionFailing, e.Transition)
	require.Equal(t, int64(1), a.Alerts().Stats().Decided+b.Alerts().Stats().Decided)

	mu.Lock()
	healthy = true
	mu.Unlock()
	c := newEngine()
	_, err = c.Run(ctx, p.ID, nil)
	require.NoError(t, err)
	stop(c)
	require.Len(t, alerts, 1)
	e = <-alerts
	require.Equal(t, notify.TransitionRecovered, e.Transition, "the restarted engine knew the plan was failing")
	require.Equal(t, 1, e.ConsecutivePasses)
}
