package smokex_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// newWriteCounted returns an engine whose ticks the test makes, on a
// memory store that records every write of an execution, with cfg's
// other settings.
func newWriteCounted(t *testing.T, cfg smokex.Config) (*smokex.Engine, *handTicks, *statusWrites) {
	t.Helper()
	store := newStatusWrites()
	cfg.Store = store
	eng, h := newHandTicked(t, cfg, false)
	return eng, h, store
}

// newStatusWrites returns a memory store that records every write of an
// execution and sends it on wrote.
func newStatusWrites() *statusWrites {
	return &statusWrites{Store: memory.New(memory.Config{}), writes: map[string][]string{}, wrote: make(chan string, 100)}
}

// TestTickInTimeWrittenOnce: a tick in time of a one-step plan is one
// write of the store: its execution created finished, with its step and
// the Maintenance of the plan's pause, which the finished event carries.
func TestTickInTimeWrittenOnce(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	eng, h, store := newWriteCounted(t, smokex.Config{WriteRunningAfter: time.Hour, Vars: map[string]any{"base": srv.URL}})
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: tick, schedule: "@hourly", steps: [{get: {url: "${base}/"}}]}`)))
	until := time.Now().Add(time.Hour)
	require.NoError(t, eng.PausePlan(ctx, "tick", until))
	events := newExecutionEvents(t, eng)

	h.Tick("tick", time.Now().UTC().Truncate(time.Hour))
	runs := scheduledRuns(t, store, "tick")
	require.Len(t, runs, 1)
	seen, finished := events.of(t, runs[0].ID)
	require.Equal(t, []string{"execution_created created", "execution_started running", "step_finished running", "execution_finished passed"}, seen)
	require.Equal(t, []string{runs[0].ID + " create passed"}, drain(store.wrote), "one write in all")
	x, err := store.GetExecution(ctx, runs[0].ID)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status)
	require.Len(t, x.Steps, 1)
	require.True(t, x.Steps[0].OK)
	require.Equal(t, storage.PauseMaintenance(until), x.Maintenance)
	require.Equal(t, x.Maintenance, finished.Maintenance)
	require.False(t, x.StartedAt.IsZero())
	require.True(t, x.StartedAt.Equal(finished.StartedAt), "the executor's start")
}

// drain returns what ch holds now.
func drain(ch chan string) []string {
	var out []string
	for {
		select {
		case s := <-ch:
			out = append(out, s)
		default:
			return out
		}
	}
}

// TestSlowTickWrittenRunningAtItsBound: a tick still running at its
// bound (WriteRunningAfter) is created as running then, so that the
// store shows it in flight, and its finish updates it with its step.
func TestSlowTickWrittenRunningAtItsBound(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	eng, h, store := newWriteCounted(t, smokex.Config{WriteRunningAfter: time.Millisecond, Vars: map[string]any{"gate": g.srv.URL}})
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: slow, schedule: "@hourly", steps: [{get: {url: "${gate}/"}}]}`)))
	ticked := h.TickAside("slow", time.Now().UTC().Truncate(time.Hour))
	within(t, g.arrived, "the tick's request")
	w := within(t, store.wrote, "the running execution's create")
	require.Contains(t, w, " create running")
	runs := scheduledRuns(t, store, "slow")
	require.Len(t, runs, 1)
	require.Equal(t, record.StatusRunning, runs[0].Status, "in flight in the store")
	g.open()
	within(t, ticked, "the tick's run")
	require.Equal(t, []string{"create running", "finish passed"}, store.of(runs[0].ID))
	x, err := store.GetExecution(ctx, runs[0].ID)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status)
	require.Len(t, x.Steps, 1)
}

// TestMultiStepTickWrittenAtItsFirstStep: a tick of a plan of several
// steps is created as running before its first step result is
// appended, and finished with its last.
func TestMultiStepTickWrittenAtItsFirstStep(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	eng, h, store := newWriteCounted(t, smokex.Config{WriteRunningAfter: time.Hour, Vars: map[string]any{"base": srv.URL}})
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: two, schedule: "@hourly", steps: [{get: {url: "${base}/1"}}, {get: {url: "${base}/2"}}, {get: {url: "${base}/3"}}]}`)))
	h.Tick("two", time.Now().UTC().Truncate(time.Hour))
	runs := scheduledRuns(t, store, "two")
	require.Len(t, runs, 1)
	require.Equal(t, []string{"create running", "append step", "append step", "finish passed"}, store.of(runs[0].ID))
	x, err := store.GetExecution(ctx, runs[0].ID)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status)
	require.Len(t, x.Steps, 3)
	for i, s := range x.Steps {
		require.Equal(t, i, s.Index)
		require.True(t, s.OK)
	}
}

// alwaysInMaintenance puts every execution in a maintenance window.
type alwaysInMaintenance struct{ record.HookDefaults }

func (alwaysInMaintenance) Maintenance(context.Context, *record.PlanRef, *record.Execution) (string, bool) {
	return "backup", true
}

// TestDuplicateTickNotStoredTwice: a tick run a second time, written
// once when it ends, finds in its write that the tick has an execution:
// it is not stored, is told as a tick skipped as a duplicate, and the
// alert policy does not hear of it.
func TestDuplicateTickNotStoredTwice(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	sk := &skips{}
	eng, h, store := newWriteCounted(t, smokex.Config{
		WriteRunningAfter: time.Hour,
		Vars:              map[string]any{"base": srv.URL},
		Hooks:             []record.Hook{sk, alwaysInMaintenance{}},
		Alerts:            &notify.PolicyConfig{},
	})
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: tick, schedule: "@hourly", steps: [{get: {url: "${base}/"}}]}`)))
	due := time.Now().UTC().Truncate(time.Hour)
	h.Tick("tick", due)
	h.Tick("tick", due)
	runs := scheduledRuns(t, store, "tick")
	require.Len(t, runs, 1)
	require.Len(t, drain(store.wrote), 2, "the run and its duplicate's refused write")
	require.Equal(t, []record.SkipReason{record.SkipDuplicate}, sk.seen())
	// Stop drains what the policy was told.
	require.NoError(t, eng.Stop(ctx))
	require.Equal(t, int64(1), eng.Alerts().Stats().Suppressed, "the policy heard of the run, not of its duplicate")
}

// storeWithoutCreateFinished is the store of the engine of
// TestTickOnStoreWithoutCreateFinished: all of statusWrites but
// CreateFinished.
type storeWithoutCreateFinished interface {
	storage.Store
	storage.PauseFinisher
	storage.RevisionCreator
}

// TestTickOnStoreWithoutCreateFinished: on a store that is not a
// storage.FinishedCreator, a tick in time is created as running when it
// is admitted and then finished, as ever.
func TestTickOnStoreWithoutCreateFinished(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	store := &statusWrites{Store: memory.New(memory.Config{}), writes: map[string][]string{}}
	eng, h := newHandTicked(t, smokex.Config{Store: struct{ storeWithoutCreateFinished }{store}, WriteRunningAfter: time.Hour, Vars: map[string]any{"base": srv.URL}}, false)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: tick, schedule: "@hourly", steps: [{get: {url: "${base}/"}}]}`)))
	h.Tick("tick", time.Now().UTC().Truncate(time.Hour))
	runs := scheduledRuns(t, store, "tick")
	require.Len(t, runs, 1)
	require.Equal(t, []string{"create running", "finish passed"}, store.of(runs[0].ID))
}

// committedThenFailed is a statusWrites whose first guarded create of a
// running execution reports a failure: stored, as a write whose commit
// is followed by its context's end, unless lost is set.
type committedThenFailed struct {
	*statusWrites
	failed atomic.Bool
	lost   bool
}

func (s *committedThenFailed) CreateExecutionExclusiveIfRevision(ctx context.Context, e *record.Execution, revision int64, since time.Time) error {
	failure := errors.New("the write's outcome was lost")
	if s.lost && s.failed.CompareAndSwap(false, true) {
		s.log(e.ID, "create", e.Status)
		return failure
	}
	err := s.statusWrites.CreateExecutionExclusiveIfRevision(ctx, e, revision, since)
	if err == nil && s.failed.CompareAndSwap(false, true) {
		return failure
	}
	return err
}

// newCommittedThenFailed is newWriteCounted on a committedThenFailed,
// whose first running create is lost when lost is set.
func newCommittedThenFailed(t *testing.T, cfg smokex.Config, lost bool) (*smokex.Engine, *handTicks, *committedThenFailed) {
	t.Helper()
	store := &committedThenFailed{statusWrites: newStatusWrites(), lost: lost}
	cfg.Store = store
	eng, h := newHandTicked(t, cfg, false)
	return eng, h, store
}

// TestRunningCreateCommittedThenFailedIsTheRunsOwn: the create of a
// tick's running row at its first step is stored but reports a
// failure; the next write finds the run's own row, not a duplicate: the
// run is written to it to its finish, and no tick is told skipped.
func TestRunningCreateCommittedThenFailedIsTheRunsOwn(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	sk := &skips{}
	eng, h, store := newCommittedThenFailed(t, smokex.Config{WriteRunningAfter: time.Hour, Hooks: []record.Hook{sk}, Vars: map[string]any{"base": srv.URL}}, false)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: three, schedule: "@hourly", steps: [{get: {url: "${base}/1"}}, {get: {url: "${base}/2"}}, {get: {url: "${base}/3"}}]}`)))
	h.Tick("three", time.Now().UTC().Truncate(time.Hour))
	runs := scheduledRuns(t, store, "three")
	require.Len(t, runs, 1)
	require.Empty(t, sk.seen(), "no duplicate")
	x, err := store.GetExecution(ctx, runs[0].ID)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status, "finished in the store")
	require.Equal(t, "create running", store.of(runs[0].ID)[0])
}

// TestRunningRowCommittedThenFailedIsFinished: the create of a slow
// tick's running row at its bound is stored but reports a failure; the
// finish finds the run's own row, not a duplicate, and writes the
// finish to it.
func TestRunningRowCommittedThenFailedIsFinished(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	sk := &skips{}
	eng, h, store := newCommittedThenFailed(t, smokex.Config{WriteRunningAfter: time.Millisecond, Hooks: []record.Hook{sk}, Vars: map[string]any{"gate": g.srv.URL}}, false)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: slow, schedule: "@hourly", steps: [{get: {url: "${gate}/"}}]}`)))
	ticked := h.TickAside("slow", time.Now().UTC().Truncate(time.Hour))
	within(t, g.arrived, "the tick's request")
	require.Contains(t, within(t, store.wrote, "the running execution's create"), " create running")
	g.open()
	within(t, ticked, "the tick's run")
	runs := scheduledRuns(t, store, "slow")
	require.Len(t, runs, 1)
	require.Empty(t, sk.seen(), "no duplicate")
	x, err := store.GetExecution(ctx, runs[0].ID)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status)
	require.Len(t, x.Steps, 1)
}

// TestStepOfUncreatedRunIsUnstored: the create of a tick's running row
// at its first step fails, not stored: that step is not appended to a
// row that does not exist but listed as unstored, the next step's
// write creates the row, and the finish names the missing step.
func TestStepOfUncreatedRunIsUnstored(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	eng, h, store := newCommittedThenFailed(t, smokex.Config{WriteRunningAfter: time.Hour, Vars: map[string]any{"base": srv.URL}}, true)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: three, schedule: "@hourly", steps: [{get: {url: "${base}/1"}}, {get: {url: "${base}/2"}}, {get: {url: "${base}/3"}}]}`)))
	h.Tick("three", time.Now().UTC().Truncate(time.Hour))
	runs := scheduledRuns(t, store, "three")
	require.Len(t, runs, 1)
	require.Equal(t, []string{"create running", "create running", "append step", "append step", "update passed"}, store.of(runs[0].ID), "no append before the row is created")
	x, err := store.GetExecution(ctx, runs[0].ID)
	require.NoError(t, err)
	require.Len(t, x.Steps, 2)
	require.NotNil(t, x.Error)
	require.Contains(t, x.Error.Message, "the write's outcome was lost", "the create's failure")
	require.True(t, strings.HasPrefix(x.Error.Message, "step 1 "), x.Error.Message)
}

// TestRefusedRunStopsUntold: a tick run a second time, written once
// when it ends, is refused at its first write, made before its first
// step is appended: the run is canceled, its other steps are not sent,
// and it is told only as a tick skipped as a duplicate: no
// ExecutionFinished hook, no step_finished or execution_finished event.
func TestRefusedRunStopsUntold(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	t.Cleanup(srv.Close)
	sk := &skips{}
	var finishes atomic.Int32
	counted := &record.HookFuncs{OnFinish: func(context.Context, *record.PlanRef, *record.Execution) { finishes.Add(1) }}
	eng, h, store := newWriteCounted(t, smokex.Config{WriteRunningAfter: time.Hour, Hooks: []record.Hook{sk, counted}, Vars: map[string]any{"base": srv.URL}})
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: three, schedule: "@hourly", steps: [{post: {url: "${base}/1"}}, {post: {url: "${base}/2"}}, {post: {url: "${base}/3"}}]}`)))
	sub := eng.Subscribe(64)
	t.Cleanup(sub.Close)
	due := time.Now().UTC().Truncate(time.Hour)
	h.Tick("three", due)
	h.Tick("three", due)
	runs := scheduledRuns(t, store, "three")
	require.Len(t, runs, 1)
	require.Equal(t, []record.SkipReason{record.SkipDuplicate}, sk.seen())
	require.Equal(t, int32(4), requests.Load(), "the run's three steps and the duplicate's first")
	require.Equal(t, int32(1), finishes.Load(), "the run's finish, not its duplicate's")
	var duplicate []smokex.EventType
	for len(sub.C()) > 0 {
		if ev := <-sub.C(); ev.Execution.ID != runs[0].ID {
			duplicate = append(duplicate, ev.Type)
		}
	}
	require.Equal(t, []smokex.EventType{smokex.EventExecutionCreated, smokex.EventExecutionStarted}, duplicate)
}

// createStarts is a statusWrites that counts the guarded creates of a
// running execution as they begin.
type createStarts struct {
	*statusWrites
	started atomic.Int32
}

func (s *createStarts) CreateExecutionExclusiveIfRevision(ctx context.Context, e *record.Execution, revision int64, since time.Time) error {
	s.started.Add(1)
	return s.statusWrites.CreateExecutionExclusiveIfRevision(ctx, e, revision, since)
}

// TestUnwoundRunLeavesNoTimerWrite: a tick that unwinds before its
// finish (a hook panics; a scheduler such as River recovers it) makes no
// write at its bound once it is released: a later tick, admitted after
// it with the same bound, is written at its bound, and the unwound run
// never.
func TestUnwoundRunLeavesNoTimerWrite(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	store := &createStarts{statusWrites: newStatusWrites()}
	var boundFirst atomic.Bool
	boom := &record.HookFuncs{OnStart: func(_ context.Context, p *record.PlanRef, _ *record.Execution) {
		if p.ID == "boom" {
			boundFirst.Store(store.started.Load() > 0)
			panic("a hook panicked")
		}
	}}
	eng, h := newHandTicked(t, smokex.Config{Store: store, WriteRunningAfter: 100 * time.Millisecond, Hooks: []record.Hook{boom}, Vars: map[string]any{"gate": g.srv.URL}}, false)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: boom, schedule: "@hourly", steps: [{get: {url: "${gate}/"}}]}`)))
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: slow, schedule: "@hourly", steps: [{get: {url: "${gate}/"}}]}`)))
	due := time.Now().UTC().Truncate(time.Hour)
	require.Panics(t, func() { h.Tick("boom", due) })
	if boundFirst.Load() {
		t.Skip("the run's bound came before its hook panicked: its write was the live run's")
	}
	ticked := h.TickAside("slow", due)
	within(t, g.arrived, "the later tick's request")
	require.Contains(t, within(t, store.wrote, "the later tick's running create"), " create running")
	g.open()
	within(t, ticked, "the later tick's run")
	require.Empty(t, scheduledRuns(t, store, "boom"), "no write of the unwound run")
}

// TestLateTickWrittenRunningBeforeItsNextTick: a tick admitted late in
// its interval, with a bound (WriteRunningAfter) longer than what is
// left of it, is written as running within half of what is left, so
// that its row is in the store before its plan's next tick is due.
func TestLateTickWrittenRunningBeforeItsNextTick(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	eng, h, store := newWriteCounted(t, smokex.Config{WriteRunningAfter: time.Hour, Vars: map[string]any{"gate": g.srv.URL}})
	ctx := t.Context()
	// Daily at the second ten seconds from now: the tick due a day
	// before that is in time, its next due in ten seconds.
	next := time.Now().UTC().Add(10 * time.Second).Truncate(time.Second)
	spec := fmt.Sprintf("CRON_TZ=UTC %d %d %d * * *", next.Second(), next.Minute(), next.Hour())
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: late, schedule: "`+spec+`", steps: [{get: {url: "${gate}/"}}]}`)))
	ticked := h.TickAside("late", next.Add(-24*time.Hour))
	within(t, g.arrived, "the tick's request")
	require.Contains(t, within(t, store.wrote, "the running execution's create"), " create running")
	g.open()
	within(t, ticked, "the tick's run")
}
