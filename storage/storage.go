package storage

import (
	"context"
	"errors"
	"time"

	"github.com/smokex/smokex/record"
)

// Sentinel errors. Backends wrap them; check with errors.Is.
var (
	// ErrNotFound is returned when a plan or execution does not exist.
	// It is record.ErrNotFound, so that the alert policy can tell a plan
	// that is gone without importing storage.
	ErrNotFound = record.ErrNotFound
	// ErrConflict is returned when a write contradicts what is stored: an
	// execution created twice with one id, a step appended twice with one
	// index, an execution created for a plan that does not exist.
	// It is record.ErrConflict, so that the alert policy can tell a lost
	// compare-and-swap without importing storage.
	ErrConflict = record.ErrConflict
	// ErrUnavailable is wrapped by errors of a backend that could not be
	// reached or lost its connection during the call: whether the write
	// happened is unknown. A caller may try the write again when it is
	// idempotent, as CreateExecution and AppendStep are for the engine,
	// which alone writes an execution it created: a retry whose first try
	// was committed then fails with ErrConflict.
	ErrUnavailable = errors.New("storage: unavailable")
	// ErrBusy is returned by ExclusiveCreator.CreateExecutionExclusive
	// when the plan has an execution in flight.
	ErrBusy = errors.New("storage: plan has an execution in flight")
	// ErrPlanChanged is returned by the creates of a RevisionCreator when
	// the stored plan no longer has the revision the caller holds: it was
	// changed since the caller read it.
	ErrPlanChanged = errors.New("storage: plan changed since it was read")
)

// ExclusiveCreator is an optional interface of an ExecutionStore that
// decides a plan's overlap where every process sharing the store sees it:
// it creates an execution only when none of its plan is in flight, in one
// atomic step, so that two replicas asked to run one plan at once start
// one run. The engine uses it when the store has it and its overlap
// policy is to skip.
type ExclusiveCreator interface {
	// CreateExecutionExclusive stores e as CreateExecution does, with its
	// errors, unless an execution of e.PlanID in e.Location (a plan runs
	// once at a time in each location) is created or running and was
	// created at or after since; then it stores nothing and returns an
	// error wrapping ErrBusy, before any conflict of e's ID (an earlier
	// try of the same create, committed, is then busy itself). Executions
	// in flight created before since do not count: they are taken for
	// those of a process that died, which must not hold their plan back
	// until someone finishes them.
	CreateExecutionExclusive(ctx context.Context, e *record.Execution, since time.Time) error
}

// RevisionCreator is an optional interface of a Store that creates an
// execution only while its plan is the version the caller holds, so that
// a process running plans that other processes sharing the store may
// change or delete needs not read the plan again before each run: it
// keeps the plan it read with its revision (Plan.Revision), creates each
// execution guarded by that revision, and reads the plan again only when
// the store says it changed. The engine uses it, when the store has it,
// for the executions of scheduled ticks.
//
// Each create checks the revision and stores the execution in one atomic
// step: a SavePlan that changes the plan, or a DeletePlan, is ordered
// wholly before the create (which then fails) or wholly after it (the
// execution is then created with the revision the caller held, and a
// DeletePlan deletes it with the plan).
type RevisionCreator interface {
	ExclusiveCreator
	// CreateExecutionIfRevision stores e as CreateExecution does, with its
	// errors, when the plan e.PlanID has revision revision. When no plan
	// has the ID it stores nothing and returns an error wrapping
	// ErrNotFound (where CreateExecution returns ErrConflict); when the
	// plan has another revision, an error wrapping ErrPlanChanged. Those
	// are checked first: a create whose plan changed is ErrPlanChanged
	// whatever else would have failed.
	CreateExecutionIfRevision(ctx context.Context, e *record.Execution, revision int64) error
	// CreateExecutionExclusiveIfRevision stores e as
	// CreateExecutionExclusive does, with its errors (ErrBusy when an
	// execution of the plan in e.Location created at or after since is in
	// flight), when the plan e.PlanID has revision revision, with the
	// errors of CreateExecutionIfRevision otherwise, checked first.
	CreateExecutionExclusiveIfRevision(ctx context.Context, e *record.Execution, revision int64, since time.Time) error
}

// ExecutionFinisher is an optional interface of an ExecutionStore that
// writes step results and an execution's update in one write, so that the
// end of a run costs one round trip and one commit, not one for its last
// step and one for its finish. The engine uses it, when the store has it,
// for the result of a run's last step with the run's finish; the results
// of the steps before it are appended as each ends, so that a reader of a
// running execution sees them.
type ExecutionFinisher interface {
	// FinishExecution appends steps as AppendStep does and writes e as
	// UpdateExecution does, in one write: all of it or nothing. Its
	// errors are theirs: ErrNotFound when the execution does not exist,
	// ErrConflict when a result with the index of one of steps is stored
	// or two of steps share an index, an error when one of steps is nil or
	// has a negative index. steps may be empty. An execution that becomes
	// final is counted in the uptime rollups (UptimeStore) in the same
	// write.
	FinishExecution(ctx context.Context, e *record.Execution, steps []*record.StepResult) error
}

// SyncLocker is an optional interface of a Store shared by several
// processes: it lets one of them at a time apply a sync of plans (a git
// sync), so that two replicas fetching different commits never interleave
// their adds and removes. The engine holds it from reading the plans it
// has to writing the last change.
type SyncLocker interface {
	// LockSync waits until no other holder has the lock, or ctx ends, and
	// returns the function that releases it. The lock is released as well
	// when the process holding it dies.
	LockSync(ctx context.Context) (unlock func(), err error)
}

// Store keeps plans and their executions with step results. A store may
// also keep the alert policy's state by implementing [AlertStore], as the
// memory and PostgreSQL stores do.
//
// Every method is safe for concurrent use and honours its context: called
// with a context that is already done, it returns an error that wraps
// ctx.Err(). Bad input (a nil record, an empty ID, a negative index, limit
// or window, a malformed cursor) is answered with an error, never a panic.
//
// Records go in and come out as copies: a caller may keep and modify what
// it passed or received without touching what is stored. Times keep at
// least microsecond precision and may come back in another location, so
// compare them with time.Time.Equal. An empty map or slice may come back
// nil. Captures values come back as encoding/json decodes them (numbers as
// float64).
//
// The package storagetest checks all of this; every backend passes it.
type Store interface {
	PlanStore
	ExecutionStore
}

// PlanStore keeps plans with their YAML source.
type PlanStore interface {
	// SavePlan inserts the plan or replaces the one with its ID, which must
	// not be empty. The store sets the stored record's CreatedAt on insert
	// (an update keeps it) and UpdatedAt on every save to the current time,
	// and its Revision on insert and on every save that changes the plan
	// (see Plan.Revision); the values in p are ignored and p is not
	// modified. Source is kept byte for byte.
	SavePlan(ctx context.Context, p *Plan) error
	// GetPlan returns ErrNotFound when no plan has the id.
	GetPlan(ctx context.Context, id string) (*Plan, error)
	// ListPlans returns plans ordered by ID (byte-wise, as Go compares
	// strings; in SQL, COLLATE "C"), an empty list when none
	// matches. A nil params lists all.
	ListPlans(ctx context.Context, params *ListPlansParams) ([]*Plan, error)
	// DeletePlan removes the plan with its executions, step results and
	// alert state (of a store that is an AlertStore). It returns
	// ErrNotFound when no plan has the id.
	DeletePlan(ctx context.Context, id string) error
}

// ExecutionStore keeps executions and their step results.
type ExecutionStore interface {
	// CreateExecution stores a new execution (its Steps are ignored). The ID
	// must not be empty and must be new, the plan must exist, and a
	// non-zero ScheduledAt must be one no stored execution of the plan has
	// (to the microsecond): ErrConflict otherwise. The last makes the store
	// the guard against a scheduled tick run twice, by one process or by
	// several. A zero CreatedAt is set to the current time in
	// the stored record (e is not modified).
	CreateExecution(ctx context.Context, e *record.Execution) error
	// UpdateExecution writes the execution's Status, StopReason,
	// StartedAt, FinishedAt, Error, TraceID and Maintenance; its other fields and its
	// Steps are ignored. ErrNotFound
	// when it does not exist.
	UpdateExecution(ctx context.Context, e *record.Execution) error
	// AppendStep adds a step result to an execution as it arrives; results
	// may arrive in any order. ErrNotFound when the execution does not
	// exist, ErrConflict when a result with the same index is stored, an
	// error when r is nil or its Index is negative.
	AppendStep(ctx context.Context, executionID string, r *record.StepResult) error
	// GetExecution returns the execution with its step results in index
	// order, ErrNotFound when it does not exist.
	GetExecution(ctx context.Context, id string) (*record.Execution, error)
	// ListExecutions returns executions newest first (by CreatedAt
	// descending, ties by ID descending, byte-wise), without their step
	// results, and a cursor for the next page. NextCursor is empty on the
	// last page: when the executions left fill a page exactly, that page is
	// the last. Paging is by key, not offset: executions created while a
	// caller pages neither repeat nor shift the pages that follow.
	ListExecutions(ctx context.Context, params *ListExecutionsParams) (*ExecutionPage, error)
	// Summaries returns a summary per stored plan, ordered by plan ID; IDs
	// in params.PlanIDs that name no plan are left out. A nil params means
	// every plan with the default window.
	Summaries(ctx context.Context, params *SummaryParams) ([]*PlanSummary, error)
	// Prune deletes finished executions (Status.Done) that the params
	// select, with their step results, and returns how many it deleted.
	// Created and running executions are never pruned. A nil params, or one
	// with both fields zero, deletes nothing.
	Prune(ctx context.Context, params *PruneParams) (int, error)
}

// AlertStore keeps the alert policy's state per plan, so that it survives
// restarts and is shared by replicas. It is optional: the alert policy
// finds it on the store by type assertion and keeps its state in memory
// when the store is not one. The state of a plan goes with the plan: a
// deleted plan's state is deleted, a plan saved again starts from zero.
//
// Saves are compare-and-swap on Version, so that replicas that finish
// executions of one plan at the same moment do not both act on the same
// state: each reads, decides, and saves with the version it read; the one
// that saves second gets ErrConflict, reads again and decides again.
type AlertStore interface {
	// GetAlertState returns the plan's state; a plan never alerted on has a
	// zero AlertState with its PlanID set (Version 0), not an error.
	// ErrNotFound when no plan has the id.
	GetAlertState(ctx context.Context, planID string) (*AlertState, error)
	// SaveAlertState stores s when the plan's stored state has version
	// s.Version, and the stored state then has version s.Version+1 (s is
	// not modified). ErrConflict when the stored version is another: the
	// state changed since it was read. ErrNotFound when no plan has
	// s.PlanID.
	SaveAlertState(ctx context.Context, s *AlertState) error
}

// DependentAlertStore is an optional interface of an AlertStore that
// finds the plans that depend on a plan by their stored state
// (AlertState.DependsOn), so that the alert policy of any replica names, in
// a dependency's alert, the dependents that fail with it. The policy finds
// it by type assertion; without it, a dependency's alert names none.
type DependentAlertStore interface {
	AlertStore
	// DependentAlertStates returns the stored states whose DependsOn holds
	// planID, ordered by plan ID; none, and no error, when there are none
	// or no plan has the id.
	DependentAlertStates(ctx context.Context, planID string) ([]*AlertState, error)
}

// AlertOutbox is an optional interface of an AlertStore that keeps the
// alerts owed to targets: the alert policy writes them in the same write
// as the transition that decided them, and delivers them from the store,
// so that an alert is delivered at least once after its transition is
// recorded, whatever happens to the process that recorded it, and once
// only among replicas that share the store (each delivery is leased to
// one of them at a time). The policy finds it by type assertion and keeps
// what is owed in memory when the store is not one.
//
// A delivery is not a plan's: it stays owed when its plan is deleted.
type AlertOutbox interface {
	AlertStore
	// SaveAlertStateOwing saves s as SaveAlertState does, with its errors,
	// and in the same write stores the deliveries owed (CreatedAt set to
	// the current time, Lease and LeasedUntil ignored): both or neither.
	// Every delivery needs an ID, a PlanID, a Target and an Event; an ID
	// that is stored already is ErrConflict.
	SaveAlertStateOwing(ctx context.Context, s *AlertState, owed []*AlertDelivery) error
	// ClaimAlertDelivery leases to the caller the oldest delivery owed to
	// target (oldest by when it was saved, in the order of owed within one
	// save) that no unexpired lease holds, for lease: the returned copy
	// carries a new Lease token and LeasedUntil. It returns nil, and no
	// error, when there is none, or when that delivery's NotBefore is
	// still ahead, so that a target's deliveries are taken in order. Two
	// callers never hold one delivery at once, until its lease expires.
	ClaimAlertDelivery(ctx context.Context, target string, lease time.Duration) (*AlertDelivery, error)
	// RetryAlertDelivery writes d's Attempts, NotBefore and LeasedUntil
	// when d.Lease still holds the delivery (a failed attempt, a lease
	// renewed); a zero LeasedUntil releases it for any claim. ErrConflict
	// when the lease is lost: another claim took the delivery, or it is
	// gone.
	RetryAlertDelivery(ctx context.Context, d *AlertDelivery) error
	// CompleteAlertDelivery deletes the delivery when d.Lease still holds
	// it (delivered, or given up on); ErrConflict when the lease is lost.
	CompleteAlertDelivery(ctx context.Context, d *AlertDelivery) error
}

// AlertDelivery is an alert owed to one target. It is defined in the
// record package, so that the policy (package notify) writes it without
// importing storage.
type AlertDelivery = record.AlertDelivery

// Plan is a stored plan.
type Plan struct {
	ID          string
	Name        string
	Description string
	Schedule    string
	Labels      map[string]string
	// Source is the plan's YAML, from which it is parsed again on load.
	Source []byte
	// Files are the files the plan's json_schema assertions refer to, by
	// their path relative to the plan's directory (plan.Plan.Files), so
	// that a process without the plan's folder parses it again from the
	// store. Each is kept byte for byte; nil for a plan that refers to
	// none.
	Files map[string][]byte
	// Revision names the version of the plan the store holds. The store
	// gives the plan one when it is first saved, and a new one on every
	// SavePlan that changes any of its fields other than CreatedAt,
	// UpdatedAt and Revision; a save of the same plan again keeps it, so
	// that processes that save the plans they hold at their start do not
	// make each other read them again. A store never gives one plan ID a
	// revision twice, even to a plan deleted and saved again: two reads of
	// a plan with the same revision read the same plan. Revisions are
	// positive; whether they grow is up to the store. Zero from a store
	// that keeps none.
	Revision  int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ListPlansParams filters ListPlans.
type ListPlansParams struct {
	// Labels selects plans that carry every one of these labels with the
	// same value. Nil selects all.
	Labels map[string]string
}

// DefaultListLimit is how many executions ListExecutions returns when the
// params set no limit; MaxListLimit is the most it returns.
const (
	DefaultListLimit = 50
	MaxListLimit     = 1000
)

// ListExecutionsParams filters and pages ListExecutions. Nil means the
// newest DefaultListLimit executions of every plan.
type ListExecutionsParams struct {
	// PlanID selects one plan's executions.
	PlanID string
	// Statuses selects executions in any of these statuses.
	Statuses []record.Status
	// Since and Until bound CreatedAt: Since inclusive, Until exclusive.
	Since, Until time.Time
	// Limit defaults to DefaultListLimit (when zero) and is capped at
	// MaxListLimit. A negative Limit is an error.
	Limit int
	// Cursor is the NextCursor of the previous page, empty for the first.
	// It is opaque and valid with the same filters; a malformed cursor is
	// an error.
	Cursor string
}

// ExecutionPage is one page of ListExecutions.
type ExecutionPage struct {
	Executions []*record.Execution
	// NextCursor is empty on the last page.
	NextCursor string
}

// DefaultSummaryWindow is how many recent executions a summary covers.
const DefaultSummaryWindow = 100

// SummaryParams selects and sizes Summaries.
type SummaryParams struct {
	// PlanIDs selects plans; nil selects all.
	PlanIDs []string
	// Window is how many of each plan's latest finished executions
	// (Status.Done, newest by CreatedAt then ID, as ListExecutions orders)
	// the counts and durations cover; executions marked Maintenance are
	// not among them, so that planned downtime does not count against a
	// plan's uptime. Defaults to DefaultSummaryWindow
	// when zero; negative is an error.
	Window int
}

// PlanSummary is what a dashboard shows of a plan.
type PlanSummary struct {
	PlanID string
	// Last is the plan's newest execution in any status (as ListExecutions
	// orders, without step results), nil when it never ran.
	Last *record.Execution
	// Counts are the window's executions by status; statuses that do not
	// occur are absent.
	Counts map[record.Status]int
	// P50 and P95 are nearest-rank percentiles (SQL percentile_disc) of the
	// durations (FinishedAt - StartedAt) of the window's executions that
	// have both a start and a finish: the smallest duration d such that at
	// least 50% (95%) of them are <= d. Zero when there is none.
	P50, P95 time.Duration
}

// PruneParams selects what Prune deletes. Both may be set: an execution is
// deleted when either selects it.
type PruneParams struct {
	// FinishedBefore deletes executions whose FinishedAt is before it; zero
	// ignores it. An execution without a FinishedAt is not selected by it.
	FinishedBefore time.Time
	// KeepLast keeps the newest KeepLast finished executions of each plan
	// (newest by CreatedAt then ID) and deletes the rest; 0 ignores it,
	// negative is an error.
	KeepLast int
}

// AlertState is the alert policy's memory of a plan. It is defined in the
// record package, so that the policy (package notify) keeps it without
// importing storage.
type AlertState = record.AlertState
