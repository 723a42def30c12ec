package storagetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) executionScenarios() []scenario {
	return []scenario{
		{"CreateAndGet", s.execCreate},
		{"CreateSetsZeroCreatedAt", s.execZeroCreatedAt},
		{"CreateRunning", s.execCreateRunning},
		{"CreateConflictOnDuplicateID", s.execDuplicate},
		{"CreateConflictOnUnknownPlan", s.execUnknownPlan},
		{"CreateConflictOnDuplicateScheduledAt", s.execDuplicateScheduledAt},
		{"CreateRejectsBadInput", s.execBadInput},
		{"UpdateLifecycle", s.execUpdate},
		{"UpdateNotFound", s.execUpdateNotFound},
		{"GetNotFound", s.execGetNotFound},
	}
}

func (s suite) execCreate(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	e := &record.Execution{
		ID:       "e-1",
		PlanID:   "p",
		PlanName: "Plan p — 日本",
		Trigger:  "host-defined",
		// Microseconds are kept.
		ScheduledAt: at(0).Add(-time.Microsecond),
		Location:    "eu-west",
		Status:      record.StatusCanceled,
		StopReason:  record.StopInterrupted,
		CreatedAt:   at(0),
		StartedAt:   at(0).Add(time.Millisecond),
		FinishedAt:  at(0).Add(2500 * time.Millisecond),
		Error:       &record.StepError{Kind: record.ErrInterrupted, Message: "the process died"},
		Steps:       []record.StepResult{{Index: 0, Name: "ignored by create"}},
	}
	require.NoError(t, st.CreateExecution(ctx, e))
	require.Len(t, e.Steps, 1, "CreateExecution must not modify its argument")

	got, err := st.GetExecution(ctx, "e-1")
	require.NoError(t, err)
	requireExecution(t, withoutSteps(e), got)
	require.Empty(t, got.Steps, "create ignores Steps")
	require.Equal(t, 2499*time.Millisecond, got.Duration())
}

func (s suite) execZeroCreatedAt(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	e := &record.Execution{ID: "e", PlanID: "p", Status: record.StatusCreated}
	require.NoError(t, st.CreateExecution(ctx, e))
	require.True(t, e.CreatedAt.IsZero(), "CreateExecution must not modify its argument")
	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.False(t, got.CreatedAt.IsZero(), "the store sets a zero CreatedAt")
	require.True(t, got.StartedAt.IsZero())
	require.True(t, got.FinishedAt.IsZero())
	require.Nil(t, got.Error)
}

// execCreateRunning: an execution created running with its start, as the
// engine stores a tick that took its concurrency slot at once, reads back
// running with that start and no finish.
func (s suite) execCreateRunning(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	x := newExecution("e-1", "p", at(1), record.StatusRunning, 0)
	x.ScheduledAt = at(1)
	x.StartedAt = at(1).Add(1500 * time.Microsecond)
	require.NoError(t, st.CreateExecution(ctx, x))
	got, err := st.GetExecution(ctx, "e-1")
	require.NoError(t, err)
	requireExecution(t, x, got)
	require.Equal(t, record.StatusRunning, got.Status)
	require.True(t, got.FinishedAt.IsZero())
}

func (s suite) execDuplicate(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	first := newExecution("dup", "p", at(0), record.StatusRunning, 0)
	create(ctx, t, st, first)
	err := st.CreateExecution(ctx, newExecution("dup", "p", at(1), record.StatusCreated, 0))
	require.ErrorIs(t, err, storage.ErrConflict)
	err = st.CreateExecution(ctx, newExecution("dup", "q", at(2), record.StatusCreated, 0))
	require.ErrorIs(t, err, storage.ErrConflict, "IDs are unique across plans")

	got, err := st.GetExecution(ctx, "dup")
	require.NoError(t, err)
	requireExecution(t, first, got)
	page, err := st.ListExecutions(ctx, nil)
	require.NoError(t, err)
	require.Len(t, page.Executions, 1)
}

// execDuplicateScheduledAt: a plan has one execution per due time and
// location, the store's guard against a tick run twice; other plans,
// other locations and executions without one are not held back.
func (s suite) execDuplicateScheduledAt(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	due := at(0).Add(time.Second)
	scheduled := func(id, planID string, due time.Time) *record.Execution {
		e := newExecution(id, planID, at(1), record.StatusCreated, 0)
		e.Trigger = record.TriggerSchedule
		e.ScheduledAt = due
		return e
	}
	first := scheduled("e-1", "p", due)
	create(ctx, t, st, first)
	err := st.CreateExecution(ctx, scheduled("e-2", "p", due.In(time.FixedZone("X", 3600))))
	require.ErrorIs(t, err, storage.ErrConflict, "a second execution of p due at %s", due)
	inUS := scheduled("e-8", "p", due)
	inUS.Location = "us-east"
	create(ctx, t, st, inUS)
	again := scheduled("e-9", "p", due)
	again.Location = "us-east"
	require.ErrorIs(t, st.CreateExecution(ctx, again), storage.ErrConflict, "a second execution of p due at %s in us-east", due)
	create(ctx, t, st,
		scheduled("e-3", "q", due),
		scheduled("e-4", "p", due.Add(time.Second)),
		newExecution("e-5", "p", at(2), record.StatusCreated, 0),
		newExecution("e-6", "p", at(3), record.StatusCreated, 0),
	)
	_, err = st.GetExecution(ctx, "e-2")
	require.ErrorIs(t, err, storage.ErrNotFound)
	got, err := st.GetExecution(ctx, "e-1")
	require.NoError(t, err)
	requireExecution(t, first, got)

	// Once the first is gone, the due time is free again.
	require.NoError(t, st.UpdateExecution(ctx, newExecution("e-1", "p", at(1), record.StatusPassed, time.Second)))
	n, err := st.Prune(ctx, &storage.PruneParams{FinishedBefore: at(100)})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	create(ctx, t, st, scheduled("e-7", "p", due))
}

func (s suite) execUnknownPlan(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	err := st.CreateExecution(ctx, newExecution("e", "absent", at(0), record.StatusCreated, 0))
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = st.GetExecution(ctx, "e")
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func (s suite) execBadInput(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	require.Error(t, st.CreateExecution(ctx, nil), "nil execution")
	require.Error(t, st.CreateExecution(ctx, &record.Execution{PlanID: "p", CreatedAt: at(0)}), "empty ID")
	require.Error(t, st.UpdateExecution(ctx, nil), "nil update")
	page, err := st.ListExecutions(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, page.Executions)
}

func (s suite) execUpdate(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	e := newExecution("e", "p", at(0), record.StatusCreated, 0)
	e.Source = record.Source{Commit: "9fceb02d0ae598e95dc970b74767f19372d61af8", Path: ".smokex/checkout.yaml"}
	create(ctx, t, st, e)

	steps := []struct {
		name   string
		change func(e *record.Execution)
	}{
		{"running", func(e *record.Execution) {
			e.Status = record.StatusRunning
			e.StartedAt = at(1)
			e.TraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		}},
		{"failed with error", func(e *record.Execution) {
			e.Status = record.StatusFailed
			e.StopReason = record.StopCanceled
			e.FinishedAt = at(2)
			e.Error = &record.StepError{Kind: record.ErrCanceled, Message: "stopped"}
		}},
		{"halted", func(e *record.Execution) {
			e.StopReason = record.StopHaltedOnError
			e.Error = nil
		}},
		{"error and stop reason cleared", func(e *record.Execution) {
			e.Status = record.StatusPassed
			e.StopReason = ""
			e.Error = nil
		}},
		{"in maintenance", func(e *record.Execution) {
			e.Maintenance = "db upgrade"
		}},
		{"flaky", func(e *record.Execution) {
			e.Status = record.StatusPassed
			e.Flaky = true
		}},
	}
	for _, step := range steps {
		step.change(e)
		// Fields other than status, stop reason, start, finish, error,
		// trace, maintenance and flaky are ignored.
		upd := *e
		upd.PlanID = "other"
		upd.PlanName = "other"
		upd.Trigger = record.TriggerManual
		upd.CreatedAt = at(99)
		upd.ScheduledAt = at(98)
		upd.Source = record.Source{Commit: "other", Path: "other.yaml"}
		upd.Steps = []record.StepResult{{Index: 7}}
		require.NoError(t, st.UpdateExecution(ctx, &upd), step.name)
		got, err := st.GetExecution(ctx, "e")
		require.NoError(t, err)
		requireExecution(t, e, got)
	}
	page, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "p"})
	require.NoError(t, err)
	require.Len(t, page.Executions, 1)
	requireExecution(t, e, page.Executions[0])
}

func (s suite) execUpdateNotFound(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	err := st.UpdateExecution(ctx, newExecution("absent", "p", at(0), record.StatusPassed, time.Second))
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = st.GetExecution(ctx, "absent")
	require.ErrorIs(t, err, storage.ErrNotFound, "update does not create")
}

func (s suite) execGetNotFound(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, newExecution("present", "p", at(0), record.StatusPassed, time.Second))
	_, err := st.GetExecution(ctx, "absent")
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = st.GetExecution(ctx, "")
	require.ErrorIs(t, err, storage.ErrNotFound)
}
