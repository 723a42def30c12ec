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
	"github.com/smokex/smokex/storage/memory"
)

// statusWrites is a memory store that records, for each execution, the
// status of every write of it: "create running", "update running",
// "finish passed".
type statusWrites struct {
	*memory.Store
	mu     sync.Mutex
	writes map[string][]string
}

func (s *statusWrites) log(id, what string, status record.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes[id] = append(s.writes[id], fmt.Sprintf("%s %s", what, status))
}

func (s *statusWrites) of(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.writes[id]...)
}

func (s *statusWrites) CreateExecution(ctx context.Context, e *record.Execution) error {
	s.log(e.ID, "create", e.Status)
	return s.Store.CreateExecution(ctx, e)
}

func (s *statusWrites) CreateExecutionExclusive(ctx context.Context, e *record.Execution, since time.Time) error {
	s.log(e.ID, "create", e.Status)
	return s.Store.CreateExecutionExclusive(ctx, e, since)
}

func (s *statusWrites) UpdateExecution(ctx context.Context, e *record.Execution) error {
	s.log(e.ID, "update", e.Status)
	return s.Store.UpdateExecution(ctx, e)
}

func (s *statusWrites) FinishExecution(ctx context.Context, e *record.Execution, steps []*record.StepResult) error {
	s.log(e.ID, "finish", e.Status)
	return s.Store.FinishExecution(ctx, e, steps)
}

// TestTickFindingASlotIsStoredAsRunning: a tick that finds a concurrency
// slot free is created as running, its start not written again; one that
// waits for a slot is created as created and its start written when it
// gets one. Either way subscribers see it created, then started, then
// finished.
func TestTickFindingASlotIsStoredAsRunning(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	g := newGate(t)
	store := &statusWrites{Store: memory.New(memory.Config{}), writes: map[string][]string{}}
	eng, h := newHandTicked(t, smokex.Config{Store: store, Concurrency: 1, Vars: map[string]any{"base": srv.URL, "gate": g.srv.URL}}, false)
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
	require.Equal(t, []string{"create running", "finish passed"}, store.of(runs[0].ID))
	var seen []string
	for len(seen) == 0 || seen[len(seen)-1] != "execution_finished passed" {
		ev := <-sub.C()
		seen = append(seen, string(ev.Type)+" "+string(ev.Execution.Status))
	}
	require.Equal(t, []string{"execution_created created", "execution_started running", "step_finished running", "execution_finished passed"}, seen)

	// The one slot held by a run of another plan.
	heldID, err := eng.Trigger(ctx, "held", nil)
	require.NoError(t, err)
	<-g.arrived
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		h.Tick("tick", due.Add(time.Hour))
	}()
	var waiting string
	for waiting == "" {
		ev := <-sub.C()
		if ev.Type == smokex.EventExecutionCreated && ev.Execution.PlanID == "tick" {
			waiting = ev.Execution.ID
		}
	}
	stored, err := store.GetExecution(ctx, waiting)
	require.NoError(t, err)
	require.Equal(t, record.StatusCreated, stored.Status, "a tick waiting for a slot")
	g.open()
	<-ticked
	require.Equal(t, []string{"create created", "update running", "finish passed"}, store.of(waiting))
	require.Equal(t, []string{"create created", "update running", "finish passed"}, store.of(heldID), "a run that is not a tick")
}
