package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) exclusiveScenarios() []scenario {
	return []scenario{
		{"BusyWhileInFlight", s.exclusiveBusy},
		{"CreatedRunningIsInFlight", s.exclusiveCreatedRunning},
		{"StaleInFlightDoesNotCount", s.exclusiveStale},
		{"OtherLocationDoesNotCount", s.exclusiveLocation},
		{"ConflictsAsCreate", s.exclusiveConflicts},
		{"OneOfManyRacersWins", s.exclusiveRace},
	}
}

// exclusive returns the store as an ExclusiveCreator; a store that is not
// one skips the scenarios, saying so.
func (s suite) exclusive(t *testing.T) (context.Context, storage.Store, storage.ExclusiveCreator) {
	t.Helper()
	ctx, st := s.store(t)
	return ctx, st, optional[storage.ExclusiveCreator](t, st)
}

func (s suite) exclusiveBusy(t *testing.T) {
	ctx, st, ec := s.exclusive(t)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	since := at(0)
	require.NoError(t, ec.CreateExecutionExclusive(ctx, newExecution("e-1", "p", at(1), record.StatusCreated, 0), since))
	err := ec.CreateExecutionExclusive(ctx, newExecution("e-2", "p", at(2), record.StatusCreated, 0), since)
	require.ErrorIs(t, err, storage.ErrBusy, "created counts as in flight")
	_, err = st.GetExecution(ctx, "e-2")
	require.ErrorIs(t, err, storage.ErrNotFound, "a busy create stores nothing")
	require.NoError(t, ec.CreateExecutionExclusive(ctx, newExecution("q-1", "q", at(2), record.StatusCreated, 0), since), "other plans are not held back")

	running := newExecution("e-1", "p", at(1), record.StatusRunning, 0)
	require.NoError(t, st.UpdateExecution(ctx, running))
	err = ec.CreateExecutionExclusive(ctx, newExecution("e-3", "p", at(3), record.StatusCreated, 0), since)
	require.ErrorIs(t, err, storage.ErrBusy, "running counts as in flight")

	for _, status := range []record.Status{record.StatusPassed, record.StatusFailed, record.StatusCanceled} {
		require.NoError(t, st.UpdateExecution(ctx, newExecution("e-1", "p", at(1), status, time.Second)))
		id := "after-" + string(status)
		require.NoError(t, ec.CreateExecutionExclusive(ctx, newExecution(id, "p", at(4), record.StatusCreated, 0), since), "after %s", status)
		require.NoError(t, st.UpdateExecution(ctx, newExecution(id, "p", at(4), record.StatusPassed, time.Second)))
	}
	// CreateExecution is not held back: overlap is the caller's choice.
	create(ctx, t, st, newExecution("plain-1", "p", at(5), record.StatusRunning, 0), newExecution("plain-2", "p", at(5), record.StatusRunning, 0))
}

// exclusiveCreatedRunning: an execution created running with its start,
// as the engine stores a tick that took its concurrency slot at once,
// reads back as such and holds its plan busy.
func (s suite) exclusiveCreatedRunning(t *testing.T) {
	ctx, st, ec := s.exclusive(t)
	savePlan(ctx, t, st, "p", nil)
	x := newExecution("e-1", "p", at(1), record.StatusRunning, 0)
	x.ScheduledAt = at(1)
	x.StartedAt = at(1).Add(1500 * time.Microsecond)
	require.NoError(t, ec.CreateExecutionExclusive(ctx, x, at(0)))
	got, err := st.GetExecution(ctx, "e-1")
	require.NoError(t, err)
	requireExecution(t, x, got)
	err = ec.CreateExecutionExclusive(ctx, newExecution("e-2", "p", at(2), record.StatusCreated, 0), at(0))
	require.ErrorIs(t, err, storage.ErrBusy, "created running counts as in flight")
	require.NoError(t, st.UpdateExecution(ctx, newExecution("e-1", "p", at(1), record.StatusPassed, time.Second)))
	require.NoError(t, ec.CreateExecutionExclusive(ctx, newExecution("e-3", "p", at(3), record.StatusRunning, 0), at(0)), "once it is finished")
}

func (s suite) exclusiveStale(t *testing.T) {
	ctx, st, ec := s.exclusive(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, newExecution("dead", "p", at(0), record.StatusRunning, 0))
	require.NoError(t, ec.CreateExecutionExclusive(ctx, newExecution("e-1", "p", at(2), record.StatusCreated, 0), at(1)), "an execution in flight from before since does not count")
	err := ec.CreateExecutionExclusive(ctx, newExecution("e-2", "p", at(3), record.StatusCreated, 0), at(2))
	require.ErrorIs(t, err, storage.ErrBusy, "one created at since counts")
}

// exclusiveLocation: a plan runs once at a time in each location; an
// execution in flight in one location holds back no other.
func (s suite) exclusiveLocation(t *testing.T) {
	ctx, st, ec := s.exclusive(t)
	savePlan(ctx, t, st, "p", nil)
	eu := newExecution("e-1", "p", at(1), record.StatusRunning, 0)
	eu.Location = "eu-west"
	create(ctx, t, st, eu)
	us := newExecution("e-2", "p", at(2), record.StatusCreated, 0)
	us.Location = "us-east"
	require.NoError(t, ec.CreateExecutionExclusive(ctx, us, at(0)), "a run in eu-west holds back none in us-east")
	again := newExecution("e-3", "p", at(3), record.StatusCreated, 0)
	again.Location = "eu-west"
	require.ErrorIs(t, ec.CreateExecutionExclusive(ctx, again, at(0)), storage.ErrBusy, "a second run in eu-west")
}

func (s suite) exclusiveConflicts(t *testing.T) {
	ctx, st, ec := s.exclusive(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, newExecution("e-1", "p", at(0), record.StatusPassed, time.Second))
	err := ec.CreateExecutionExclusive(ctx, newExecution("e-1", "p", at(1), record.StatusCreated, 0), at(0))
	require.ErrorIs(t, err, storage.ErrConflict, "a duplicate ID")
	err = ec.CreateExecutionExclusive(ctx, newExecution("e-2", "absent", at(1), record.StatusCreated, 0), at(0))
	require.ErrorIs(t, err, storage.ErrConflict, "an unknown plan")
	due := at(0).Add(time.Second)
	x := newExecution("e-3", "p", at(1), record.StatusPassed, time.Second)
	x.ScheduledAt = due
	require.NoError(t, ec.CreateExecutionExclusive(ctx, x, at(0)))
	y := newExecution("e-4", "p", at(2), record.StatusCreated, 0)
	y.ScheduledAt = due
	err = ec.CreateExecutionExclusive(ctx, y, at(0))
	require.ErrorIs(t, err, storage.ErrConflict, "a due time run already")
	require.Error(t, ec.CreateExecutionExclusive(ctx, nil, at(0)), "nil execution")
}

// exclusiveRace: of many processes asking at once to run one plan, one
// creates its execution and every other is told the plan is busy.
func (s suite) exclusiveRace(t *testing.T) {
	ctx, st, ec := s.exclusive(t)
	savePlan(ctx, t, st, "p", nil)
	raceCreates(t, func(i int) error {
		return ec.CreateExecutionExclusive(ctx, newExecution(fmt.Sprintf("e-%02d", i), "p", at(1), record.StatusCreated, 0), at(0))
	})
	page, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "p"})
	require.NoError(t, err)
	require.Len(t, page.Executions, 1)
}

func isBusy(err error) bool { return errors.Is(err, storage.ErrBusy) }

// raceCreates calls create for 16 racers at once, each with its own
// number, and checks that one won and every other was told the plan is
// busy.
func raceCreates(t *testing.T, create func(racer int) error) {
	t.Helper()
	const racers = 16
	var (
		wg         sync.WaitGroup
		won, busy  atomic.Int32
		unexpected errs
	)
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			switch err := create(i); {
			case err == nil:
				won.Add(1)
			case isBusy(err):
				busy.Add(1)
			default:
				unexpected.add(err)
			}
		})
	}
	close(start)
	wg.Wait()
	require.Empty(t, unexpected.list)
	require.Equal(t, int32(1), won.Load(), "creators that won")
	require.Equal(t, int32(racers-1), busy.Load(), "creators told busy")
}
