package metrics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/metrics"
	"github.com/smokex/smokex/record"
)

func TestLabels(t *testing.T) {
	t.Parallel()
	for code, class := range map[int]string{0: "", 99: "", 100: "1xx", 204: "2xx", 301: "3xx", 404: "4xx", 599: "5xx", 600: ""} {
		require.Equal(t, class, metrics.StatusClass(code), code)
	}
	for m, want := range map[string]string{"GET": "GET", "PATCH": "PATCH", "get": "_OTHER", "PURGE": "_OTHER", "": "_OTHER"} {
		require.Equal(t, want, metrics.Method(m), m)
	}
	for _, c := range []struct {
		s    record.StepResult
		want metrics.Outcome
	}{
		{record.StepResult{OK: true}, metrics.OutcomePassed},
		{record.StepResult{Failures: []record.Failure{{}}}, metrics.OutcomeFailed},
		{record.StepResult{Error: &record.StepError{Kind: record.ErrTimeout}}, metrics.OutcomeError},
		{record.StepResult{Skipped: true}, metrics.OutcomeSkipped},
	} {
		require.Equal(t, c.want, metrics.StepOutcome(&c.s))
	}
	require.Equal(t, "", metrics.StepStatusClass(&record.StepResult{}))
	require.Equal(t, "p", metrics.PlanID("tick", &record.PlanRef{ID: "p"}))
	require.Equal(t, "tick", metrics.PlanID("tick", nil))
}

func TestScheduleLag(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		x      record.Execution
		lag    time.Duration
		wantOK bool
	}{
		{record.Execution{ScheduledAt: due, StartedAt: due.Add(250 * time.Millisecond)}, 250 * time.Millisecond, true},
		{record.Execution{ScheduledAt: due, StartedAt: due.Add(-time.Millisecond)}, 0, true},
		{record.Execution{StartedAt: due}, 0, false},
		{record.Execution{ScheduledAt: due}, 0, false},
	} {
		lag, ok := metrics.ScheduleLag(&c.x)
		require.Equal(t, c.wantOK, ok)
		require.Equal(t, c.lag, lag)
	}
}
