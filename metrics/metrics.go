package metrics

import (
	"net/http"
	"time"

	"github.com/smokex/smokex/record"
)

// ScheduleLag returns how late x started: StartedAt minus ScheduledAt, at
// least zero; ok is false when x was not scheduled or has not started. A
// hook measures it in ExecutionStarted.
func ScheduleLag(x *record.Execution) (lag time.Duration, ok bool) {
	if x.ScheduledAt.IsZero() || x.StartedAt.IsZero() {
		return 0, false
	}
	return max(x.StartedAt.Sub(x.ScheduledAt), 0), true
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
