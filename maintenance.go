package smokex

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// This file decides whether a finished execution is in maintenance: its
// plan paused (kept in the store, so that a pause holds for every
// replica and survives a restart), one of the plan's maintenance
// windows open, or a record.MaintenanceHook (the alert policy's windows)
// saying so. An execution in maintenance is stored marked with it and
// alerts nothing. The pause comes first; a store that applies it in the
// finish's own write (storage.PauseFinisher) is asked for it there, after
// the windows and the hooks.

// ErrPauseUnsupported is returned by PausePlan and PlanPause when the
// engine's store does not keep pauses (is not a storage.PauseStore; the
// memory and PostgreSQL stores are).
var ErrPauseUnsupported = errors.New("smokex: the store does not keep pauses (storage.PauseStore)")

// PausePlan pauses the plan until until: it keeps running and recording,
// but the executions that finish before until, those in flight as it is
// paused included, are marked as in maintenance (storage.PauseMaintenance:
// "paused until ...") and send no alert. A pause replaces the plan's last
// one; a zero until ends it (ResumePlan). The pause is kept in the store:
// it survives a restart and holds for every engine sharing the store.
// ErrPlanNotFound when the store has no such plan.
func (e *Engine) PausePlan(ctx context.Context, id string, until time.Time) error {
	ps, ok := e.store.(storage.PauseStore)
	if !ok {
		return ErrPauseUnsupported
	}
	if err := e.checkOpen(); err != nil {
		return err
	}
	if err := ps.PausePlan(ctx, id, until); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("%w: %s", ErrPlanNotFound, id)
		}
		return fmt.Errorf("smokex: pausing plan %s: %w", id, err)
	}
	return nil
}

// ResumePlan ends the plan's pause, if it has one.
func (e *Engine) ResumePlan(ctx context.Context, id string) error {
	return e.PausePlan(ctx, id, time.Time{})
}

// PlanPause returns when the plan's pause ends, zero when it is not
// paused (never paused, resumed, or its pause has ended).
// ErrPlanNotFound when the store has no such plan.
func (e *Engine) PlanPause(ctx context.Context, id string) (time.Time, error) {
	ps, ok := e.store.(storage.PauseStore)
	if !ok {
		return time.Time{}, ErrPauseUnsupported
	}
	until, err := ps.PlanPause(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return time.Time{}, fmt.Errorf("%w: %s", ErrPlanNotFound, id)
	case err != nil:
		return time.Time{}, fmt.Errorf("smokex: reading the pause of plan %s: %w", id, err)
	case !until.After(e.cfg.now()):
		return time.Time{}, nil
	}
	return until, nil
}

// PlanPauses returns when the pause of each paused plan ends, by plan ID:
// the plans whose pause has not ended.
func (e *Engine) PlanPauses(ctx context.Context) (map[string]time.Time, error) {
	ps, ok := e.store.(storage.PauseStore)
	if !ok {
		return nil, ErrPauseUnsupported
	}
	all, err := ps.PlanPauses(ctx)
	if err != nil {
		return nil, fmt.Errorf("smokex: reading the plans' pauses: %w", err)
	}
	now := e.cfg.now()
	maps.DeleteFunc(all, func(_ string, until time.Time) bool { return !until.After(now) })
	return all, nil
}

// maintenanceOf returns the maintenance x finished in, empty when none:
// its plan's pause first, then the plan's maintenance windows, then the
// hooks'. On a store that applies the pause in the finish's write
// (storage.PauseFinisher), the pause is not read here: that write puts it
// over the windows' and hooks' answer (saveExecution, finishExecution),
// for one round trip where the read made two. An execution created
// finished (created: a tick too late when admitted) is stored by no
// finish: the create applies the pause on a store that creates
// executions finished (storage.FinishedCreator, createAdmitted), and the
// pause is read here on the others.
func (e *Engine) maintenanceOf(ctx context.Context, j *job, x *record.Execution, created bool) string {
	at := x.FinishedAt
	if at.IsZero() {
		at = e.cfg.now()
	}
	_, applied := e.store.(storage.PauseFinisher)
	if created {
		_, applied = e.store.(storage.FinishedCreator)
	}
	if ps, ok := e.store.(storage.PauseStore); ok && !applied {
		sctx, cancel := storeCtx(ctx)
		until, err := ps.PlanPause(sctx, j.plan.ID)
		cancel()
		switch {
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			e.cfg.Logger.Warn("smokex: reading the plan's pause; taken as not paused", "plan", j.plan.ID, "execution", x.ID, "error", err)
		case at.Before(until):
			return storage.PauseMaintenance(until)
		}
	}
	for i := range j.plan.Maintenance {
		if w := &j.plan.Maintenance[i]; w.Holds(at) {
			return w.String()
		}
	}
	return e.hooks.maintenanceOf(ctx, j.ref, x)
}
