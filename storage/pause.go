package storage

import (
	"context"
	"time"

	"github.com/smokex/smokex/record"
)

// PauseStore is an optional interface of a Store that keeps the pauses of
// plans: while a plan is paused it runs and records as usual, its
// executions are marked as in maintenance and no alert is sent for them.
// A pause is kept in the store so that it survives a restart and holds for
// every replica sharing the store. The engine finds it by type assertion;
// the memory and PostgreSQL stores implement it.
type PauseStore interface {
	// PausePlan pauses the plan until until, replacing any pause it has; a
	// zero until ends its pause. ErrNotFound when no plan has the id.
	// DeletePlan deletes the pause with the plan; SavePlan keeps it.
	PausePlan(ctx context.Context, planID string, until time.Time) error
	// PlanPause returns when the plan's pause ends, zero when it has none.
	// A pause that has ended may still be returned: the caller compares it
	// with its clock. ErrNotFound when no plan has the id.
	PlanPause(ctx context.Context, planID string) (time.Time, error)
	// PlanPauses returns the pauses of every paused plan, by plan ID, as
	// PlanPause would return each: an ended one may be among them.
	PlanPauses(ctx context.Context) (map[string]time.Time, error)
}

// PauseFinisher is an optional interface of a PauseStore that is an
// ExecutionFinisher: it applies the plan's pause to an execution's finish
// in the finish's own write, so that a finish costs no read of the pause
// before it (a round trip on a database). The engine uses it, when the
// store has it, for every write of an execution's finish, and asks the
// plan's maintenance windows and its MaintenanceHooks before it: a pause
// takes precedence over what they say.
type PauseFinisher interface {
	PauseStore
	ExecutionFinisher
	// FinishWithPause writes steps and e as FinishExecution does, with its
	// errors, and in the same write (all of it or nothing, atomic with
	// PausePlan) applies the pause of e's plan: when the plan has a pause
	// that ends after e.FinishedAt (after the store's current time when
	// e.FinishedAt is zero), the stored Maintenance is
	// PauseMaintenance(until) of that pause, whatever e.Maintenance says;
	// otherwise it is e.Maintenance. The rollups (UptimeStore) see the
	// Maintenance stored. It returns the Maintenance it stored, empty on an
	// error; e is not modified. An execution whose plan was deleted is
	// gone with it: ErrNotFound.
	FinishWithPause(ctx context.Context, e *record.Execution, steps []*record.StepResult) (maintenance string, err error)
}

// PauseMaintenance returns the Maintenance of an execution that finished
// while its plan was paused until until: "paused until " and until in UTC
// as RFC 3339 whole seconds, a fraction of a second left out (not
// rounded), as in "paused until 2026-12-06T03:00:00Z". A store that
// writes it in its own language (SQL) writes the same text, which the
// conformance suite checks.
func PauseMaintenance(until time.Time) string {
	return "paused until " + until.UTC().Format(time.RFC3339)
}
