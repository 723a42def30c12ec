package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) revisionScenarios() []scenario {
	return []scenario{
		{"NewOnChangeKeptOnSameSave", s.revisionOnSave},
		{"NeverGivenTwiceToOneID", s.revisionAfterDelete},
		{"CreateIfRevision", s.revisionCreate},
		{"CreateIfRevisionConflictsAsCreate", s.revisionConflicts},
		{"CreateIfRevisionFinished", s.revisionCreateFinished},
		{"ExclusiveIfRevision", s.revisionExclusive},
		{"ExclusiveIfRevisionOneOfManyRacersWins", s.revisionRace},
	}
}

// revisionCreator returns the store as a RevisionCreator; a store that is
// not one skips the scenario, saying so.
func (s suite) revisionCreator(t *testing.T) (context.Context, storage.Store, storage.RevisionCreator) {
	t.Helper()
	ctx, st := s.store(t)
	return ctx, st, optional[storage.RevisionCreator](t, st)
}

// revisionOf returns the stored revision of the plan id.
func revisionOf(ctx context.Context, t *testing.T, st storage.Store, id string) int64 {
	t.Helper()
	p, err := st.GetPlan(ctx, id)
	require.NoError(t, err)
	require.Positive(t, p.Revision, "plan %s's revision", id)
	return p.Revision
}

// revisionOnSave: a save that changes any field of the plan gives it a
// new revision; a save of the same plan again keeps it. ListPlans tells
// the revision GetPlan does.
func (s suite) revisionOnSave(t *testing.T) {
	ctx, st, _ := s.revisionCreator(t)
	p := &storage.Plan{
		ID: "p", Name: "P", Description: "checks p", Schedule: "@every 1m",
		Labels: map[string]string{"team": "shop"}, Source: []byte("name: P\n"), Files: map[string][]byte{"a.json": []byte("{}")},
	}
	require.NoError(t, st.SavePlan(ctx, p))
	rev := revisionOf(ctx, t, st, "p")
	require.NoError(t, st.SavePlan(ctx, p))
	require.Equal(t, rev, revisionOf(ctx, t, st, "p"), "saved again unchanged")
	list, err := st.ListPlans(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, rev, list[0].Revision, "ListPlans")

	seen := map[int64]string{rev: "first save"}
	for _, change := range []struct {
		name string
		edit func(p *storage.Plan)
	}{
		{"Name", func(p *storage.Plan) { p.Name = "P2" }},
		{"Description", func(p *storage.Plan) { p.Description = "" }},
		{"Schedule", func(p *storage.Plan) { p.Schedule = "@every 2m" }},
		{"Labels", func(p *storage.Plan) { p.Labels = map[string]string{"team": "id"} }},
		{"Source", func(p *storage.Plan) { p.Source = []byte("name: P2\n") }},
		{"Files", func(p *storage.Plan) { p.Files = map[string][]byte{"a.json": []byte("[]")} }},
		{"Files removed", func(p *storage.Plan) { p.Files = nil }},
	} {
		change.edit(p)
		require.NoError(t, st.SavePlan(ctx, p))
		got := revisionOf(ctx, t, st, "p")
		_, again := seen[got]
		require.False(t, again, "a change of %s gives a new revision; got %d, that of %s", change.name, got, seen[got])
		seen[got] = change.name
		p.Revision = got + 100 // ignored
		require.NoError(t, st.SavePlan(ctx, p))
		require.Equal(t, got, revisionOf(ctx, t, st, "p"), "%s saved again unchanged", change.name)
	}
}

// revisionAfterDelete: a plan deleted and saved again, the same, does not
// get the revision it had, which a holder of the old plan would take for
// the plan it holds.
func (s suite) revisionAfterDelete(t *testing.T) {
	ctx, st, _ := s.revisionCreator(t)
	savePlan(ctx, t, st, "p", nil)
	rev := revisionOf(ctx, t, st, "p")
	require.NoError(t, st.DeletePlan(ctx, "p"))
	savePlan(ctx, t, st, "p", nil)
	require.NotEqual(t, rev, revisionOf(ctx, t, st, "p"))
}

func (s suite) revisionCreate(t *testing.T) {
	ctx, st, rc := s.revisionCreator(t)
	savePlan(ctx, t, st, "p", nil)
	rev := revisionOf(ctx, t, st, "p")

	x := newExecution("e-1", "p", at(1), record.StatusRunning, 0)
	x.ScheduledAt = at(1)
	require.NoError(t, rc.CreateExecutionIfRevision(ctx, x, rev))
	got, err := st.GetExecution(ctx, "e-1")
	require.NoError(t, err)
	requireExecution(t, x, got)
	require.NoError(t, rc.CreateExecutionIfRevision(ctx, newExecution("e-2", "p", at(2), record.StatusCreated, 0), rev),
		"not exclusive: one in flight does not hold it back")

	changed := savePlan(ctx, t, st, "p", nil)
	changed.Source = []byte("name: changed\n")
	require.NoError(t, st.SavePlan(ctx, changed))
	err = rc.CreateExecutionIfRevision(ctx, newExecution("e-3", "p", at(3), record.StatusCreated, 0), rev)
	require.ErrorIs(t, err, storage.ErrPlanChanged)
	_, err = st.GetExecution(ctx, "e-3")
	require.ErrorIs(t, err, storage.ErrNotFound, "nothing stored for a plan changed")
	require.NoError(t, rc.CreateExecutionIfRevision(ctx, newExecution("e-3", "p", at(3), record.StatusCreated, 0), revisionOf(ctx, t, st, "p")),
		"with the plan's new revision")

	err = rc.CreateExecutionIfRevision(ctx, newExecution("a-1", "absent", at(1), record.StatusCreated, 0), rev)
	require.ErrorIs(t, err, storage.ErrNotFound, "an unknown plan")
	last := revisionOf(ctx, t, st, "p")
	require.NoError(t, st.DeletePlan(ctx, "p"))
	err = rc.CreateExecutionIfRevision(ctx, newExecution("e-4", "p", at(4), record.StatusCreated, 0), last)
	require.ErrorIs(t, err, storage.ErrNotFound, "a plan deleted")
	require.Error(t, rc.CreateExecutionIfRevision(ctx, nil, last), "nil execution")
}

// revisionConflicts: with the plan's revision, the guarded create fails
// as CreateExecution does; with another, ErrPlanChanged comes first.
func (s suite) revisionConflicts(t *testing.T) {
	ctx, st, rc := s.revisionCreator(t)
	savePlan(ctx, t, st, "p", nil)
	rev := revisionOf(ctx, t, st, "p")
	x := newExecution("e-1", "p", at(1), record.StatusCreated, 0)
	x.ScheduledAt = at(1)
	require.NoError(t, rc.CreateExecutionIfRevision(ctx, x, rev))
	require.ErrorIs(t, rc.CreateExecutionIfRevision(ctx, x, rev), storage.ErrConflict, "a duplicate ID")
	y := newExecution("e-2", "p", at(2), record.StatusCreated, 0)
	y.ScheduledAt = at(1)
	require.ErrorIs(t, rc.CreateExecutionIfRevision(ctx, y, rev), storage.ErrConflict, "a due time run already")
	require.ErrorIs(t, rc.CreateExecutionExclusiveIfRevision(ctx, y, rev, at(0)), storage.ErrBusy, "exclusive: busy")

	p := savePlan(ctx, t, st, "p", nil)
	p.Name = "renamed"
	require.NoError(t, st.SavePlan(ctx, p))
	require.ErrorIs(t, rc.CreateExecutionIfRevision(ctx, x, rev), storage.ErrPlanChanged, "changed, whatever else")
	require.ErrorIs(t, rc.CreateExecutionExclusiveIfRevision(ctx, y, rev, at(0)), storage.ErrPlanChanged, "changed, whatever else")
}

// revisionCreateFinished: an execution created finished under its plan's
// revision, as the engine stores a tick too late to start (canceled,
// stop reason skipped, an error of kind late, in maintenance), reads back
// as it went in; it holds its plan busy for no exclusive create, and its
// due time for no other execution, as the plan's tick.
func (s suite) revisionCreateFinished(t *testing.T) {
	ctx, st, rc := s.revisionCreator(t)
	savePlan(ctx, t, st, "p", nil)
	rev := revisionOf(ctx, t, st, "p")
	x := newExecution("late", "p", at(2), record.StatusCanceled, 0)
	x.ScheduledAt = at(1)
	x.StopReason = record.StopSkipped
	x.Error = &record.StepError{Kind: record.ErrLate, Message: "the tick came a minute late"}
	x.Maintenance = storage.PauseMaintenance(at(3))
	require.NoError(t, rc.CreateExecutionIfRevision(ctx, x, rev))
	got, err := st.GetExecution(ctx, "late")
	require.NoError(t, err)
	requireExecution(t, x, got)
	require.False(t, got.FinishedAt.IsZero())

	next := newExecution("next", "p", at(2), record.StatusCreated, 0)
	next.ScheduledAt = at(2)
	require.NoError(t, rc.CreateExecutionExclusiveIfRevision(ctx, next, rev, at(0)), "a finished execution holds no plan busy")
	again := newExecution("again", "p", at(2), record.StatusCanceled, 0)
	again.ScheduledAt = at(1)
	require.ErrorIs(t, rc.CreateExecutionIfRevision(ctx, again, rev), storage.ErrConflict, "a due time that has its execution")
}

// revisionExclusive: the exclusive create guarded by a revision holds a
// plan busy as CreateExecutionExclusive does, in each location, from
// since on.
func (s suite) revisionExclusive(t *testing.T) {
	ctx, st, rc := s.revisionCreator(t)
	savePlan(ctx, t, st, "p", nil)
	rev := revisionOf(ctx, t, st, "p")
	create(ctx, t, st, newExecution("dead", "p", at(0), record.StatusRunning, 0))
	require.NoError(t, rc.CreateExecutionExclusiveIfRevision(ctx, newExecution("e-1", "p", at(2), record.StatusCreated, 0), rev, at(1)),
		"an execution in flight from before since does not count")
	err := rc.CreateExecutionExclusiveIfRevision(ctx, newExecution("e-2", "p", at(3), record.StatusCreated, 0), rev, at(1))
	require.ErrorIs(t, err, storage.ErrBusy, "created counts as in flight")
	_, err = st.GetExecution(ctx, "e-2")
	require.ErrorIs(t, err, storage.ErrNotFound, "a busy create stores nothing")
	other := newExecution("e-3", "p", at(3), record.StatusCreated, 0)
	other.Location = "us-east"
	require.NoError(t, rc.CreateExecutionExclusiveIfRevision(ctx, other, rev, at(1)), "another location")
	require.NoError(t, st.UpdateExecution(ctx, newExecution("e-1", "p", at(2), record.StatusPassed, time.Second)))
	require.NoError(t, rc.CreateExecutionExclusiveIfRevision(ctx, newExecution("e-4", "p", at(4), record.StatusRunning, 0), rev, at(1)),
		"once it is finished")

	require.NoError(t, st.DeletePlan(ctx, "p"))
	err = rc.CreateExecutionExclusiveIfRevision(ctx, newExecution("e-5", "p", at(5), record.StatusCreated, 0), rev, at(1))
	require.ErrorIs(t, err, storage.ErrNotFound, "a plan deleted")
}

// revisionRace: of many processes holding the plan's revision and asking
// at once to run it, one creates its execution and every other is told
// the plan is busy.
func (s suite) revisionRace(t *testing.T) {
	ctx, st, rc := s.revisionCreator(t)
	savePlan(ctx, t, st, "p", nil)
	rev := revisionOf(ctx, t, st, "p")
	raceCreates(t, func(i int) error {
		return rc.CreateExecutionExclusiveIfRevision(ctx, newExecution(fmt.Sprintf("e-%02d", i), "p", at(1), record.StatusCreated, 0), rev, at(0))
	})
}

// revisionShared: a plan changed through one instance is seen changed by
// the guarded create of the other, which holds the revision it read
// before; deleted, it is not found.
func revisionShared(t *testing.T, a, b storage.Store) {
	ctx := t.Context()
	rc := optional[storage.RevisionCreator](t, a)
	savePlan(ctx, t, b, "p", nil)
	rev := revisionOf(ctx, t, a, "p")
	require.NoError(t, rc.CreateExecutionExclusiveIfRevision(ctx, newExecution("e-1", "p", at(1), record.StatusPassed, time.Second), rev, at(0)))
	p := savePlan(ctx, t, b, "p", nil)
	p.Source = []byte("name: changed\n")
	require.NoError(t, b.SavePlan(ctx, p))
	err := rc.CreateExecutionExclusiveIfRevision(ctx, newExecution("e-2", "p", at(2), record.StatusCreated, 0), rev, at(0))
	require.ErrorIs(t, err, storage.ErrPlanChanged)
	rev = revisionOf(ctx, t, a, "p")
	require.NoError(t, rc.CreateExecutionExclusiveIfRevision(ctx, newExecution("e-2", "p", at(2), record.StatusPassed, time.Second), rev, at(0)))
	require.NoError(t, b.DeletePlan(ctx, "p"))
	err = rc.CreateExecutionExclusiveIfRevision(ctx, newExecution("e-3", "p", at(3), record.StatusCreated, 0), rev, at(0))
	require.ErrorIs(t, err, storage.ErrNotFound)
}
