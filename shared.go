package smokex

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/storage"
)

// This file holds what lets engines in several processes share one store
// and one schedule: ticks of plans resolved through the store, overlap
// decided by the store, and ticks run twice told apart.

// storedPlan is a plan parsed from the store, with the source it came
// from: it is parsed again only when the stored source changes.
type storedPlan struct {
	source []byte
	lp     *loadedPlan
}

// resolvePlan returns the plan a run of planID uses. A manual run uses the
// plan loaded in this engine. A tick, and any run of a plan this engine
// has not loaded, reads the plan from the store: it may have been added,
// changed or removed by another process sharing the store and the
// schedule. The stored source is parsed once and cached by source; when
// it is the loaded plan's, the loaded plan is used.
func (e *Engine) resolvePlan(ctx context.Context, planID string, tick bool) (*loadedPlan, error) {
	e.mu.Lock()
	local := e.plans[planID]
	e.mu.Unlock()
	if local != nil && !tick {
		return local, nil
	}
	sp, err := e.store.GetPlan(ctx, planID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		e.mu.Lock()
		delete(e.stored, planID)
		e.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrPlanNotFound, planID)
	case err != nil && local != nil:
		// The store is down: the loaded plan is the best there is.
		return local, nil
	case err != nil:
		return nil, fmt.Errorf("smokex: reading plan %s: %w", planID, err)
	}
	if local != nil && (len(sp.Source) == 0 || bytes.Equal(sp.Source, local.plan.Source)) {
		return local, nil
	}
	e.mu.Lock()
	cached := e.stored[planID]
	e.mu.Unlock()
	if cached != nil && bytes.Equal(cached.source, sp.Source) {
		return cached.lp, nil
	}
	p, err := e.parseStored(sp)
	if err != nil {
		return nil, fmt.Errorf("smokex: stored plan %s does not parse: %w", planID, err)
	}
	lp := &loadedPlan{plan: p, ref: planRef(p)}
	e.mu.Lock()
	e.stored[planID] = &storedPlan{source: sp.Source, lp: lp}
	e.mu.Unlock()
	return lp, nil
}

// parseStored parses a stored plan under the engine's parse options.
func (e *Engine) parseStored(sp *storage.Plan) (*plan.Plan, error) {
	opts := plan.ParseOpts{}
	if e.cfg.ParseOpts != nil {
		opts = *e.cfg.ParseOpts
	}
	opts.File = sp.ID
	p, err := plan.Parse(sp.Source, &opts)
	if err != nil {
		return nil, err
	}
	p.ID = sp.ID
	return p, nil
}

// insertExecution stores x as created, once. Under OverlapSkip with a
// store that decides overlap, the store refuses it, with ErrOverlap,
// while another execution of the plan is in flight, in whichever process.
func (e *Engine) insertExecution(ctx context.Context, x *record.Execution) error {
	ec, ok := e.store.(storage.ExclusiveCreator)
	if !ok || e.cfg.Overlap != OverlapSkip {
		return e.store.CreateExecution(ctx, x)
	}
	err := ec.CreateExecutionExclusive(ctx, x, x.CreatedAt.Add(-e.cfg.StaleAfter))
	if errors.Is(err, storage.ErrBusy) {
		// A try of this write that was committed, its outcome lost with
		// the connection, holds the plan busy itself.
		if got, gerr := e.store.GetExecution(ctx, x.ID); gerr == nil && got.PlanID == x.PlanID {
			return nil
		}
		return fmt.Errorf("%w: %s (%w)", ErrOverlap, x.PlanID, err)
	}
	return err
}

// ranBefore reports whether err, from admitting the run of a tick, says
// that the tick has an execution already: the store refused a second one
// (ErrConflict), or the plan is busy (ErrOverlap) with this very tick. It
// happens when a tick is handed over again after the process running it
// died; then that execution, left in flight, is finished as interrupted.
func (e *Engine) ranBefore(ctx context.Context, planID string, due time.Time, err error) bool {
	conflict := errors.Is(err, storage.ErrConflict)
	if due.IsZero() || !conflict && !errors.Is(err, ErrOverlap) {
		return false
	}
	params := &storage.ListExecutionsParams{
		PlanID:   planID,
		Statuses: []record.Status{record.StatusCreated, record.StatusRunning},
		Limit:    storage.MaxListLimit,
	}
	page, lerr := e.store.ListExecutions(ctx, params)
	if lerr != nil {
		e.cfg.Logger.Error("smokex: looking for the earlier execution of a tick", "plan", planID, "due", due, "error", lerr)
		return conflict
	}
	for _, x := range page.Executions {
		if !x.ScheduledAt.Equal(due) {
			continue
		}
		e.mu.Lock()
		_, ours := e.inflight[x.ID]
		e.mu.Unlock()
		if ours {
			return true
		}
		if err := e.interrupt(ctx, x); err != nil {
			e.cfg.Logger.Error("smokex: finishing an interrupted execution", "plan", planID, "execution", x.ID, "error", err)
		}
		return true
	}
	// On a conflict, the tick's execution finished, or the conflict was
	// another one (the plan was deleted meanwhile): either way the tick is
	// not run. On an overlap, another tick's execution is in flight.
	return conflict
}

// interrupt finishes x, left in flight by a process that died, with stop
// reason interrupted: canceled, or failed when a stored step had failed.
func (e *Engine) interrupt(ctx context.Context, x *record.Execution) error {
	now := e.cfg.now().UTC()
	if x.StartedAt.IsZero() {
		x.StartedAt = now
	}
	x.FinishedAt = now
	x.Status = record.StatusCanceled
	if full, err := e.store.GetExecution(ctx, x.ID); err == nil && anyStepFailed(full.Steps) {
		x.Status = record.StatusFailed
	}
	x.StopReason = record.StopInterrupted
	x.Error = &record.StepError{Kind: record.ErrInterrupted, Message: "the process running this execution stopped before it finished"}
	if err := e.store.UpdateExecution(ctx, x); err != nil {
		return err
	}
	e.cfg.Logger.Warn("smokex: finished an interrupted execution", "plan", x.PlanID, "execution", x.ID, "status", x.Status)
	return nil
}

// rescuesTicks reports whether the scheduler hands the ticks of a dead
// process back to the engine.
func (e *Engine) rescuesTicks() bool {
	r, ok := e.sched.(schedule.Rescuer)
	return ok && r.RescuesTicks()
}
