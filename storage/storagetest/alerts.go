package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) alertScenarios() []scenario {
	return []scenario{
		{"ZeroForNewPlan", s.alertZero},
		{"SaveReplacesAndGetReturns", s.alertSave},
		{"StaleVersionConflicts", s.alertStale},
		{"NotFoundPlan", s.alertNotFound},
		{"RejectsBadInput", s.alertBadInput},
		{"DeletedWithPlan", s.alertDeletedWithPlan},
		{"ConcurrentTransitionOnce", s.alertConcurrent},
		{"DependenciesAndFlakinessKept", s.alertDependencyFields},
		{"DependentsByStoredState", s.alertDependents},
	}
}

// alerts returns the store as an AlertStore; a store that is not one skips
// the alert scenarios, saying so.
func (s suite) alerts(t *testing.T) (context.Context, storage.Store, storage.AlertStore) {
	t.Helper()
	ctx, st := s.store(t)
	return ctx, st, optional[storage.AlertStore](t, st)
}

// normAlert returns a copy of a with times in UTC.
func normAlert(a *storage.AlertState) *storage.AlertState {
	c := *a
	c.FailingSince = normTime(a.FailingSince)
	c.LastAlertedAt = normTime(a.LastAlertedAt)
	c.UpdatedAt = normTime(a.UpdatedAt)
	return &c
}

func (s suite) alertZero(t *testing.T) {
	ctx, st, as := s.alerts(t)
	savePlan(ctx, t, st, "p", nil)
	got, err := as.GetAlertState(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, &storage.AlertState{PlanID: "p"}, normAlert(got))
}

func (s suite) alertSave(t *testing.T) {
	ctx, st, as := s.alerts(t)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	states := []*storage.AlertState{
		{PlanID: "p", ConsecutiveFailures: 1, LastStatus: record.StatusFailed, LastExecutionID: "e1", UpdatedAt: at(1)},
		{PlanID: "p", ConsecutiveFailures: 3, Failing: true, FailingSince: at(3), LastStatus: record.StatusFailed, LastAlertedAt: at(3), LastExecutionID: "e3", UpdatedAt: at(3)},
		{PlanID: "p", ConsecutivePasses: 1, LastStatus: record.StatusPassed, LastAlertedAt: at(4), LastExecutionID: "e4", UpdatedAt: at(4)},
		{PlanID: "p", ConsecutivePasses: 2, LastStatus: record.StatusPassed, UpdatedAt: at(5)},
	}
	for i, want := range states {
		want.Version = int64(i)
		require.NoError(t, as.SaveAlertState(ctx, want), "save %d", i)
		require.Equal(t, int64(i), want.Version, "the state saved is not modified")
		got, err := as.GetAlertState(ctx, "p")
		require.NoError(t, err)
		w := *want
		w.Version = int64(i + 1)
		require.Equal(t, &w, normAlert(got), "state %d replaces the previous one, one version up", i)
	}
	q, err := as.GetAlertState(ctx, "q")
	require.NoError(t, err)
	require.Equal(t, &storage.AlertState{PlanID: "q"}, normAlert(q), "states are per plan")

	// Copies in and out.
	in := &storage.AlertState{PlanID: "q", ConsecutiveFailures: 2}
	require.NoError(t, as.SaveAlertState(ctx, in))
	in.ConsecutiveFailures = 99
	out, err := as.GetAlertState(ctx, "q")
	require.NoError(t, err)
	out.ConsecutiveFailures = 98
	again, err := as.GetAlertState(ctx, "q")
	require.NoError(t, err)
	require.Equal(t, 2, again.ConsecutiveFailures)
}

// alertDependencyFields checks that the fields of dependencies, of
// flakiness and of locations are saved and read back, copied in and out.
func (s suite) alertDependencyFields(t *testing.T) {
	ctx, st, as := s.alerts(t)
	savePlan(ctx, t, st, "checkout", nil)
	in := &storage.AlertState{PlanID: "checkout", ConsecutiveFailures: 1, Failing: true, FailingSince: at(1),
		LastStatus: record.StatusFailed, UpdatedAt: at(1), DependsOn: []string{"gateway", "auth"}, Held: true,
		RecentFlaky: []bool{true, false, false, true}, FlakyAlerted: true,
		FailingLocations: []string{"eu-west"}, PassingLocations: []string{"us-east", "ap-south"}}
	require.NoError(t, as.SaveAlertState(ctx, in))
	in.DependsOn[0], in.RecentFlaky[0] = "changed", false
	got, err := as.GetAlertState(ctx, "checkout")
	require.NoError(t, err)
	want := &storage.AlertState{PlanID: "checkout", Version: 1, ConsecutiveFailures: 1, Failing: true, FailingSince: at(1),
		LastStatus: record.StatusFailed, UpdatedAt: at(1), DependsOn: []string{"gateway", "auth"}, Held: true,
		RecentFlaky: []bool{true, false, false, true}, FlakyAlerted: true,
		FailingLocations: []string{"eu-west"}, PassingLocations: []string{"us-east", "ap-south"}}
	require.Equal(t, want, normAlert(got), "the state saved, not the caller's slices changed after")
	got.DependsOn[0] = "changed"
	again, err := as.GetAlertState(ctx, "checkout")
	require.NoError(t, err)
	require.Equal(t, []string{"gateway", "auth"}, again.DependsOn, "the caller's copy is its own")

	next := *again
	next.DependsOn, next.RecentFlaky, next.Held, next.FlakyAlerted = nil, nil, false, false
	require.NoError(t, as.SaveAlertState(ctx, &next))
	cleared, err := as.GetAlertState(ctx, "checkout")
	require.NoError(t, err)
	require.Empty(t, cleared.DependsOn)
	require.Empty(t, cleared.RecentFlaky)
	require.False(t, cleared.Held)
	require.False(t, cleared.FlakyAlerted)
}

// alertDependents checks DependentAlertStates: the states that name a plan
// among their dependencies, by plan ID, as each replica's policy finds the
// dependents of a plan that turns failing.
func (s suite) alertDependents(t *testing.T) {
	ctx, st, as := s.alerts(t)
	ds := optional[storage.DependentAlertStore](t, st)
	for _, id := range []string{"gateway", "auth", "checkout", "search", "alone"} {
		savePlan(ctx, t, st, id, nil)
	}
	none, err := ds.DependentAlertStates(ctx, "gateway")
	require.NoError(t, err)
	require.Empty(t, none, "no state names a dependency yet")

	for _, a := range []*storage.AlertState{
		{PlanID: "search", ConsecutiveFailures: 2, Failing: true, Held: true, LastStatus: record.StatusFailed, DependsOn: []string{"gateway"}},
		{PlanID: "checkout", ConsecutiveFailures: 1, LastStatus: record.StatusFailed, DependsOn: []string{"auth", "gateway"}},
		{PlanID: "auth", ConsecutivePasses: 1, LastStatus: record.StatusPassed, DependsOn: []string{"gateway"}},
		{PlanID: "alone", ConsecutiveFailures: 1, LastStatus: record.StatusFailed},
	} {
		require.NoError(t, as.SaveAlertState(ctx, a))
	}
	got, err := ds.DependentAlertStates(ctx, "gateway")
	require.NoError(t, err)
	var ids []string
	for _, a := range got {
		ids = append(ids, a.PlanID)
	}
	require.Equal(t, []string{"auth", "checkout", "search"}, ids, "every state naming gateway, by plan ID")
	require.True(t, got[2].Held)
	require.Equal(t, 2, got[2].ConsecutiveFailures, "whole states")

	byAuth, err := ds.DependentAlertStates(ctx, "auth")
	require.NoError(t, err)
	require.Len(t, byAuth, 1)
	require.Equal(t, "checkout", byAuth[0].PlanID)

	absent, err := ds.DependentAlertStates(ctx, "absent")
	require.NoError(t, err)
	require.Empty(t, absent, "a plan that does not exist has no dependents")

	require.NoError(t, st.DeletePlan(ctx, "search"))
	got, err = ds.DependentAlertStates(ctx, "gateway")
	require.NoError(t, err)
	require.Len(t, got, 2, "a deleted plan's state is gone")
}

func (s suite) alertStale(t *testing.T) {
	ctx, st, as := s.alerts(t)
	savePlan(ctx, t, st, "p", nil)
	read, err := as.GetAlertState(ctx, "p")
	require.NoError(t, err)
	first, second := *read, *read
	first.ConsecutiveFailures, second.ConsecutiveFailures = 1, 7
	require.NoError(t, as.SaveAlertState(ctx, &first))
	require.ErrorIs(t, as.SaveAlertState(ctx, &second), storage.ErrConflict, "saved on a version that is gone")
	future := first
	future.Version = 5
	require.ErrorIs(t, as.SaveAlertState(ctx, &future), storage.ErrConflict, "saved on a version that never was")
	got, err := as.GetAlertState(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, 1, got.ConsecutiveFailures, "a conflicting save changes nothing")
	require.Equal(t, int64(1), got.Version)
}

func (s suite) alertNotFound(t *testing.T) {
	ctx, st, as := s.alerts(t)
	savePlan(ctx, t, st, "p", nil)
	_, err := as.GetAlertState(ctx, "absent")
	require.ErrorIs(t, err, storage.ErrNotFound)
	err = as.SaveAlertState(ctx, &storage.AlertState{PlanID: "absent", ConsecutiveFailures: 1})
	require.ErrorIs(t, err, storage.ErrNotFound)
	savePlan(ctx, t, st, "absent", nil)
	got, err := as.GetAlertState(ctx, "absent")
	require.NoError(t, err)
	require.Zero(t, got.ConsecutiveFailures, "a rejected save leaves nothing behind")
	require.Zero(t, got.Version)
}

func (s suite) alertBadInput(t *testing.T) {
	ctx, _, as := s.alerts(t)
	require.Error(t, as.SaveAlertState(ctx, nil))
}

func (s suite) alertDeletedWithPlan(t *testing.T) {
	ctx, st, as := s.alerts(t)
	savePlan(ctx, t, st, "gone", nil)
	savePlan(ctx, t, st, "kept", nil)
	require.NoError(t, as.SaveAlertState(ctx, &storage.AlertState{PlanID: "gone", ConsecutiveFailures: 3, Failing: true, LastStatus: record.StatusFailed}))
	require.NoError(t, as.SaveAlertState(ctx, &storage.AlertState{PlanID: "kept", ConsecutiveFailures: 1, LastStatus: record.StatusFailed}))
	require.NoError(t, st.DeletePlan(ctx, "gone"))
	_, err := as.GetAlertState(ctx, "gone")
	require.ErrorIs(t, err, storage.ErrNotFound)
	kept, err := as.GetAlertState(ctx, "kept")
	require.NoError(t, err)
	require.Equal(t, 1, kept.ConsecutiveFailures, "the other plan is untouched")

	savePlan(ctx, t, st, "gone", nil)
	again, err := as.GetAlertState(ctx, "gone")
	require.NoError(t, err)
	require.Equal(t, &storage.AlertState{PlanID: "gone"}, normAlert(again), "a plan saved again starts afresh")
	require.NoError(t, as.SaveAlertState(ctx, &storage.AlertState{PlanID: "gone", ConsecutiveFailures: 1}), "from version 0")
}

// alertConcurrent is what two replicas do when executions of one plan
// finish at once: each reads the state, decides, and saves on the version
// it read, reading again on a conflict. Of many that decide "now failing"
// on a state that is not failing, exactly one wins; the others see its
// state when they read again.
func (s suite) alertConcurrent(t *testing.T) {
	ctx, st, as := s.alerts(t)
	savePlan(ctx, t, st, "p", nil)
	const writers = 12
	var (
		wg      sync.WaitGroup
		failed  errs
		mu      sync.Mutex
		alerted []int
	)
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			<-start
			for try := 0; ; try++ {
				if try > 100 {
					failed.add(fmt.Errorf("writer %d: no save after %d tries", w, try))
					return
				}
				cur, err := as.GetAlertState(ctx, "p")
				if err != nil {
					failed.add(err)
					return
				}
				next := *cur
				next.ConsecutiveFailures++
				next.LastExecutionID = fmt.Sprintf("e%d", w)
				next.LastStatus = record.StatusFailed
				next.UpdatedAt = time.Now()
				becameFailing := !cur.Failing
				if becameFailing {
					next.Failing, next.FailingSince = true, next.UpdatedAt
				}
				err = as.SaveAlertState(ctx, &next)
				if errors.Is(err, storage.ErrConflict) {
					continue
				}
				if err != nil {
					failed.add(err)
					return
				}
				if becameFailing {
					mu.Lock()
					alerted = append(alerted, w)
					mu.Unlock()
				}
				return
			}
		})
	}
	close(start)
	wg.Wait()
	failed.require(t)
	require.Len(t, alerted, 1, "one writer declares the plan failing")
	got, err := as.GetAlertState(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, writers, got.ConsecutiveFailures, "no save is lost")
	require.Equal(t, int64(writers), got.Version)
	require.True(t, got.Failing)
}
