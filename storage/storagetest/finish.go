package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) finishScenarios() []scenario {
	return []scenario{
		{"StepsWithTheFinish", s.finishWithSteps},
		{"AllOrNothing", s.finishAllOrNothing},
		{"NotFound", s.finishNotFound},
		{"WithoutSteps", s.finishWithoutSteps},
	}
}

// finisher returns the store as an ExecutionFinisher, with plan p and
// its execution e stored running with step 0; a store that is not one
// skips the scenario, saying so.
func (s suite) finisher(t *testing.T) (context.Context, storage.Store, storage.ExecutionFinisher, *record.Execution) {
	t.Helper()
	ctx, st := s.store(t)
	f := optional[storage.ExecutionFinisher](t, st)
	savePlan(ctx, t, st, "p", nil)
	e := newExecution("e", "p", at(0), record.StatusRunning, 0)
	create(ctx, t, st, e)
	require.NoError(t, st.AppendStep(ctx, "e", &record.StepResult{Index: 0, Name: "first", OK: true}))
	return ctx, st, f, e
}

// finished returns e failed a second after its start, with an error.
func finished(e *record.Execution) *record.Execution {
	c := *e
	c.Status, c.FinishedAt = record.StatusFailed, e.StartedAt.Add(time.Second)
	c.Error = &record.StepError{Kind: record.ErrTimeout, Message: "no response within 5s"}
	return &c
}

// finishWithSteps stores the last steps with the finish, every field of a
// step and of the update kept, the finish counted once in the rollups.
func (s suite) finishWithSteps(t *testing.T) {
	ctx, st, f, e := s.finisher(t)
	last := fullStep(2)
	skipped := &record.StepResult{Index: 1, Name: "skipped", Method: "GET", Skipped: true}
	done := finished(e)
	require.NoError(t, f.FinishExecution(ctx, done, []*record.StepResult{last, skipped}))

	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	done.Steps = []record.StepResult{{Index: 0, Name: "first", OK: true}, *skipped, *last}
	requireExecution(t, done, got)

	if us, ok := st.(storage.UptimeStore); ok {
		require.NoError(t, f.FinishExecution(ctx, done, nil), "an update of a final execution")
		days, err := us.DailyUptime(ctx, nil)
		require.NoError(t, err)
		require.Len(t, days, 1)
		require.Equal(t, 1, days[0].Failed, "counted in the write that made it final, once")
		require.Equal(t, 1, days[0].Total())
	}
}

// finishAllOrNothing refuses a step whose index is stored, or two steps
// with one index, or a bad step, and then writes nothing: no step, no
// update.
func (s suite) finishAllOrNothing(t *testing.T) {
	ctx, st, f, e := s.finisher(t)
	done := finished(e)
	require.ErrorIs(t, f.FinishExecution(ctx, done, []*record.StepResult{{Index: 1}, {Index: 0}}), storage.ErrConflict,
		"a step with a stored index")
	require.ErrorIs(t, f.FinishExecution(ctx, done, []*record.StepResult{{Index: 1}, {Index: 1, Name: "again"}}), storage.ErrConflict,
		"two steps with one index")
	require.Error(t, f.FinishExecution(ctx, done, []*record.StepResult{{Index: 1}, nil}), "a nil step")
	require.Error(t, f.FinishExecution(ctx, done, []*record.StepResult{{Index: 1}, {Index: -1}}), "a negative index")
	require.Error(t, f.FinishExecution(ctx, nil, nil), "a nil execution")

	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	e.Steps = []record.StepResult{{Index: 0, Name: "first", OK: true}}
	requireExecution(t, e, got)
	if us, ok := st.(storage.UptimeStore); ok {
		days, err := us.DailyUptime(ctx, nil)
		require.NoError(t, err)
		require.Empty(t, days, "nothing was finished")
	}
}

// finishNotFound: an execution that does not exist, with steps or not.
func (s suite) finishNotFound(t *testing.T) {
	ctx, _, f, e := s.finisher(t)
	done := finished(e)
	done.ID = "nope"
	require.ErrorIs(t, f.FinishExecution(ctx, done, []*record.StepResult{{Index: 1}}), storage.ErrNotFound)
	require.ErrorIs(t, f.FinishExecution(ctx, done, nil), storage.ErrNotFound)
}

// finishWithoutSteps is UpdateExecution, to a status not final as well.
func (s suite) finishWithoutSteps(t *testing.T) {
	ctx, st, f, e := s.finisher(t)
	e.TraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	require.NoError(t, f.FinishExecution(ctx, e, []*record.StepResult{}))
	done := finished(e)
	require.NoError(t, f.FinishExecution(ctx, done, nil))
	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	done.Steps = []record.StepResult{{Index: 0, Name: "first", OK: true}}
	requireExecution(t, done, got)
}
