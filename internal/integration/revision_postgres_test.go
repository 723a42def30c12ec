package integration_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/postgres"
)

// countedPlanReads is PostgreSQL counting the plans read one by one.
type countedPlanReads struct {
	*postgres.Store
	reads atomic.Int64
}

func (s *countedPlanReads) GetPlan(ctx context.Context, id string) (*storage.Plan, error) {
	s.reads.Add(1)
	return s.Store.GetPlan(ctx, id)
}

// tickSkips records the ticks an engine skipped, with why.
type tickSkips struct {
	record.HookDefaults
	mu      sync.Mutex
	reasons []record.SkipReason
}

func (s *tickSkips) TickSkipped(_ context.Context, _ string, _ *record.PlanRef, _ time.Time, reason record.SkipReason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reasons = append(s.reasons, reason)
}

func (s *tickSkips) seen() []record.SkipReason {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]record.SkipReason(nil), s.reasons...)
}

// handTicked starts an engine on store whose ticks the test makes with the
// func it returns, which returns once the tick's run is over, as a
// distributed scheduler hands a tick to whichever process.
func handTicked(t *testing.T, store storage.Store, hooks ...record.Hook) (*smokex.Engine, func(planID string, due time.Time)) {
	t.Helper()
	return handTickedWith(t, smokex.Config{Store: store, Hooks: hooks})
}

// handTickedWith is handTicked with cfg's store, hooks and other
// settings.
func handTickedWith(t *testing.T, cfg smokex.Config) (*smokex.Engine, func(planID string, due time.Time)) {
	t.Helper()
	var tick schedule.Func
	cfg.SkipRecovery = true
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.NewScheduler = func(fn schedule.Func) (schedule.Scheduler, error) {
		tick = fn
		return schedule.NewCron(schedule.CronConfig{Func: func(context.Context, string, time.Time) {}})
	}
	eng, err := smokex.New(cfg)
	require.NoError(t, err)
	require.NoError(t, eng.Start(t.Context()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, eng.Stop(ctx))
	})
	return eng, func(planID string, due time.Time) { tick(context.Background(), planID, due) }
}

// TestPlanChangedByAnotherEngineOnPostgres: two engines share one
// PostgreSQL schema, one changing the plan, the other running its ticks.
// The ticks read the plan from the store only the first time and when it
// changed, and still run the plan as the other engine left it: changed
// within a minute of its revision's last confirmation (the ticks come at
// once, here), in its new form from the tick after next (the next,
// written once when it ends, runs the plan it holds and finds the change
// in its write; a plan confirmed longer ago is read again first),
// with its new name stored; removed, not stored, and then not run.
func TestPlanChangedByAnotherEngineOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pg, _, _ := postgresStore(t)
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	planOf := func(name, path string) *plan.Plan {
		p, err := plan.Parse([]byte(fmt.Sprintf("name: %s\nschedule: \"@hourly\"\nsteps:\n  - get: {url: %q}\n", name, srv.URL+path)), nil)
		require.NoError(t, err)
		p.ID = "shared"
		return p
	}
	editor, _ := handTicked(t, pg)
	require.NoError(t, editor.AddPlan(ctx, planOf("first", "/one")))
	store := &countedPlanReads{Store: pg}
	skips := &tickSkips{}
	runner, tick := handTicked(t, store, skips)
	_, err := runner.Plan("shared")
	require.NoError(t, err, "the runner loaded the plan on Start")

	due := time.Now().UTC().Truncate(time.Hour) // in time: within the hourly interval
	run := func(n int, wantPath, wantName string) {
		t.Helper()
		at := due.Add(time.Duration(n) * time.Hour)
		tick("shared", at)
		page, err := pg.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "shared", Limit: 1})
		require.NoError(t, err)
		require.Len(t, page.Executions, 1)
		x, err := pg.GetExecution(ctx, page.Executions[0].ID)
		require.NoError(t, err)
		require.True(t, at.Equal(x.ScheduledAt), "tick %d ran", n)
		require.Equal(t, record.StatusPassed, x.Status, "tick %d", n)
		require.Equal(t, srv.URL+wantPath, x.Steps[0].URL, "tick %d", n)
		require.Equal(t, wantName, x.PlanName, "tick %d", n)
	}
	reads := store.reads.Load()
	run(0, "/one", "first")
	run(1, "/one", "first")
	run(2, "/one", "first")
	require.Equal(t, reads+1, store.reads.Load(), "the plan read at the first tick only")

	require.NoError(t, editor.AddPlan(ctx, planOf("second", "/two")))
	run(3, "/one", "first")
	require.Equal(t, reads+1, store.reads.Load(), "the tick after the change runs the plan held")
	run(4, "/two", "second")
	run(5, "/two", "second")
	require.Equal(t, reads+2, store.reads.Load(), "and once more when it changed")

	require.NoError(t, editor.RemovePlan(ctx, "shared"))
	tick("shared", due.Add(6*time.Hour))
	tick("shared", due.Add(7*time.Hour))
	require.Equal(t, []record.SkipReason{record.SkipUnknownPlan, record.SkipUnknownPlan}, skips.seen(), "a plan removed by the other engine")
	page, err := pg.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "shared"})
	require.NoError(t, err)
	require.Empty(t, page.Executions)
}
