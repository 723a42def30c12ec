package memory

import (
	"context"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

var _ storage.RecentLister = (*Store)(nil)

// RecentExecutions returns the newest n finished executions of each plan
// of planIDs, newest first.
func (s *Store) RecentExecutions(ctx context.Context, planIDs []string, n int) (map[string][]*record.Execution, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, errorf("recent executions: n must be at least 1, got %d", n)
	}
	n = min(n, storage.MaxListLimit)
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string][]*record.Execution, len(planIDs))
	for _, id := range planIDs {
		plan, ok := s.plans[id]
		if !ok {
			continue
		}
		var xs []*record.Execution
		for i := len(plan.execs) - 1; i >= 0 && len(xs) < n; i-- {
			if e := &plan.execs[i].exec; e.Status.Done() {
				xs = append(xs, copyExecution(e))
			}
		}
		if len(xs) > 0 {
			out[id] = xs
		}
	}
	return out, nil
}
