package exec

import (
	"context"

	"github.com/smokex/smokex/record"
)

// Observer sees an execution as it runs, in the shape of the engine's hooks
// (record.ExecutionStartedHook, record.StepFinishedHook,
// record.ExecutionFinishedHook): each method sees the plan with the
// execution, so that a hook of all three kinds is an Observer. Run calls its methods from the
// goroutine that runs the plan, in order: ExecutionStarted, then
// StepFinished once per step (skipped steps included) as soon as the step's
// result is known, then ExecutionFinished. A slow observer slows the run;
// one that does I/O should hand the work off. The values passed must not be
// modified; they stay valid after the call.
type Observer interface {
	ExecutionStarted(ctx context.Context, p *record.PlanRef, e *record.Execution)
	StepFinished(ctx context.Context, p *record.PlanRef, e *record.Execution, r *record.StepResult)
	ExecutionFinished(ctx context.Context, p *record.PlanRef, e *record.Execution)
}

// StepContextObserver is an Observer that derives the context each step
// runs with from the run's: a tracer opens the step's span there. Run calls
// StepContext before each step, skipped steps included, sends the step's
// requests with the context it returns, and gives that context to the
// step's StepFinished. It must return a context derived from ctx.
type StepContextObserver interface {
	Observer
	StepContext(ctx context.Context, p *record.PlanRef, e *record.Execution, index int) context.Context
}

// ObserverFuncs is an Observer made of functions; a nil function is not
// called.
type ObserverFuncs struct {
	// OnStart is called by ExecutionStarted.
	OnStart func(ctx context.Context, p *record.PlanRef, e *record.Execution)
	// OnStep is called by StepFinished.
	OnStep func(ctx context.Context, p *record.PlanRef, e *record.Execution, r *record.StepResult)
	// OnFinish is called by ExecutionFinished.
	OnFinish func(ctx context.Context, p *record.PlanRef, e *record.Execution)
}

var _ Observer = ObserverFuncs{}

// A hook of the engine's three execution kinds is an Observer: one shape.
var _ Observer = struct {
	record.ExecutionStartedHook
	record.StepFinishedHook
	record.ExecutionFinishedHook
}{}

// ExecutionStarted calls f.OnStart.
func (f ObserverFuncs) ExecutionStarted(ctx context.Context, p *record.PlanRef, e *record.Execution) {
	if f.OnStart != nil {
		f.OnStart(ctx, p, e)
	}
}

// StepFinished calls f.OnStep.
func (f ObserverFuncs) StepFinished(ctx context.Context, p *record.PlanRef, e *record.Execution, r *record.StepResult) {
	if f.OnStep != nil {
		f.OnStep(ctx, p, e, r)
	}
}

// ExecutionFinished calls f.OnFinish.
func (f ObserverFuncs) ExecutionFinished(ctx context.Context, p *record.PlanRef, e *record.Execution) {
	if f.OnFinish != nil {
		f.OnFinish(ctx, p, e)
	}
}

// MultiObserver returns an Observer that calls each non-nil observer in
// order.
func MultiObserver(observers ...Observer) Observer {
	var m multiObserver
	for _, o := range observers {
		if o != nil {
			m = append(m, o)
		}
	}
	return m
}

type multiObserver []Observer

func (m multiObserver) ExecutionStarted(ctx context.Context, p *record.PlanRef, e *record.Execution) {
	for _, o := range m {
		o.ExecutionStarted(ctx, p, e)
	}
}

func (m multiObserver) StepFinished(ctx context.Context, p *record.PlanRef, e *record.Execution, r *record.StepResult) {
	for _, o := range m {
		o.StepFinished(ctx, p, e, r)
	}
}

// StepContext derives the step's context through every observer that
// derives one, in order.
func (m multiObserver) StepContext(ctx context.Context, p *record.PlanRef, e *record.Execution, index int) context.Context {
	for _, o := range m {
		if sc, ok := o.(StepContextObserver); ok {
			ctx = sc.StepContext(ctx, p, e, index)
		}
	}
	return ctx
}

func (m multiObserver) ExecutionFinished(ctx context.Context, p *record.PlanRef, e *record.Execution) {
	for _, o := range m {
		o.ExecutionFinished(ctx, p, e)
	}
}
