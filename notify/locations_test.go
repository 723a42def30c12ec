package notify_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/record"
)

// located is an execution of planRef in a location.
type located struct {
	location string
	status   record.Status
}

// finishIn tells p of executions of plan in locations, one after the
// other, each once the previous one was decided.
func finishIn(t *testing.T, p *notify.Policy, c *clock, plan *record.PlanRef, runs ...located) {
	t.Helper()
	for _, r := range runs {
		c.add(time.Minute)
		x := execution(r.status, c.Now())
		x.Location = r.location
		p.ExecutionFinished(t.Context(), plan, x)
		require.Eventually(t, func() bool { return p.Pending() == 0 }, time.Minute, time.Millisecond)
	}
}

// TestPolicyLocationQuorum: a plan in two locations is failing once as
// many of them as its quorum failed their latest execution, and recovers
// when fewer fail; its alerts name the failing and passing locations.
func TestPolicyLocationQuorum(t *testing.T) {
	t.Parallel()
	eu, us := "eu-west", "us-east"
	for _, tc := range []struct {
		name   string
		plan   int // the plan's min_failing_locations
		rules  int // the policy's
		runs   []located
		want   []notify.Transition
		failIn []string
		passIn []string
	}{
		{"one of two, by default", 0, 0,
			[]located{{us, record.StatusPassed}, {eu, record.StatusFailed}, {eu, record.StatusPassed}},
			[]notify.Transition{notify.TransitionFailing, notify.TransitionRecovered}, []string{eu}, []string{us}},
		{"two of two, by the plan: one failing alerts nothing", 2, 0,
			[]located{{us, record.StatusPassed}, {eu, record.StatusFailed}, {eu, record.StatusFailed}, {eu, record.StatusPassed}},
			nil, nil, nil},
		{"two of two, by the plan: both failing alert once, one passing recovers", 2, 0,
			[]located{{eu, record.StatusFailed}, {us, record.StatusFailed}, {eu, record.StatusFailed}, {us, record.StatusPassed}},
			[]notify.Transition{notify.TransitionFailing, notify.TransitionRecovered}, []string{eu, us}, nil},
		{"two of two, by the rules", 0, 2,
			[]located{{eu, record.StatusFailed}, {us, record.StatusPassed}, {us, record.StatusFailed}},
			[]notify.Transition{notify.TransitionFailing}, []string{eu, us}, nil},
		{"a quorum above the locations is capped", 0, 5,
			[]located{{eu, record.StatusFailed}, {us, record.StatusFailed}},
			[]notify.Transition{notify.TransitionFailing}, []string{eu, us}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			p := startPolicy(t, notify.PolicyConfig{
				Targets: []notify.Target{{Name: "rec", Notifier: rec}},
				Rules:   notify.Rules{MinFailingLocations: tc.rules}, Now: clk.Now,
			})
			plan := *planRef
			plan.Locations, plan.MinFailingLocations = []string{eu, us}, tc.plan
			finishIn(t, p, clk, &plan, tc.runs...)
			require.Eventually(t, func() bool { return p.Stats().Sent == int64(len(tc.want)) }, time.Minute, time.Millisecond)
			require.Equal(t, tc.want, rec.transitions())
			if len(tc.want) == 0 {
				return
			}
			failing := rec.events[0]
			require.Equal(t, tc.failIn, failing.FailingLocations)
			require.Equal(t, tc.passIn, failing.PassingLocations)
			require.Contains(t, failing.Summary(), "failing in "+eu)
		})
	}
}
