package smokex

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// Start recovers executions a dead process left running, loads the stored
// plans and their schedules, and starts the scheduler and the retention
// loop. It returns promptly. Calling it again does nothing.
func (e *Engine) Start(ctx context.Context) (err error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	if e.started {
		e.mu.Unlock()
		return nil
	}
	e.started = true
	e.mu.Unlock()
	defer func() {
		// A Start that failed may be called again.
		if err != nil {
			e.mu.Lock()
			e.started = false
			e.mu.Unlock()
		}
	}()

	if !e.cfg.SkipRecovery {
		if err := e.recover(ctx); err != nil {
			return err
		}
	}
	if err := e.loadStored(ctx); err != nil {
		return err
	}
	if err := e.hooks.startServices(ctx); err != nil {
		return err
	}
	if err := e.sched.Start(ctx); err != nil {
		e.hooks.stopServices(ctx, e.hooks.services)
		return fmt.Errorf("smokex: starting the scheduler: %w", schedErr(err))
	}
	if e.cfg.RetentionInterval > 0 {
		return e.goBackground(func() { e.retain(e.life) })
	}
	return nil
}

// Stop stops scheduling, waits for the executions in flight, and cancels
// them when ctx ends (they are stored as canceled). It closes every
// subscription and the idle connections of the engine's own HTTP transport
// (a Config.Exec.Client's transport is left to its owner). Calls after it return ErrClosed; calling it again returns
// the first call's result.
func (e *Engine) Stop(ctx context.Context) error {
	e.stopOnce.Do(func() { e.stopErr = e.stop(ctx) })
	return e.stopErr
}

func (e *Engine) stop(ctx context.Context) error {
	e.mu.Lock()
	e.closed = true
	started := e.started
	e.mu.Unlock()
	e.endLife()

	// At ctx's end the runs still in flight are canceled; Stop then says so.
	cancelAtDeadline := context.AfterFunc(ctx, e.cancelRuns)
	defer cancelAtDeadline()

	var errs []error
	if err := e.sched.Stop(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		errs = append(errs, fmt.Errorf("smokex: stopping the scheduler: %w", err))
	}
	e.bg.Wait()
	// Runs end promptly once canceled: the executor honours its context.
	e.runs.Wait()
	e.cancelRuns()
	// The executor's keep-alive connections would outlive the engine, each
	// with its goroutines, until their idle timeout.
	e.runner.CloseIdleConnections()
	e.hub.close()
	// What the runs handed to the hooks' services is drained within ctx.
	if started {
		if err := e.hooks.stopServices(ctx, e.hooks.services); err != nil {
			errs = append(errs, err)
		}
	}
	e.mu.Lock()
	canceledRuns := e.canceledAtStop && ctx.Err() != nil
	e.mu.Unlock()
	if canceledRuns {
		errs = append(errs, fmt.Errorf("%w: %w", ErrRunsCanceled, ctx.Err()))
	}
	return errors.Join(errs...)
}

// recover finishes executions left created or running by a process that
// died, with stop reason interrupted and an interrupted error: failed when
// one of the steps it stored had failed, canceled otherwise. The
// executions this engine created are left alone, those still running and
// those that finished since the listing was read alike. With a scheduler
// that rescues ticks, only executions created more than StaleAfter ago
// are finished: the others may be those of live processes.
func (e *Engine) recover(ctx context.Context) error {
	e.mu.Lock()
	e.recovering = make(map[string]struct{}, len(e.inflight))
	for id := range e.inflight {
		e.recovering[id] = struct{}{}
	}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.recovering = nil
		e.mu.Unlock()
	}()
	params := &storage.ListExecutionsParams{
		Statuses: []record.Status{record.StatusCreated, record.StatusRunning},
		Limit:    storage.MaxListLimit,
	}
	rescued, staleBefore := e.rescuesTicks(), e.cfg.now().Add(-e.cfg.StaleAfter)
	for {
		page, err := e.store.ListExecutions(ctx, params)
		if err != nil {
			return fmt.Errorf("smokex: listing interrupted executions: %w", err)
		}
		for _, x := range page.Executions {
			e.mu.Lock()
			_, ours := e.recovering[x.ID]
			e.mu.Unlock()
			// With a scheduler that rescues ticks, other live processes
			// share the store: only leftovers too old to be theirs go.
			if ours || rescued && !x.CreatedAt.Before(staleBefore) {
				continue
			}
			if err := e.interrupt(ctx, x); err != nil {
				return fmt.Errorf("smokex: finishing interrupted execution %s: %w", x.ID, err)
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		params.Cursor = page.NextCursor
	}
}

// anyStepFailed tells whether a step ran and did not pass.
func anyStepFailed(steps []record.StepResult) bool {
	for i := range steps {
		if !steps[i].OK && !steps[i].Skipped {
			return true
		}
	}
	return false
}

// loadStored parses the stored plans this engine does not hold yet and
// schedules them, so that schedules come back after a restart.
func (e *Engine) loadStored(ctx context.Context) error {
	e.planMu.Lock()
	defer e.planMu.Unlock()
	stored, err := e.store.ListPlans(ctx, nil)
	if err != nil {
		return fmt.Errorf("smokex: listing stored plans: %w", err)
	}
	for _, sp := range stored {
		e.mu.Lock()
		lp, ok := e.plans[sp.ID]
		e.mu.Unlock()
		if ok {
			if err := e.applySchedule(ctx, lp.plan); err != nil {
				return err
			}
			continue
		}
		p, err := e.parseStored(sp)
		if err != nil {
			e.cfg.Logger.Error("smokex: a stored plan no longer parses; it is not scheduled", "plan", sp.ID, "error", err)
			continue
		}
		e.mu.Lock()
		e.plans[p.ID] = &loadedPlan{plan: p, ref: planRef(p)}
		e.plansVersion.Add(1)
		e.mu.Unlock()
		if err := e.applySchedule(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// retain prunes old executions every RetentionInterval.
func (e *Engine) retain(ctx context.Context) {
	t := time.NewTicker(e.cfg.RetentionInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := e.Prune(ctx); err != nil && ctx.Err() == nil {
				e.cfg.Logger.Error("smokex: pruning old executions", "error", err)
			}
		}
	}
}

// Prune deletes the finished executions that the retention settings no
// longer keep and returns how many it deleted. The engine calls it every
// RetentionInterval.
func (e *Engine) Prune(ctx context.Context) (int, error) {
	return e.store.Prune(ctx, &storage.PruneParams{
		FinishedBefore: e.cfg.now().Add(-e.cfg.RetentionMaxAge),
		KeepLast:       e.cfg.RetentionKeepLast,
	})
}
