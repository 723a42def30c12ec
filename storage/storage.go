package storage

import (
	"context"
	"errors"
	"time"

	"github.com/smokex/smokex/exec"
)

// Sentinel errors. Backends wrap them; check with errors.Is.
var (
	// ErrNotFound is returned when a plan or execution does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict is returned when a write contradicts what is stored: an
	// execution created twice with one id, a step appended twice with one
	// index, an execution or step written for a plan that does not exist.
	ErrConflict = errors.New("storage: conflict")
)

// Store keeps plans, their executions with step results, and alert state.
// Every method is safe for concurrent use and honours its context.
type Store interface {
	PlanStore
	ExecutionStore
	AlertStore
}

// PlanStore keeps plans with their YAML source.
type PlanStore interface {
	// SavePlan inserts the plan or replaces the one with its ID. It sets
	// UpdatedAt (and CreatedAt on insert) on the stored record.
	SavePlan(ctx context.Context, p *Plan) error
	// GetPlan returns ErrNotFound when no plan has the id.
	GetPlan(ctx context.Context, id string) (*Plan, error)
	// ListPlans returns plans ordered by ID. A nil params lists all.
	ListPlans(ctx context.Context, params *ListPlansParams) ([]*Plan, error)
	// DeletePlan removes the plan with its executions, step results and
	// alert state. It returns ErrNotFound when no plan has the id.
	DeletePlan(ctx context.Context, id string) error
}

// ExecutionStore keeps executions and their step results.
type ExecutionStore interface {
	// CreateExecution stores a new execution (its Steps are ignored). The
	// plan must exist; the ID must be new (ErrConflict otherwise).
	CreateExecution(ctx context.Context, e *exec.Execution) error
	// UpdateExecution writes the execution's status, start, finish and
	// error; its Steps are ignored. ErrNotFound when it does not exist.
	UpdateExecution(ctx context.Context, e *exec.Execution) error
	// AppendStep adds a step result to an execution as it arrives.
	// ErrNotFound when the execution does not exist, ErrConflict when a
	// result with the same index is stored.
	AppendStep(ctx context.Context, executionID string, r *exec.StepResult) error
	// GetExecution returns the execution with its step results in index
	// order, ErrNotFound when it does not exist.
	GetExecution(ctx context.Context, id string) (*exec.Execution, error)
	// ListExecutions returns executions newest first (by CreatedAt, then ID),
	// without their step results, and a cursor for the next page (empty on
	// the last page).
	ListExecutions(ctx context.Context, params *ListExecutionsParams) (*ExecutionPage, error)
	// Summaries returns a summary per plan, ordered by plan ID.
	Summaries(ctx context.Context, params *SummaryParams) ([]*PlanSummary, error)
	// Prune deletes finished executions that the params select and returns
	// how many it deleted. Running executions are never pruned.
	Prune(ctx context.Context, params *PruneParams) (int, error)
}

// AlertStore keeps the alert policy's state per plan, so that it survives
// restarts and is shared by replicas.
type AlertStore interface {
	// GetAlertState returns the plan's state; a plan never alerted on has a
	// zero AlertState with its PlanID set, not an error.
	GetAlertState(ctx context.Context, planID string) (*AlertState, error)
	// SaveAlertState stores the state. The plan must exist (ErrNotFound).
	SaveAlertState(ctx context.Context, s *AlertState) error
}

// Plan is a stored plan.
type Plan struct {
	ID          string
	Name        string
	Description string
	Schedule    string
	Labels      map[string]string
	// Source is the plan's YAML, from which it is parsed again on load.
	Source    []byte
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
	Statuses []exec.Status
	// Since and Until bound CreatedAt: Since inclusive, Until exclusive.
	Since, Until time.Time
	// Limit defaults to DefaultListLimit and is capped at MaxListLimit.
	Limit int
	// Cursor is the NextCursor of the previous page.
	Cursor string
}

// ExecutionPage is one page of ListExecutions.
type ExecutionPage struct {
	Executions []*exec.Execution
	// NextCursor is empty on the last page.
	NextCursor string
}

// DefaultSummaryWindow is how many recent executions a summary covers.
const DefaultSummaryWindow = 100

// SummaryParams selects and sizes Summaries.
type SummaryParams struct {
	// PlanIDs selects plans; nil selects all.
	PlanIDs []string
	// Window is how many of each plan's latest finished executions the
	// counts and durations cover. Defaults to DefaultSummaryWindow.
	Window int
}

// PlanSummary is what a dashboard shows of a plan.
type PlanSummary struct {
	PlanID string
	// Last is the plan's newest execution, nil when it never ran.
	Last *exec.Execution
	// Counts are executions by status within the window.
	Counts map[exec.Status]int
	// P50 and P95 are durations of finished executions within the window.
	P50, P95 time.Duration
}

// PruneParams selects what Prune deletes. Both may be set: an execution is
// deleted when either selects it.
type PruneParams struct {
	// FinishedBefore deletes executions finished before it; zero ignores it.
	FinishedBefore time.Time
	// KeepLast keeps the newest KeepLast finished executions of each plan and
	// deletes the rest; 0 ignores it.
	KeepLast int
}

// AlertState is the alert policy's memory of a plan.
type AlertState struct {
	PlanID string
	// ConsecutiveFailures counts the plan's failed executions since its last
	// passed one.
	ConsecutiveFailures int
	// LastStatus is the status of the last execution the policy saw.
	LastStatus exec.Status
	// LastAlertedStatus and LastAlertedAt describe the last alert sent.
	LastAlertedStatus exec.Status
	LastAlertedAt     time.Time
	UpdatedAt         time.Time
}
