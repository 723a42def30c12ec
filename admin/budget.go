package admin

import (
	"context"
	"sync"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
)

// budgetTTL is how long a measured error budget is shown before it is
// measured again: it moves slowly, and a measure reads the slo's window
// from the store.
const budgetTTL = smokex.ErrorBudgetInterval

// budgets caches the error budgets of the plans with an slo.
type budgets struct {
	eng *smokex.Engine
	mu  sync.Mutex
	by  map[string]*record.ErrorBudget
}

// get returns the plan's error budget, measured within budgetTTL; nil for
// a plan without an slo. A measure that found no execution is not kept:
// the plan's first run, which may come a second later, would otherwise
// be shown for a minute as no data.
func (b *budgets) get(ctx context.Context, planID string) (*record.ErrorBudget, error) {
	b.mu.Lock()
	cached := b.by[planID]
	b.mu.Unlock()
	if cached != nil && cached.Executions > 0 && time.Since(cached.At) < budgetTTL {
		return cached, nil
	}
	got, err := b.eng.ErrorBudget(ctx, planID)
	if err != nil || got == nil {
		return nil, err
	}
	b.mu.Lock()
	if len(b.by) > 4096 {
		clear(b.by)
	}
	b.by[planID] = got
	b.mu.Unlock()
	return got, nil
}
