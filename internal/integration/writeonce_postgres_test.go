package integration_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/postgres"
)

// countedWrites is PostgreSQL recording the writes of executions, in
// order, as "create running", "create passed" (CreateFinished),
// "finish passed", "append step"; each is sent on wrote too.
type countedWrites struct {
	*postgres.Store
	mu     sync.Mutex
	writes []string
	wrote  chan string
}

func (s *countedWrites) log(what string, status record.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := what + " " + string(status)
	s.writes = append(s.writes, w)
	s.wrote <- w
}

func (s *countedWrites) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.writes...)
}

func (s *countedWrites) CreateExecution(ctx context.Context, x *record.Execution) error {
	defer s.log("create", x.Status)
	return s.Store.CreateExecution(ctx, x)
}

func (s *countedWrites) CreateExecutionExclusive(ctx context.Context, x *record.Execution, since time.Time) error {
	defer s.log("create", x.Status)
	return s.Store.CreateExecutionExclusive(ctx, x, since)
}

func (s *countedWrites) CreateExecutionIfRevision(ctx context.Context, x *record.Execution, revision int64) error {
	defer s.log("create", x.Status)
	return s.Store.CreateExecutionIfRevision(ctx, x, revision)
}

func (s *countedWrites) CreateExecutionExclusiveIfRevision(ctx context.Context, x *record.Execution, revision int64, since time.Time) error {
	defer s.log("create", x.Status)
	return s.Store.CreateExecutionExclusiveIfRevision(ctx, x, revision, since)
}

func (s *countedWrites) CreateFinished(ctx context.Context, x *record.Execution, steps []*record.StepResult, g storage.CreateGuard) (string, error) {
	defer s.log("create", x.Status)
	return s.Store.CreateFinished(ctx, x, steps, g)
}

func (s *countedWrites) UpdateExecution(ctx context.Context, x *record.Execution) error {
	defer s.log("update", x.Status)
	return s.Store.UpdateExecution(ctx, x)
}

func (s *countedWrites) FinishExecution(ctx context.Context, x *record.Execution, steps []*record.StepResult) error {
	defer s.log("finish", x.Status)
	return s.Store.FinishExecution(ctx, x, steps)
}

func (s *countedWrites) FinishWithPause(ctx context.Context, x *record.Execution, steps []*record.StepResult) (string, error) {
	defer s.log("finish", x.Status)
	return s.Store.FinishWithPause(ctx, x, steps)
}

func (s *countedWrites) AppendStep(ctx context.Context, id string, r *record.StepResult) error {
	defer s.log("append", "step")
	return s.Store.AppendStep(ctx, id, r)
}

// TestTickWrittenOnceOnPostgres: on PostgreSQL, a tick in time of a
// one-step plan is one write, its execution created finished with its
// step, in the plan's pause, counted in no rollup; a second run of the
// tick is not stored; a plan of several steps is created as running
// before its first step is appended; a tick still running at its bound
// is created as running then and its finish updates it.
func TestTickWrittenOnceOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pg, _, _ := postgresStore(t)
	release := make(chan struct{})
	arrived := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			arrived <- struct{}{}
			<-release
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	store := &countedWrites{Store: pg, wrote: make(chan string, 100)}
	skips := &tickSkips{}
	// A bound no run of the test reaches, however slow the machine; the
	// bound's write has an engine of its own, below.
	eng, tick := handTickedWith(t, smokex.Config{Store: store, Hooks: []record.Hook{skips}, WriteRunningAfter: time.Hour})
	add := func(id, steps string) {
		t.Helper()
		p, err := plan.Parse([]byte("name: "+id+"\nschedule: \"@hourly\"\nsteps:\n"+steps), nil)
		require.NoError(t, err)
		p.ID = id
		require.NoError(t, eng.AddPlan(ctx, p))
	}
	step := func(path string) string { return "  - get: {url: \"" + srv.URL + path + "\"}\n" }
	only := func(planID string) *record.Execution {
		t.Helper()
		page, err := pg.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: planID})
		require.NoError(t, err)
		require.Len(t, page.Executions, 1)
		x, err := pg.GetExecution(ctx, page.Executions[0].ID)
		require.NoError(t, err)
		return x
	}
	due := time.Now().UTC().Truncate(time.Hour) // in time: within the hourly interval

	add("one", step("/"))
	until := time.Now().Add(time.Hour)
	require.NoError(t, eng.PausePlan(ctx, "one", until))
	tick("one", due)
	require.Equal(t, []string{"create passed"}, store.all(), "one write")
	x := only("one")
	require.Equal(t, record.StatusPassed, x.Status)
	require.Len(t, x.Steps, 1)
	require.Equal(t, srv.URL+"/", x.Steps[0].URL)
	require.Equal(t, storage.PauseMaintenance(until), x.Maintenance)
	days, err := pg.DailyUptime(ctx, &storage.DailyUptimeParams{PlanIDs: []string{"one"}})
	require.NoError(t, err)
	require.Empty(t, days, "in maintenance: counted in no rollup")

	tick("one", due)
	require.Equal(t, []string{"create passed", "create passed"}, store.all())
	require.Equal(t, x.ID, only("one").ID, "the tick's second run is not stored")
	require.Equal(t, []record.SkipReason{record.SkipDuplicate}, skips.seen())

	require.NoError(t, eng.ResumePlan(ctx, "one"))
	tick("one", due.Add(time.Hour))
	days, err = pg.DailyUptime(ctx, &storage.DailyUptimeParams{PlanIDs: []string{"one"}})
	require.NoError(t, err)
	require.Len(t, days, 1)
	require.Equal(t, 1, days[0].Passed, "counted once")

	add("three", step("/1")+step("/2")+step("/3"))
	before := len(store.all())
	tick("three", due)
	require.Equal(t, []string{"create running", "append step", "append step", "finish passed"}, store.all()[before:])
	x = only("three")
	require.Equal(t, record.StatusPassed, x.Status)
	require.Len(t, x.Steps, 3)

	add("slow", step("/slow"))
	for len(store.wrote) > 0 {
		<-store.wrote
	}
	_, tickBound := handTickedWith(t, smokex.Config{Store: store, WriteRunningAfter: time.Millisecond})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		tickBound("slow", due)
	}()
	<-arrived
	require.Equal(t, "create running", <-store.wrote, "written at the bound")
	require.Equal(t, record.StatusRunning, only("slow").Status, "in flight in the store")
	release <- struct{}{}
	<-ticked
	require.Equal(t, "finish passed", <-store.wrote)
	x = only("slow")
	require.Equal(t, record.StatusPassed, x.Status)
	require.Len(t, x.Steps, 1)
}

// runningCommittedThenFailed is countedWrites whose first guarded create
// of a running execution is committed and then reports a failure, as a
// write whose commit is followed by its context's end.
type runningCommittedThenFailed struct {
	*countedWrites
	failed atomic.Bool
}

func (s *runningCommittedThenFailed) CreateExecutionExclusiveIfRevision(ctx context.Context, x *record.Execution, revision int64, since time.Time) error {
	err := s.countedWrites.CreateExecutionExclusiveIfRevision(ctx, x, revision, since)
	if err == nil && s.failed.CompareAndSwap(false, true) {
		return errors.New("the write's outcome was lost")
	}
	return err
}

// TestRunningRowCommittedThenFailedOnPostgres: on PostgreSQL, the
// running row of a slow tick, written at its bound, is committed but
// its write reports a failure; the finish's create, refused by the
// plan's execution in flight (that row), finds the run's own row and
// writes the finish to it: the tick is stored finished, not left
// running.
func TestRunningRowCommittedThenFailedOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pg, _, _ := postgresStore(t)
	release := make(chan struct{})
	arrived := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	t.Cleanup(srv.Close)
	store := &runningCommittedThenFailed{countedWrites: &countedWrites{Store: pg, wrote: make(chan string, 100)}}
	skips := &tickSkips{}
	eng, tick := handTickedWith(t, smokex.Config{Store: store, Hooks: []record.Hook{skips}, WriteRunningAfter: time.Millisecond})
	p, err := plan.Parse([]byte("name: slow\nschedule: \"@hourly\"\nsteps:\n  - get: {url: \""+srv.URL+"/\"}\n"), nil)
	require.NoError(t, err)
	p.ID = "slow"
	require.NoError(t, eng.AddPlan(ctx, p))
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		tick("slow", time.Now().UTC().Truncate(time.Hour))
	}()
	<-arrived
	require.Equal(t, "create running", <-store.wrote, "written at the bound")
	close(release)
	<-ticked
	require.Empty(t, skips.seen())
	page, err := pg.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "slow"})
	require.NoError(t, err)
	require.Len(t, page.Executions, 1)
	require.Equal(t, record.StatusPassed, page.Executions[0].Status, "the finish written")
}
