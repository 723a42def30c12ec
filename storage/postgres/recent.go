package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

var _ storage.RecentLister = (*Store)(nil)

// RecentExecutions reads the newest n finished executions of each plan of
// planIDs in one statement: a lateral subquery per plan, each read from the
// index on (plan_id, created_at, id).
func (s *Store) RecentExecutions(ctx context.Context, planIDs []string, n int) (map[string][]*record.Execution, error) {
	if n < 1 {
		return nil, fmt.Errorf("postgres: recent executions: n must be at least 1, got %d", n)
	}
	n = min(n, storage.MaxListLimit)
	ids := storableIDs(planIDs)
	if ids == nil {
		ids = []string{}
	}
	rows, err := s.pool.Query(ctx, s.sql(`
		SELECT r.* FROM unnest($1::text[]) AS p(id)
		CROSS JOIN LATERAL (
			SELECT `+executionColumns+` FROM {schema}.executions e
			WHERE e.plan_id = p.id AND e.status = ANY($2::text[])
			ORDER BY e.created_at DESC, e.id DESC
			LIMIT $3
		) r`), ids, doneStatuses(), n)
	if err != nil {
		return nil, s.wrap(ctx, "recent executions", nil, err)
	}
	es, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*record.Execution, error) {
		return scanExecution(row)
	})
	if err != nil {
		return nil, s.wrap(ctx, "recent executions", nil, err)
	}
	out := map[string][]*record.Execution{}
	for _, e := range es {
		out[e.PlanID] = append(out[e.PlanID], e)
	}
	return out, nil
}
