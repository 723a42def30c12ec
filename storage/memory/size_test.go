package memory

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// recount is the store's budget count made again from what it holds: each
// execution with its steps, and once each request its steps hold.
func recount(s *Store) int {
	n := 0
	for _, r := range s.execs {
		n += sizeOfExecution(&r.exec)
		for i := range r.steps {
			n += sizeOfStep(&r.steps[i])
		}
	}
	for q := range heldRequests(s) {
		n += sizeOfRequest(q)
	}
	return n
}

// TestBytesCountEachRequestOnce checks the budget's count against one
// made again from what the store holds, after each way executions come
// and go (the byte budget, the bound per plan, a finish with its step,
// Prune, DeletePlan), with requests shared by runs, changed and absent; the
// count is back to zero once the store is empty.
func TestBytesCountEachRequestOnce(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{MaxBytes: 16 << 10}, {MaxExecutionsPerPlan: 12}} {
		t.Run(fmt.Sprintf("%+v", cfg), func(t *testing.T) {
			t.Parallel()
			countEachRequestOnce(t, New(cfg))
		})
	}
}

// countEachRequestOnce runs TestBytesCountEachRequestOnce on s.
func countEachRequestOnce(t *testing.T, s *Store) {
	ctx := t.Context()
	check := func(what string) {
		t.Helper()
		s.mu.RLock()
		defer s.mu.RUnlock()
		require.Equal(t, recount(s), s.bytes, what)
		require.Len(t, s.requests, len(heldRequests(s)), what)
	}
	start := time.Date(2026, time.May, 1, 12, 0, 0, 0, time.UTC)
	for _, plan := range []string{"a", "b"} {
		require.NoError(t, s.SavePlan(ctx, &storage.Plan{ID: plan}))
	}
	for i := range 60 {
		plan := []string{"a", "b"}[i%2]
		id := fmt.Sprint("x", i)
		e := &record.Execution{ID: id, PlanID: plan, Status: record.StatusRunning, CreatedAt: start.Add(time.Duration(i) * time.Minute)}
		require.NoError(t, s.CreateExecution(ctx, e))
		// The request changes every 7 runs, and every 5th step has none.
		step := func(index int) *record.StepResult {
			if i%5 == 0 {
				return &record.StepResult{Index: index, URL: "http://t/none"}
			}
			url := fmt.Sprintf("http://t/%d/%d", index, i/7)
			return &record.StepResult{Index: index, URL: url, Request: &record.Request{Method: "GET", URL: url, Body: string(make([]byte, 1<<10)),
				Headers: map[string][]string{"User-Agent": {"smokex"}}}}
		}
		require.NoError(t, s.AppendStep(ctx, id, step(0)))
		check(fmt.Sprint("run ", i, " step 0"))
		e.Status, e.FinishedAt = record.StatusPassed, e.CreatedAt.Add(time.Second)
		require.NoError(t, s.FinishExecution(ctx, e, []*record.StepResult{step(1)}))
		check(fmt.Sprint("run ", i, " finished"))
	}
	_, err := s.Prune(ctx, &storage.PruneParams{KeepLast: 3})
	require.NoError(t, err)
	check("pruned")
	require.NoError(t, s.DeletePlan(ctx, "a"))
	check("plan a deleted")
	_, err = s.Prune(ctx, &storage.PruneParams{FinishedBefore: start.Add(24 * time.Hour)})
	require.NoError(t, err)
	check("all pruned")
	require.Zero(t, s.bytes)
	require.Empty(t, s.requests)
}

// heldRequests returns the requests the stored steps hold.
func heldRequests(s *Store) map[*record.Request]bool {
	held := map[*record.Request]bool{}
	for _, r := range s.execs {
		for i := range r.steps {
			if q := r.steps[i].Request; q != nil {
				held[q] = true
			}
		}
	}
	return held
}
