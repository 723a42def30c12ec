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

// ErrorBudgetMaxScan bounds the executions read at once for an error
// budget: 100,000, a plan that runs every 30 seconds over 30 days. Past
// it the oldest of them are not counted. With a store that keeps daily
// rollups, a budget reads at most two days of executions.
const ErrorBudgetMaxScan = 100_000

// readBudget measures the plan's budget for o at now. With a store that
// keeps daily rollups (storage.UptimeStore), the window's whole days are
// read from them, and only its first, partial day, today and the
// burn-rate windows from the executions; else every execution of the
// window is read (at most ErrorBudgetMaxScan, the newest).
func (e *Engine) readBudget(ctx context.Context, planID string, o record.SLO, now time.Time) (*record.ErrorBudget, error) {
	c := slo.NewCounter(o, now)
	since, end := c.Since(), now.Add(time.Nanosecond)
	firstFull := storage.UTCDay(since).AddDate(0, 0, 1)
	today := storage.UTCDay(now)
	us, ok := e.store.(storage.UptimeStore)
	if !ok || !firstFull.Before(today) {
		err := e.countExecutions(ctx, planID, since, end, c.Add)
		return c.Budget(planID), err
	}
	days, err := us.DailyUptime(ctx, &storage.DailyUptimeParams{PlanIDs: []string{planID}, Since: firstFull, Until: today})
	if err != nil {
		return nil, err
	}
	for _, d := range days {
		c.AddDay(d.Up(), d.Failed)
	}
	if err := e.countExecutions(ctx, planID, since, firstFull, c.Add); err != nil {
		return nil, err
	}
	if err := e.countExecutions(ctx, planID, today, end, c.Add); err != nil {
		return nil, err
	}
	if burn := now.Add(-slo.MaxBurnWindow); burn.Before(today) {
		if err := e.countExecutions(ctx, planID, burn, today, c.AddBurn); err != nil {
			return nil, err
		}
	}
	return c.Budget(planID), nil
}

// countExecutions hands add each execution of the plan created in [since,
// until) that passed, degraded or failed outside a maintenance window, at
// most ErrorBudgetMaxScan, the newest.
func (e *Engine) countExecutions(ctx context.Context, planID string, since, until time.Time, add func(time.Time, bool)) error {
	params := &storage.ListExecutionsParams{
		PlanID:   planID,
		Statuses: []record.Status{record.StatusPassed, record.StatusDegraded, record.StatusFailed},
		Since:    since,
		Until:    until,
		Limit:    storage.MaxListLimit,
	}
	for seen := 0; seen < ErrorBudgetMaxScan; {
		page, err := e.store.ListExecutions(ctx, params)
		if err != nil {
			return err
		}
		for _, x := range page.Executions {
			seen++
			if x.Maintenance == "" {
				add(x.CreatedAt, x.Status.Up())
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		params.Cursor = page.NextCursor
	}
	return nil
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
