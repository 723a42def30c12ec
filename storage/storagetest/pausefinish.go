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

func (s suite) pauseFinishScenarios() []scenario {
	return []scenario{
		{"Paused", s.finishPaused},
		{"PauseEndedBeforeTheFinish", s.finishAfterPause},
		{"NoPause", s.finishUnpaused},
		{"OtherPlansPause", s.finishOtherPlanPaused},
		{"PlanDeleted", s.finishPlanDeleted},
		{"NoFinishTime", s.finishPausedNow},
		{"PauseText", s.pauseText},
	}
}

// pauseFinisher returns the store as a PauseFinisher, with plans p and q
// and p's execution e stored running with step 0; a store that is not
// one skips the scenario, saying so.
func (s suite) pauseFinisher(t *testing.T) (context.Context, storage.Store, storage.PauseFinisher, *record.Execution) {
	t.Helper()
	ctx, st := s.store(t)
	pf := optional[storage.PauseFinisher](t, st)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	e := newExecution("e", "p", at(0), record.StatusRunning, 0)
	create(ctx, t, st, e)
	require.NoError(t, st.AppendStep(ctx, "e", &record.StepResult{Index: 0, Name: "first", OK: true}))
	return ctx, st, pf, e
}

// finishWithPause finishes done with steps through pf, requires the
// Maintenance it returns and the one stored to be want, and that done
// was not modified.
func finishWithPause(ctx context.Context, t *testing.T, st storage.Store, pf storage.PauseFinisher, done *record.Execution, want string, steps ...*record.StepResult) {
	t.Helper()
	asked := done.Maintenance
	got, err := pf.FinishWithPause(ctx, done, steps)
	require.NoError(t, err)
	require.Equal(t, want, got, "the Maintenance FinishWithPause returns")
	require.Equal(t, asked, done.Maintenance, "the execution passed is not modified")
	stored, err := st.GetExecution(ctx, done.ID)
	require.NoError(t, err)
	require.Equal(t, want, stored.Maintenance, "the Maintenance stored")
	require.Equal(t, done.Status, stored.Status)
}

// uptimeTotal returns how many executions the rollups count, -1 when the
// store keeps none.
func uptimeTotal(ctx context.Context, t *testing.T, st storage.Store) int {
	t.Helper()
	us, ok := st.(storage.UptimeStore)
	if !ok {
		return -1
	}
	days, err := us.DailyUptime(ctx, nil)
	require.NoError(t, err)
	n := 0
	for _, d := range days {
		n += d.Total()
	}
	return n
}

// finishPaused: a finish before the plan's pause ends is stored with the
// pause's Maintenance, whatever the caller's, with its steps, and is left
// out of the rollups.
func (s suite) finishPaused(t *testing.T) {
	ctx, st, pf, e := s.pauseFinisher(t)
	require.NoError(t, pf.PausePlan(ctx, "p", at(60)))
	done := finished(e)
	done.Maintenance = "backup"
	want := "paused until 2026-03-14T16:09:26Z"
	require.Equal(t, want, storage.PauseMaintenance(at(60)))
	last := fullStep(1)
	finishWithPause(ctx, t, st, pf, done, want, last)

	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	done.Maintenance = want
	done.Steps = []record.StepResult{{Index: 0, Name: "first", OK: true}, *last}
	requireExecution(t, done, got)
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Zero(t, n, "an execution in maintenance is not counted")
	}
}

// finishAfterPause: a pause that ended at the finish or before it leaves
// the caller's Maintenance; one that ends a microsecond after it holds.
func (s suite) finishAfterPause(t *testing.T) {
	ctx, st, pf, e := s.pauseFinisher(t)
	done := finished(e)
	for i, c := range []struct {
		until  time.Time
		asked  string
		paused bool
	}{
		{done.FinishedAt, "", false},
		{done.FinishedAt, "backup", false},
		{done.FinishedAt.Add(-time.Minute), "backup", false},
		{done.FinishedAt.Add(time.Microsecond), "backup", true},
	} {
		x := newExecution(fmt.Sprintf("e%d", i), "p", at(0), record.StatusRunning, 0)
		create(ctx, t, st, x)
		require.NoError(t, pf.PausePlan(ctx, "p", c.until))
		d := finished(x)
		d.Maintenance = c.asked
		want := c.asked
		if c.paused {
			want = storage.PauseMaintenance(c.until)
		}
		finishWithPause(ctx, t, st, pf, d, want)
	}
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Equal(t, 1, n, "the execution in no maintenance is counted, the others not")
	}
}

// finishUnpaused: with no pause, the caller's Maintenance is stored.
func (s suite) finishUnpaused(t *testing.T) {
	ctx, st, pf, e := s.pauseFinisher(t)
	finishWithPause(ctx, t, st, pf, finished(e), "", fullStep(1))
	if n := uptimeTotal(ctx, t, st); n >= 0 {
		require.Equal(t, 1, n, "counted once")
	}
	x := newExecution("x", "p", at(1), record.StatusRunning, 0)
	create(ctx, t, st, x)
	d := finished(x)
	d.Maintenance = "backup"
	finishWithPause(ctx, t, st, pf, d, "backup")

	require.NoError(t, pf.PausePlan(ctx, "p", at(60)))
	require.NoError(t, pf.PausePlan(ctx, "p", time.Time{}))
	y := newExecution("y", "p", at(2), record.StatusRunning, 0)
	create(ctx, t, st, y)
	finishWithPause(ctx, t, st, pf, finished(y), "")
}

// finishOtherPlanPaused: a pause is its plan's alone.
func (s suite) finishOtherPlanPaused(t *testing.T) {
	ctx, st, pf, e := s.pauseFinisher(t)
	require.NoError(t, pf.PausePlan(ctx, "q", at(60)))
	finishWithPause(ctx, t, st, pf, finished(e), "")
}

// finishPlanDeleted: an execution goes with its plan, its pause too.
func (s suite) finishPlanDeleted(t *testing.T) {
	ctx, st, pf, e := s.pauseFinisher(t)
	require.NoError(t, pf.PausePlan(ctx, "p", at(60)))
	require.NoError(t, st.DeletePlan(ctx, "p"))
	got, err := pf.FinishWithPause(ctx, finished(e), []*record.StepResult{{Index: 1}})
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.Empty(t, got)
	_, err = pf.FinishWithPause(ctx, finished(e), nil)
	require.ErrorIs(t, err, storage.ErrNotFound)
}

// finishPausedNow: an execution with no finish time is compared by the
// store's current time.
func (s suite) finishPausedNow(t *testing.T) {
	ctx, st, pf, e := s.pauseFinisher(t)
	done := finished(e)
	done.FinishedAt = time.Time{}
	require.NoError(t, pf.PausePlan(ctx, "p", time.Now().Add(-time.Hour)))
	finishWithPause(ctx, t, st, pf, done, "")
	until := time.Now().Add(time.Hour)
	require.NoError(t, pf.PausePlan(ctx, "p", until))
	finishWithPause(ctx, t, st, pf, done, storage.PauseMaintenance(until))
}

// pauseText: the Maintenance a store writes is storage.PauseMaintenance
// of the pause, in UTC to the second whatever the pause's location and
// fraction of a second (left out, not rounded).
func (s suite) pauseText(t *testing.T) {
	ctx, st, pf, _ := s.pauseFinisher(t)
	for i, until := range []time.Time{
		time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2030, time.January, 2, 3, 4, 5, 999999999, time.UTC),
		time.Date(2030, time.December, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2031, time.January, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(2030, time.June, 30, 1, 2, 3, 500000000, time.FixedZone("+05:30", 5*3600+1800)),
		time.Date(2030, time.June, 30, 23, 2, 3, 123456000, time.FixedZone("-07:00", -7*3600)),
	} {
		x := newExecution(fmt.Sprintf("x%d", i), "p", at(i), record.StatusRunning, 0)
		create(ctx, t, st, x)
		require.NoError(t, pf.PausePlan(ctx, "p", until))
		finishWithPause(ctx, t, st, pf, finished(x), storage.PauseMaintenance(until))
	}
	require.Equal(t, "paused until 2030-01-02T03:04:05Z", storage.PauseMaintenance(time.Date(2030, time.January, 2, 3, 4, 5, 999999999, time.UTC)))
	require.Equal(t, "paused until 2029-12-31T23:59:59Z", storage.PauseMaintenance(time.Date(2030, time.January, 1, 5, 29, 59, 900000000, time.FixedZone("+05:30", 5*3600+1800))))
}

// pauseSeenByOther: a pause set through one instance holds for a finish
// written through another.
func pauseSeenByOther(t *testing.T, a, b storage.Store) {
	ctx := t.Context()
	pa := optional[storage.PauseFinisher](t, a)
	pb := optional[storage.PauseFinisher](t, b)
	savePlan(ctx, t, a, "p", nil)
	e := newExecution("e", "p", at(0), record.StatusRunning, 0)
	create(ctx, t, a, e)
	require.NoError(t, pa.PausePlan(ctx, "p", at(60)))
	finishWithPause(ctx, t, b, pb, finished(e), storage.PauseMaintenance(at(60)))
}
