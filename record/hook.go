package record

import (
	"context"
	"net/http"
	"time"
)

// Hook is anything that hooks into an engine (smokex.Config.Hooks). The
// engine finds, once, which of the hook interfaces below a Hook implements
// and calls those methods only; a hook implements as few or as many as it
// needs. Embed [HookDefaults] to implement Hook itself, so that an interface
// added later breaks no implementation.
//
// The engine calls hooks from the goroutine that runs the execution, after
// the event is stored, in the order they were configured. The exceptions:
// StepFinished for an execution's last step on a store that writes that
// step with the finish (storage.ExecutionFinisher) is told inside the
// step's WrapStep, before the finish stores it, and a hook that reads the
// step from the store reads it at ExecutionFinished (the engine's
// step_finished event, by contrast, goes out once the step is stored); a
// scheduled tick written once, when it ends
// (smokex.Config.WriteRunningAfter), is told created and started before
// anything of it is stored; and TickSkipped and StoreFailed of such a tick may come from
// the goroutine that writes it as running at its bound. A hook must not
// block: one that does I/O (an alert, an export) hands the work to a
// goroutine of its own, and implements [Service] so that the engine starts
// it and waits for it on Stop. The values passed must not be modified; they
// stay valid after the call.
type Hook interface {
	// IsHook marks a Hook. HookDefaults implements it.
	IsHook() bool
}

// HookDefaults implements [Hook]. Embed it in a hook.
type HookDefaults struct{}

// IsHook returns true.
func (HookDefaults) IsHook() bool { return true }

// ExecutionCreatedHook is told of an execution that was just created,
// before it waits for a concurrency slot.
type ExecutionCreatedHook interface {
	Hook
	ExecutionCreated(ctx context.Context, p *PlanRef, x *Execution)
}

// ExecutionStartedHook is told of an execution that starts running.
type ExecutionStartedHook interface {
	Hook
	ExecutionStarted(ctx context.Context, p *PlanRef, x *Execution)
}

// StepFinishedHook is told of each step as soon as its result is known,
// skipped steps included.
type StepFinishedHook interface {
	Hook
	StepFinished(ctx context.Context, p *PlanRef, x *Execution, s *StepResult)
}

// StepPollingHook is told of each attempt of a polling step (the poll
// option) that did not pass and will be tried again: s holds that
// attempt's result, next is when the next attempt starts and deadline when
// the poll gives up. A command line shows it as a progress line, so that
// a step that waits for minutes is seen waiting. A step without poll, and
// the last attempt of one, are told to StepFinishedHook only.
type StepPollingHook interface {
	Hook
	StepPolling(ctx context.Context, p *PlanRef, x *Execution, s *StepResult, next, deadline time.Time)
}

// ExecutionFinishedHook is told of an execution that finished, with all of
// its step results. It is called after the execution no longer holds a
// concurrency slot. It is not called for a scheduled run that the store
// refused at its first write, made after its admission (a run written
// once, when it ends, found a duplicate of its tick's execution, its plan
// removed, or under OverlapSkip another process's execution of its plan
// in flight): that run is canceled and told as a skipped tick
// (TickSkippedHook), as one refused at its admission; StepFinished calls
// made for it before the refusal stand, and a span an
// ExecutionContextHook opened for it is not ended by this call.
type ExecutionFinishedHook interface {
	Hook
	ExecutionFinished(ctx context.Context, p *PlanRef, x *Execution)
}

// ExecutionContextHook derives the context an execution runs with: a
// tracer opens the execution's span in it. It is called once per
// execution, before it waits for a concurrency slot; every later hook of
// the execution, and its steps, see the returned context (without its
// cancellation for the finish). The returned string, when not empty, is
// kept as the execution's TraceID. The hook must return a context derived
// from ctx. It is not called for a scheduled tick that was already too
// late when it came: that tick never runs, and is stored skipped when it
// is created, without a trace.
type ExecutionContextHook interface {
	Hook
	ExecutionContext(ctx context.Context, p *PlanRef, x *Execution) (context.Context, string)
}

// StepHook wraps each step of an execution, skipped steps included, as a
// middleware wraps a call: the one shape of a hook that must act around a
// call rather than after it (River's Work(ctx, job, doInner) is the
// model). WrapStep is called before the step with the execution's context
// and must call doInner once, with ctx or a context derived from it (a
// tracer's: ctx with the step's span); doInner runs the step, sends its
// requests with that context, tells the StepFinishedHooks with it, and
// returns the step's result, which the hook may read (to end its span) and
// must not modify. Several StepHooks nest in the order they are
// configured, the first outermost.
type StepHook interface {
	Hook
	WrapStep(ctx context.Context, p *PlanRef, x *Execution, index int, doInner func(ctx context.Context) *StepResult)
}

// TransportHook wraps the transport that the executor sends every request
// of every step through, once, when the engine is built: a tracer opens a
// span per request there and sends the trace context to the target. Each
// request carries the step's context (StepHook). The wrapper must
// not change what is sent but for trace headers.
type TransportHook interface {
	Hook
	WrapTransport(rt http.RoundTripper) http.RoundTripper
}

// SkipReason tells why a scheduled tick did not run.
type SkipReason string

// The reasons a tick is skipped.
const (
	// SkipOverlap: the plan's previous execution was still running.
	SkipOverlap SkipReason = "overlap"
	// SkipClosed: the engine was stopping.
	SkipClosed SkipReason = "closed"
	// SkipUnknownPlan: no plan has the tick's ID any more.
	SkipUnknownPlan SkipReason = "unknown_plan"
	// SkipError: the run could not be created (the store failed).
	SkipError SkipReason = "error"
	// SkipDuplicate: the tick has an execution already. A scheduler that
	// rescues ticks hands over again a tick whose process died; its
	// execution is finished as interrupted rather than run twice.
	SkipDuplicate SkipReason = "duplicate"
	// SkipLate: the tick could not start within its plan's interval, or
	// the engine's MaxLateness; it is stored as an execution with stop
	// reason skipped rather than run late.
	SkipLate SkipReason = "late"
)

// TickSkippedHook is told of a scheduled tick that did not run. p is nil
// when no plan has the tick's ID.
type TickSkippedHook interface {
	Hook
	TickSkipped(ctx context.Context, planID string, p *PlanRef, due time.Time, reason SkipReason)
}

// StoreFailedHook is told of a write to the store that failed for good,
// after its retries: op names it ("create_execution", "update_execution",
// "append_step").
type StoreFailedHook interface {
	Hook
	StoreFailed(ctx context.Context, p *PlanRef, executionID, op string, err error)
}

// EventDroppedHook is told of an event that a subscriber missed because
// its buffer was full.
type EventDroppedHook interface {
	Hook
	EventDropped(ctx context.Context, p *PlanRef, x *Execution)
}

// Service is a hook with work of its own in the background (a delivery
// queue, an exporter). The engine calls Start from its own Start, before
// any execution runs, and Stop from its own Stop, after the executions in
// flight have finished, so that what they handed over is drained within
// Stop's context.
type Service interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// ErrorBudgetHook is told where a plan with an SLO (PlanRef.SLO) stands
// against it: the engine measures the budget from the store after the
// plan's executions finish, at most once a minute per plan
// (smokex.ErrorBudgetInterval), in a goroutine of its own, and tells these
// hooks. The metrics adapters set smokex.slo.error_budget.remaining from it;
// the alert policy's burn-rate rule reads its burn rates.
type ErrorBudgetHook interface {
	Hook
	ErrorBudget(ctx context.Context, p *PlanRef, b *ErrorBudget)
}

// MaintenanceHook is asked, for each execution as it finishes and before
// it is stored finished, whether a maintenance window holds for its plan;
// the engine records the window's name in Execution.Maintenance. An alert
// policy with maintenance windows implements it (notify.Policy). It must
// answer at once, from memory. It is not asked when one of the plan's own
// windows holds. A pause of the plan takes precedence over its answer: on
// a store that applies the pause in the finish's write
// (storage.PauseFinisher; the memory and PostgreSQL stores do) the hook
// is asked first, paused or not, and the pause then replaces what it
// said; on a store that only keeps pauses (storage.PauseStore), and for a
// tick stored skipped as too late when it came (created finished, by no
// finish's write), the pause is read first and the hook not asked while
// it holds. Either way the execution told to ExecutionFinishedHook
// carries what was stored.
type MaintenanceHook interface {
	Hook
	Maintenance(ctx context.Context, p *PlanRef, x *Execution) (window string, ok bool)
}

// NotificationOutcome is what became of a notification.
type NotificationOutcome string

// The outcomes of a notification.
const (
	// NotificationDelivered: the receiver accepted it.
	NotificationDelivered NotificationOutcome = "delivered"
	// NotificationFailed: it was given up after its attempts, or on an
	// error that retrying cannot fix.
	NotificationFailed NotificationOutcome = "failed"
	// NotificationDropped: it was never tried to the end, its queue full
	// or its sender stopping, and nothing keeps it.
	NotificationDropped NotificationOutcome = "dropped"
	// NotificationDeferred: its sender stopped before it was delivered; it
	// stays owed in the store and is delivered after the next start (by
	// this process or another sharing the store).
	NotificationDeferred NotificationOutcome = "deferred"
)

// Notification is one alert to one notifier, as an alert policy reports
// it once its outcome is known.
type Notification struct {
	// Target names the notifier in the policy ("slack", "payments-pager");
	// empty when the alert was dropped before it was routed.
	Target string
	// Provider is the notifier's kind ("slack", "webhook", "email",
	// "pagerduty", "teams", "discord", "custom"); empty, as Target, when
	// the alert was dropped before it was routed.
	Provider string
	// Transition is what the alert announced ("failing", "recovered",
	// ...).
	Transition  string
	ExecutionID string
	Outcome     NotificationOutcome
	// Attempts counts the deliveries tried.
	Attempts int
	// Error is the last error, empty when delivered.
	Error string
}

// NotificationSentHook is told of each notification's outcome by an alert
// policy (notify.PolicyConfig.Sent; smokex.Config.Alerts passes it the
// engine's hooks that implement it), so that a metrics hook can count
// notifications without importing the policy. It is called from the
// policy's goroutines and must not block.
type NotificationSentHook interface {
	Hook
	NotificationSent(ctx context.Context, p *PlanRef, n *Notification)
}

// HookFuncs is a hook made of functions, for the events of a run that an
// observer of one run usually wants (exec.RunOpts.Observer,
// smokex.RunOpts.Observer); a nil function is not called.
type HookFuncs struct {
	HookDefaults
	// OnStart is called by ExecutionStarted.
	OnStart func(ctx context.Context, p *PlanRef, x *Execution)
	// OnPoll is called by StepPolling.
	OnPoll func(ctx context.Context, p *PlanRef, x *Execution, s *StepResult, next, deadline time.Time)
	// OnStep is called by StepFinished.
	OnStep func(ctx context.Context, p *PlanRef, x *Execution, s *StepResult)
	// OnFinish is called by ExecutionFinished.
	OnFinish func(ctx context.Context, p *PlanRef, x *Execution)
}

// The hooks HookFuncs implements.
var (
	_ ExecutionStartedHook  = HookFuncs{}
	_ StepPollingHook       = HookFuncs{}
	_ StepFinishedHook      = HookFuncs{}
	_ ExecutionFinishedHook = HookFuncs{}
)

// ExecutionStarted calls f.OnStart.
func (f HookFuncs) ExecutionStarted(ctx context.Context, p *PlanRef, x *Execution) {
	if f.OnStart != nil {
		f.OnStart(ctx, p, x)
	}
}

// StepPolling calls f.OnPoll.
func (f HookFuncs) StepPolling(ctx context.Context, p *PlanRef, x *Execution, s *StepResult, next, deadline time.Time) {
	if f.OnPoll != nil {
		f.OnPoll(ctx, p, x, s, next, deadline)
	}
}

// StepFinished calls f.OnStep.
func (f HookFuncs) StepFinished(ctx context.Context, p *PlanRef, x *Execution, s *StepResult) {
	if f.OnStep != nil {
		f.OnStep(ctx, p, x, s)
	}
}

// ExecutionFinished calls f.OnFinish.
func (f HookFuncs) ExecutionFinished(ctx context.Context, p *PlanRef, x *Execution) {
	if f.OnFinish != nil {
		f.OnFinish(ctx, p, x)
	}
}
