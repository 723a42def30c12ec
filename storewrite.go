package smokex

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/storage"
)

// This file holds every write the engine makes to the store on behalf of
// an execution or of its own upkeep (insert, append, finish, interrupt,
// recover, prune), each through writeAgain, the one retry policy.

// storeTimeout bounds a store write made on behalf of a run, which must
// happen even when the run itself was canceled.
const storeTimeout = 10 * time.Second

// storeRetryWait is the first wait before a store write that failed is
// tried again; the wait doubles up to a second.
const storeRetryWait = 50 * time.Millisecond

// storeCtx detaches a store write from the run's cancellation, so that a
// canceled run is still recorded, and bounds it.
func storeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
}

// writeAgain is the one retry policy of the engine's store writes. It runs
// write, which must be idempotent, until it succeeds, fails for a reason a
// retry cannot mend, or ctx ends. An error that wraps
// storage.ErrUnavailable (a connection lost, the database away) is tried
// again after storeRetryWait, the wait doubling up to a second; any other
// error is final. An unavailable store leaves unknown whether the write
// was committed: when a later try then fails with storage.ErrConflict,
// committed (nil: never) tells whether what is stored is the earlier try,
// and the write is done. Each retry is logged as a warning saying what is
// written, with attrs.
func (e *Engine) writeAgain(ctx context.Context, what string, attrs []any, write func(context.Context) error, committed func(context.Context) bool) error {
	wait := storeRetryWait
	for try := 1; ; try++ {
		err := write(ctx)
		switch {
		case err == nil:
			return nil
		case try > 1 && committed != nil && errors.Is(err, storage.ErrConflict) && committed(ctx):
			return nil
		case !errors.Is(err, storage.ErrUnavailable) || ctx.Err() != nil:
			return err
		}
		e.cfg.Logger.Warn("smokex: "+what+", trying again", append(attrs, "in", wait, "error", err)...)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// createExecution stores the new execution x with the status prepare
// gave it (created; running for a tick that took its slot; canceled,
// finished, for a tick skipped as too late), under g, for at most
// storeTimeout: a tick must not be lost to a dropped connection. The ID
// is new and this engine's, so an execution stored under it by the time
// a retry conflicts is the earlier try's.
func (e *Engine) createExecution(ctx context.Context, x *record.Execution, g storage.CreateGuard) error {
	cctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	return e.writeAgain(cctx, "storing new execution", []any{"plan", x.PlanID, "execution", x.ID},
		func(ctx context.Context) error { return e.insertExecution(ctx, x, g) },
		func(ctx context.Context) bool { return e.committedBefore(ctx, x) != nil })
}

// createAdmitted stores x, the new execution admit made, under g: with
// createExecution, but for a tick skipped as too late when admitted,
// finished already, on a store that creates executions finished
// (storage.FinishedCreator): that create applies the plan's pause in its
// own write (createFinished), where another store's needs the pause read
// first (maintenanceOf).
func (e *Engine) createAdmitted(ctx context.Context, x *record.Execution, g storage.CreateGuard) error {
	if _, ok := e.store.(storage.FinishedCreator); ok && x.Status.Done() {
		return e.createFinished(ctx, x, nil, g)
	}
	return e.createExecution(ctx, x, g)
}

// createGuard returns the guard of the create of x, a new execution
// whose plan was read with revision: the revision, when it is not zero
// and the store is a storage.RevisionCreator; exclusive under
// OverlapSkip on a store that decides overlap (storage.ExclusiveCreator),
// counting the executions in flight created StaleAfter before x or
// later, unless x is finished already (a tick skipped as too late): it
// is no run, and holds nothing back.
func (e *Engine) createGuard(x *record.Execution, revision int64) storage.CreateGuard {
	g := storage.CreateGuard{Since: x.CreatedAt.Add(-e.cfg.StaleAfter)}
	if _, ok := e.store.(storage.RevisionCreator); ok {
		g.Revision = revision
	}
	_, exclusive := e.store.(storage.ExclusiveCreator)
	g.Exclusive = exclusive && e.cfg.Overlap == OverlapSkip && !x.Status.Done()
	return g
}

// insertExecution stores the new execution x, once, under g (createGuard):
// with g exclusive, the store refuses it, with ErrOverlap, while another
// execution of the plan is in flight, in whichever process; with a
// revision, when its plan no longer has that revision
// (storage.ErrPlanChanged) or is gone (storage.ErrNotFound).
func (e *Engine) insertExecution(ctx context.Context, x *record.Execution, g storage.CreateGuard) error {
	var err error
	switch {
	case g.Revision != 0 && g.Exclusive:
		err = e.store.(storage.RevisionCreator).CreateExecutionExclusiveIfRevision(ctx, x, g.Revision, g.Since)
	case g.Revision != 0:
		err = e.store.(storage.RevisionCreator).CreateExecutionIfRevision(ctx, x, g.Revision)
	case g.Exclusive:
		err = e.store.(storage.ExclusiveCreator).CreateExecutionExclusive(ctx, x, g.Since)
	default:
		return e.store.CreateExecution(ctx, x)
	}
	_, err = e.refusedAfterCommit(ctx, x, err)
	if errors.Is(err, storage.ErrBusy) {
		return fmt.Errorf("%w: %s (%w)", ErrOverlap, x.PlanID, err)
	}
	return err
}

// refusedAfterCommit returns the execution stored, and no error, when
// err, from a guarded create of x, is a refusal (storage.ErrBusy,
// storage.ErrPlanChanged) of a retry whose earlier try was committed,
// its outcome lost with the connection (committedBefore): that try holds
// the plan busy itself, or was made before the plan changed. It returns
// err otherwise.
func (e *Engine) refusedAfterCommit(ctx context.Context, x *record.Execution, err error) (*record.Execution, error) {
	if errors.Is(err, storage.ErrBusy) || errors.Is(err, storage.ErrPlanChanged) {
		if got := e.committedBefore(ctx, x); got != nil {
			return got, nil
		}
	}
	return nil, err
}

// storedAlready returns the execution stored under x's ID when it is of
// x's plan, in whatever status: a row of x's run. Nil otherwise.
func (e *Engine) storedAlready(ctx context.Context, x *record.Execution) *record.Execution {
	got, err := e.store.GetExecution(ctx, x.ID)
	if err != nil || got.PlanID != x.PlanID {
		return nil
	}
	return got
}

// committedBefore returns the execution stored under x's ID (storedAlready)
// when it is an earlier try of the create of x, committed: finished if x
// is, in flight if x is. A row of x's run written as running by another
// write (its bound's, its first step's) is no try of x's create finished
// (createFinished), which has yet to write the finish. Nil otherwise.
func (e *Engine) committedBefore(ctx context.Context, x *record.Execution) *record.Execution {
	got := e.storedAlready(ctx, x)
	if got == nil || got.Status.Done() != x.Status.Done() {
		return nil
	}
	return got
}

// createFinished stores x, new and finished, with steps, the results of
// the steps it ran, in one write (the store is a
// storage.FinishedCreator), under g, detached from the run's
// cancellation, for at most storeTimeout; the write applies the plan's
// pause, and x gets the Maintenance stored. The ID is new and this
// engine's, so an execution stored under it by the time a retry
// conflicts or is refused is the earlier try's.
func (e *Engine) createFinished(ctx context.Context, x *record.Execution, steps []*record.StepResult, g storage.CreateGuard) error {
	sctx, cancel := storeCtx(ctx)
	defer cancel()
	fc := e.store.(storage.FinishedCreator)
	return e.writeAgain(sctx, "storing finished execution", []any{"plan", x.PlanID, "execution", x.ID, "status", x.Status},
		func(ctx context.Context) error {
			m, err := fc.CreateFinished(ctx, x, steps, g)
			earlier, err := e.refusedAfterCommit(ctx, x, err)
			if earlier != nil {
				m = earlier.Maintenance
			}
			if err == nil {
				x.Maintenance = m
			}
			return err
		},
		func(ctx context.Context) bool {
			earlier := e.committedBefore(ctx, x)
			if earlier != nil {
				x.Maintenance = earlier.Maintenance
			}
			return earlier != nil
		})
}

// appendStep stores r, detached from the run's cancellation, for at most
// storeTimeout. The engine alone appends the steps of an execution it
// runs, one per index, so a retry that conflicts finds the earlier try's
// row.
func (e *Engine) appendStep(ctx context.Context, x *record.Execution, r *record.StepResult) error {
	sctx, cancel := storeCtx(ctx)
	defer cancel()
	return e.writeAgain(sctx, "storing step result", []any{"plan", x.PlanID, "execution", x.ID, "step", r.Index},
		func(ctx context.Context) error { return e.store.AppendStep(ctx, x.ID, r) },
		func(context.Context) bool { return true })
}

// saveExecution stores x's status (its start or its finish), detached
// from the run's cancellation, for at most storeTimeout: a finish lost to
// a dropped connection would leave the execution running in the store
// until the next Start. A finish to a store that applies the plan's pause
// in the write (storage.PauseFinisher) is written with it, and x gets the
// Maintenance stored.
func (e *Engine) saveExecution(ctx context.Context, x *record.Execution) error {
	sctx, cancel := storeCtx(ctx)
	defer cancel()
	return e.writeAgain(sctx, "storing execution", []any{"plan", x.PlanID, "execution", x.ID, "status", x.Status}, e.statusWrite(x), nil)
}

// statusWrite returns the write of x's status fields: UpdateExecution,
// or for a finish on a store that applies the plan's pause in the write
// (storage.PauseFinisher) FinishWithPause, x then getting the
// Maintenance stored.
func (e *Engine) statusWrite(x *record.Execution) func(context.Context) error {
	if pf, ok := e.store.(storage.PauseFinisher); ok && x.Status.Done() {
		return func(ctx context.Context) error { return finishWithPause(ctx, pf, x, nil) }
	}
	return func(ctx context.Context) error { return e.store.UpdateExecution(ctx, x) }
}

// finishExecution stores x's finish with last, the result of its last
// step, in one write (the store is a storage.ExecutionFinisher), detached
// from the run's cancellation, for at most storeTimeout; with the plan's
// pause when the store applies it (storage.PauseFinisher), x then
// getting the Maintenance stored. A retry that conflicts (last is stored)
// finds the earlier try's write when the stored execution holds last:
// nothing else stores it, and the write is all or nothing. (Its finish
// time would not do: a store may keep times less precisely, PostgreSQL to
// the microsecond.)
func (e *Engine) finishExecution(ctx context.Context, x *record.Execution, last *record.StepResult) error {
	sctx, cancel := storeCtx(ctx)
	defer cancel()
	steps := []*record.StepResult{last}
	write := func(ctx context.Context) error {
		return e.store.(storage.ExecutionFinisher).FinishExecution(ctx, x, steps)
	}
	pf, applies := e.store.(storage.PauseFinisher)
	if applies {
		write = func(ctx context.Context) error { return finishWithPause(ctx, pf, x, steps) }
	}
	return e.writeAgain(sctx, "storing execution with its last step", []any{"plan", x.PlanID, "execution", x.ID, "status", x.Status, "step", last.Index},
		write,
		func(ctx context.Context) bool {
			got, err := e.store.GetExecution(ctx, x.ID)
			if err != nil || !slices.ContainsFunc(got.Steps, func(s record.StepResult) bool { return s.Index == last.Index }) {
				return false
			}
			if applies {
				x.Maintenance = got.Maintenance
			}
			return true
		})
}

// finishWithPause writes x's finish with steps and the plan's pause, and
// gives x the Maintenance stored: the pause's, when it held at x's
// finish, over the windows' and hooks' x carried.
func finishWithPause(ctx context.Context, pf storage.PauseFinisher, x *record.Execution, steps []*record.StepResult) error {
	m, err := pf.FinishWithPause(ctx, x, steps)
	if err == nil {
		x.Maintenance = m
	}
	return err
}

// unstored is a step result that could not be stored.
type unstored struct {
	index int
	name  string
	err   error
}

// maxUnstoredNamed is how many missing steps the error of an execution
// names one by one.
const maxUnstoredNamed = 10

// markIncomplete gives x, about to be stored as finished, an error naming
// the steps that could not be stored, so that no execution is stored as
// finished with holes and nothing says so. x keeps its status: it is what
// the run found. An error x already has keeps its kind and gains the text.
func markIncomplete(x *record.Execution, missing []unstored) {
	if len(missing) == 0 {
		return
	}
	var b strings.Builder
	if len(missing) == 1 {
		b.WriteString("step ")
	} else {
		b.WriteString("steps ")
	}
	for i, m := range missing {
		if i == maxUnstoredNamed {
			fmt.Fprintf(&b, " and %d more", len(missing)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(m.index + 1))
		if m.name != "" {
			b.WriteString(" (" + m.name + ")")
		}
	}
	fmt.Fprintf(&b, " of %d could not be stored, the stored execution lacks them: %v", len(x.Steps), missing[len(missing)-1].err)
	if x.Error == nil {
		x.Error = &record.StepError{Kind: record.ErrStorage, Message: b.String()}
		return
	}
	x.Error.Message += "; " + b.String()
}

// interrupt finishes x, left in flight by a process that died, with stop
// reason interrupted: canceled, or failed when a stored step had failed;
// in the plan's pause when it holds and the store applies it in the
// write (storage.PauseFinisher), as every finish.
func (e *Engine) interrupt(ctx context.Context, x *record.Execution) error {
	now := e.cfg.now().UTC()
	if x.StartedAt.IsZero() {
		x.StartedAt = now
	}
	x.FinishedAt = now
	x.Status = record.StatusCanceled
	if full, err := e.store.GetExecution(ctx, x.ID); err == nil && anyStepFailed(full.Steps) {
		x.Status = record.StatusFailed
	}
	x.StopReason = record.StopInterrupted
	x.Error = &record.StepError{Kind: record.ErrInterrupted, Message: "the process running this execution stopped before it finished"}
	err := e.writeAgain(ctx, "finishing an interrupted execution", []any{"plan", x.PlanID, "execution", x.ID}, e.statusWrite(x), nil)
	if err != nil {
		return err
	}
	e.cfg.Logger.Warn("smokex: finished an interrupted execution", "plan", x.PlanID, "execution", x.ID, "status", x.Status)
	return nil
}

// recover finishes executions left created or running by a process that
// died, with stop reason interrupted and an interrupted error: failed when
// one of the steps it stored had failed, canceled otherwise. The
// executions this engine created are left alone, those still running and
// those that finished since the listing was read alike. With a scheduler
// that rescues ticks, only executions created more than StaleAfter ago
// are finished: the others may be those of live processes.
func (e *Engine) recover(ctx context.Context) error {
	e.mu.Lock()
	e.recovering = make(map[string]struct{}, len(e.inflight))
	for id := range e.inflight {
		e.recovering[id] = struct{}{}
	}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.recovering = nil
		e.mu.Unlock()
	}()
	params := &storage.ListExecutionsParams{
		Statuses: []record.Status{record.StatusCreated, record.StatusRunning},
		Limit:    storage.MaxListLimit,
	}
	rescued, staleBefore := e.rescuesTicks(), e.cfg.now().Add(-e.cfg.StaleAfter)
	for {
		page, err := e.store.ListExecutions(ctx, params)
		if err != nil {
			return fmt.Errorf("smokex: listing interrupted executions: %w", err)
		}
		for _, x := range page.Executions {
			e.mu.Lock()
			_, ours := e.recovering[x.ID]
			e.mu.Unlock()
			// With a scheduler that rescues ticks, other live processes
			// share the store: only leftovers too old to be theirs go.
			if ours || rescued && !x.CreatedAt.Before(staleBefore) {
				continue
			}
			if err := e.interrupt(ctx, x); err != nil {
				return fmt.Errorf("smokex: finishing interrupted execution %s: %w", x.ID, err)
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		params.Cursor = page.NextCursor
	}
}

// anyStepFailed tells whether a step ran and did not pass.
func anyStepFailed(steps []record.StepResult) bool {
	for i := range steps {
		if !steps[i].OK && !steps[i].Skipped {
			return true
		}
	}
	return false
}

// rescuesTicks reports whether the scheduler hands the ticks of a dead
// process back to the engine.
func (e *Engine) rescuesTicks() bool {
	r, ok := e.sched.(schedule.Rescuer)
	return ok && r.RescuesTicks()
}

// Prune deletes the finished executions that the retention settings no
// longer keep and returns how many it deleted. The engine calls it every
// RetentionInterval.
func (e *Engine) Prune(ctx context.Context) (int, error) {
	params := &storage.PruneParams{
		FinishedBefore: e.cfg.now().Add(-e.cfg.RetentionMaxAge),
		KeepLast:       e.cfg.RetentionKeepLast,
	}
	var n int
	err := e.writeAgain(ctx, "pruning old executions", nil, func(ctx context.Context) error {
		deleted, err := e.store.Prune(ctx, params)
		n += deleted
		return err
	}, nil)
	return n, err
}
