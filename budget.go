package smokex

import (
	"context"
	"time"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/slo"
	"github.com/smokex/smokex/storage"
)

// ErrorBudgetInterval is how often, at most, the engine measures a plan's
// error budget for the record.ErrorBudgetHooks: after an execution of a
// plan with an slo finishes, once that long has passed since the last
// measure of the plan, else when it has.
const ErrorBudgetInterval = time.Minute

// budgetQueue bounds the plans waiting to be told to the measuring loop;
// a plan that finds it full is measured on its next execution.
const budgetQueue = 1024

// ErrorBudget measures the plan's error budget from the store: the uptime
// over its slo's window, the budget left and the burn rates (see package
// slo). It is nil for a plan that states no slo, ErrPlanNotFound for an
// unknown plan.
func (e *Engine) ErrorBudget(ctx context.Context, id string) (*record.ErrorBudget, error) {
	p, err := e.Plan(id)
	if err != nil {
		return nil, err
	}
	if p.SLO == nil {
		return nil, nil
	}
	return e.readBudget(ctx, id, *sloOf(p.SLO), e.cfg.now())
}

// ErrorBudgetMaxScan bounds the executions read for one error budget:
// 100,000, a plan that runs every 30 seconds over 30 days. Past it the
// oldest part of the window is not counted.
const ErrorBudgetMaxScan = 100_000

// readBudget measures the plan's budget for o at now from the store's
// executions of the window (at most ErrorBudgetMaxScan, the newest).
func (e *Engine) readBudget(ctx context.Context, planID string, o record.SLO, now time.Time) (*record.ErrorBudget, error) {
	c := slo.NewCounter(o, now)
	params := &storage.ListExecutionsParams{
		PlanID:   planID,
		Statuses: []record.Status{record.StatusPassed, record.StatusDegraded, record.StatusFailed},
		Since:    c.Since(),
		Until:    now.Add(time.Nanosecond),
		Limit:    storage.MaxListLimit,
	}
	for seen := 0; seen < ErrorBudgetMaxScan; {
		page, err := e.store.ListExecutions(ctx, params)
		if err != nil {
			return nil, err
		}
		for _, x := range page.Executions {
			seen++
			if x.Maintenance == "" {
				c.Add(x.CreatedAt, x.Status.Up())
			}
		}
		if page.NextCursor == "" {
			break
		}
		params.Cursor = page.NextCursor
	}
	return c.Budget(planID), nil
}

// sloOf is the record of a plan's slo, nil when it has none.
func sloOf(o *plan.SLO) *record.SLO {
	if o == nil {
		return nil
	}
	return &record.SLO{Target: o.Target, Window: o.Window}
}

// budgetDue tells the measuring loop that a plan with an slo finished an
// execution; it never blocks.
func (e *Engine) budgetDue(p *record.PlanRef) {
	if e.budgets == nil || p.SLO == nil {
		return
	}
	select {
	case e.budgets <- p:
	default:
	}
}

// measureBudgets measures the budgets of the plans told to it, each at
// most once per ErrorBudgetInterval, and tells the ErrorBudgetHooks, until
// ctx ends.
func (e *Engine) measureBudgets(ctx context.Context) {
	pending := map[string]*record.PlanRef{}
	last := map[string]time.Time{}
	tick := time.NewTicker(ErrorBudgetInterval / 4)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-e.budgets:
			pending[p.ID] = p
		case <-tick.C:
		}
		now := e.cfg.now()
		for id, p := range pending {
			if at, ok := last[id]; ok && now.Sub(at) < ErrorBudgetInterval {
				continue
			}
			delete(pending, id)
			last[id] = now
			b, err := e.readBudget(ctx, id, *p.SLO, now)
			if err != nil {
				if ctx.Err() == nil {
					e.cfg.Logger.Warn("smokex: measuring a plan's error budget", "plan", id, "error", err)
				}
				continue
			}
			for _, h := range e.hooks.budgets {
				h.ErrorBudget(ctx, p, b)
			}
		}
		if len(last) > 4*budgetQueue {
			// Plans removed long ago: forget those not measured lately.
			for id, at := range last {
				if now.Sub(at) > ErrorBudgetInterval {
					delete(last, id)
				}
			}
		}
	}
}
