package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) createFinishedScenarios() []scenario {
	return []scenario{
		{"WithSteps", s.createFinishedWithSteps},
		{"Paused", s.createFinishedPaused},
		{"OneExecutionPerTick", s.createFinishedPerTick},
		{"PlanGone", s.createFinishedPlanGone},
		{"Revision", s.createFinishedRevision},
		{"Exclusive", s.createFinishedExclusive},
		{"GuardsBeforeConflict", s.createFinishedGuardsFirst},
		{"RejectsBadInput", s.createFinishedBadInput},
	}
}

// finishedCreator returns the store as a FinishedCreator with plan p
// stored; a store that is not one skips the scenario, saying so.
func (s suite) finishedCreator(t *testing.T) (context.Context, storage.Store, storage.FinishedCreator) {
	t.Helper()
	ctx, st := s.store(t)
	fc := optional[storage.FinishedCreator](t, st)
	savePlan(ctx, t, st, "p", nil)
	return ctx, st, fc
}

// tick returns a new execution of p, the tick due at at(n), failed.
func tick(id string, n int) *record.Execution {
	x := finished(newExecution(id, "p", at(n), record.StatusRunning, 0))
	x.ScheduledAt = at(n)
	return x
}

// createFinished stores x with steps through fc, requires the
// Maintenance it returns and the one stored to be want, and x not
// modified.
func createFinished(ctx context.Context, t *testing.T, st storage.Store, fc storage.FinishedCreator, x *record.Execution, want string, steps ...*record.StepResult) {
	t.Helper()
	asked := x.Maintenance
	got, err := fc.CreateFinished(ctx, x, steps, storage.CreateGuard{})
	require.NoError(t, err)
	require.Equal(t, want, got, "the Maintenance CreateFinished returns")
	require.Equal(t, asked, x.Maintenance, "the execution passed is not modified")
	stored, err := st.GetExecution(ctx, x.ID)
	require.NoError(t, err)
	require.Equal(t, want, stored.Maintenance, "the Maintenance stored")
}

// createFinishedWithSteps: the execution is stored as given, its steps
// with it in index order whatever the order given, and counted once in
// the rollups; with no steps, it has none.
func (s suite) createFinishedWithSteps(t *testing.T) {
	ctx, st, fc := s.finishedCreator(t)
	x := tick("e", 0)
	x.TraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	first := &record.StepResult{Index: 0, Name: "first", OK: true}
	last := fullStep(1)
	createFinished(ctx, t, st, fc, x, "", last, first)
	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	want := *x
	want.Steps = []record.StepResult{*first, *last}
	requireExecution(t, &want, got)
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Equal(t, 1, n, "counted once, as a finish")
		us := st.(storage.UptimeStore)
		days, err := us.DailyUptime(ctx, nil)
		require.NoError(t, err)
		require.Len(t, days, 1)
		require.Equal(t, 1, days[0].Failed)
		require.Equal(t, time.Second, days[0].Duration)
	}
	page, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "p", Statuses: []record.Status{record.StatusFailed}})
	require.NoError(t, err)
	require.Len(t, page.Executions, 1)

	y := tick("f", 1)
	y.Status, y.Error = record.StatusPassed, nil
	createFinished(ctx, t, st, fc, y, "")
	got, err = st.GetExecution(ctx, "f")
	require.NoError(t, err)
	require.Empty(t, got.Steps)
	requireExecution(t, y, withoutSteps(got))
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Equal(t, 2, n)
	}
	canceled := tick("g", 2)
	canceled.Status = record.StatusCanceled
	createFinished(ctx, t, st, fc, canceled, "")
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Equal(t, 2, n, "a canceled execution is not counted")
	}
}

// createFinishedPaused: the plan's pause holds over the caller's
// Maintenance when it ends after the finish, and keeps the execution out
// of the rollups; a pause that ended at the finish does not.
func (s suite) createFinishedPaused(t *testing.T) {
	ctx, st, fc := s.finishedCreator(t)
	savePlan(ctx, t, st, "q", nil)
	require.NoError(t, fc.PausePlan(ctx, "p", at(60)))
	require.NoError(t, fc.PausePlan(ctx, "q", at(120)))
	x := tick("e", 0)
	x.Maintenance = "backup"
	createFinished(ctx, t, st, fc, x, storage.PauseMaintenance(at(60)), fullStep(0))
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Zero(t, n, "an execution in maintenance is not counted")
	}

	require.NoError(t, fc.PausePlan(ctx, "p", tick("f", 1).FinishedAt))
	y := tick("f", 1)
	createFinished(ctx, t, st, fc, y, "")
	z := tick("g", 2)
	z.Maintenance = "backup"
	createFinished(ctx, t, st, fc, z, "backup")
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Equal(t, 1, n, "the execution in no maintenance is counted")
	}

	now := tick("h", 3)
	now.FinishedAt = time.Time{}
	until := time.Now().Add(time.Hour)
	require.NoError(t, fc.PausePlan(ctx, "p", until))
	createFinished(ctx, t, st, fc, now, storage.PauseMaintenance(until))
}

// createFinishedPerTick: a tick has one execution: a second one of the
// same plan, due time and location is refused with ErrConflict, whether
// the first was created in flight or finished, and stores nothing, its
// steps included; another location, or another plan, is another tick.
func (s suite) createFinishedPerTick(t *testing.T) {
	ctx, st, fc := s.finishedCreator(t)
	createFinished(ctx, t, st, fc, tick("e", 0), "", fullStep(0))
	dup := tick("dup", 0)
	_, err := fc.CreateFinished(ctx, dup, []*record.StepResult{fullStep(0)}, storage.CreateGuard{})
	require.ErrorIs(t, err, storage.ErrConflict, "a second execution of the tick")
	_, err = st.GetExecution(ctx, "dup")
	require.ErrorIs(t, err, storage.ErrNotFound, "nothing stored")
	_, err = fc.CreateFinished(ctx, tick("e", 5), nil, storage.CreateGuard{})
	require.ErrorIs(t, err, storage.ErrConflict, "an ID stored already")

	running := newExecution("r", "p", at(1), record.StatusRunning, 0)
	running.ScheduledAt = at(1)
	create(ctx, t, st, running)
	_, err = fc.CreateFinished(ctx, tick("r2", 1), nil, storage.CreateGuard{})
	require.ErrorIs(t, err, storage.ErrConflict, "the tick has an execution in flight")
	_, err = st.GetExecution(ctx, "r2")
	require.ErrorIs(t, err, storage.ErrNotFound, "nothing stored")

	elsewhere := tick("w", 0)
	elsewhere.Location = "us-east"
	createFinished(ctx, t, st, fc, elsewhere, "")
	savePlan(ctx, t, st, "q", nil)
	other := tick("q1", 0)
	other.PlanID = "q"
	createFinished(ctx, t, st, fc, other, "")
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Equal(t, 3, n, "the refused ones are not counted")
	}
}

// createFinishedPlanGone: no plan, no execution: ErrNotFound.
func (s suite) createFinishedPlanGone(t *testing.T) {
	ctx, st, fc := s.finishedCreator(t)
	x := tick("a", 0)
	x.PlanID = "absent"
	_, err := fc.CreateFinished(ctx, x, []*record.StepResult{fullStep(0)}, storage.CreateGuard{})
	require.ErrorIs(t, err, storage.ErrNotFound, "an unknown plan")
	require.NoError(t, st.DeletePlan(ctx, "p"))
	_, err = fc.CreateFinished(ctx, tick("e", 0), nil, storage.CreateGuard{Revision: 1, Exclusive: true, Since: at(0)})
	require.ErrorIs(t, err, storage.ErrNotFound, "a plan deleted")
	_, err = st.GetExecution(ctx, "e")
	require.ErrorIs(t, err, storage.ErrNotFound)
}

// createFinishedRevision: with a revision, the create stores nothing for
// a plan that has another, ErrPlanChanged whatever else would fail.
func (s suite) createFinishedRevision(t *testing.T) {
	ctx, st, fc := s.finishedCreator(t)
	rev := revisionOf(ctx, t, st, "p")
	if rev == 0 {
		t.Skip("the store keeps no revision")
	}
	_, err := fc.CreateFinished(ctx, tick("e", 0), nil, storage.CreateGuard{Revision: rev})
	require.NoError(t, err)
	p := savePlan(ctx, t, st, "p", nil)
	p.Name = "renamed"
	require.NoError(t, st.SavePlan(ctx, p))
	_, err = fc.CreateFinished(ctx, tick("f", 1), []*record.StepResult{fullStep(0)}, storage.CreateGuard{Revision: rev})
	require.ErrorIs(t, err, storage.ErrPlanChanged)
	_, err = st.GetExecution(ctx, "f")
	require.ErrorIs(t, err, storage.ErrNotFound, "nothing stored for a plan changed")
	_, err = fc.CreateFinished(ctx, tick("g", 0), nil, storage.CreateGuard{Revision: rev})
	require.ErrorIs(t, err, storage.ErrPlanChanged, "changed, whatever else")
	_, err = fc.CreateFinished(ctx, tick("f", 1), nil, storage.CreateGuard{Revision: revisionOf(ctx, t, st, "p")})
	require.NoError(t, err, "with the plan's new revision")
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Equal(t, 2, n)
	}
}

// createFinishedExclusive: an exclusive create stores nothing while an
// execution of the plan in the location, created since, is in flight;
// one from before since, in another location, or finished does not
// count, nor does the finished execution it stores count for the next.
func (s suite) createFinishedExclusive(t *testing.T) {
	ctx, st, fc := s.finishedCreator(t)
	exclusive := storage.CreateGuard{Exclusive: true, Since: at(1)}
	create(ctx, t, st, newExecution("dead", "p", at(0), record.StatusRunning, 0))
	_, err := fc.CreateFinished(ctx, tick("e", 2), nil, exclusive)
	require.NoError(t, err, "in flight from before since")
	_, err = fc.CreateFinished(ctx, tick("f", 3), nil, exclusive)
	require.NoError(t, err, "a finished execution holds nothing back")
	create(ctx, t, st, newExecution("live", "p", at(4), record.StatusCreated, 0))
	_, err = fc.CreateFinished(ctx, tick("g", 5), []*record.StepResult{fullStep(0)}, exclusive)
	require.ErrorIs(t, err, storage.ErrBusy)
	_, err = st.GetExecution(ctx, "g")
	require.ErrorIs(t, err, storage.ErrNotFound, "a busy create stores nothing")
	_, err = fc.CreateFinished(ctx, tick("g", 5), nil, storage.CreateGuard{})
	require.NoError(t, err, "not exclusive")
	other := tick("h", 6)
	other.Location = "us-east"
	_, err = fc.CreateFinished(ctx, other, nil, exclusive)
	require.NoError(t, err, "another location")
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Equal(t, 4, n)
	}
}

// createFinishedGuardsFirst: g's checks come before the conflict of an
// ID stored already, as the interface says. The create of an execution
// whose own ID is stored as running (an earlier write of the same run,
// committed though its caller saw an error) is refused as busy when
// exclusive, and as a conflict otherwise; its plan changed, as changed.
func (s suite) createFinishedGuardsFirst(t *testing.T) {
	ctx, st, fc := s.finishedCreator(t)
	running := newExecution("e", "p", at(0), record.StatusRunning, 0)
	create(ctx, t, st, running)
	_, err := fc.CreateFinished(ctx, tick("e", 0), nil, storage.CreateGuard{Exclusive: true, Since: at(0)})
	require.ErrorIs(t, err, storage.ErrBusy, "exclusive, its own row in flight")
	_, err = fc.CreateFinished(ctx, tick("e", 0), nil, storage.CreateGuard{Revision: revisionOf(ctx, t, st, "p") + 1})
	require.ErrorIs(t, err, storage.ErrPlanChanged, "under another revision")
	_, err = fc.CreateFinished(ctx, tick("e", 0), nil, storage.CreateGuard{})
	require.ErrorIs(t, err, storage.ErrConflict, "unguarded")
	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Equal(t, record.StatusRunning, got.Status, "the row stored is left as it was")
}

// createFinishedBadInput: bad input is an error and stores nothing.
func (s suite) createFinishedBadInput(t *testing.T) {
	ctx, st, fc := s.finishedCreator(t)
	_, err := fc.CreateFinished(ctx, nil, nil, storage.CreateGuard{})
	require.Error(t, err, "nil execution")
	running := tick("r", 0)
	running.Status, running.FinishedAt = record.StatusRunning, time.Time{}
	_, err = fc.CreateFinished(ctx, running, nil, storage.CreateGuard{})
	require.Error(t, err, "not final")
	for name, steps := range map[string][]*record.StepResult{
		"a nil step":     {nil},
		"a negative one": {{Index: -1}},
		"two of index 0": {{Index: 0}, {Index: 0, Name: "again"}},
	} {
		_, err = fc.CreateFinished(ctx, tick("e", 0), steps, storage.CreateGuard{})
		require.Error(t, err, name)
		_, err = st.GetExecution(ctx, "e")
		require.ErrorIs(t, err, storage.ErrNotFound, name+": nothing stored")
	}
	_, err = fc.CreateFinished(ctx, tick("e", 0), []*record.StepResult{{Index: 0}, {Index: 0}}, storage.CreateGuard{})
	require.ErrorIs(t, err, storage.ErrConflict, "two of one index")
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Zero(t, n)
	}
}
