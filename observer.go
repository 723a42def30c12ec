package smokex

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// storeRetryWait is the first wait before a failed write of an execution is
// tried again; the wait doubles up to a second.
const storeRetryWait = 50 * time.Millisecond

// engineObserver is the chain every run reports to: store the result, tell
// the configured observers, publish to subscribers, and at the end hand the
// execution to the alert policy. The executor's PlanRef is not used: hooks
// and the run's observer see the one made when the plan was loaded.
type engineObserver struct {
	e   *Engine
	job *job
}

var _ exec.StepContextObserver = (*engineObserver)(nil)

// storeCtx detaches a store write from the run's cancellation, so that a
// canceled run is still recorded, and bounds it.
func storeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
}

// saveExecution stores x's status, detached from the run's cancellation.
// The write of a finished execution that fails is tried again until
// storeTimeout: lost, it would leave the execution running in the store
// until the next Start. The write of a start is not: the finish follows.
func (o *engineObserver) saveExecution(ctx context.Context, x *record.Execution) {
	sctx, cancel := storeCtx(ctx)
	defer cancel()
	wait := storeRetryWait
	for {
		err := o.e.store.UpdateExecution(sctx, x)
		if err == nil {
			return
		}
		if !x.Status.Done() || errors.Is(err, storage.ErrNotFound) || sctx.Err() != nil {
			o.e.cfg.Logger.Error("smokex: storing execution", "plan", x.PlanID, "execution", x.ID, "status", x.Status, "error", err)
			o.e.hooks.storeWriteFailed(ctx, o.job.ref, x.ID, "update_execution", err)
			return
		}
		o.e.cfg.Logger.Warn("smokex: storing execution, trying again", "plan", x.PlanID, "execution", x.ID, "status", x.Status, "in", wait, "error", err)
		select {
		case <-sctx.Done():
			o.e.cfg.Logger.Error("smokex: storing execution", "plan", x.PlanID, "execution", x.ID, "status", x.Status, "error", err)
			o.e.hooks.storeWriteFailed(ctx, o.job.ref, x.ID, "update_execution", err)
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

func (o *engineObserver) ExecutionStarted(ctx context.Context, _ *record.PlanRef, x *record.Execution) {
	o.saveExecution(ctx, x)
	o.e.hooks.executionStarted(ctx, o.job.ref, x)
	o.e.publish(EventExecutionStarted, o.job.ref, x, nil)
	if ob := o.job.opts.Observer; ob != nil {
		ob.ExecutionStarted(ctx, o.job.ref, x)
	}
}

// StepContext derives the step's context through the hooks.
func (o *engineObserver) StepContext(ctx context.Context, _ *record.PlanRef, x *record.Execution, index int) context.Context {
	return o.e.hooks.stepContext(ctx, o.job.ref, x, index)
}

func (o *engineObserver) StepFinished(ctx context.Context, _ *record.PlanRef, x *record.Execution, r *record.StepResult) {
	if err := o.appendStep(ctx, x, r); err != nil {
		o.e.cfg.Logger.Error("smokex: storing step result", "plan", x.PlanID, "execution", x.ID, "step", r.Index, "error", err)
		o.e.hooks.storeWriteFailed(ctx, o.job.ref, x.ID, "append_step", err)
		if !errors.Is(err, storage.ErrConflict) {
			// A conflict means a result with its index is stored.
			o.job.unstored = append(o.job.unstored, unstored{index: r.Index, name: r.Name, err: err})
		}
	}
	o.e.hooks.stepFinished(ctx, o.job.ref, x, r)
	o.e.publish(EventStepFinished, o.job.ref, x, r)
	if ob := o.job.opts.Observer; ob != nil {
		ob.StepFinished(ctx, o.job.ref, x, r)
	}
}

func (o *engineObserver) ExecutionFinished(ctx context.Context, _ *record.PlanRef, x *record.Execution) {
	markIncomplete(x, o.job.unstored)
	if x.Status.Done() && x.Maintenance == "" {
		x.Maintenance = o.e.hooks.maintenanceOf(ctx, o.job.ref, x)
	}
	o.saveExecution(ctx, x)
	o.e.finish(o.job)
	o.e.publish(EventExecutionFinished, o.job.ref, x, nil)
	if ob := o.job.opts.Observer; ob != nil {
		ob.ExecutionFinished(ctx, o.job.ref, x)
	}
}

// abort finishes an execution that never reached the executor. Hooks
// and subscribers see it start and finish, as every other execution, and
// as the executor reports one that it cannot run.
func (o *engineObserver) abort(x *record.Execution, cause *record.StepError, status record.Status) *record.Execution {
	now := o.e.cfg.now().UTC()
	if x.StartedAt.IsZero() {
		x.StartedAt = now
	}
	x.FinishedAt = now
	x.Status = status
	x.Error = cause
	ctx := context.WithoutCancel(o.job.ctx)
	o.ExecutionStarted(ctx, o.job.ref, x)
	o.ExecutionFinished(ctx, o.job.ref, x)
	return x
}

// publish sends a snapshot of x to subscribers. Only the finished event
// carries the step results.
func (e *Engine) publish(t EventType, p *record.PlanRef, x *record.Execution, step *record.StepResult) {
	snap := *x
	if t == EventExecutionFinished {
		snap.Steps = slices.Clone(x.Steps)
	} else {
		snap.Steps = nil
	}
	ev := Event{Type: t, Time: e.cfg.now().UTC(), Plan: p, Execution: &snap}
	if step != nil {
		s := *step
		ev.Step = &s
	}
	for range e.hub.publish(ev) {
		e.hooks.eventDropped(context.Background(), p, &snap)
	}
}
