package storagetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) summaryScenarios() []scenario {
	return []scenario{
		{"CountsLastAndPercentiles", s.summaryAll},
		{"DefaultWindow", s.summaryDefaultWindow},
		{"MaintenanceLeftOut", s.summaryMaintenance},
		{"DegradedIsFinal", s.summaryDegraded},
		{"RejectsBadInput", s.summaryBadInput},
	}
}

// summaryMaintenance checks that executions in a maintenance window stay
// out of the window: they neither count nor push others out.
func (s suite) summaryMaintenance(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	for i := range 6 {
		status, maint := record.StatusPassed, ""
		if i >= 2 && i < 5 {
			status, maint = record.StatusFailed, "nightly backup"
		}
		e := newExecution(fmt.Sprintf("e%d", i), "p", at(i), status, time.Duration(i+1)*time.Second)
		create(ctx, t, st, e)
		e.Maintenance = maint
		require.NoError(t, st.UpdateExecution(ctx, e))
	}
	sums, err := st.Summaries(ctx, &storage.SummaryParams{Window: 3})
	require.NoError(t, err)
	require.Len(t, sums, 1)
	require.Equal(t, map[record.Status]int{record.StatusPassed: 3}, sums[0].Counts, "the window is the three passes outside maintenance")
	require.Equal(t, 2*time.Second, sums[0].P50)
	require.Equal(t, "e5", sums[0].Last.ID)
	e3, err := st.GetExecution(ctx, "e3")
	require.NoError(t, err)
	require.Equal(t, "nightly backup", e3.Maintenance)
}

// summaryDegraded checks that a degraded execution is final, as passed
// and failed are: it counts in the window under its own status, and Prune
// deletes it.
func (s suite) summaryDegraded(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	for i, status := range []record.Status{record.StatusDegraded, record.StatusPassed, record.StatusDegraded, record.StatusFailed} {
		create(ctx, t, st, newExecution(fmt.Sprintf("e%d", i), "p", at(i), status, time.Second))
	}
	sums, err := st.Summaries(ctx, &storage.SummaryParams{Window: 10})
	require.NoError(t, err)
	require.Len(t, sums, 1)
	require.Equal(t, map[record.Status]int{record.StatusDegraded: 2, record.StatusPassed: 1, record.StatusFailed: 1}, normMap(sums[0].Counts))
	n, err := st.Prune(ctx, &storage.PruneParams{KeepLast: 2})
	require.NoError(t, err)
	require.Equal(t, 2, n, "the two oldest, one degraded")
	_, err = st.GetExecution(ctx, "e0")
	require.ErrorIs(t, err, storage.ErrNotFound)
}

// summaryFixture stores three plans:
//
//   - "busy": ten finished executions at minutes 0-9 (failed when i%3 == 0,
//     passed otherwise) lasting durs[i] seconds, a canceled one at minute 10
//     that never started, and a running one at minute 11 with a step;
//   - "idle": no executions;
//   - "new": one running execution.
func summaryFixture(t *testing.T, st storage.Store) (busyLast, newLast *record.Execution) {
	t.Helper()
	ctx := t.Context()
	for _, id := range []string{"new", "busy", "idle"} {
		savePlan(ctx, t, st, id, nil)
	}
	durs := []int{3, 7, 1, 9, 5, 10, 2, 8, 4, 6}
	// Created in an order unlike their CreatedAt order.
	for _, i := range []int{4, 9, 0, 7, 2, 5, 1, 8, 3, 6} {
		status := record.StatusPassed
		if i%3 == 0 {
			status = record.StatusFailed
		}
		create(ctx, t, st, newExecution(fmt.Sprintf("busy-%02d", i), "busy", at(i), status, time.Duration(durs[i])*time.Second))
	}
	canceled := newExecution("busy-10", "busy", at(10), record.StatusCanceled, 0)
	canceled.StartedAt = time.Time{}
	canceled.FinishedAt = at(10).Add(time.Second)
	busyLast = newExecution("busy-11", "busy", at(11), record.StatusRunning, 0)
	newLast = newExecution("new-0", "new", at(3), record.StatusRunning, 0)
	create(ctx, t, st, canceled, busyLast, newLast)
	require.NoError(t, st.AppendStep(ctx, "busy-11", fullStep(0)))
	return busyLast, newLast
}

// normSummary returns a copy of s with times in UTC and empty as nil.
func normSummary(s *storage.PlanSummary) *storage.PlanSummary {
	c := *s
	c.Last = normExecution(s.Last)
	c.Counts = normMap(s.Counts)
	return &c
}

func (s suite) summaryAll(t *testing.T) {
	ctx, st := s.store(t)
	busyLast, newLast := summaryFixture(t, st)
	busy := func(counts map[record.Status]int, p50, p95 int) *storage.PlanSummary {
		return &storage.PlanSummary{
			PlanID: "busy", Last: busyLast, Counts: counts,
			P50: time.Duration(p50) * time.Second, P95: time.Duration(p95) * time.Second,
		}
	}
	idle := &storage.PlanSummary{PlanID: "idle"}
	fresh := &storage.PlanSummary{PlanID: "new", Last: newLast}

	tests := []struct {
		name   string
		params *storage.SummaryParams
		want   []*storage.PlanSummary
	}{
		{
			name:   "nil params",
			params: nil,
			// Ten durations 1s-10s: nearest rank 5 of 10 is 5s, 10 of 10 is 10s.
			want: []*storage.PlanSummary{busy(map[record.Status]int{record.StatusPassed: 6, record.StatusFailed: 4, record.StatusCanceled: 1}, 5, 10), idle, fresh},
		},
		{
			name:   "window of three",
			params: &storage.SummaryParams{Window: 3},
			// busy-10 (no duration), busy-09 (6s, failed), busy-08 (4s).
			want: []*storage.PlanSummary{busy(map[record.Status]int{record.StatusCanceled: 1, record.StatusFailed: 1, record.StatusPassed: 1}, 4, 6), idle, fresh},
		},
		{
			name:   "window of one without duration",
			params: &storage.SummaryParams{Window: 1},
			want:   []*storage.PlanSummary{busy(map[record.Status]int{record.StatusCanceled: 1}, 0, 0), idle, fresh},
		},
		{
			name:   "window of five",
			params: &storage.SummaryParams{Window: 5},
			// busy-10 and busy-06..09: 2s, 8s, 4s, 6s -> ranks 2 and 4 of 4.
			want: []*storage.PlanSummary{busy(map[record.Status]int{record.StatusCanceled: 1, record.StatusPassed: 2, record.StatusFailed: 2}, 4, 8), idle, fresh},
		},
		{
			name:   "selected plans",
			params: &storage.SummaryParams{PlanIDs: []string{"new", "absent", "idle"}},
			want:   []*storage.PlanSummary{idle, fresh},
		},
		{
			name:   "only unknown plans",
			params: &storage.SummaryParams{PlanIDs: []string{"absent"}},
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := st.Summaries(ctx, tt.params)
			require.NoError(t, err)
			var norm, want []*storage.PlanSummary
			for _, s := range got {
				require.NotNil(t, s)
				if s.Last != nil {
					require.Empty(t, s.Last.Steps, "Last carries no steps")
				}
				norm = append(norm, normSummary(s))
			}
			for _, s := range tt.want {
				want = append(want, normSummary(s))
			}
			require.Equal(t, want, norm)
		})
	}
}

func (s suite) summaryDefaultWindow(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	// DefaultSummaryWindow+20 finished executions: the 20 oldest failed and
	// lasted 1000s, the newer passed and lasted 1s.
	n := storage.DefaultSummaryWindow + 20
	for i := range n {
		status, dur := record.StatusPassed, time.Second
		if i < 20 {
			status, dur = record.StatusFailed, 1000*time.Second
		}
		create(ctx, t, st, newExecution(fmt.Sprintf("e%04d", i), "p", at(i), status, dur))
	}
	for _, params := range []*storage.SummaryParams{nil, {}, {Window: 0}} {
		got, err := st.Summaries(ctx, params)
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, map[record.Status]int{record.StatusPassed: storage.DefaultSummaryWindow}, normMap(got[0].Counts))
		require.Equal(t, time.Second, got[0].P50)
		require.Equal(t, time.Second, got[0].P95)
		require.Equal(t, fmt.Sprintf("e%04d", n-1), got[0].Last.ID)
	}
	got, err := st.Summaries(ctx, &storage.SummaryParams{Window: n})
	require.NoError(t, err)
	require.Equal(t, map[record.Status]int{record.StatusPassed: n - 20, record.StatusFailed: 20}, normMap(got[0].Counts))
	// 20 of 120 durations are 1000s: rank 60 is 1s, rank 114 is 1000s.
	require.Equal(t, time.Second, got[0].P50)
	require.Equal(t, 1000*time.Second, got[0].P95)
}

func (s suite) summaryBadInput(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	_, err := st.Summaries(ctx, &storage.SummaryParams{Window: -1})
	require.Error(t, err)
}
