package notify_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

var (
	gatewayRef  = &record.PlanRef{ID: "gateway", Name: "Gateway"}
	checkoutRef = &record.PlanRef{ID: "checkout", Name: "Checkout", DependsOn: []string{"gateway"}}
)

// dependencyPolicy starts a policy on a memory store holding gateway and
// checkout, which depends on it.
func dependencyPolicy(t *testing.T, rules notify.Rules) (*notify.Policy, *recorder, *clock) {
	t.Helper()
	store := memory.New(memory.Config{})
	for _, id := range []string{"gateway", "checkout"} {
		require.NoError(t, store.SavePlan(t.Context(), &storage.Plan{ID: id, Name: id}))
	}
	rec := &recorder{}
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{{Name: "rec", Notifier: rec}},
		Rules:   rules, Now: clk.Now, Store: store,
	})
	return p, rec, clk
}

// run tells p of an execution of the plan that ran from start to the
// clock's now, with the status, and waits until p decided on it.
func run(t *testing.T, p *notify.Policy, c *clock, plan *record.PlanRef, start time.Time, status record.Status) {
	t.Helper()
	x := execution(status, c.Now())
	x.PlanID, x.PlanName, x.StartedAt = plan.ID, plan.Name, start
	p.ExecutionFinished(t.Context(), plan, x)
	require.Eventually(t, func() bool { return p.Pending() == 0 }, time.Minute, time.Millisecond)
}

// alerts waits for n alerts and returns them as "plan transition
// [dependents]".
func alerts(t *testing.T, p *notify.Policy, rec *recorder, n int) []string {
	t.Helper()
	require.Eventually(t, func() bool { return p.Stats().Sent >= int64(n) }, time.Minute, time.Millisecond)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, e := range rec.events {
		s := e.Plan.ID + " " + string(e.Transition)
		if len(e.FailingDependents) > 0 {
			s += fmt.Sprint(" ", e.FailingDependents)
		}
		out = append(out, s)
	}
	return out
}

// tick runs gateway then checkout, or checkout then gateway, both started
// at one moment, as a schedule does.
func tick(t *testing.T, p *notify.Policy, c *clock, gateway, checkout record.Status, checkoutFirst bool) {
	t.Helper()
	start := c.Now()
	c.add(time.Second)
	if checkoutFirst {
		run(t, p, c, checkoutRef, start, checkout)
		c.add(time.Second)
		run(t, p, c, gatewayRef, start, gateway)
	} else {
		run(t, p, c, gatewayRef, start, gateway)
		c.add(time.Second)
		run(t, p, c, checkoutRef, start, checkout)
	}
	c.add(time.Minute)
}

// TestPolicyDependencyFailingTogether checks that two plans failing
// together make one alert, the dependency's, whichever is decided first;
// that it names the dependent when the dependent's failure is known; and
// that the dependent alerts once the dependency recovers while it still
// fails, and not again after.
func TestPolicyDependencyFailingTogether(t *testing.T) {
	t.Parallel()
	F, P := record.StatusFailed, record.StatusPassed
	for _, checkoutFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("checkout first %v", checkoutFirst), func(t *testing.T) {
			t.Parallel()
			p, rec, clk := dependencyPolicy(t, notify.Rules{})
			tick(t, p, clk, P, P, checkoutFirst)
			tick(t, p, clk, F, F, checkoutFirst)
			tick(t, p, clk, F, F, checkoutFirst)
			want := []string{"gateway failing"}
			if checkoutFirst {
				want = []string{"gateway failing [checkout]"}
			}
			require.Equal(t, want, alerts(t, p, rec, 1), "one alert while both fail")

			tick(t, p, clk, P, F, false)
			require.Equal(t, append(want, "gateway recovered", "checkout failing"), alerts(t, p, rec, 3),
				"the dependency recovered and the dependent still fails: it alerts then")
			tick(t, p, clk, P, F, false)
			tick(t, p, clk, P, P, false)
			require.Equal(t, append(want, "gateway recovered", "checkout failing", "checkout recovered"), alerts(t, p, rec, 4))
		})
	}
}

// TestPolicyDependencyHeldRecoversQuietly checks that a dependent whose
// failing alert was held back recovers without an alert, as it never
// alerted on its own.
func TestPolicyDependencyHeldRecoversQuietly(t *testing.T) {
	t.Parallel()
	F, P := record.StatusFailed, record.StatusPassed
	p, rec, clk := dependencyPolicy(t, notify.Rules{})
	tick(t, p, clk, P, P, false)
	tick(t, p, clk, F, F, true)
	tick(t, p, clk, P, P, false)
	tick(t, p, clk, P, P, false)
	require.Equal(t, []string{"gateway failing [checkout]", "gateway recovered"}, alerts(t, p, rec, 2))
	require.Equal(t, int64(2), p.Stats().Sent)
}

// TestPolicyDependencyHealthy checks that a dependent whose dependency
// passed since its execution began alerts at once, and that one whose
// dependency has not reported since alerts at its next failure.
func TestPolicyDependencyHealthy(t *testing.T) {
	t.Parallel()
	F, P := record.StatusFailed, record.StatusPassed
	p, rec, clk := dependencyPolicy(t, notify.Rules{})
	tick(t, p, clk, P, F, false)
	require.Equal(t, []string{"checkout failing"}, alerts(t, p, rec, 1), "gateway passed during the execution")
	tick(t, p, clk, P, P, false)

	start := clk.Now()
	clk.add(time.Second)
	run(t, p, clk, checkoutRef, start, F) // gateway has not reported since
	clk.add(time.Minute)
	start = clk.Now()
	clk.add(time.Second)
	run(t, p, clk, checkoutRef, start, F)
	require.Equal(t, []string{"checkout failing", "checkout recovered", "checkout failing"}, alerts(t, p, rec, 3),
		"held once, then sent: gateway was not failing")
}

// TestPolicyDependencyReminders checks that a dependent held back sends
// no reminder, and that the dependency's reminders name it.
func TestPolicyDependencyReminders(t *testing.T) {
	t.Parallel()
	F, P := record.StatusFailed, record.StatusPassed
	p, rec, clk := dependencyPolicy(t, notify.Rules{Reminder: 2 * time.Minute})
	tick(t, p, clk, P, P, false)
	for range 5 {
		tick(t, p, clk, F, F, false)
	}
	require.Equal(t, []string{"gateway failing", "gateway still_failing [checkout]", "gateway still_failing [checkout]"}, alerts(t, p, rec, 3))
}
