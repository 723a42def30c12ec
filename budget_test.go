package smokex_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
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
	case <-time.After(10 * time.Second):
		t.Fatal("no error budget told within 10s")
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
