package smokex

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/smokex/smokex/record"
)

// hookSet is Config.Hooks sorted by the interfaces they implement, found
// once in New so that no event pays for a type assertion.
type hookSet struct {
	contexts    []record.ExecutionContextHook
	wraps       []record.StepHook
	transports  []record.TransportHook
	created     []record.ExecutionCreatedHook
	started     []record.ExecutionStartedHook
	steps       []record.StepFinishedHook
	finished    []record.ExecutionFinishedHook
	skipped     []record.TickSkippedHook
	storeFailed []record.StoreFailedHook
	dropped     []record.EventDroppedHook
	maintenance []record.MaintenanceHook
	budgets     []record.ErrorBudgetHook
	services    []record.Service
}

func newHookSet(hooks []record.Hook) (hookSet, error) {
	var s hookSet
	for i, h := range hooks {
		if h == nil {
			return s, fmt.Errorf("smokex: Config.Hooks[%d] is nil", i)
		}
		if !knownHook(h) {
			return s, fmt.Errorf("smokex: Config.Hooks[%d] (%T) implements none of the hook interfaces of package record "+
				"(ExecutionFinishedHook, StepFinishedHook, StepHook, Service, ...): the engine would never call it; "+
				"check its methods' signatures against the interface it means to implement", i, h)
		}
		if h, ok := h.(record.ExecutionContextHook); ok {
			s.contexts = append(s.contexts, h)
		}
		if h, ok := h.(record.StepHook); ok {
			s.wraps = append(s.wraps, h)
		}
		if h, ok := h.(record.TransportHook); ok {
			s.transports = append(s.transports, h)
		}
		if h, ok := h.(record.ExecutionCreatedHook); ok {
			s.created = append(s.created, h)
		}
		if h, ok := h.(record.ExecutionStartedHook); ok {
			s.started = append(s.started, h)
		}
		if h, ok := h.(record.StepFinishedHook); ok {
			s.steps = append(s.steps, h)
		}
		if h, ok := h.(record.ExecutionFinishedHook); ok {
			s.finished = append(s.finished, h)
		}
		if h, ok := h.(record.TickSkippedHook); ok {
			s.skipped = append(s.skipped, h)
		}
		if h, ok := h.(record.StoreFailedHook); ok {
			s.storeFailed = append(s.storeFailed, h)
		}
		if h, ok := h.(record.EventDroppedHook); ok {
			s.dropped = append(s.dropped, h)
		}
		if h, ok := h.(record.MaintenanceHook); ok {
			s.maintenance = append(s.maintenance, h)
		}
		if h, ok := h.(record.ErrorBudgetHook); ok {
			s.budgets = append(s.budgets, h)
		}
		if h, ok := h.(record.Service); ok {
			s.services = append(s.services, h)
		}
	}
	return s, nil
}

// knownHook reports whether h implements at least one of the hook
// interfaces the engine calls: a Hook whose method has a signature that
// differs from its interface's by a parameter would be silently ignored.
func knownHook(h record.Hook) bool {
	switch h.(type) {
	case record.ExecutionContextHook, record.StepHook, record.TransportHook,
		record.ExecutionCreatedHook, record.ExecutionStartedHook, record.StepFinishedHook,
		record.ExecutionFinishedHook, record.TickSkippedHook, record.StoreFailedHook,
		record.EventDroppedHook, record.MaintenanceHook, record.Service, record.NotificationSentHook,
		record.ErrorBudgetHook:
		return true
	}
	return false
}

// executionContext derives the context x runs with; the first trace ID
// given is kept on x.
func (s *hookSet) executionContext(ctx context.Context, p *record.PlanRef, x *record.Execution) context.Context {
	for _, h := range s.contexts {
		var traceID string
		ctx, traceID = h.ExecutionContext(ctx, p, x)
		if x.TraceID == "" {
			x.TraceID = traceID
		}
	}
	return ctx
}

// wrapStep runs doInner, step index of x, inside the hooks' WrapStep, the
// first hook's outermost.
func (s *hookSet) wrapStep(ctx context.Context, p *record.PlanRef, x *record.Execution, index int, doInner func(context.Context) *record.StepResult) {
	wrapStep(s.wraps, ctx, p, x, index, doInner)
}

func wrapStep(hooks []record.StepHook, ctx context.Context, p *record.PlanRef, x *record.Execution, index int, doInner func(context.Context) *record.StepResult) *record.StepResult {
	if len(hooks) == 0 {
		return doInner(ctx)
	}
	var r *record.StepResult
	hooks[0].WrapStep(ctx, p, x, index, func(ctx context.Context) *record.StepResult {
		r = wrapStep(hooks[1:], ctx, p, x, index, doInner)
		return r
	})
	return r
}

// wrapTransport wraps rt in the hooks' transports, the first hook's
// outermost; nil when no hook wraps.
func (s *hookSet) wrapTransport() func(http.RoundTripper) http.RoundTripper {
	if len(s.transports) == 0 {
		return nil
	}
	return func(rt http.RoundTripper) http.RoundTripper {
		for i := len(s.transports) - 1; i >= 0; i-- {
			rt = s.transports[i].WrapTransport(rt)
		}
		return rt
	}
}

func (s *hookSet) executionCreated(ctx context.Context, p *record.PlanRef, x *record.Execution) {
	for _, h := range s.created {
		h.ExecutionCreated(ctx, p, x)
	}
}

func (s *hookSet) executionStarted(ctx context.Context, p *record.PlanRef, x *record.Execution) {
	for _, h := range s.started {
		h.ExecutionStarted(ctx, p, x)
	}
}

func (s *hookSet) stepFinished(ctx context.Context, p *record.PlanRef, x *record.Execution, r *record.StepResult) {
	for _, h := range s.steps {
		h.StepFinished(ctx, p, x, r)
	}
}

func (s *hookSet) executionFinished(ctx context.Context, p *record.PlanRef, x *record.Execution) {
	for _, h := range s.finished {
		h.ExecutionFinished(ctx, p, x)
	}
}

func (s *hookSet) tickSkipped(ctx context.Context, planID string, p *record.PlanRef, due time.Time, reason record.SkipReason) {
	for _, h := range s.skipped {
		h.TickSkipped(ctx, planID, p, due, reason)
	}
}

func (s *hookSet) storeWriteFailed(ctx context.Context, p *record.PlanRef, executionID, op string, err error) {
	for _, h := range s.storeFailed {
		h.StoreFailed(ctx, p, executionID, op, err)
	}
}

func (s *hookSet) eventDropped(ctx context.Context, p *record.PlanRef, x *record.Execution) {
	for _, h := range s.dropped {
		h.EventDropped(ctx, p, x)
	}
}

// maintenanceOf returns the maintenance window the first hook that knows
// one says holds for x, empty when none does.
func (s *hookSet) maintenanceOf(ctx context.Context, p *record.PlanRef, x *record.Execution) string {
	for _, h := range s.maintenance {
		if w, ok := h.Maintenance(ctx, p, x); ok {
			return w
		}
	}
	return ""
}

// startServices starts the hooks' services in order; when one fails, those
// started are stopped again.
func (s *hookSet) startServices(ctx context.Context) error {
	for i, svc := range s.services {
		if err := svc.Start(ctx); err != nil {
			s.stopServices(ctx, s.services[:i])
			return fmt.Errorf("smokex: starting hook %T: %w", svc, err)
		}
	}
	return nil
}

// stopServices stops the services in the reverse order of their start.
func (s *hookSet) stopServices(ctx context.Context, services []record.Service) error {
	var errs []error
	for i := len(services) - 1; i >= 0; i-- {
		if err := services[i].Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("smokex: stopping hook %T: %w", services[i], err))
		}
	}
	return errors.Join(errs...)
}
