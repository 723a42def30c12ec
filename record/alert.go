package record

import (
	"errors"
	"time"
)

// ErrConflict is returned when a write contradicts what is stored: an
// execution created twice with one id, a step appended twice with one
// index, an alert state saved over a version other than the one it was
// read at. It is storage.ErrConflict; it is defined here so that the alert
// policy, which saves its state compare-and-swap, needs no import of the
// storage contract. Check it with errors.Is.
var ErrConflict = errors.New("storage: conflict")

// AlertState is the alert policy's memory of a plan, which a store keeps
// for it (storage.AlertStore, notify.StateStore).
type AlertState struct {
	PlanID string
	// Version counts the saves of the plan's state: 0 for a plan never
	// saved. SaveAlertState checks it.
	Version int64
	// ConsecutiveFailures counts the plan's failed executions since its
	// last passed one; ConsecutivePasses the passed ones since the last
	// failed one.
	ConsecutiveFailures int
	ConsecutivePasses   int
	// Failing is set when the policy declared the plan failing (after its
	// threshold of failures) and cleared when it declared it recovered.
	Failing bool
	// FailingSince is when the plan was declared failing, zero when not.
	FailingSince time.Time
	// LastAlertedAt is when the last alert about the plan was sent (or
	// would have been, had no maintenance window held it back).
	LastAlertedAt time.Time
	// LastExecutionID and LastStatus are the last execution the policy
	// counted, so that an execution told twice is counted once.
	LastExecutionID string
	LastStatus      Status
	UpdatedAt       time.Time
}
