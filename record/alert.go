package record

import (
	"errors"
	"slices"
	"time"
)

// ErrConflict is returned when a write contradicts what is stored: an
// execution created twice with one id, a step appended twice with one
// index, an alert state saved over a version other than the one it was
// read at. It is storage.ErrConflict; it is defined here so that the alert
// policy, which saves its state compare-and-swap, needs no import of the
// storage contract. Check it with errors.Is.
var ErrConflict = errors.New("storage: conflict")

// ErrNotFound is returned when a plan or an execution does not exist. It
// is storage.ErrNotFound, defined here for the same reason as ErrConflict:
// the alert policy tells by it that a plan named in depends_on is gone.
var ErrNotFound = errors.New("storage: not found")

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
	// DependsOn are the plans the plan depended on at its last counted
	// execution (PlanRef.DependsOn), so that the state of a dependency
	// finds its dependents' (storage.DependentAlertStore).
	DependsOn []string
	// Held is set while the plan is Failing but its failing alert was held
	// back, because a plan it depends on was failing too (or had not
	// reported since the plan's execution began); cleared when the alert
	// is sent after all or the plan recovers.
	Held bool
	// RecentFlaky tells, newest first, which of the plan's last counted
	// executions were flaky (record.Execution.Flaky), as many as the
	// plan's Rules.FlakyAfter looks at; empty when it looks at none.
	RecentFlaky []bool
	// FlakyAlerted is set when the plan was announced flaky, and cleared
	// when it no longer is flaky as often, so that it is announced once a
	// spell.
	FlakyAlerted bool
	// FailingLocations and PassingLocations are, for a plan with
	// locations, the locations whose latest counted execution failed and
	// passed: the plan is failing when enough of them fail
	// (PlanRef.LocationQuorum).
	FailingLocations []string
	PassingLocations []string
}

// Clone returns a copy of s that shares none of its slices.
func (s *AlertState) Clone() *AlertState {
	c := *s
	c.DependsOn = slices.Clone(s.DependsOn)
	c.RecentFlaky = slices.Clone(s.RecentFlaky)
	c.FailingLocations = slices.Clone(s.FailingLocations)
	c.PassingLocations = slices.Clone(s.PassingLocations)
	return &c
}

// AlertDelivery is an alert owed to one target of the alert policy. The
// policy stores it in the same write as the transition that decided it
// (storage.AlertOutbox, notify.Outbox) and deletes it once the target took
// it or the policy gave up on it, so that an alert whose process stopped
// or died before delivering it is delivered by the next process that runs
// the policy on the store.
type AlertDelivery struct {
	// ID identifies the delivery among all: the event's ID and the
	// target's name.
	ID string
	// PlanID is the plan the alert is about; Target names the notifier it
	// is owed to (notify.Target.Name).
	PlanID, Target string
	// Event is the alert as the policy encoded it (JSON), opaque to the
	// store.
	Event []byte
	// Attempts counts the attempts made so far.
	Attempts int
	// NotBefore is when the next attempt may be made (a backoff, a
	// receiver's Retry-After); zero is at once.
	NotBefore time.Time
	// CreatedAt is set by the store when it saves the delivery.
	CreatedAt time.Time
	// Lease is the token of the claim that holds the delivery, empty when
	// none does; LeasedUntil is when that claim expires, after which
	// another claim may take the delivery.
	Lease       string
	LeasedUntil time.Time
}
