package storage

import (
	"context"
	"time"

	"github.com/smokex/smokex/record"
)

// CreateGuard is what a guarded create checks before it stores an
// execution, as RevisionCreator and ExclusiveCreator check it; the zero
// CreateGuard checks nothing.
type CreateGuard struct {
	// Revision, when not zero, is the revision the execution's plan must
	// have: the create stores nothing and returns an error wrapping
	// ErrPlanChanged when the plan has another (RevisionCreator).
	Revision int64
	// Exclusive makes the create store nothing and return an error
	// wrapping ErrBusy while an execution of the plan in the execution's
	// location, created at or after Since, is created or running
	// (ExclusiveCreator).
	Exclusive bool
	// Since bounds the executions Exclusive counts.
	Since time.Time
}

// FinishedCreator is an optional interface of a PauseFinisher that
// stores a new execution already finished, with its step results, in one
// write, so that a run that nobody had to see in flight costs one round
// trip and one commit in all: no create as running, no finish. The
// engine uses it, when the store has it, for the scheduled ticks it
// admits on time with a concurrency slot free, written when they end
// (unless they run long enough, or append steps, to need a row before).
type FinishedCreator interface {
	PauseFinisher
	// CreateFinished stores e, a new execution in a final status
	// (Status.Done), with steps, in one write: all of it or nothing. e is
	// checked as CreateExecution checks it, with its errors
	// (ErrConflict for an ID stored already, or a non-zero ScheduledAt
	// that a stored execution of the plan in e.Location has: one
	// execution per tick), except that a plan that does not exist is
	// ErrNotFound; steps as FinishExecution checks them, with its errors.
	// g's checks come first: ErrPlanChanged when the plan has another
	// revision than g.Revision (when not zero), ErrBusy when g is
	// Exclusive and another execution of the plan is in flight. The
	// plan's pause is applied as FinishWithPause applies it, and the
	// execution counted in the day's rollup (UptimeStore) with the
	// Maintenance stored, in the same write. It returns the Maintenance
	// it stored, empty on an error; e is not modified.
	CreateFinished(ctx context.Context, e *record.Execution, steps []*record.StepResult, g CreateGuard) (maintenance string, err error)
}
