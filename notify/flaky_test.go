package notify_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/record"
)

func TestFlakyAfterText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]notify.FlakyAfter{"3/10": {3, 10}, " 1 / 1 ": {1, 1}, "": {}, "2/100": {2, 100}} {
		var got notify.FlakyAfter
		require.NoError(t, got.UnmarshalText([]byte(in)), in)
		require.Equal(t, want, got, in)
	}
	require.Equal(t, "3/10", notify.FlakyAfter{Runs: 3, Of: 10}.String())
	require.Empty(t, notify.FlakyAfter{}.String())
	for in, want := range map[string]string{
		"3":     `"3" is not N/M: flaky in N of the last M executions, as 3/10`,
		"a/b":   `"a/b" is not N/M`,
		"0/10":  `"0/10": needs at least 1 flaky run, got 0`,
		"5/3":   `"5/3": looks at 3 runs, fewer than the 5 flaky ones it needs`,
		"2/101": `"2/101": looks at 101 runs, more than 100`,
	} {
		var got notify.FlakyAfter
		err := got.UnmarshalText([]byte(in))
		require.ErrorContains(t, err, want, in)
		require.Zero(t, got, "unchanged on error")
	}
	_, err := notify.NewPolicy(notify.PolicyConfig{Plans: map[string]notify.Rules{"p": {FlakyAfter: notify.FlakyAfter{Runs: 2, Of: 1}}}})
	require.EqualError(t, err, `notify: PolicyConfig.Plans["p"].FlakyAfter looks at 1 runs, fewer than the 2 flaky ones it needs`)
}

// TestPolicyFlakyAfter checks that a plan flaky in N of its last M
// executions is announced once, again only after it was flaky less often
// for a while, and never while it is failing or without the rule.
func TestPolicyFlakyAfter(t *testing.T) {
	t.Parallel()
	// Fl is a flaky pass, P a clean one, F a failure.
	const Fl, P, F = "flaky", "passed", "failed"
	cases := []struct {
		name   string
		rule   notify.FlakyAfter
		seq    []string
		alerts []notify.Transition
	}{
		{"off by default", notify.FlakyAfter{}, []string{Fl, Fl, Fl, Fl}, nil},
		{"2 of 3, once a spell", notify.FlakyAfter{Runs: 2, Of: 3}, []string{P, Fl, P, Fl, Fl, Fl, P, P, P, Fl, Fl},
			[]notify.Transition{"flaky", "flaky"}},
		{"1 of 1: every spell", notify.FlakyAfter{Runs: 1, Of: 1}, []string{Fl, Fl, P, Fl},
			[]notify.Transition{"flaky", "flaky"}},
		{"not while failing", notify.FlakyAfter{Runs: 2, Of: 4}, []string{Fl, F, Fl, P, Fl},
			[]notify.Transition{"failing", "recovered", "flaky"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			p := startPolicy(t, notify.PolicyConfig{
				Targets: []notify.Target{{Name: "rec", Notifier: rec}},
				Rules:   notify.Rules{FlakyAfter: c.rule}, Now: clk.Now,
			})
			for _, s := range c.seq {
				clk.add(time.Minute)
				status := record.Status(s)
				if s == Fl {
					status = record.StatusPassed
				}
				x := execution(status, clk.Now())
				x.Flaky = s == Fl
				p.ExecutionFinished(t.Context(), planRef, x)
				require.Eventually(t, func() bool { return p.Pending() == 0 }, time.Minute, time.Millisecond)
			}
			require.Eventually(t, func() bool { return p.Stats().Sent == int64(len(c.alerts)) }, time.Minute, time.Millisecond)
			require.Equal(t, c.alerts, rec.transitions())
		})
	}
}

// FuzzFlakyAfterText checks that any text either is refused or reads as a
// rule that validates and writes back as it reads.
func FuzzFlakyAfterText(f *testing.F) {
	for _, s := range []string{"3/10", "", "1/1", "0/0", "-1/5", "5/3", "2/101", " 4 / 9 ", "a/b", "3", "/", "9999999999999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v notify.FlakyAfter
		if err := v.UnmarshalText([]byte(s)); err != nil {
			require.Zero(t, v)
			return
		}
		require.NoError(t, notify.Rules{FlakyAfter: v}.Validate())
		var again notify.FlakyAfter
		require.NoError(t, again.UnmarshalText([]byte(v.String())))
		require.Equal(t, v, again)
	})
}

func ExampleFlakyAfter() {
	var rule notify.FlakyAfter
	if err := rule.UnmarshalText([]byte("3/10")); err != nil { // serve --alert-flaky-after 3/10
		panic(err)
	}
	fmt.Println(rule.Runs, rule.Of, rule)
	fmt.Println(rule.UnmarshalText([]byte("3")))
	// Output:
	// 3 10 3/10
	// "3" is not N/M: flaky in N of the last M executions, as 3/10
}
