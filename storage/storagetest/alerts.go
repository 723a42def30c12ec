package storagetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) alertScenarios() []scenario {
	return []scenario{
		{"ZeroForNewPlan", s.alertZero},
		{"SaveReplacesAndGetReturns", s.alertSave},
		{"NotFoundPlan", s.alertNotFound},
		{"RejectsBadInput", s.alertBadInput},
	}
}

// normAlert returns a copy of a with times in UTC.
func normAlert(a *storage.AlertState) *storage.AlertState {
	c := *a
	c.LastAlertedAt = normTime(a.LastAlertedAt)
	c.UpdatedAt = normTime(a.UpdatedAt)
	return &c
}

func (s suite) alertZero(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	got, err := st.GetAlertState(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, &storage.AlertState{PlanID: "p"}, normAlert(got))
}

func (s suite) alertSave(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	states := []*storage.AlertState{
		{PlanID: "p", ConsecutiveFailures: 1, LastStatus: record.StatusFailed, UpdatedAt: at(1)},
		{PlanID: "p", ConsecutiveFailures: 3, LastStatus: record.StatusFailed, LastAlertedStatus: record.StatusFailed, LastAlertedAt: at(3), UpdatedAt: at(3)},
		{PlanID: "p", ConsecutiveFailures: 0, LastStatus: record.StatusPassed, LastAlertedStatus: record.StatusPassed, LastAlertedAt: at(4), UpdatedAt: at(4)},
		{PlanID: "p", LastStatus: record.StatusPassed, UpdatedAt: at(5)},
	}
	for i, want := range states {
		require.NoError(t, st.SaveAlertState(ctx, want), "save %d", i)
		got, err := st.GetAlertState(ctx, "p")
		require.NoError(t, err)
		require.Equal(t, want, normAlert(got), "state %d replaces the previous one", i)
	}
	q, err := st.GetAlertState(ctx, "q")
	require.NoError(t, err)
	require.Equal(t, &storage.AlertState{PlanID: "q"}, normAlert(q), "states are per plan")

	// Copies in and out.
	in := &storage.AlertState{PlanID: "q", ConsecutiveFailures: 2}
	require.NoError(t, st.SaveAlertState(ctx, in))
	in.ConsecutiveFailures = 99
	out, err := st.GetAlertState(ctx, "q")
	require.NoError(t, err)
	out.ConsecutiveFailures = 98
	again, err := st.GetAlertState(ctx, "q")
	require.NoError(t, err)
	require.Equal(t, 2, again.ConsecutiveFailures)
}

func (s suite) alertNotFound(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	_, err := st.GetAlertState(ctx, "absent")
	require.ErrorIs(t, err, storage.ErrNotFound)
	err = st.SaveAlertState(ctx, &storage.AlertState{PlanID: "absent", ConsecutiveFailures: 1})
	require.ErrorIs(t, err, storage.ErrNotFound)
	savePlan(ctx, t, st, "absent", nil)
	got, err := st.GetAlertState(ctx, "absent")
	require.NoError(t, err)
	require.Zero(t, got.ConsecutiveFailures, "a rejected save leaves nothing behind")
}

func (s suite) alertBadInput(t *testing.T) {
	ctx, st := s.store(t)
	require.Error(t, st.SaveAlertState(ctx, nil))
}
