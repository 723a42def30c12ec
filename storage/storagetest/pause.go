package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/storage"
)

func (s suite) pauseScenarios() []scenario {
	return []scenario{
		{"PauseAndResume", s.pauseAndResume},
		{"UnknownPlan", s.pauseUnknownPlan},
		{"KeptBySavePlanDeletedWithPlan", s.pauseOutlivesSave},
	}
}

// pauses returns the store as a PauseStore; a store that is not one skips
// the scenarios, saying so.
func (s suite) pauses(t *testing.T) (context.Context, storage.Store, storage.PauseStore) {
	t.Helper()
	ctx, st := s.store(t)
	return ctx, st, optional[storage.PauseStore](t, st)
}

func (s suite) pauseAndResume(t *testing.T) {
	ctx, st, ps := s.pauses(t)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	until, err := ps.PlanPause(ctx, "p")
	require.NoError(t, err)
	require.True(t, until.IsZero(), "a plan never paused has no pause, got %s", until)

	require.NoError(t, ps.PausePlan(ctx, "p", at(60)))
	until, err = ps.PlanPause(ctx, "p")
	require.NoError(t, err)
	require.True(t, until.Equal(at(60)), "got %s, want %s", until, at(60))
	until, err = ps.PlanPause(ctx, "q")
	require.NoError(t, err)
	require.True(t, until.IsZero(), "a pause is one plan's")

	all, err := ps.PlanPauses(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1, "only paused plans: %v", all)
	require.True(t, all["p"].Equal(at(60)), "got %s", all["p"])

	require.NoError(t, ps.PausePlan(ctx, "p", at(30)), "a pause replaces the last, shorter or not")
	until, err = ps.PlanPause(ctx, "p")
	require.NoError(t, err)
	require.True(t, until.Equal(at(30)), "got %s, want %s", until, at(30))

	require.NoError(t, ps.PausePlan(ctx, "p", time.Time{}))
	until, err = ps.PlanPause(ctx, "p")
	require.NoError(t, err)
	require.True(t, until.IsZero(), "a zero until ends the pause, got %s", until)
	all, err = ps.PlanPauses(ctx)
	require.NoError(t, err)
	require.Empty(t, all, "a resumed plan is not listed")
	require.NoError(t, ps.PausePlan(ctx, "p", time.Time{}), "ending no pause is no error")
}

func (s suite) pauseUnknownPlan(t *testing.T) {
	ctx, _, ps := s.pauses(t)
	require.ErrorIs(t, ps.PausePlan(ctx, "nope", at(60)), storage.ErrNotFound)
	require.ErrorIs(t, ps.PausePlan(ctx, "nope", time.Time{}), storage.ErrNotFound)
	_, err := ps.PlanPause(ctx, "nope")
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func (s suite) pauseOutlivesSave(t *testing.T) {
	ctx, st, ps := s.pauses(t)
	p := savePlan(ctx, t, st, "p", nil)
	require.NoError(t, ps.PausePlan(ctx, "p", at(60)))
	p.Name = "renamed"
	require.NoError(t, st.SavePlan(ctx, p))
	until, err := ps.PlanPause(ctx, "p")
	require.NoError(t, err)
	require.True(t, until.Equal(at(60)), "SavePlan keeps the pause, got %s", until)

	require.NoError(t, st.DeletePlan(ctx, "p"))
	savePlan(ctx, t, st, "p", nil)
	until, err = ps.PlanPause(ctx, "p")
	require.NoError(t, err)
	require.True(t, until.IsZero(), "DeletePlan deletes the pause, got %s", until)
}
