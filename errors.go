package smokex

import (
	"errors"

	"github.com/smokex/smokex/storage"
)

// Sentinel errors of the Engine. Check them with errors.Is.
var (
	// ErrClosed is returned by calls made after Stop.
	ErrClosed = errors.New("smokex: engine is stopped")
	// ErrOverlap is returned by Run and Trigger when the plan's previous
	// execution still runs and the overlap policy is OverlapSkip.
	ErrOverlap = errors.New("smokex: the plan's previous execution is still running")
	// ErrPlanNotFound is returned for an unknown plan id. It wraps
	// storage.ErrNotFound, so either sentinel matches.
	ErrPlanNotFound = notFound("smokex: plan not found")
	// ErrExecutionNotFound is returned by Cancel for an execution that is
	// not running in this engine. It wraps storage.ErrNotFound.
	ErrExecutionNotFound = notFound("smokex: execution not running")
	// ErrRunsCanceled is returned by Stop when its context ended before the
	// executions in flight finished, which it then canceled (they are
	// stored as canceled). A host that asked for the stop may treat it as
	// a clean one.
	ErrRunsCanceled = errors.New("smokex: executions in flight were canceled at stop")
)

type notFoundError struct{ msg string }

func notFound(msg string) error        { return &notFoundError{msg} }
func (e *notFoundError) Error() string { return e.msg }
func (e *notFoundError) Unwrap() error { return storage.ErrNotFound }
