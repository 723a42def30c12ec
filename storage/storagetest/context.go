package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) contextScenarios() []scenario {
	return []scenario{
		{"CanceledBeforeCall", s.contextCanceled},
	}
}

func (s suite) contextCanceled(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, newExecution("e", "p", at(0), record.StatusRunning, 0))
	canceled, cancel := context.WithCancel(ctx)
	cancel()

	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"SavePlan", func(ctx context.Context) error {
			return st.SavePlan(ctx, &storage.Plan{ID: "q"})
		}},
		{"GetPlan", func(ctx context.Context) error {
			_, err := st.GetPlan(ctx, "p")
			return err
		}},
		{"ListPlans", func(ctx context.Context) error {
			_, err := st.ListPlans(ctx, nil)
			return err
		}},
		{"DeletePlan", func(ctx context.Context) error {
			return st.DeletePlan(ctx, "p")
		}},
		{"CreateExecution", func(ctx context.Context) error {
			return st.CreateExecution(ctx, newExecution("f", "p", at(1), record.StatusCreated, 0))
		}},
		{"UpdateExecution", func(ctx context.Context) error {
			return st.UpdateExecution(ctx, newExecution("e", "p", at(0), record.StatusPassed, time.Second))
		}},
		{"AppendStep", func(ctx context.Context) error {
			return st.AppendStep(ctx, "e", &record.StepResult{Index: 0})
		}},
		{"GetExecution", func(ctx context.Context) error {
			_, err := st.GetExecution(ctx, "e")
			return err
		}},
		{"ListExecutions", func(ctx context.Context) error {
			_, err := st.ListExecutions(ctx, nil)
			return err
		}},
		{"Summaries", func(ctx context.Context) error {
			_, err := st.Summaries(ctx, nil)
			return err
		}},
		{"Prune", func(ctx context.Context) error {
			_, err := st.Prune(ctx, &storage.PruneParams{KeepLast: 1})
			return err
		}},
	}
	as, isAlerts := st.(storage.AlertStore)
	if isAlerts {
		calls = append(calls, []struct {
			name string
			call func(ctx context.Context) error
		}{
			{"GetAlertState", func(ctx context.Context) error {
				_, err := as.GetAlertState(ctx, "p")
				return err
			}},
			{"SaveAlertState", func(ctx context.Context) error {
				return as.SaveAlertState(ctx, &storage.AlertState{PlanID: "p", ConsecutiveFailures: 5})
			}},
		}...)
	}
	for _, c := range calls {
		require.ErrorIs(t, c.call(canceled), context.Canceled, c.name)
	}

	// Nothing was written.
	_, err := st.GetPlan(ctx, "q")
	require.ErrorIs(t, err, storage.ErrNotFound)
	e, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Equal(t, record.StatusRunning, e.Status)
	require.Empty(t, e.Steps)
	_, err = st.GetExecution(ctx, "f")
	require.ErrorIs(t, err, storage.ErrNotFound)
	if isAlerts {
		a, err := as.GetAlertState(ctx, "p")
		require.NoError(t, err)
		require.Zero(t, a.ConsecutiveFailures)
	}
}
