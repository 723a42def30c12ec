package smokex_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// statusWrites is a memory store that records, for each execution, the
// status of every write of it, once made: "create running", "update running",
// "finish passed", "create passed" (CreateFinished). A finish with the plan's pause (FinishWithPause) is
// "finish" with steps, "update" without, as FinishExecution and
// UpdateExecution.
// AppendStep is "append step". With wrote set, each write is sent on it
// too, as "id write".
type statusWrites struct {
	*memory.Store
	mu     sync.Mutex
	writes map[string][]string
	wrote  chan string
}

func (s *statusWrites) log(id, what string, status record.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := fmt.Sprintf("%s %s", what, status)
	s.writes[id] = append(s.writes[id], w)
	if s.wrote != nil {
		s.wrote <- id + " " + w
	}
}

func (s *statusWrites) AppendStep(ctx context.Context, id string, r *record.StepResult) error {
	defer s.log(id, "append", "step")
	return s.Store.AppendStep(ctx, id, r)
}

func (s *statusWrites) of(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.writes[id]...)
}

func (s *statusWrites) CreateExecution(ctx context.Context, e *record.Execution) error {
	defer s.log(e.ID, "create", e.Status)
	return s.Store.CreateExecution(ctx, e)
}

func (s *statusWrites) CreateExecutionExclusive(ctx context.Context, e *record.Execution, since time.Time) error {
	defer s.log(e.ID, "create", e.Status)
	return s.Store.CreateExecutionExclusive(ctx, e, since)
}

func (s *statusWrites) CreateExecutionIfRevision(ctx context.Context, e *record.Execution, revision int64) error {
	defer s.log(e.ID, "create", e.Status)
	return s.Store.CreateExecutionIfRevision(ctx, e, revision)
}

func (s *statusWrites) CreateExecutionExclusiveIfRevision(ctx context.Context, e *record.Execution, revision int64, since time.Time) error {
	defer s.log(e.ID, "create", e.Status)
	return s.Store.CreateExecutionExclusiveIfRevision(ctx, e, revision, since)
}

func (s *statusWrites) CreateFinished(ctx context.Context, e *record.Execution, steps []*record.StepResult, g storage.CreateGuard) (string, error) {
	defer s.log(e.ID, "create", e.Status)
	return s.Store.CreateFinished(ctx, e, steps, g)
}

// PlanPause is logged under the plan's ID, as "read pause".
func (s *statusWrites) PlanPause(ctx context.Context, planID string) (time.Time, error) {
	defer s.log(planID, "read", "pause")
	return s.Store.PlanPause(ctx, planID)
}

func (s *statusWrites) UpdateExecution(ctx context.Context, e *record.Execution) error {
	defer s.log(e.ID, "update", e.Status)
	return s.Store.UpdateExecution(ctx, e)
}

func (s *statusWrites) FinishExecution(ctx context.Context, e *record.Execution, steps []*record.StepResult) error {
	defer s.log(e.ID, "finish", e.Status)
	return s.Store.FinishExecution(ctx, e, steps)
}

func (s *statusWrites) FinishWithPause(ctx context.Context, e *record.Execution, steps []*record.StepResult) (string, error) {
	what := "update"
	if len(steps) > 0 {
		what = "finish"
	}
	defer s.log(e.ID, what, e.Status)
	return s.Store.FinishWithPause(ctx, e, steps)
}

// TestTickFindingASlotIsStoredAsRunning: a tick that finds a concurrency
// slot free is written once, when it ends, created finished
// (storage.FinishedCreator); with WriteRunningAfter negative it is
// created as running, its start not written again. One that waits for a
// slot is created as created and its start written when it gets one.
// Either way subscribers see it created, then started, then finished.
func TestTickFindingASlotIsStoredAsRunning(t *testing.T) {
	t.Parallel()
	for _, once := range []bool{true, false} {
		t.Run(fmt.Sprint("once=", once), func(t *testing.T) {
			t.Parallel()
			tickFindingASlot(t, once)
		})
	}
}

func tickFindingASlot(t *testing.T, once bool) {
	srv := okServer(t)
	g := newGate(t)
	store := &statusWrites{Store: memory.New(memory.Config{}), writes: map[string][]string{}}
	eng, h := newHandTicked(t, smokex.Config{Store: store, Concurrency: 1, WriteRunningAfter: writeRunningAfter(once), Vars: map[string]any{"base": srv.URL, "gate": g.srv.URL}}, false)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: tick, schedule: "@hourly", steps: [{get: {url: "${base}/"}}]}`)))
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: held, steps: [{get: {url: "${gate}/"}}]}`)))
	sub := eng.Subscribe(0)
	defer sub.Close()
	due := time.Now().UTC().Truncate(time.Hour) // in time: within the hourly interval

	// A free slot.
	h.Tick("tick", due)
	runs := scheduledRuns(t, store, "tick")
	require.Len(t, runs, 1)
	require.Equal(t, record.StatusPassed, runs[0].Status)
	require.False(t, runs[0].StartedAt.IsZero())
	require.Equal(t, inTimeWrites(once, "passed"), store.of(runs[0].ID))
	var seen []string
	for len(seen) == 0 || seen[len(seen)-1] != "execution_finished passed" {
		ev := within(t, sub.C(), "the tick's events")
		seen = append(seen, string(ev.Type)+" "+string(ev.Execution.Status))
	}
	require.Equal(t, []string{"execution_created created", "execution_started running", "step_finished running", "execution_finished passed"}, seen)

	// The one slot held by a run of another plan.
	heldID, err := eng.Trigger(ctx, "held", nil)
	require.NoError(t, err)
	within(t, g.arrived, "held's request")
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		h.Tick("tick", due.Add(time.Hour))
	}()
	var waiting string
	for waiting == "" {
		ev := within(t, sub.C(), "the waiting tick's execution_created")
		if ev.Type == smokex.EventExecutionCreated && ev.Execution.PlanID == "tick" {
			waiting = ev.Execution.ID
		}
	}
	stored, err := store.GetExecution(ctx, waiting)
	require.NoError(t, err)
	require.Equal(t, record.StatusCreated, stored.Status, "a tick waiting for a slot")
	g.open()
	within(t, ticked, "the waiting tick's run")
	require.Equal(t, []string{"create created", "update running", "finish passed"}, store.of(waiting))
	require.Equal(t, []string{"create created", "update running", "finish passed"}, store.of(heldID), "a run that is not a tick")
}

// writeRunningAfter is Config.WriteRunningAfter for a tick in time
// written once when it ends (once: a bound of an hour, which no test's
// run reaches, however slow the machine), or created as running.
func writeRunningAfter(once bool) time.Duration {
	if once {
		return time.Hour
	}
	return -1
}

// inTimeWrites are the writes statusWrites records of a tick in time
// that finds a slot free and ends with status: one create of the
// execution finished (once), or its create as running and its finish.
func inTimeWrites(once bool, status record.Status) []string {
	if once {
		return []string{"create " + string(status)}
	}
	return []string{"create running", "finish " + string(status)}
}

// within returns the next value of ch, and fails the test when none comes
// within a minute: a bound that only a regression reaches, so that it
// fails with what was awaited rather than hang until the test binary's
// timeout.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("waited a minute for %s", what)
		panic("unreachable")
	}
}

// TestLateTickWithAFreeSlotIsNeverStoredAsRunning: a tick too late to
// start that finds a concurrency slot free takes no slot: it is stored
// skipped (canceled, stop reason skipped) in its create, one write, never
// as running. The same store and engine run a tick in time, written once
// when it ends.
func TestLateTickWithAFreeSlotIsNeverStoredAsRunning(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	store := &statusWrites{Store: memory.New(memory.Config{}), writes: map[string][]string{}}
	eng, h := newHandTicked(t, smokex.Config{Store: store, Concurrency: 1, WriteRunningAfter: time.Hour, Vars: map[string]any{"base": srv.URL}}, false)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: tick, schedule: "@hourly", steps: [{get: {url: "${base}/"}}]}`)))
	inTime := time.Now().UTC().Truncate(time.Hour)

	h.Tick("tick", inTime.Add(-3*time.Hour)) // past its hourly interval
	runs := scheduledRuns(t, store, "tick")
	require.Len(t, runs, 1)
	require.Equal(t, record.StatusCanceled, runs[0].Status)
	require.Equal(t, record.StopSkipped, runs[0].StopReason)
	require.Equal(t, record.ErrLate, runs[0].Error.Kind)
	require.Equal(t, []string{"create canceled"}, store.of(runs[0].ID))

	h.Tick("tick", inTime)
	runs = scheduledRuns(t, store, "tick")
	require.Len(t, runs, 2)
	require.Equal(t, record.StatusPassed, runs[0].Status, "newest first")
	require.Equal(t, []string{"create passed"}, store.of(runs[0].ID))
}

// traceIDs is a tracer that gives every execution a trace ID.
type traceIDs struct{ record.HookDefaults }

func (traceIDs) ExecutionContext(ctx context.Context, _ *record.PlanRef, _ *record.Execution) (context.Context, string) {
	return ctx, "4bf92f3577b34da6a3ce929d0e0e4736"
}

// TestTickStoredAsRunningWritesItsTraceID: a tick whose tracer gives it
// a trace ID keeps it in the stored execution: written once when it
// ends, in that write; created as running, its start is written again
// for it.
func TestTickStoredAsRunningWritesItsTraceID(t *testing.T) {
	t.Parallel()
	for once, writes := range map[bool][]string{
		true:  {"create passed"},
		false: {"create running", "update running", "finish passed"},
	} {
		srv := okServer(t)
		store := &statusWrites{Store: memory.New(memory.Config{}), writes: map[string][]string{}}
		eng, h := newHandTicked(t, smokex.Config{Store: store, WriteRunningAfter: writeRunningAfter(once), Hooks: []record.Hook{traceIDs{}}, Vars: map[string]any{"base": srv.URL}}, false)
		ctx := t.Context()
		require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: tick, schedule: "@hourly", steps: [{get: {url: "${base}/"}}]}`)))

		h.Tick("tick", time.Now().UTC().Truncate(time.Hour))
		runs := scheduledRuns(t, store, "tick")
		require.Len(t, runs, 1)
		require.Equal(t, record.StatusPassed, runs[0].Status)
		require.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", runs[0].TraceID)
		require.Equal(t, writes, store.of(runs[0].ID), "once=%v", once)
	}
}

// TestSecretsFailureOfATickStoredAsRunning: secrets are resolved while a
// tick that took its slot at once is running, so one that cannot
// resolve them goes from running to failed with no step run
// (docs/statuses.md): written once, failed, or created as running and
// updated; a run that is not a tick goes there from created.
func TestSecretsFailureOfATickStoredAsRunning(t *testing.T) {
	t.Parallel()
	for once, writes := range map[bool][]string{true: {"create failed"}, false: {"create running", "update failed"}} {
		srv := okServer(t)
		store := &statusWrites{Store: memory.New(memory.Config{}), writes: map[string][]string{}}
		eng, h := newHandTicked(t, smokex.Config{Store: store, WriteRunningAfter: writeRunningAfter(once), Vars: map[string]any{"base": srv.URL}}, false)
		ctx := t.Context()
		require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: tick, schedule: "@hourly", secrets: [KEY], steps: [{get: {url: "${base}/"}}]}`)))

		h.Tick("tick", time.Now().UTC().Truncate(time.Hour))
		runs := scheduledRuns(t, store, "tick")
		require.Len(t, runs, 1)
		x, err := store.GetExecution(ctx, runs[0].ID)
		require.NoError(t, err)
		require.Equal(t, record.StatusFailed, x.Status)
		require.Equal(t, record.ErrInterpolation, x.Error.Kind)
		require.Empty(t, x.Steps)
		require.Equal(t, writes, store.of(x.ID), "once=%v", once)

		x, err = eng.Run(ctx, "tick", nil)
		require.NoError(t, err)
		require.Equal(t, record.StatusFailed, x.Status)
		require.Equal(t, []string{"create created", "update failed"}, store.of(x.ID))
	}
}
