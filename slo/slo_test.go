package slo_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/slo"
)

// now is the synthetic clock of the histories.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var target = record.SLO{Target: 0.999, Window: 30 * 24 * time.Hour}

// history counts a plan that ran every minute of the window, failing at
// the minutes ago that fails lists.
func history(fails ...int) *slo.Counter {
	c := slo.NewCounter(target, now)
	failed := map[int]bool{}
	for _, m := range fails {
		failed[m] = true
	}
	for m := range 30 * 24 * 60 {
		c.Add(now.Add(-time.Duration(m)*time.Minute), !failed[m])
	}
	return c
}

func TestBudget(t *testing.T) {
	t.Parallel()
	// 20 failures long ago: 20 of the 43.2 minutes are spent.
	var old []int
	for i := range 20 {
		old = append(old, 10*24*60+i*100)
	}
	b := history(old...).Budget("checkout")
	require.Equal(t, 43200, b.Executions)
	require.Equal(t, 20, b.Failed)
	require.InDelta(t, 1-20.0/43200, *b.Uptime, 1e-12)
	require.Equal(t, 43.2, b.BudgetMinutes)
	require.Equal(t, 23.2, b.RemainingMinutes)
	require.Equal(t, 0.537037, b.Remaining)
	require.Zero(t, b.BurnRate, "no failure in the last hour")
	_, firing := slo.Firing(b)
	require.False(t, firing)

	// Overspent: 60 failures.
	var many []int
	for i := range 60 {
		many = append(many, 2*24*60+i*10)
	}
	b = history(many...).Budget("checkout")
	require.Equal(t, -16.8, b.RemainingMinutes)
	require.Less(t, b.Remaining, 0.0)

	// No execution: the whole budget, no uptime.
	b = slo.NewCounter(target, now).Budget("idle")
	require.Nil(t, b.Uptime)
	require.Equal(t, 43.2, b.RemainingMinutes)
	require.Equal(t, 1.0, b.Remaining)

	// Executions outside the window do not count.
	c := slo.NewCounter(target, now)
	c.Add(now.Add(-31*24*time.Hour), false)
	c.Add(now.Add(time.Minute), false)
	require.Zero(t, c.Budget("x").Executions)
}

func TestBurnRateRule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fails []int
		want  string // the rule that fires, "" for none
		rate  float64
	}{
		// 1 of the last 5 executions and 1 of the last 60: 200x and
		// 16.7x, both over 14.4.
		{"fast", []int{2}, "fast", 16.666667},
		// 1 of the last 60, none of the last 5: the short window says the
		// failures stopped, and 1 of 360 is under the slow rule.
		{"fast, stopped", []int{20}, "", 16.666667},
		// 3 of the last 360 (8.3x over 6 h), 1 of the last 30, none of
		// the last 5.
		{"slow", []int{20, 100, 200}, "slow", 16.666667},
		// 2 of the last 360 (5.6x over 6 h): under 6.
		{"slow, under", []int{100, 200}, "", 0},
		// The last 30 minutes are clean: the slow alert stops too.
		{"slow, stopped", []int{40, 100, 200, 300}, "", 16.666667},
		{"none", nil, "", 0},
	} {
		b := history(tc.fails...).Budget("p")
		r, firing := slo.Firing(b)
		require.Equal(t, tc.want != "", firing, tc.name)
		require.Equal(t, tc.want, r.Name, tc.name)
		require.Equal(t, tc.rate, b.BurnRate, tc.name)
	}
}
