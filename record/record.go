package record

import (
	"time"
)

// Status is the state of an execution: what a monitor filters on. Why a
// finished execution stopped where it did is its StopReason. The states
// and the reasons are documented together in docs/statuses.md.
type Status string

// The statuses of an execution. The original Smokex had created, running,
// finished and halted; here finished splits into passed and failed, and
// halted is no longer a status but a StopReason of a failed execution.
const (
	// StatusCreated is an execution that is queued and has not started:
	// it waits for a concurrency slot, or holds one while its secrets are
	// resolved (docs/statuses.md).
	StatusCreated Status = "created"
	// StatusRunning is an execution that holds a concurrency slot: its
	// secrets are being resolved, or its steps run. A scheduled tick that
	// took a free slot at once is stored running from its creation.
	StatusRunning Status = "running"
	// StatusPassed is an execution whose every step ran and passed.
	StatusPassed Status = "passed"
	// StatusFailed is an execution in which at least one step failed an
	// assertion or ended on an error of its own, whether the execution
	// then halted, went on to the end or was canceled.
	StatusFailed Status = "failed"
	// StatusCanceled is an execution stopped from outside before its steps
	// all ran, with no step failed: its context was canceled or its
	// deadline passed (StopCanceled), or the process running it died
	// (StopInterrupted). It says nothing about the target's health.
	StatusCanceled Status = "canceled"
	// StatusDegraded is an execution whose every step passed, one or more
	// of them slower than its degraded_after option: up, but slow. It
	// counts as up wherever health is counted (Up).
	StatusDegraded Status = "degraded"
)

// Done reports whether s is a final status.
func (s Status) Done() bool {
	switch s {
	case StatusPassed, StatusFailed, StatusCanceled, StatusDegraded:
		return true
	}
	return false
}

// Up reports whether s says the target is up: passed or degraded.
func (s Status) Up() bool { return s == StatusPassed || s == StatusDegraded }

// StopReason says why a finished execution stopped before running all its
// steps; it is empty for one that ran to its last step.
type StopReason string

// The reasons an execution stops early.
const (
	// StopHaltedOnError: a step failed with halt_on_error on (the default),
	// and the steps after it were skipped. The status is failed.
	StopHaltedOnError StopReason = "halted_on_error"
	// StopCanceled: the execution's context was canceled (an engine Stop, a
	// caller, a signal) or its deadline passed, while it ran or before its
	// first step (waiting for a concurrency slot, reading its secrets);
	// the steps not run are skipped. The status is canceled, or failed
	// when a step had already failed.
	StopCanceled StopReason = "canceled"
	// StopInterrupted: the process running the execution stopped before it
	// finished, and an engine that started later on the same store finished
	// it. The status is canceled, or failed when a step had already failed.
	StopInterrupted StopReason = "interrupted"
	// StopSkipped: a scheduled tick that could not start in time (within
	// its plan's interval, or the engine's MaxLateness) was not run late:
	// no step ran, and the error, of kind late, says by how much it
	// missed. The status is canceled.
	StopSkipped StopReason = "skipped"
)

// Trigger tells what started an execution.
type Trigger string

// The triggers the library itself uses; a host may use its own.
const (
	TriggerManual   Trigger = "manual"
	TriggerSchedule Trigger = "schedule"
	TriggerCLI      Trigger = "cli"
	TriggerAPI      Trigger = "api"
	// TriggerTest marks a run from a Go test (package smokextest).
	TriggerTest Trigger = "test"
)

// Execution is one run of a plan.
type Execution struct {
	ID       string  `json:"id"`
	PlanID   string  `json:"plan"`
	PlanName string  `json:"plan_name"`
	Trigger  Trigger `json:"trigger"`
	Status   Status  `json:"status"`
	// StopReason says why the execution stopped before its last step;
	// empty when it ran them all.
	StopReason StopReason   `json:"stop_reason,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	StartedAt  time.Time    `json:"started_at,omitzero"`
	FinishedAt time.Time    `json:"finished_at,omitzero"`
	Steps      []StepResult `json:"steps"`
	// TraceID is the ID of the execution's trace (32 hex digits) when a
	// tracer traced it, so that a page can link to the trace; empty
	// otherwise.
	TraceID string `json:"trace_id,omitempty"`
	// Maintenance names what held the execution when it finished: its
	// plan's pause ("paused until 2026-12-06T03:00:00Z") or a maintenance
	// window (the plan's or one a MaintenanceHook named). No alert was
	// sent for it, and the uptime figures (storage summaries) leave it
	// out. Empty otherwise.
	Maintenance string `json:"maintenance,omitempty"`
	// Flaky is set on an execution that was up (passed or degraded) only
	// because a step needed more than one attempt: a retry of a request
	// that failed (retries), not poll, which waits by design.
	Flaky bool `json:"flaky,omitempty"`
	// Error is set when the execution as a whole ended on an error (canceled,
	// interrupted by a process that died) rather than on a step.
	Error *StepError `json:"error,omitempty"`
	// ScheduledAt is, for an execution a schedule started, the due time
	// of its tick: when it was meant to start, which a late start does not
	// move. A plan has at most one execution per due time and location,
	// so that the runs of a schedule can be counted from the store; the
	// executions of one tick in several locations share it. Zero for
	// executions started otherwise.
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	// Location is the location the execution ran from: for a tick, the
	// tick's (one of its plan's locations; empty for a plan without
	// locations, whichever process ran it); for other runs, that of the
	// process that ran it (smokex.Config.Location). Empty when none.
	Location string `json:"location,omitempty"`
	// Source is the revision the plan was synced from (a git commit and
	// the plan file's path in it), so that a failure is tied to the change
	// that caused it; zero for plans from elsewhere.
	Source Source `json:"source,omitzero"`
}

// Source is the revision a synced plan came from.
type Source struct {
	// Commit is the full commit hash.
	Commit string `json:"commit"`
	// Path is the plan file's path in the repository, slash-separated.
	Path string `json:"path"`
}

// Duration is the time from start to finish, zero while running.
func (e *Execution) Duration() time.Duration {
	if e.StartedAt.IsZero() || e.FinishedAt.IsZero() {
		return 0
	}
	return e.FinishedAt.Sub(e.StartedAt)
}

// StepResult is the outcome of one step.
type StepResult struct {
	Index  int    `json:"index"`
	Name   string `json:"name"`
	Method string `json:"method"`
	// URL is the request URL as sent, secrets redacted.
	URL       string    `json:"url"`
	StartedAt time.Time `json:"started_at,omitzero"`
	Request   *Request  `json:"request,omitempty"`
	Response  *Response `json:"response,omitempty"`
	Timings   Timings   `json:"timings"`
	// Attempts counts the requests sent, retries and polls included; 0
	// when skipped.
	Attempts int `json:"attempts"`
	// Duration is the step's whole time: every attempt and the waits
	// between them. Timings are the last attempt's.
	Duration time.Duration `json:"-"`
	// AttemptLog has one entry per request when there were more than one
	// (retries, poll), in order; the executor keeps the latest 100
	// (exec.MaxAttemptLog) of a step that sent more.
	AttemptLog []Attempt `json:"attempt_log,omitempty"`
	OK         bool      `json:"ok"`
	Skipped    bool      `json:"skipped"`
	// Degraded is set on a step that passed but whose response took longer
	// than its degraded_after option.
	Degraded bool `json:"degraded,omitempty"`
	// TLS is the TLS connection of the last response of an HTTPS step: its
	// version and the server's leaf certificate, recorded whether or not
	// the step verified it (insecure: true). Nil for plain HTTP and when no
	// response was received.
	TLS *TLS `json:"tls,omitempty"`
	// Captures are the variables the step saved, secrets redacted.
	Captures map[string]any `json:"captures,omitempty"`
	Failures []Failure      `json:"failures,omitempty"`
	Error    *StepError     `json:"error,omitempty"`
}

// Total is the step's whole time, its attempts and the waits between them
// included: Duration when set, else the last attempt's Timings.Total.
func (r *StepResult) Total() time.Duration {
	if r.Duration != 0 {
		return r.Duration
	}
	return r.Timings.Total
}

// Request is what a step sent, secrets redacted.
type Request struct {
	Method  string              `json:"method"`
	URL     string              `json:"url"`
	Headers map[string][]string `json:"headers,omitempty"`
	// Body is kept when the step runs with debug, up to 64 KiB
	// (exec.DebugBodySize).
	Body string `json:"body,omitempty"`
}

// Response is what a step received, secrets redacted.
type Response struct {
	StatusCode int                 `json:"status_code"`
	Proto      string              `json:"proto,omitempty"`
	Headers    map[string][]string `json:"headers,omitempty"`
	// Body is the body with debug, up to 64 KiB (exec.DebugBodySize);
	// otherwise an excerpt of a failed step's body.
	Body string `json:"body,omitempty"`
	// Size is the body's size in bytes, after decompression. For a body
	// over the size limit (error too_large) it is the limit plus one.
	Size int64 `json:"size"`
}

// Timings of the last attempt of a step, from net/http/httptrace. A phase
// that did not happen (a reused connection has no DNS or connect) is zero.
type Timings struct {
	DNS       time.Duration `json:"dns"`
	Connect   time.Duration `json:"connect"`
	TLS       time.Duration `json:"tls"`
	FirstByte time.Duration `json:"first_byte"`
	Total     time.Duration `json:"total"`
}

// FailureType is the kind of assertion that failed.
type FailureType string

// The assertion kinds of the plan format's expect.
const (
	FailureStatusCode FailureType = "status_code"
	FailureHeader     FailureType = "header"
	FailureJSON       FailureType = "json"
	FailureString     FailureType = "string"
	FailureHTML       FailureType = "html"
	FailureAssert     FailureType = "assert"
	// FailureBodySize is a failed expect body_size.
	FailureBodySize FailureType = "body_size"
	// FailureJSONSchema is a body that is not valid against the step's
	// json_schema.
	FailureJSONSchema FailureType = "json_schema"
	// FailureCertificate is a failed expect certificate: Name is the host
	// whose certificate it is, Expected and Received say how long it had
	// to be and was valid for.
	FailureCertificate FailureType = "certificate"
	// FailureDuration is a response slower than the step's max_duration
	// option.
	FailureDuration FailureType = "duration"
)

// Failure is one failed assertion.
type Failure struct {
	Type FailureType `json:"type"`
	// Name says which assertion: the header name, the JSON path, the CSS
	// selector, the expression.
	Name     string `json:"name"`
	Expected string `json:"expected"`
	Received string `json:"received"`
	// Line and Column are where the plan writes the assertion that failed
	// (1-based); zero when unknown.
	Line   int `json:"line"`
	Column int `json:"column"`
}

// What names the assertion that failed: its type, and which one when the
// type alone does not say ("header Content-Type", "json $.user.id",
// "status_code").
func (f Failure) What() string {
	if f.Name != "" && f.Name != string(f.Type) {
		return string(f.Type) + " " + f.Name
	}
	return string(f.Type)
}

// String writes the failure on one line: "status_code: expected 200,
// received 503".
func (f Failure) String() string {
	if f.Type == FailureCertificate {
		// "certificate for example.com expires in 9 days 23 h (...),
		// expected more than 14 days"
		return "certificate for " + f.Name + " " + f.Received + ", expected " + f.Expected
	}
	return f.What() + ": expected " + f.Expected + ", received " + f.Received
}

// TLS is the TLS connection a step's response came over.
type TLS struct {
	// Version is the protocol version: "TLS 1.2", "TLS 1.3".
	Version string `json:"version"`
	// Certificate is the server's leaf certificate; nil when the server
	// sent none.
	Certificate *Certificate `json:"certificate,omitempty"`
}

// Certificate is what a step records of a server's leaf certificate.
type Certificate struct {
	// Host is the host the step connected to (the URL's, without port).
	Host string `json:"host"`
	// Subject and Issuer are the distinguished names, as
	// pkix.Name.String writes them ("CN=example.com,O=Example").
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
	// DNSNames are the names of the subject alternative name extension.
	DNSNames  []string  `json:"dns_names,omitempty"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
}

// ExpiresIn is how long the certificate is still valid at now: negative
// once it has expired.
func (c *Certificate) ExpiresIn(now time.Time) time.Duration { return c.NotAfter.Sub(now) }

// Attempt is one request of a step that sent more than one.
type Attempt struct {
	StartedAt time.Time `json:"started_at"`
	// Duration is the attempt's total time; on the wire, duration_ms.
	Duration time.Duration `json:"-"`
	// StatusCode is zero when no response was received.
	StatusCode int `json:"status_code,omitempty"`
	// OK tells whether the attempt passed the step's expectations.
	OK    bool       `json:"ok"`
	Error *StepError `json:"error,omitempty"`
}

// ErrorKind classifies a step error.
type ErrorKind string

// The kinds of step errors.
const (
	ErrInvalidURL ErrorKind = "invalid_url"
	ErrDNS        ErrorKind = "dns"
	ErrConnect    ErrorKind = "connect"
	ErrTLS        ErrorKind = "tls"
	ErrTimeout    ErrorKind = "timeout"
	ErrTooLarge   ErrorKind = "too_large"
	ErrRedirects  ErrorKind = "redirects"
	ErrCanceled   ErrorKind = "canceled"
	// ErrReset is a connection the server reset or closed before the
	// response was complete: no response at all, or a body cut short.
	ErrReset ErrorKind = "reset"
	// ErrRequest is another failure to send or read (a malformed
	// response).
	ErrRequest ErrorKind = "request"
	// ErrInterpolation is a ${...} that failed: an undefined name, an
	// expression that failed at run time, a value of the wrong type.
	ErrInterpolation ErrorKind = "interpolation"
	// ErrCapture is a capture that found nothing.
	ErrCapture ErrorKind = "capture"
	// ErrInterrupted marks an execution whose process died while it ran.
	ErrInterrupted ErrorKind = "interrupted"
	// ErrStorage marks an execution of which some step results could not
	// be stored: its message names them. The status is the run's own;
	// the stored execution lacks those steps.
	ErrStorage ErrorKind = "storage"
	// ErrLate marks the execution of a tick skipped because it could not
	// start in time (StopSkipped).
	ErrLate ErrorKind = "late"
)

// StepError is a step (or execution) that could not complete, as opposed to
// one whose assertions failed.
type StepError struct {
	Kind    ErrorKind `json:"kind"`
	Message string    `json:"message"`
	// Line and Column are where the plan writes the value the error is
	// about (1-based), such as the value whose ${...} failed to
	// interpolate; zero when the error has no place in the plan.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// Error returns "kind: message".
func (e *StepError) Error() string { return string(e.Kind) + ": " + e.Message }

// StepOutcome is how a finished step ended, in the words every report
// counts it by.
type StepOutcome string

// The outcomes of a step. A step whose assertions failed is failed,
// whatever went wrong after them (a capture that then found nothing): the
// failed assertion is what a reader needs first.
const (
	// StepPassed: every assertion held and nothing went wrong.
	StepPassed StepOutcome = "passed"
	// StepFailed: at least one assertion failed; Error may say what else
	// went wrong after.
	StepFailed StepOutcome = "failed"
	// StepErrored: the step could not complete (no response, a timeout, a
	// capture that found nothing, an interpolation error) and no assertion
	// failed.
	StepErrored StepOutcome = "errored"
	// StepSkipped: the step did not run.
	StepSkipped StepOutcome = "skipped"
)

// Outcome returns how r ended: skipped, failed when an assertion failed
// (whatever else went wrong), errored when it ended on an error alone,
// else passed, or failed for a step marked not OK with neither.
func (r *StepResult) Outcome() StepOutcome {
	switch {
	case r.Skipped:
		return StepSkipped
	case len(r.Failures) > 0:
		return StepFailed
	case r.Error != nil:
		return StepErrored
	case r.OK:
		return StepPassed
	}
	return StepFailed
}

// Problems describes what went wrong in r, a line each, in the order every
// report shows them: each failed assertion (Failure.String), then the
// error ("capture: token: ..."). Empty for a step that passed or was
// skipped.
func (r *StepResult) Problems() []string {
	lines := make([]string, 0, len(r.Failures)+1)
	for _, f := range r.Failures {
		lines = append(lines, f.String())
	}
	if r.Error != nil {
		lines = append(lines, r.Error.Error())
	}
	return lines
}
