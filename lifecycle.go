package smokex

import (
	"context"
	"errors"
	"fmt"
	"github.com/smokex/smokex/storage"
	"time"

	"github.com/smokex/smokex/schedule"
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
	if e.budgets != nil {
		if err := e.goBackground(func() { e.measureBudgets(e.life) }); err != nil {
			return err
		}
	}
	if hs, ok := e.store.(storage.HeartbeatStore); ok && e.cfg.HeartbeatInterval > 0 {
		if err := e.goBackground(func() { e.heartbeat(e.life, hs) }); err != nil {
			return err
		}
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

// goBackground runs fn in a background goroutine that Stop waits for, or
// returns ErrClosed once Stop has begun, whose wait it would escape.
func (e *Engine) goBackground(fn func()) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		fn()
	}()
	return nil
}

func (e *Engine) checkOpen() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	return nil
}

// schedErr is err from the scheduler, ErrClosed when the scheduler is
// stopped: a call that passed checkOpen as Stop began ends like one made
// after it.
func schedErr(err error) error {
	if errors.Is(err, schedule.ErrClosed) {
		return ErrClosed
	}
	return err
}
