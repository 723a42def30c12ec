package metrics

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/smokex/smokex/record"
)

// Hook feeds recorders from an engine: put it in smokex.Config.Hooks. It
// implements the record hook interfaces that measurements need and, for
// recorders that trace, record.ExecutionContextHook, record.StepContextHook
// and record.TransportHook. It calls the recorders in the order given.
// Build it with NewHook; it is safe for concurrent use.
type Hook struct {
	record.HookDefaults
	recorders  []Recorder
	executions []ExecutionTracer
	steps      []StepTracer
	transports []TransportWrapper
	services   []record.Service
}

// The engine hooks Hook implements.
var (
	_ record.ExecutionContextHook  = (*Hook)(nil)
	_ record.StepContextHook       = (*Hook)(nil)
	_ record.TransportHook         = (*Hook)(nil)
	_ record.ExecutionStartedHook  = (*Hook)(nil)
	_ record.StepFinishedHook      = (*Hook)(nil)
	_ record.ExecutionFinishedHook = (*Hook)(nil)
	_ record.TickSkippedHook       = (*Hook)(nil)
	_ record.NotificationSentHook  = (*Hook)(nil)
	_ record.Service               = (*Hook)(nil)
)

// NewHook returns a Hook that feeds the recorders, skipping nil ones; with
// none it records nothing. A recorder that is a record.Service is started
// and stopped with the engine.
func NewHook(recorders ...Recorder) *Hook {
	h := &Hook{}
	for _, r := range recorders {
		if r == nil {
			continue
		}
		h.recorders = append(h.recorders, r)
		if t, ok := r.(ExecutionTracer); ok {
			h.executions = append(h.executions, t)
		}
		if t, ok := r.(StepTracer); ok {
			h.steps = append(h.steps, t)
		}
		if t, ok := r.(TransportWrapper); ok {
			h.transports = append(h.transports, t)
		}
		if s, ok := r.(record.Service); ok {
			h.services = append(h.services, s)
		}
	}
	return h
}

// ExecutionContext asks the tracing recorders for the context x runs with;
// the trace ID is the first one given.
func (h *Hook) ExecutionContext(ctx context.Context, p *record.PlanRef, x *record.Execution) (context.Context, string) {
	traceID := ""
	for _, t := range h.executions {
		var id string
		ctx, id = t.TraceExecution(ctx, p, x)
		if traceID == "" {
			traceID = id
		}
	}
	return ctx, traceID
}

// StepContext asks the tracing recorders for the context step index of x
// runs with.
func (h *Hook) StepContext(ctx context.Context, p *record.PlanRef, x *record.Execution, index int) context.Context {
	for _, t := range h.steps {
		ctx = t.TraceStep(ctx, p, x, index)
	}
	return ctx
}

// WrapTransport wraps rt in the tracing recorders' transports, the first
// recorder's outermost.
func (h *Hook) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	for i := len(h.transports) - 1; i >= 0; i-- {
		rt = h.transports[i].WrapTransport(rt)
	}
	return rt
}

// ExecutionStarted records the schedule lag of a scheduled execution whose
// due time is known.
func (h *Hook) ExecutionStarted(ctx context.Context, p *record.PlanRef, x *record.Execution) {
	lag, ok := ScheduleLag(x)
	if !ok {
		return
	}
	for _, r := range h.recorders {
		r.RecordScheduleLag(ctx, p, x, lag)
	}
}

// ScheduleLag returns how late x started: StartedAt minus ScheduledAt, at
// least zero; ok is false when x was not scheduled or has not started.
func ScheduleLag(x *record.Execution) (lag time.Duration, ok bool) {
	if x.ScheduledAt.IsZero() || x.StartedAt.IsZero() {
		return 0, false
	}
	return max(x.StartedAt.Sub(x.ScheduledAt), 0), true
}

// StepFinished records s's failed assertions, then s.
func (h *Hook) StepFinished(ctx context.Context, p *record.PlanRef, x *record.Execution, s *record.StepResult) {
	for _, r := range h.recorders {
		for i := range s.Failures {
			r.RecordAssertionFailure(ctx, p, x, s, &s.Failures[i])
		}
		r.RecordStep(ctx, p, x, s)
	}
}

// ExecutionFinished records x.
func (h *Hook) ExecutionFinished(ctx context.Context, p *record.PlanRef, x *record.Execution) {
	for _, r := range h.recorders {
		r.RecordExecution(ctx, p, x)
	}
}

// TickSkipped records a skipped tick.
func (h *Hook) TickSkipped(ctx context.Context, planID string, p *record.PlanRef, _ time.Time, reason record.SkipReason) {
	for _, r := range h.recorders {
		r.RecordSkippedTick(ctx, planID, p, reason)
	}
}

// NotificationSent records a notification's outcome, as an alert policy
// tells it (smokex.Config.Alerts passes it the hook).
func (h *Hook) NotificationSent(ctx context.Context, p *record.PlanRef, n *record.Notification) {
	for _, r := range h.recorders {
		r.RecordNotification(ctx, p, n)
	}
}

// Start starts the recorders that are services, in order; when one fails,
// those started are stopped.
func (h *Hook) Start(ctx context.Context) error {
	for i, s := range h.services {
		if err := s.Start(ctx); err != nil {
			_ = stopAll(ctx, h.services[:i])
			return err
		}
	}
	return nil
}

// Stop stops the recorders that are services, in reverse order, within
// ctx.
func (h *Hook) Stop(ctx context.Context) error { return stopAll(ctx, h.services) }

func stopAll(ctx context.Context, services []record.Service) error {
	var errs []error
	for i := len(services) - 1; i >= 0; i-- {
		if err := services[i].Stop(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
