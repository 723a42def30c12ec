package notify_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/slo"
)

var sloPlan = &record.PlanRef{ID: "checkout", Name: "Checkout API", SLO: &record.SLO{Target: 0.999, Window: 30 * 24 * time.Hour}}

// budgetAt is the budget of a plan that ran every minute for 30 days up
// to now, failing at the minutes ago that fails lists.
func budgetAt(now time.Time, fails ...int) *record.ErrorBudget {
	c := slo.NewCounter(*sloPlan.SLO, now)
	failed := map[int]bool{}
	for _, m := range fails {
		failed[m] = true
	}
	for m := range 30 * 24 * 60 {
		c.Add(now.Add(-time.Duration(m)*time.Minute), !failed[m])
	}
	return c.Budget(sloPlan.ID)
}

// TestPolicyBurnRate applies the multiwindow rule to budgets measured over
// a synthetic history: a rule that starts to hold alerts once, and again
// only after it stopped holding.
func TestPolicyBurnRate(t *testing.T) {
	t.Parallel()
	c := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	rec := &recorder{}
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{{Name: "rec", Notifier: rec}},
		Rules:   notify.Rules{AlertAfter: 1000, BurnRateAlerts: true},
		Now:     c.Now,
	})
	decided := func(budget *record.ErrorBudget) {
		t.Helper()
		p.ErrorBudget(t.Context(), sloPlan, budget)
		require.Eventually(t, func() bool { return p.Pending() == 0 }, time.Minute, time.Millisecond)
	}
	x := execution(record.StatusFailed, c.Now())
	x.PlanID = sloPlan.ID
	p.ExecutionFinished(t.Context(), sloPlan, x)

	decided(budgetAt(c.Now(), 2))            // fast: 1 of the last 5 and of the last 60
	decided(budgetAt(c.Now(), 2))            // still: no second alert
	decided(budgetAt(c.Now()))               // the rule stops holding
	decided(budgetAt(c.Now(), 20, 100, 200)) // slow: 3 of the last 360, 1 of the last 30
	require.Eventually(t, func() bool { return len(rec.transitions()) == 2 }, time.Minute, time.Millisecond)
	require.Equal(t, []notify.Transition{notify.TransitionBurnRate, notify.TransitionBurnRate}, rec.transitions())

	rec.mu.Lock()
	fast, slow := rec.events[0], rec.events[1]
	rec.mu.Unlock()
	require.Equal(t, "fast", fast.BurnRate.Rule.Name)
	require.Equal(t, 14.4, fast.BurnRate.Rule.Rate)
	require.Equal(t, 16.666667, fast.BurnRate.LongRate)
	require.Equal(t, 200.0, fast.BurnRate.ShortRate)
	require.Equal(t, x.ID, fast.Execution.ID)
	require.Equal(t, "Checkout API is burning its error budget: 16.7× over 1h and 200× over 5m (fast rule), 97.7% of it left", fast.Summary())
	require.Equal(t, "slow", slow.BurnRate.Rule.Name)
	require.NotEqual(t, fast.ID, slow.ID)

	// A plan whose rules do not ask for it is not told.
	quiet := &recorder{}
	q := startPolicy(t, notify.PolicyConfig{Targets: []notify.Target{{Name: "q", Notifier: quiet}}, Rules: notify.Rules{AlertAfter: 1000}, Now: c.Now})
	q.ExecutionFinished(t.Context(), sloPlan, x)
	q.ErrorBudget(t.Context(), sloPlan, budgetAt(c.Now(), 2))
	require.Eventually(t, func() bool { return q.Pending() == 0 }, time.Minute, time.Millisecond)
	require.Zero(t, q.Stats().Decided)
}
