package storagetest

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// Run runs the conformance suite against the stores newStore returns.
// newStore returns a fresh, empty store for one test and may register
// cleanups with t (closing the store, dropping a schema). Each scenario is
// a parallel subtest that asks newStore for its own store, so newStore must
// be safe to call from several goroutines at once.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	t.Helper()
	s := suite{newStore: newStore}
	groups := []struct {
		name  string
		cases []scenario
	}{
		{"Plans", s.planScenarios()},
		{"Executions", s.executionScenarios()},
		{"Steps", s.stepScenarios()},
		{"ListExecutions", s.listScenarios()},
		{"Summaries", s.summaryScenarios()},
		{"Prune", s.pruneScenarios()},
		{"DailyUptime", s.uptimeScenarios()},
		{"Incidents", s.incidentScenarios()},
		{"AlertState", s.alertScenarios()},
		{"AlertOutbox", s.outboxScenarios()},
		{"SyncState", s.syncScenarios()},
		{"FinishExecution", s.finishScenarios()},
		{"ExclusiveCreate", s.exclusiveScenarios()},
		{"PlanRevision", s.revisionScenarios()},
		{"Pause", s.pauseScenarios()},
		{"FinishWithPause", s.pauseFinishScenarios()},
		{"CreateFinished", s.createFinishedScenarios()},
		{"Heartbeats", s.heartbeatScenarios()},
		{"RecentExecutions", s.recentScenarios()},
		{"Concurrency", s.concurrencyScenarios()},
		{"Payloads", s.payloadScenarios()},
		{"Context", s.contextScenarios()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.run(t)
				})
			}
		})
	}
}

// scenario is one subtest of the suite.
type scenario struct {
	name string
	run  func(t *testing.T)
}

// suite holds the factory the scenarios share.
type suite struct {
	newStore func(t *testing.T) storage.Store
}

// store returns a fresh store and a context for one scenario.
func (s suite) store(t *testing.T) (context.Context, storage.Store) {
	t.Helper()
	st := s.newStore(t)
	require.NotNil(t, st, "newStore returned nil")
	return t.Context(), st
}

// base is the fixed instant the suite's records are built around; it has
// microsecond precision, as every backend must keep.
// optional returns st as the optional interface T of storage; a store
// that does not implement it skips the scenario, saying so.
func optional[T any](t *testing.T, st storage.Store) T {
	t.Helper()
	v, ok := st.(T)
	if !ok {
		t.Skipf("%T does not implement %T (optional)", st, (*T)(nil))
	}
	return v
}

func base() time.Time {
	return time.Date(2026, time.March, 14, 15, 9, 26, 535897000, time.UTC)
}

// at returns base plus n minutes.
func at(n int) time.Time { return base().Add(time.Duration(n) * time.Minute) }

// savePlan stores a plan with the id and labels and fails t on error.
func savePlan(ctx context.Context, t *testing.T, st storage.Store, id string, labels map[string]string) *storage.Plan {
	t.Helper()
	p := &storage.Plan{
		ID:          id,
		Name:        "Plan " + id,
		Description: "checks " + id,
		Schedule:    "*/5 * * * *",
		Labels:      labels,
		Source:      []byte("name: Plan " + id + "\nsteps:\n  - get: https://example.test/" + id + "\n"),
	}
	require.NoError(t, st.SavePlan(ctx, p))
	return p
}

// newExecution builds an execution of the plan created at the instant. A
// final status gets a start at created plus a second and a finish dur
// later; running gets a start only.
func newExecution(id, planID string, created time.Time, status record.Status, dur time.Duration) *record.Execution {
	e := &record.Execution{
		ID:        id,
		PlanID:    planID,
		PlanName:  "Plan " + planID,
		Trigger:   record.TriggerSchedule,
		Status:    status,
		CreatedAt: created,
	}
	if status != record.StatusCreated {
		e.StartedAt = created.Add(time.Second)
	}
	if status.Done() {
		e.FinishedAt = e.StartedAt.Add(dur)
	}
	return e
}

// create stores executions and fails t on error.
func create(ctx context.Context, t *testing.T, st storage.Store, es ...*record.Execution) {
	t.Helper()
	for _, e := range es {
		require.NoError(t, st.CreateExecution(ctx, e), "create %s", e.ID)
	}
}

// seq returns executions e<prefix>-00, e<prefix>-01, ... of the plan, all
// passed, the i-th created at minute i.
func seq(prefix, planID string, n int) []*record.Execution {
	es := make([]*record.Execution, n)
	for i := range es {
		es[i] = newExecution(fmt.Sprintf("%s-%04d", prefix, i), planID, at(i), record.StatusPassed, time.Second)
	}
	return es
}

// ids returns the IDs of executions in order.
func ids(es []*record.Execution) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// normTime converts t to UTC so that equal instants compare equal.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// normMap returns nil for an empty map and a copy otherwise.
func normMap[M ~map[K]V, K comparable, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

// normPlan returns a copy of p with times in UTC and empty as nil.
func normPlan(p *storage.Plan) *storage.Plan {
	if p == nil {
		return nil
	}
	c := *p
	c.Labels = normMap(p.Labels)
	c.Files = normMap(p.Files)
	if len(p.Source) == 0 {
		c.Source = nil
	}
	c.CreatedAt = normTime(p.CreatedAt)
	c.UpdatedAt = normTime(p.UpdatedAt)
	return &c
}

// normExecution returns a copy of e with times in UTC and empty as nil.
func normExecution(e *record.Execution) *record.Execution {
	if e == nil {
		return nil
	}
	c := *e
	c.CreatedAt = normTime(e.CreatedAt)
	c.StartedAt = normTime(e.StartedAt)
	c.FinishedAt = normTime(e.FinishedAt)
	c.ScheduledAt = normTime(e.ScheduledAt)
	c.Steps = nil
	for i := range e.Steps {
		c.Steps = append(c.Steps, normStep(e.Steps[i]))
	}
	return &c
}

// normStep returns a copy of r with times in UTC and empty as nil.
func normStep(r record.StepResult) record.StepResult {
	r.StartedAt = normTime(r.StartedAt)
	if r.Request != nil {
		req := *r.Request
		req.Headers = normMap(req.Headers)
		r.Request = &req
	}
	if r.Response != nil {
		resp := *r.Response
		resp.Headers = normMap(resp.Headers)
		r.Response = &resp
	}
	r.Captures = normMap(r.Captures)
	if len(r.Failures) == 0 {
		r.Failures = nil
	}
	return r
}

// requireExecution fails t unless got equals want, steps included.
func requireExecution(t *testing.T, want, got *record.Execution) {
	t.Helper()
	require.Equal(t, normExecution(want), normExecution(got))
}

// withoutSteps returns a copy of e with no steps.
func withoutSteps(e *record.Execution) *record.Execution {
	c := *e
	c.Steps = nil
	return &c
}
