package storage

import (
	"context"
	"time"
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
