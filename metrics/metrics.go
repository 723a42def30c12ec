package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/smokex/smokex/record"
)

// Recorder receives the measurements of an engine, through [Hook]. Each
// method is called from the goroutine of the run it measures (a tick's or
// a delivery's for the last two) and must not block; none is given a
// context whose cancellation matters. The values passed must not be
// modified; they stay valid after the call.
//
// Implementations embed [Nop], which implements every method, so that a
// method added later has a default.
type Recorder interface {
	// RecordExecution measures a finished execution. ctx is the one its
	// ExecutionTracer returned, if any.
	RecordExecution(ctx context.Context, p *record.PlanRef, x *record.Execution)
	// RecordStep measures a finished step, skipped steps included. ctx is
	// the one its StepTracer returned, if any. It follows the step's
	// RecordAssertionFailure calls.
	RecordStep(ctx context.Context, p *record.PlanRef, x *record.Execution, s *record.StepResult)
	// RecordAssertionFailure measures one failed assertion of step s, with
	// the step's context, before RecordStep of s.
	RecordAssertionFailure(ctx context.Context, p *record.PlanRef, x *record.Execution, s *record.StepResult, f *record.Failure)
	// RecordScheduleLag measures how late a scheduled execution started:
	// its start minus the time it was due.
	RecordScheduleLag(ctx context.Context, p *record.PlanRef, x *record.Execution, lag time.Duration)
	// RecordSkippedTick measures a scheduled tick that did not run. p is nil
	// when no plan has the tick's ID.
	RecordSkippedTick(ctx context.Context, planID string, p *record.PlanRef, reason record.SkipReason)
	// RecordNotification measures a notification an alert policy
	// delivered, failed to deliver or dropped (n.Outcome), from the
	// policy's goroutine. p is the plan alerted on.
	RecordNotification(ctx context.Context, p *record.PlanRef, n *record.Notification)

	recorder()
}

// Nop is a Recorder that records nothing: the default, and the embeddable
// base of every Recorder.
type Nop struct{}

var _ Recorder = Nop{}

// RecordExecution does nothing.
func (Nop) RecordExecution(context.Context, *record.PlanRef, *record.Execution) {}

// RecordStep does nothing.
func (Nop) RecordStep(context.Context, *record.PlanRef, *record.Execution, *record.StepResult) {}

// RecordAssertionFailure does nothing.
func (Nop) RecordAssertionFailure(context.Context, *record.PlanRef, *record.Execution, *record.StepResult, *record.Failure) {
}

// RecordScheduleLag does nothing.
func (Nop) RecordScheduleLag(context.Context, *record.PlanRef, *record.Execution, time.Duration) {}

// RecordSkippedTick does nothing.
func (Nop) RecordSkippedTick(context.Context, string, *record.PlanRef, record.SkipReason) {}

// RecordNotification does nothing.
func (Nop) RecordNotification(context.Context, *record.PlanRef, *record.Notification) {}

func (Nop) recorder() {}

// ExecutionTracer is a Recorder that traces executions. TraceExecution is
// called once per execution before it starts, and returns the context the
// execution runs with (ctx with the execution's span) and the ID of its
// trace, kept on the stored execution ("" for none). RecordExecution ends
// what it began.
type ExecutionTracer interface {
	TraceExecution(ctx context.Context, p *record.PlanRef, x *record.Execution) (context.Context, string)
}

// StepTracer is a Recorder that traces steps. TraceStep is called before
// step index of x runs (skipped steps too) with the execution's context,
// and returns the context the step runs with; its requests are sent with
// it. RecordStep of that step gets it back and ends what it began.
type StepTracer interface {
	TraceStep(ctx context.Context, p *record.PlanRef, x *record.Execution, index int) context.Context
}

// TransportWrapper is a Recorder that traces the HTTP requests of steps:
// the executor sends every request through the transport WrapTransport
// returns, with the step's context. The wrapper must not change what is
// sent but for trace headers.
type TransportWrapper interface {
	WrapTransport(rt http.RoundTripper) http.RoundTripper
}

// Outcome is how a step ended, as a label.
type Outcome string

// The outcomes of a step.
const (
	// OutcomePassed: every assertion held.
	OutcomePassed Outcome = "passed"
	// OutcomeFailed: an assertion failed on the response, whatever went
	// wrong after it (record.StepFailed).
	OutcomeFailed Outcome = "failed"
	// OutcomeError: the step could not complete (no response, a timeout, a
	// capture that found nothing, an interpolation error) and no assertion
	// had failed.
	OutcomeError Outcome = "error"
	// OutcomeSkipped: the step did not run.
	OutcomeSkipped Outcome = "skipped"
)

// StepOutcome returns how s ended.
func StepOutcome(s *record.StepResult) Outcome {
	switch s.Outcome() {
	case record.StepSkipped:
		return OutcomeSkipped
	case record.StepErrored:
		return OutcomeError
	case record.StepFailed:
		return OutcomeFailed
	}
	return OutcomePassed
}

// StatusClass returns the class of an HTTP status code, "1xx" to "5xx", or
// "" for a code outside 100-599 (no response).
func StatusClass(code int) string {
	if code < 100 || code > 599 {
		return ""
	}
	return statusClasses[code/100-1]
}

var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// StepStatusClass returns the class of s's response status, "" when it
// has no response.
func StepStatusClass(s *record.StepResult) string {
	if s.Response == nil {
		return ""
	}
	return StatusClass(s.Response.StatusCode)
}

// MethodOther stands for a method that is not one of the known ones.
const MethodOther = "_OTHER"

// Method returns m when it is a method of RFC 9110 or PATCH, and
// MethodOther otherwise, so that a label never holds an unbounded value.
func Method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return MethodOther
}

// PlanID returns the ID that labels measurements of a plan: p's, or
// planID when p is nil.
func PlanID(planID string, p *record.PlanRef) string {
	if p != nil {
		return p.ID
	}
	return planID
}
