package smokex

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// This file is the run of a tick that is written once, when it ends: on
// a store that creates executions finished (storage.FinishedCreator), a
// tick admitted in time with a concurrency slot free is not written at
// its admission. Its execution is created finished, with its steps, by
// its finish, in one write; or earlier, as running, when the run needs a
// row: before the first step result it appends, or once it has run for
// its bound (Config.WriteRunningAfter, or half the time left until its
// plan's next tick is due when shorter: runningBound), so that a run
// that lasts is seen in flight by the store and by every process that
// shares it.

// unwrittenRun is the first write of a tick's execution that admit did
// not make, shared by the run and its bound's timer under mu: whichever
// comes first makes it.
type unwrittenRun struct {
	mu sync.Mutex
	// row is the execution as it is created running: admit's, then with
	// the executor's start time and the trace ID a hook gave it.
	row record.Execution
	// guard is the guard admit's create would have had.
	guard storage.CreateGuard
	// timer writes the row at the run's bound.
	timer *time.Timer
	// written says the row is stored as running: the rest of the run is
	// written as for any execution.
	written bool
	// finished says the finish took the write, or the run ended
	// (release): the timer makes none.
	finished bool
	// refused says the store refused the run for good, a duplicate of
	// its tick's execution, of a plan gone, or, at its running row's
	// write, in flight with another process's execution of its plan
	// (OverlapSkip): it is canceled, nothing of
	// it is written, and it is told as a skipped tick only: no
	// ExecutionFinished hook, no step or finish event from then on.
	refused bool
}

// leaveUnwritten makes j, a tick admit found in time and holding a
// concurrency slot, a run written once when it ends, on a store that is
// a storage.FinishedCreator and unless Config.WriteRunningAfter is
// negative; running is its execution as admit would have created it,
// under guard. It reports whether it did; the row is then written by the
// bound's timer, started now, if the run is still going by then.
func (e *Engine) leaveUnwritten(ctx context.Context, j *job, running *record.Execution, guard storage.CreateGuard) bool {
	if _, ok := e.store.(storage.FinishedCreator); !ok || e.cfg.WriteRunningAfter < 0 {
		return false
	}
	u := &unwrittenRun{row: *running, guard: guard}
	u.row.Steps = nil
	j.unwritten = u
	wctx := context.WithoutCancel(ctx)
	// A failure of the timer's write is logged; the next write tries again.
	u.timer = time.AfterFunc(e.runningBound(j), func() { e.writeRunning(wctx, j) })
	return true
}

// runningBound is how long j, a tick left unwritten, may run before its
// execution is written as running: Config.WriteRunningAfter, or half
// the time left until its plan's next tick is due when that is shorter,
// measured from its due time rather than from now, so that the row is
// in the store before the next tick is due even for a tick admitted
// late; no time at all (written at once) when that next tick is due
// already.
func (e *Engine) runningBound(j *job) time.Duration {
	bound := e.cfg.WriteRunningAfter
	due := j.execution.ScheduledAt
	if interval := tickInterval(j.plan, due); interval > 0 {
		bound = min(bound, due.Add(interval).Sub(e.cfg.now())/2)
	}
	return max(bound, 0)
}

// writeRunning creates j's execution as running unless it is written,
// its finish took the write, or the store refused it. It reports whether
// the run's steps may be appended: not when the store refused it, nor
// while the create fails, with failed, the create's error, for the step
// to be listed as unstored; the next write tries the create again.
func (e *Engine) writeRunning(ctx context.Context, j *job) (appendable bool, failed error) {
	u := j.unwritten
	if u == nil {
		return true, nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.written || u.finished || u.refused {
		return !u.refused, nil
	}
	var err error
	switch e.writeFirst(ctx, j, &u.row, func(ctx context.Context, g storage.CreateGuard) error {
		err = e.createExecution(ctx, &u.row, g)
		return err
	}) {
	case firstStored, firstFoundStored:
		u.written = true
	case firstRefused:
		u.refused = true
	case firstFailed:
		return false, err
	}
	return !u.refused, nil
}

// started records the executor's start of x in the row still to be
// written, and reports whether the row was written already (by the
// bound, before the start), unless the store refused it.
func (j *job) started(x *record.Execution) (written bool) {
	u := j.unwritten
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.written {
		u.row.StartedAt, u.row.TraceID = x.StartedAt, x.TraceID
	}
	return u.written
}

// firstWrite says what the finish of a job writes.
type firstWrite int

const (
	// finishStored: the execution is stored, the finish updates it.
	finishStored firstWrite = iota
	// finishCreates: the execution is not written yet, the finish
	// creates it finished (createFirst).
	finishCreates
	// finishRefused: the store refused the run, nothing is written.
	finishRefused
)

// finishWrite tells what j's finish writes. When it creates the
// execution, the bound's timer makes no write from then on.
func (j *job) finishWrite() firstWrite {
	u := j.unwritten
	if u == nil {
		return finishStored
	}
	u.timer.Stop()
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case u.refused:
		return finishRefused
	case u.written:
		return finishStored
	}
	u.finished = true
	return finishCreates
}

// stop stops u's timer, for a run that ended, and makes sure that a
// timer that fired already makes no write; u may be nil.
func (u *unwrittenRun) stop() {
	if u == nil {
		return
	}
	u.timer.Stop()
	u.mu.Lock()
	u.finished = true
	u.mu.Unlock()
}

// createFirst stores x, j's execution left unwritten, finished with
// steps, the results held for the finish, in its first and only write
// (createFinished), guarded as writeFirst says, and tells what became of
// it: on firstFoundStored, an earlier write of the run made its row
// after all, and the finish is to be written to it as to any stored
// execution.
func (e *Engine) createFirst(ctx context.Context, j *job, x *record.Execution, steps []*record.StepResult) firstOutcome {
	outcome := e.writeFirst(ctx, j, x, func(ctx context.Context, g storage.CreateGuard) error {
		return e.createFinished(ctx, x, steps, g)
	})
	u := j.unwritten
	u.mu.Lock()
	defer u.mu.Unlock()
	switch outcome {
	case firstRefused:
		u.refused = true
	case firstFoundStored:
		u.written = true
	}
	return outcome
}

// storeRefused reports whether the store refused j's execution for good.
func (j *job) storeRefused() bool {
	u := j.unwritten
	if u == nil {
		return false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.refused
}

// firstOutcome is what became of the first write of an execution.
type firstOutcome int

const (
	// firstStored: the execution is stored.
	firstStored firstOutcome = iota
	// firstRefused: the store refused it for good; nothing of the run
	// is written.
	firstRefused
	// firstFailed: the write failed; a later write may make it.
	firstFailed
	// firstFoundStored: the write was refused because the run's own row
	// is stored: an earlier write of it (at its bound or first step)
	// was committed though it reported a failure. The run is written
	// from then on as any stored execution.
	firstFoundStored
)

// writeFirst makes the first write of j's execution x, left unwritten
// by admit, with write: guarded as admit's create would have been. The
// run happened with the plan it read: when the store refuses the write
// because the plan changed since it was read (storage.ErrPlanChanged), x
// is written again without the revision (still exclusive, for the
// overlap below) and the plan is read again for the next tick
// (forgetStored). When the plan was busy with another execution in
// flight in another process (storage.ErrBusy, under OverlapSkip), x, if
// it is the running row written at the run's bound or before its first
// step is appended, is refused: the run is canceled and told as a tick
// skipped for overlap, as at admission; if it is the finish of a run
// that ended before its bound (it happened, and piled nothing up), it is
// stored unguarded all the same and the overlap logged. When the tick
// has an execution already (storage.ErrConflict: the tick was run twice,
// this run is the duplicate: told as a tick skipped as a duplicate, as
// at admission, with ranBefore) or the plan is gone
// (storage.ErrNotFound: told as a tick of a removed plan), x is refused:
// logged, not stored, and the run canceled: its remaining steps are not
// sent. Before any of these, a refusal for an execution
// in flight or for one stored already (storage.ErrBusy,
// storage.ErrConflict) is checked against the run's own ID: an earlier
// write of this run committed its row though it failed (firstFoundStored),
// and that row is not another run's. Another failure is logged and told
// to the hooks.
func (e *Engine) writeFirst(ctx context.Context, j *job, x *record.Execution, write func(context.Context, storage.CreateGuard) error) firstOutcome {
	ctx = context.WithoutCancel(ctx)
	attrs := []any{"plan", x.PlanID, "execution", x.ID, "due", x.ScheduledAt, "location", x.Location}
	g := j.unwritten.guard
	err := write(ctx, g)
	if err == nil {
		e.confirmStored(x.PlanID, g.Revision)
	}
	if errors.Is(err, storage.ErrPlanChanged) {
		e.forgetStored(x.PlanID)
		e.cfg.Logger.Debug("smokex: the plan changed in the store while its tick ran: stored as run, the plan read again for the next tick", attrs...)
		// Still exclusive: the overlap is checked all the same.
		g.Revision = 0
		err = write(ctx, g)
	}
	if e.ownRowStored(ctx, x, err) {
		return firstFoundStored
	}
	switch {
	case errors.Is(err, storage.ErrBusy) && !x.Status.Done():
		// The run is in flight with another of its plan's, in another
		// process: it is skipped for overlap, as at admission.
		e.overlapTick(ctx, x.PlanID, x.ScheduledAt, x.Location)
		j.cancel()
		return firstRefused
	case errors.Is(err, storage.ErrBusy):
		e.cfg.Logger.Warn("smokex: a tick ran while another execution of its plan was in flight in another process: stored all the same", attrs...)
		err = write(ctx, storage.CreateGuard{})
	}
	switch {
	case err == nil:
		return firstStored
	case e.ownRowStored(ctx, x, err):
		return firstFoundStored
	case errors.Is(err, storage.ErrConflict):
		// As when a create at admission conflicts: an execution of the
		// tick left in flight by a process that died is finished.
		e.ranBefore(ctx, x.PlanID, x.ScheduledAt, x.Location, err)
		e.duplicateTick(ctx, x.PlanID, x.ScheduledAt, x.Location)
	case errors.Is(err, storage.ErrNotFound):
		e.forgetStored(x.PlanID)
		e.removedPlanTick(ctx, x.PlanID, x.ScheduledAt)
	default:
		e.cfg.Logger.Error("smokex: storing execution", append(attrs, "status", x.Status, "error", err)...)
		e.hooks.storeWriteFailed(ctx, j.ref, x.ID, "create_execution", err)
		return firstFailed
	}
	// No step of it is to run from now on.
	j.cancel()
	return firstRefused
}

// ownRowStored reports whether err, from a first write of x, is a
// refusal (storage.ErrBusy, storage.ErrConflict) that x's own row, in
// whatever status, is the cause of: stored by an earlier write of the
// run that reported a failure.
func (e *Engine) ownRowStored(ctx context.Context, x *record.Execution, err error) bool {
	return (errors.Is(err, storage.ErrBusy) || errors.Is(err, storage.ErrConflict)) && e.storedAlready(ctx, x) != nil
}
