package storage

import (
	"context"

	"github.com/smokex/smokex/record"
)

// RecentLister is an optional interface of an ExecutionStore that lists
// the newest executions of several plans in one call, as a dashboard that
// shows each plan's latest runs (a heartbeat bar) needs without a query per
// plan. The memory and PostgreSQL stores implement it; without it, a
// caller asks ListExecutions once per plan.
type RecentLister interface {
	// RecentExecutions returns, by plan ID, the newest n finished
	// executions (Status.Done, maintenance included) of each plan of
	// planIDs, newest first as ListExecutions orders them, without step
	// results. A plan without any, or unknown, is absent. n is capped at
	// MaxListLimit; n < 1 is an error.
	RecentExecutions(ctx context.Context, planIDs []string, n int) (map[string][]*record.Execution, error)
}
