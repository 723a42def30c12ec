package smokex_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage/memory"
)

// budgetHook hands each error budget it is told to a channel.
type budgetHook struct {
	record.HookDefaults
	c chan *record.ErrorBudget
}

func (h *budgetHook) ErrorBudget(_ context.Context, p *record.PlanRef, b *record.ErrorBudget) {
	if p.SLO == nil || p.SLO.Target != b.Objective.Target {
		panic("the plan's slo is not the budget's")
	}
	h.c <- b
}

// TestErrorBudgetHook runs a plan with an slo: the hooks are told its
// budget from the store after the execution, and Engine.ErrorBudget
// measures the same.
func TestErrorBudgetHook(t *testing.T) {
	t.Parallel()
	target := echoTarget(t)
	hook := &budgetHook{c: make(chan *record.ErrorBudget, 4)}
	eng, err := smokex.New(smokex.Config{Logger: slog.New(slog.DiscardHandler), Hooks: []record.Hook{hook}})
	require.NoError(t, err)
	ctx := t.Context()
	p, err := plan.Parse([]byte("name: down\nslo: {target: 99%, window: 7d}\nsteps:\n  - get:\n      host: "+target.URL+"\n      expect:\n        status_code: 299\n"), nil)
	require.NoError(t, err)
	require.NoError(t, eng.AddPlan(ctx, p))
	require.NoError(t, eng.Start(ctx))
	t.Cleanup(func() { require.NoError(t, eng.Stop(context.Background())) })

	_, err = eng.Run(ctx, p.ID, nil)
	require.NoError(t, err)
	var b *record.ErrorBudget
	select {
	case b = <-hook.c:
	case <-time.After(time.Minute):
		t.Fatal("no error budget told within a minute")
	}
	require.Equal(t, "down", b.PlanID)
	require.Equal(t, 1, b.Executions)
	require.Equal(t, 1, b.Failed)
	require.Equal(t, 100.8, b.BudgetMinutes, "1% of 7 days")
	require.Equal(t, 100.8-7*24*60, b.RemainingMinutes)

	got, err := eng.ErrorBudget(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, b.Executions, got.Executions)
	require.Equal(t, b.RemainingMinutes, got.RemainingMinutes)

	_, err = eng.ErrorBudget(ctx, "nope")
	require.ErrorIs(t, err, smokex.ErrPlanNotFound)
}

// TestErrorBudgetCounts measures a budget from executions stored as they
// would be: those in maintenance, canceled, before the window or after
// now are not counted.
func TestErrorBudgetCounts(t *testing.T) {
	t.Parallel()
	store := memory.New(memory.Config{})
	eng, err := smokex.New(smokex.Config{Store: store, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ctx := t.Context()
	p, err := plan.Parse([]byte("name: p\nslo: {target: 99.9%}\nsteps:\n  - get: {url: \"http://127.0.0.1:1/\"}\n"), nil)
	require.NoError(t, err)
	require.NoError(t, eng.AddPlan(ctx, p))
	now := time.Now()
	add := func(i int, ago time.Duration, status record.Status, maintenance string) {
		at := now.Add(-ago)
		x := &record.Execution{ID: fmt.Sprintf("x%03d", i), PlanID: "p", Status: record.StatusCreated, CreatedAt: at}
		require.NoError(t, store.CreateExecution(ctx, x))
		x.Status, x.StartedAt, x.FinishedAt, x.Maintenance = status, at, at.Add(time.Second), maintenance
		require.NoError(t, store.UpdateExecution(ctx, x))
	}
	add(1, time.Minute, record.StatusFailed, "")
	add(2, 2*time.Minute, record.StatusPassed, "")
	add(3, 3*time.Minute, record.StatusDegraded, "")
	add(4, 4*time.Minute, record.StatusFailed, "nightly") // maintenance
	add(5, 5*time.Minute, record.StatusCanceled, "")      // says nothing of the target
	add(6, 40*24*time.Hour, record.StatusFailed, "")      // before the window
	add(7, -time.Hour, record.StatusFailed, "")           // after now
	add(8, 10*24*time.Hour, record.StatusFailed, "")      // a whole day of the window, in the rollups
	add(9, 10*24*time.Hour, record.StatusPassed, "nightly")
	b, err := eng.ErrorBudget(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, 4, b.Executions)
	require.Equal(t, 2, b.Failed)
	require.InDelta(t, 2.0/4, *b.Uptime, 1e-12)
	r, ok := b.Rate(time.Hour)
	require.True(t, ok)
	require.Equal(t, 3, r.Executions)
	require.Equal(t, 333.333333, b.BurnRate, "1 of 3 failed, at 0.1% allowed")
}
