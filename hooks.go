package smokex

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smokex/smokex/record"
)

// hookSet is Config.Hooks sorted by the interfaces they implement, found
// once in New so that no event pays for a type assertion.
type hookSet struct {
	created     []record.ExecutionCreatedHook
	started     []record.ExecutionStartedHook
	steps       []record.StepFinishedHook
	finished    []record.ExecutionFinishedHook
	skipped     []record.TickSkippedHook
	storeFailed []record.StoreFailedHook
	dropped     []record.EventDroppedHook
	services    []record.Service
}

func newHookSet(hooks []record.Hook) (hookSet, error) {
	var s hookSet
	for i, h := range hooks {
		if h == nil {
			return s, fmt.Errorf("smokex: Config.Hooks[%d] is nil", i)
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
		if h, ok := h.(record.Service); ok {
			s.services = append(s.services, h)
		}
	}
	return s, nil
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
