package memory_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// A plan is saved, run once, and its executions listed.
func Example() {
	ctx := context.Background()
	st := memory.New(memory.Config{})

	err := st.SavePlan(ctx, &storage.Plan{
		ID:     "health",
		Name:   "Health",
		Labels: map[string]string{"team": "platform"},
		Source: []byte("name: Health\nsteps:\n  - get: https://example.test/health\n"),
	})
	if err != nil {
		panic(err)
	}

	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	e := &record.Execution{
		ID:        "run-1",
		PlanID:    "health",
		Trigger:   record.TriggerSchedule,
		Status:    record.StatusRunning,
		CreatedAt: start,
		StartedAt: start,
	}
	if err := st.CreateExecution(ctx, e); err != nil {
		panic(err)
	}
	err = st.AppendStep(ctx, e.ID, &record.StepResult{
		Index:    0,
		Method:   "GET",
		URL:      "https://example.test/health",
		Response: &record.Response{StatusCode: 200},
		Timings:  record.Timings{Total: 42 * time.Millisecond},
		Attempts: 1,
		OK:       true,
	})
	if err != nil {
		panic(err)
	}
	e.Status, e.FinishedAt = record.StatusPassed, start.Add(50*time.Millisecond)
	if err := st.UpdateExecution(ctx, e); err != nil {
		panic(err)
	}

	page, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "health"})
	if err != nil {
		panic(err)
	}
	for _, e := range page.Executions {
		fmt.Println(e.ID, e.Status, e.Duration())
	}
	got, err := st.GetExecution(ctx, "run-1")
	if err != nil {
		panic(err)
	}
	for _, r := range got.Steps {
		fmt.Println(r.Index, r.Method, r.URL, r.Response.StatusCode, r.OK)
	}
	// Output:
	// run-1 passed 50ms
	// 0 GET https://example.test/health 200 true
}

// Executions are listed a page at a time; NextCursor is empty on the last.
func ExampleStore_ListExecutions() {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	if err := st.SavePlan(ctx, &storage.Plan{ID: "p"}); err != nil {
		panic(err)
	}
	for i := range 5 {
		err := st.CreateExecution(ctx, &record.Execution{
			ID:        fmt.Sprintf("e%d", i),
			PlanID:    "p",
			Status:    record.StatusPassed,
			CreatedAt: time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC),
		})
		if err != nil {
			panic(err)
		}
	}

	params := &storage.ListExecutionsParams{PlanID: "p", Limit: 2}
	for {
		page, err := st.ListExecutions(ctx, params)
		if err != nil {
			panic(err)
		}
		var ids []string
		for _, e := range page.Executions {
			ids = append(ids, e.ID)
		}
		fmt.Println(strings.Join(ids, " "))
		if page.NextCursor == "" {
			break
		}
		params.Cursor = page.NextCursor
	}
	// Output:
	// e4 e3
	// e2 e1
	// e0
}

// Summaries give a dashboard each plan's last execution, counts by status
// and duration percentiles.
func ExampleStore_Summaries() {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	if err := st.SavePlan(ctx, &storage.Plan{ID: "api"}); err != nil {
		panic(err)
	}
	if err := st.SavePlan(ctx, &storage.Plan{ID: "new"}); err != nil {
		panic(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, status := range []record.Status{record.StatusPassed, record.StatusFailed, record.StatusPassed, record.StatusPassed} {
		created := start.Add(time.Duration(i) * time.Minute)
		err := st.CreateExecution(ctx, &record.Execution{
			ID:         fmt.Sprintf("api-%d", i),
			PlanID:     "api",
			Status:     status,
			CreatedAt:  created,
			StartedAt:  created,
			FinishedAt: created.Add(time.Duration(i+1) * 100 * time.Millisecond),
		})
		if err != nil {
			panic(err)
		}
	}

	sums, err := st.Summaries(ctx, nil)
	if err != nil {
		panic(err)
	}
	for _, s := range sums {
		last := "never ran"
		if s.Last != nil {
			last = s.Last.ID
		}
		fmt.Printf("%s: last %s, passed %d, failed %d, p50 %v, p95 %v\n",
			s.PlanID, last, s.Counts[record.StatusPassed], s.Counts[record.StatusFailed], s.P50, s.P95)
	}
	// Output:
	// api: last api-3, passed 3, failed 1, p50 200ms, p95 400ms
	// new: last never ran, passed 0, failed 0, p50 0s, p95 0s
}

// Missing records are reported with storage.ErrNotFound.
func ExampleStore_GetPlan() {
	st := memory.New(memory.Config{})
	_, err := st.GetPlan(context.Background(), "absent")
	fmt.Println(errors.Is(err, storage.ErrNotFound))
	fmt.Println(err)
	// Output:
	// true
	// memory: plan "absent": storage: not found
}

// The alert policy saves a plan's state with the alerts its transition
// owes, in one write, then claims each, sends it and completes it. A
// claimed alert is not claimed again while its lease holds.
func ExampleStore_SaveAlertStateOwing() {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	_ = st.SavePlan(ctx, &storage.Plan{ID: "checkout"})
	state := &storage.AlertState{PlanID: "checkout", ConsecutiveFailures: 1, Failing: true}
	owed := []*storage.AlertDelivery{
		{ID: "x1:failing/slack", PlanID: "checkout", Target: "slack", Event: []byte(`{"id":"x1:failing"}`)},
		{ID: "x1:failing/pager", PlanID: "checkout", Target: "pager", Event: []byte(`{"id":"x1:failing"}`)},
	}
	if err := st.SaveAlertStateOwing(ctx, state, owed); err != nil {
		fmt.Println(err)
		return
	}
	d, _ := st.ClaimAlertDelivery(ctx, "slack", time.Minute)
	fmt.Println("claimed", d.ID)
	again, _ := st.ClaimAlertDelivery(ctx, "slack", time.Minute)
	fmt.Println("claimed again:", again != nil)
	fmt.Println("completed:", st.CompleteAlertDelivery(ctx, d) == nil)
	pager, _ := st.ClaimAlertDelivery(ctx, "pager", time.Minute)
	fmt.Println("claimed", pager.ID)
	// Output:
	// claimed x1:failing/slack
	// claimed again: false
	// completed: true
	// claimed x1:failing/pager
}
