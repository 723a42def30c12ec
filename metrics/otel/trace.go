package otel

import (
	"context"
	"strconv"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/smokex/smokex/metrics"
	"github.com/smokex/smokex/record"
)

// The span names.
const (
	SpanExecution = "smokex.execution"
	SpanStep      = "smokex.step"
	// EventAssertionFailed is the event of a failed assertion on its
	// step's span.
	EventAssertionFailed = "smokex.assertion.failed"
)

// The span attribute keys of smokex's own spans.
const (
	AttrPlanID        = attribute.Key("smokex.plan.id")
	AttrPlanName      = attribute.Key("smokex.plan.name")
	AttrExecutionID   = attribute.Key("smokex.execution.id")
	AttrExecTrigger   = attribute.Key("smokex.execution.trigger")
	AttrExecStatus    = attribute.Key("smokex.execution.status")
	AttrStepIndex     = attribute.Key("smokex.step.index")
	AttrStepName      = attribute.Key("smokex.step.name")
	AttrStepOutcome   = attribute.Key("smokex.step.outcome")
	AttrStepAttempts  = attribute.Key("smokex.step.attempts")
	AttrErrorKind     = attribute.Key("smokex.error.kind")
	AttrFailureType   = attribute.Key("smokex.failure.type")
	AttrFailureName   = attribute.Key("smokex.failure.name")
	AttrFailureExpect = attribute.Key("smokex.failure.expected")
	AttrFailureGot    = attribute.Key("smokex.failure.received")
)

// executionSpan and stepState are the spans this package opened, as the
// context holds them, so that it ends its own spans and no other.
// executionSpan also holds the attributes and options its span is given,
// so that it costs this package one allocation.
type executionSpan struct {
	trace.Span
	opts  [3]trace.SpanStartOption
	attrs [4]attribute.KeyValue
}

// stepState is a step's span with the count of the requests sent in it,
// for http.request.resend_count, and the attributes its span ends with:
// they live with the span, as the trace API does not promise that a span
// copies what SetAttributes is given.
type stepState struct {
	trace.Span
	requests atomic.Int64
	attrs    [6]attribute.KeyValue
}

// stepOf returns the step's span in ctx, nil when there is none.
func stepOf(ctx context.Context) *stepState {
	st, _ := trace.SpanFromContext(ctx).(*stepState)
	return st
}

// traces reports whether a step or a request whose context holds span
// (trace.SpanFromContext) gets a span of its own: not with the no-op
// tracer provider, nor when the tracer made no span of the execution (the
// global provider before the host sets one), as none of theirs would be
// recorded or sent.
func (r *Recorder) traces(span trace.Span) bool {
	if !r.tracing {
		return false
	}
	x, ok := span.(*executionSpan)
	return !ok || x.SpanContext().IsValid()
}

// ExecutionContext opens the execution's span, the root of a trace, and
// returns its trace ID; with the no-op tracer provider, ctx as it is.
func (r *Recorder) ExecutionContext(ctx context.Context, p *record.PlanRef, x *record.Execution) (context.Context, string) {
	if !r.tracing {
		return ctx, ""
	}
	xs := &executionSpan{attrs: [...]attribute.KeyValue{
		AttrPlanID.String(metrics.PlanID(x.PlanID, p)),
		AttrPlanName.String(x.PlanName),
		AttrExecutionID.String(x.ID),
		AttrExecTrigger.String(string(x.Trigger)),
	}}
	xs.opts = [...]trace.SpanStartOption{r.execStart[0], r.execStart[1], trace.WithAttributes(xs.attrs[:]...)}
	ctx, xs.Span = r.tracer.Start(ctx, SpanExecution, xs.opts[:]...)
	ctx = trace.ContextWithSpan(ctx, xs)
	sc := xs.SpanContext()
	if !sc.IsValid() {
		return ctx, ""
	}
	return ctx, sc.TraceID().String()
}

// endExecution ends the span ExecutionContext opened in ctx, if any.
func (r *Recorder) endExecution(ctx context.Context, x *record.Execution) {
	span, ok := trace.SpanFromContext(ctx).(*executionSpan)
	if !ok || !span.IsRecording() {
		return
	}
	// The start attributes are the span's already: their array is free.
	attrs := append(span.attrs[:0], AttrExecStatus.String(string(x.Status)))
	switch {
	case x.Status.Up() || x.Status == record.StatusCanceled:
	case x.Error != nil:
		attrs = append(attrs, AttrErrorKind.String(string(x.Error.Kind)))
		span.SetStatus(codes.Error, x.Error.Message)
	default:
		span.SetStatus(codes.Error, failedStep(x))
	}
	span.SetAttributes(attrs...)
	if x.FinishedAt.IsZero() {
		span.End()
		return
	}
	span.End(trace.WithTimestamp(x.FinishedAt))
}

// failedStep describes the first step of x that failed.
func failedStep(x *record.Execution) string {
	for i := range x.Steps {
		s := &x.Steps[i]
		if !s.OK && !s.Skipped {
			return "step " + strconv.Itoa(s.Index) + " failed: " + s.Name
		}
	}
	return string(x.Status)
}

// WrapStep runs the step in its span, a child of the execution's, and
// ends the span with the step's result; untraced, it runs the step.
func (r *Recorder) WrapStep(ctx context.Context, _ *record.PlanRef, _ *record.Execution, _ int, doInner func(context.Context) *record.StepResult) {
	if !r.traces(trace.SpanFromContext(ctx)) {
		doInner(ctx)
		return
	}
	st := &stepState{}
	ctx, st.Span = r.tracer.Start(ctx, SpanStep, r.stepStart...)
	s := doInner(trace.ContextWithSpan(ctx, st))
	endStep(st, s)
}

// endStep ends the step's span with s.
func endStep(span *stepState, s *record.StepResult) {
	if !span.IsRecording() {
		span.End()
		return
	}
	outcome := metrics.StepOutcome(s)
	// The request's own attributes are on its client spans; the step's
	// URL is the one stored, secrets redacted by the executor.
	attrs := append(span.attrs[:0],
		AttrStepIndex.Int(s.Index),
		AttrStepName.String(s.Name),
		AttrStepOutcome.String(string(outcome)),
		AttrStepAttempts.Int(s.Attempts),
		attribute.String("url.full", s.URL),
	)
	switch outcome {
	case metrics.OutcomeError:
		attrs = append(attrs, AttrErrorKind.String(string(s.Error.Kind)))
		span.SetStatus(codes.Error, s.Error.Message)
	case metrics.OutcomeFailed:
		msg := "failed"
		if len(s.Failures) > 0 {
			msg = failureText(&s.Failures[0])
		}
		span.SetStatus(codes.Error, msg)
	}
	span.SetAttributes(attrs...)
	span.End()
}

// failureText describes a failed assertion in a line.
func failureText(f *record.Failure) string {
	s := string(f.Type)
	if f.Name != "" && f.Name != s {
		s += " " + f.Name
	}
	return s + ": expected " + f.Expected + ", received " + f.Received
}

// failureEvent adds f to the step's span in ctx.
func (r *Recorder) failureEvent(ctx context.Context, f *record.Failure) {
	span := stepOf(ctx)
	if span == nil || !span.IsRecording() {
		return
	}
	span.AddEvent(EventAssertionFailed, trace.WithAttributes(
		AttrFailureType.String(string(f.Type)),
		AttrFailureName.String(f.Name),
		AttrFailureExpect.String(f.Expected),
		AttrFailureGot.String(f.Received),
	))
}
