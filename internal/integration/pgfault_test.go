package integration_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

const threeSteps = `
name: three
steps:
  - get: {name: one, url: "${base}/1"}
  - get: {name: two, url: "${base}/2"}
  - get: {name: three, url: "${base}/3"}
`

// TestBackendsTerminatedMidRun runs 300 three-step executions on
// PostgreSQL while their connections are dropped with pg_terminate_backend:
// no run is lost for want of its creation, and every finished execution is
// stored with all its steps or with an error naming those it lacks.
func TestBackendsTerminatedMidRun(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	direct := postgrestest.Pool(t, 2)
	schema := postgrestest.Schema(t, direct)

	cfg, err := pgxpool.ParseConfig(postgrestest.URL(t))
	require.NoError(t, err)
	app := "smokex_fault_" + schema[len(schema)-8:]
	cfg.ConnConfig.RuntimeParams["application_name"] = app
	cfg.MaxConns = 4
	// The store meets the terminated backends itself.
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	store, err := postgres.New(pool, postgres.Config{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, store.Migrate(ctx))

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
	}))
	t.Cleanup(srv.Close)
	eng, err := smokex.New(smokex.Config{Store: store, Concurrency: 8, Overlap: smokex.OverlapAllow,
		Vars: map[string]any{"base": srv.URL}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	p, err := plan.Parse([]byte(threeSteps), nil)
	require.NoError(t, err)
	require.NoError(t, eng.AddPlan(ctx, p))
	require.NoError(t, eng.Start(ctx))
	t.Cleanup(func() { _ = eng.Stop(context.Background()) })

	// Terminate the store's backends every 10 ms in bursts of 300 ms, with
	// quiet between them that lasts until eight runs (one per worker, as
	// many as run at once) have finished: outages far shorter than the
	// store's retry window, which must lose nothing. The quiet waits on the
	// runs, not on a clock, so that a loaded machine, on which opening a
	// connection can take longer than any fixed pause, still sees the
	// database come back between bursts.
	var terminated atomic.Int64
	stop := make(chan struct{})
	killed := make(chan struct{})
	finished := make(chan struct{}, 1024)
	go func() {
		defer close(killed)
		for {
			burstEnd := time.Now().Add(300 * time.Millisecond)
			for time.Now().Before(burstEnd) {
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
				var n int64
				if err := direct.QueryRow(context.Background(),
					"SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", app,
				).Scan(&n); err == nil {
					terminated.Add(n)
				}
			}
			for drained := false; !drained; {
				select {
				case <-finished: // a run that finished during the burst
				default:
					drained = true
				}
			}
			for range 8 {
				select {
				case <-stop:
					return
				case <-finished:
				}
			}
		}
	}()

	const runs = 300
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		ids    []string
		failed []error
	)
	work := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for range work {
				x, err := eng.Run(ctx, "three", nil)
				select {
				case finished <- struct{}{}:
				default:
				}
				mu.Lock()
				if err != nil {
					failed = append(failed, err)
				} else {
					ids = append(ids, x.ID)
				}
				mu.Unlock()
			}
		})
	}
	for range runs {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	close(stop)
	<-killed
	t.Logf("%d backends terminated during %d runs", terminated.Load(), runs)
	require.Positive(t, terminated.Load(), "the test dropped connections")
	if len(failed) > 0 {
		t.Fatalf("%d runs lost because their creation could not be stored, the first: %v", len(failed), failed[0])
	}
	require.Len(t, ids, runs)

	// What is stored, read on a connection of its own.
	check, err := postgres.New(direct, postgres.Config{Schema: schema})
	require.NoError(t, err)
	complete, incomplete := 0, 0
	for _, id := range ids {
		x, err := check.GetExecution(ctx, id)
		require.NoError(t, err)
		require.True(t, x.Status.Done(), "execution %s is %s", id, x.Status)
		if len(x.Steps) == 3 {
			complete++
			continue
		}
		incomplete++
		require.NotNil(t, x.Error, "execution %s is %s with %d of 3 steps and no error", id, x.Status, len(x.Steps))
		have := map[int]bool{}
		for _, s := range x.Steps {
			have[s.Index] = true
		}
		for i, name := range []string{"one", "two", "three"} {
			if !have[i] {
				require.Contains(t, x.Error.Message, fmt.Sprintf("%d (%s)", i+1, name), "execution %s: %s", id, x.Error.Message)
			}
		}
		require.True(t, strings.Contains(x.Error.Message, "could not be stored"), x.Error.Message)
		t.Logf("execution %s: %s", id, x.Error.Message)
	}
	t.Logf("%d executions complete, %d with an error naming the steps they lack", complete, incomplete)
}
