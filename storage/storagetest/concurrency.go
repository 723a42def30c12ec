package storagetest

import (
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

func (s suite) concurrencyScenarios() []scenario {
	return []scenario{
		{"ManyWritersAndReaders", s.concurrentWriters},
		{"OneOfManyDuplicatesWins", s.concurrentDuplicates},
		{"DeletePlanWhileWriting", s.concurrentDelete},
	}
}

// errs collects errors from goroutines; require must not be called from
// them.
type errs struct {
	mu   sync.Mutex
	list []error
}

func (e *errs) add(err error) {
	if err == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, err)
}

func (e *errs) require(t *testing.T) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	require.NoError(t, errors.Join(e.list...))
}

func (s suite) concurrentWriters(t *testing.T) {
	ctx, st := s.store(t)
	const (
		plans   = 4
		writers = 16
		perW    = 5
		steps   = 8
	)
	for i := range plans {
		savePlan(ctx, t, st, fmt.Sprintf("p%d", i), nil)
	}
	var (
		failed  errs
		writing sync.WaitGroup
		reading sync.WaitGroup
		done    atomic.Bool
	)
	for w := range writers {
		writing.Go(func() {
			plan := fmt.Sprintf("p%d", w%plans)
			for i := range perW {
				e := newExecution(fmt.Sprintf("w%02d-%d", w, i), plan, at(w*perW+i), record.StatusRunning, 0)
				failed.add(st.CreateExecution(ctx, e))
				for k := steps - 1; k >= 0; k-- {
					failed.add(st.AppendStep(ctx, e.ID, &record.StepResult{Index: k, Name: fmt.Sprintf("%s/%d", e.ID, k), OK: true}))
				}
				e.Status, e.FinishedAt = record.StatusPassed, e.StartedAt.Add(time.Duration(i+1)*time.Second)
				failed.add(st.UpdateExecution(ctx, e))
			}
		})
	}
	for range 4 {
		reading.Go(func() {
			for i := 0; i < 25 && !done.Load(); i++ {
				_, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{Limit: 10})
				failed.add(err)
				_, err = st.Summaries(ctx, nil)
				failed.add(err)
				_, err = st.ListPlans(ctx, nil)
				failed.add(err)
				if _, err = st.GetExecution(ctx, "w00-0"); !errors.Is(err, storage.ErrNotFound) {
					failed.add(err)
				}
			}
		})
	}
	writing.Wait()
	done.Store(true)
	reading.Wait()
	failed.require(t)

	all := remaining(t, st)
	require.Len(t, all, writers*perW)
	for _, id := range all {
		e, err := st.GetExecution(ctx, id)
		require.NoError(t, err)
		require.Equal(t, record.StatusPassed, e.Status)
		require.Len(t, e.Steps, steps, id)
		for k, r := range e.Steps {
			require.Equal(t, k, r.Index)
			require.Equal(t, fmt.Sprintf("%s/%d", id, k), r.Name)
		}
	}
	sums, err := st.Summaries(ctx, nil)
	require.NoError(t, err)
	require.Len(t, sums, plans)
	for _, sum := range sums {
		require.Equal(t, writers/plans*perW, sum.Counts[record.StatusPassed], sum.PlanID)
	}
}

func (s suite) concurrentDuplicates(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	const n = 16
	var (
		wg                  sync.WaitGroup
		created, appended   atomic.Int32
		conflicts, unwanted errs
	)
	create(ctx, t, st, newExecution("host", "p", at(0), record.StatusRunning, 0))
	for i := range n {
		wg.Go(func() {
			err := st.CreateExecution(ctx, newExecution("same", "p", at(i), record.StatusRunning, 0))
			switch {
			case err == nil:
				created.Add(1)
			case errors.Is(err, storage.ErrConflict):
				conflicts.add(err)
			default:
				unwanted.add(err)
			}
			err = st.AppendStep(ctx, "host", &record.StepResult{Index: 0, Name: fmt.Sprint(i)})
			switch {
			case err == nil:
				appended.Add(1)
			case errors.Is(err, storage.ErrConflict):
				conflicts.add(err)
			default:
				unwanted.add(err)
			}
		})
	}
	wg.Wait()
	unwanted.require(t)
	require.EqualValues(t, 1, created.Load(), "one create wins")
	require.EqualValues(t, 1, appended.Load(), "one append wins")
	host, err := st.GetExecution(ctx, "host")
	require.NoError(t, err)
	require.Len(t, host.Steps, 1)
	require.Equal(t, []string{"host", "same"}, remaining(t, st))
}

func (s suite) concurrentDelete(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "doomed", nil)
	savePlan(ctx, t, st, "safe", nil)
	var (
		wg       sync.WaitGroup
		unwanted errs
		started  = make(chan struct{})
		once     sync.Once
	)
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				id := fmt.Sprintf("w%d-%d", w, i)
				err := st.CreateExecution(ctx, newExecution(id, "doomed", at(i), record.StatusRunning, 0))
				once.Do(func() { close(started) })
				if err != nil && !errors.Is(err, storage.ErrConflict) {
					unwanted.add(fmt.Errorf("create %s: %w", id, err))
				}
				for k := range 3 {
					err := st.AppendStep(ctx, id, &record.StepResult{Index: k})
					if err != nil && !errors.Is(err, storage.ErrNotFound) {
						unwanted.add(fmt.Errorf("append %s/%d: %w", id, k, err))
					}
				}
				if as, ok := st.(storage.AlertStore); ok {
					// Saves on version 0 after the first conflict, or find
					// the plan gone.
					err = as.SaveAlertState(ctx, &storage.AlertState{PlanID: "doomed", ConsecutiveFailures: i})
					if err != nil && !errors.Is(err, storage.ErrNotFound) && !errors.Is(err, storage.ErrConflict) {
						unwanted.add(fmt.Errorf("alert %s: %w", id, err))
					}
				}
			}
		})
	}
	create(ctx, t, st, newExecution("s", "safe", at(0), record.StatusRunning, 0))
	<-started
	require.NoError(t, st.DeletePlan(ctx, "doomed"))
	wg.Wait()
	unwanted.require(t)

	require.Equal(t, []string{"s"}, remaining(t, st), "nothing of the deleted plan is left")
	page, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "doomed"})
	require.NoError(t, err)
	require.Empty(t, page.Executions)
	if as, ok := st.(storage.AlertStore); ok {
		_, err = as.GetAlertState(ctx, "doomed")
		require.ErrorIs(t, err, storage.ErrNotFound)
	}
}
