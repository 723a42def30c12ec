package smokex_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/schedule/scheduletest"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newEngine builds an engine that is stopped when the test ends.
func newEngine(t *testing.T, cfg smokex.Config) *smokex.Engine {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	eng, err := smokex.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = eng.Stop(ctx)
	})
	return eng
}

func mustParse(t *testing.T, src string) *plan.Plan {
	t.Helper()
	p, err := plan.Parse([]byte(src), nil)
	require.NoError(t, err)
	return p
}

func okServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"path":%q,"auth":%q}`, r.URL.Path, r.Header.Get("X-Key"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// gate is a server whose requests block until released, counting how many
// are in flight at once.
type gate struct {
	srv      *httptest.Server
	release  chan struct{}
	arrived  chan struct{}
	inFlight atomic.Int32
	maxSeen  atomic.Int32
	once     sync.Once
}

func newGate(t *testing.T) *gate {
	t.Helper()
	g := &gate{release: make(chan struct{}), arrived: make(chan struct{}, 100)}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := g.inFlight.Add(1)
		defer g.inFlight.Add(-1)
		for {
			m := g.maxSeen.Load()
			if n <= m || g.maxSeen.CompareAndSwap(m, n) {
				break
			}
		}
		g.arrived <- struct{}{}
		select {
		case <-g.release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { g.open(); g.srv.Close() })
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

func TestRunStoresExecution(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	store := memory.New(memory.Config{})
	eng := newEngine(t, smokex.Config{Store: store, Vars: map[string]any{"base": srv.URL}})
	ctx := context.Background()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `
name: api
steps:
  - get: {url: "${base}/a", expect: {json: {path: /a}}}
  - get: {url: "${base}/b", expect: {json: {path: /b}}}
`)))
	x, err := eng.Run(ctx, "api", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status, "%+v", x.Steps)
	require.Equal(t, record.TriggerManual, x.Trigger)

	stored, err := store.GetExecution(ctx, x.ID)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, stored.Status)
	require.Len(t, stored.Steps, 2)
	require.False(t, stored.FinishedAt.IsZero())

	sp, err := store.GetPlan(ctx, "api")
	require.NoError(t, err)
	require.Contains(t, string(sp.Source), "name: api")
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	eng := newEngine(t, smokex.Config{})
	ctx := context.Background()
	_, err := eng.Run(ctx, "missing", nil)
	require.ErrorIs(t, err, smokex.ErrPlanNotFound)
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.ErrorIs(t, eng.Cancel("nope"), smokex.ErrExecutionNotFound)
	require.Error(t, eng.AddPlan(ctx, &plan.Plan{}))
	_, err = smokex.New(smokex.Config{Concurrency: -1})
	require.ErrorContains(t, err, "Concurrency")
}

func TestEventsInOrder(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	eng := newEngine(t, smokex.Config{Vars: map[string]any{"base": srv.URL}})
	ctx := context.Background()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `
name: ev
steps:
  - get: {url: "${base}/1"}
  - get: {url: "${base}/2"}
`)))
	sub := eng.Subscribe(0)
	defer sub.Close()
	id, err := eng.Trigger(ctx, "ev", nil)
	require.NoError(t, err)
	var types []smokex.EventType
	for ev := range sub.C() {
		require.Equal(t, id, ev.Execution.ID)
		types = append(types, ev.Type)
		if ev.Type == smokex.EventStepFinished {
			require.NotNil(t, ev.Step)
		}
		if ev.Type == smokex.EventExecutionFinished {
			require.Len(t, ev.Execution.Steps, 2)
			break
		}
	}
	require.Equal(t, []smokex.EventType{
		smokex.EventExecutionCreated, smokex.EventExecutionStarted,
		smokex.EventStepFinished, smokex.EventStepFinished, smokex.EventExecutionFinished,
	}, types)
}

func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	eng := newEngine(t, smokex.Config{Vars: map[string]any{"base": srv.URL}})
	ctx := context.Background()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: slowsub, steps: [{get: {url: "${base}/"}}, {get: {url: "${base}/"}}, {get: {url: "${base}/"}}]}`)))
	sub := eng.Subscribe(1) // never read
	x, err := eng.Run(ctx, "", nil)
	require.ErrorIs(t, err, smokex.ErrPlanNotFound)
	require.Nil(t, x)
	x, err = eng.Run(ctx, "slowsub", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status)
	require.Equal(t, uint64(5), sub.Dropped()) // 6 events, 1 buffered
	sub.Close()
	sub.Close()
}

func TestOverlapSkippedByDefault(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	eng := newEngine(t, smokex.Config{Vars: map[string]any{"base": g.srv.URL}})
	ctx := context.Background()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: slow, steps: [{get: {url: "${base}/"}}]}`)))
	_, err := eng.Trigger(ctx, "slow", nil)
	require.NoError(t, err)
	<-g.arrived
	_, err = eng.Trigger(ctx, "slow", nil)
	require.ErrorIs(t, err, smokex.ErrOverlap)
	g.open()
}

func TestOverlapAllowedAndConcurrencyLimit(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	store := memory.New(memory.Config{})
	eng := newEngine(t, smokex.Config{Store: store, Overlap: smokex.OverlapAllow, Concurrency: 1, Vars: map[string]any{"base": g.srv.URL}})
	ctx := context.Background()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: slow, steps: [{get: {url: "${base}/"}}]}`)))
	first, err := eng.Trigger(ctx, "slow", nil)
	require.NoError(t, err)
	<-g.arrived
	second, err := eng.Trigger(ctx, "slow", nil)
	require.NoError(t, err)
	// The second waits for a slot: it stays created.
	x, err := store.GetExecution(ctx, second)
	require.NoError(t, err)
	require.Equal(t, record.StatusCreated, x.Status)
	g.open()
	for _, id := range []string{first, second} {
		require.Eventually(t, func() bool {
			x, err := store.GetExecution(ctx, id)
			return err == nil && x.Status == record.StatusPassed
		}, 5*time.Second, 10*time.Millisecond)
	}
	require.Equal(t, int32(1), g.maxSeen.Load())
}

func TestCancelAndStopDeadline(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	store := memory.New(memory.Config{})
	eng, err := smokex.New(smokex.Config{Store: store, Overlap: smokex.OverlapAllow, Vars: map[string]any{"base": g.srv.URL}})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, eng.Start(ctx))
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: slow, steps: [{get: {url: "${base}/"}}]}`)))

	canceled, err := eng.Trigger(ctx, "slow", nil)
	require.NoError(t, err)
	<-g.arrived
	require.NoError(t, eng.Cancel(canceled))

	running, err := eng.Trigger(ctx, "slow", nil)
	require.NoError(t, err)
	<-g.arrived

	stopCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = eng.Stop(stopCtx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, err, eng.Stop(ctx), "Stop again returns the first result")

	for _, id := range []string{canceled, running} {
		x, err := store.GetExecution(ctx, id)
		require.NoError(t, err)
		require.Equal(t, record.StatusCanceled, x.Status, id)
	}
	_, err = eng.Run(ctx, "slow", nil)
	require.ErrorIs(t, err, smokex.ErrClosed)
	require.ErrorIs(t, eng.AddPlan(ctx, mustParse(t, `{name: x, steps: [{get: {url: "http://127.0.0.1:1/"}}]}`)), smokex.ErrClosed)
	require.ErrorIs(t, eng.Start(ctx), smokex.ErrClosed)
	_, err = eng.Entries(ctx)
	require.ErrorIs(t, err, smokex.ErrClosed)
	_, open := <-eng.Subscribe(0).C()
	require.False(t, open)
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	ctx := context.Background()
	src := `
name: secret
secrets: [KEY]
steps:
  - get: {url: "${base}/x", headers: {X-Key: "${KEY}"}, expect: {json: {auth: nope}}}
`
	eng := newEngine(t, smokex.Config{Vars: map[string]any{"base": srv.URL}, Secrets: smokex.StaticSecrets{"KEY": "hunter2"}})
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, src)))
	x, err := eng.Run(ctx, "secret", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusFailed, x.Status)
	require.NotEmpty(t, x.Steps[0].Failures)
	require.NotContains(t, fmt.Sprintf("%+v", x.Steps[0]), "hunter2")

	bare := newEngine(t, smokex.Config{Vars: map[string]any{"base": srv.URL}})
	require.NoError(t, bare.AddPlan(ctx, mustParse(t, src)))
	x, err = bare.Run(ctx, "secret", nil)
	require.NoError(t, err)
	require.NotEqual(t, record.StatusPassed, x.Status)
	require.NotNil(t, x.Error)
	require.True(t, strings.HasPrefix(x.Error.Message, "secret KEY is not set"), "the documented message: %s", x.Error.Message)
}

func TestEnvSecrets(t *testing.T) {
	ctx := context.Background()
	t.Setenv("SMOKEX_TEST_KEY", "from-env")
	v, ok, err := smokex.EnvSecrets("SMOKEX_TEST_KEY").Secret(ctx, "SMOKEX_TEST_KEY")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "from-env", v)
	_, ok, _ = smokex.EnvSecrets().Secret(ctx, "SMOKEX_TEST_KEY")
	require.False(t, ok, "names outside the allow-list are not read")

	fake := map[string]string{"A": "1", "B": "2"}
	src := smokex.LookupSecrets(func(n string) (string, bool) { v, ok := fake[n]; return v, ok }, "A")
	v, ok, err = src.Secret(ctx, "A")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "1", v)
	_, ok, _ = src.Secret(ctx, "B")
	require.False(t, ok)
}

func TestSyncFS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := newEngine(t, smokex.Config{})
	fsys := fstest.MapFS{
		"a.yaml": {Data: []byte(`[{get: {url: "http://127.0.0.1:1/a"}}]`)},
		"b.yaml": {Data: []byte(`{name: b, schedule: "@hourly", steps: [{get: {url: "http://127.0.0.1:1/b"}}]}`)},
	}
	res, err := eng.SyncFS(ctx, fsys)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"a", "b"}, res.Added)
	entries, err := eng.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "b", entries[0].ID)

	// b changes and loses its schedule, a is removed, c is new.
	fsys["b.yaml"] = &fstest.MapFile{Data: []byte(`{name: b, steps: [{get: {url: "http://127.0.0.1:1/b2"}}]}`)}
	delete(fsys, "a.yaml")
	fsys["c.yml"] = &fstest.MapFile{Data: []byte(`[{get: {url: "http://127.0.0.1:1/c"}}]`)}
	res, err = eng.SyncFS(ctx, fsys)
	require.NoError(t, err)
	require.Equal(t, &smokex.SyncResult{Added: []string{"c"}, Updated: []string{"b"}, Removed: []string{"a"}}, res)
	entries, err = eng.Entries(ctx)
	require.NoError(t, err)
	require.Empty(t, entries)

	// A new invalid file adds nothing and changes nothing else.
	fsys["d.yaml"] = &fstest.MapFile{Data: []byte(`[]`)}
	_, err = eng.SyncFS(ctx, fsys)
	require.Error(t, err)
	ids := func() []string {
		out := []string{}
		for _, p := range eng.Plans() {
			out = append(out, p.ID)
		}
		return out
	}
	require.Equal(t, []string{"b", "c"}, ids())

	// One file breaks while another is edited: the edit is synced, the
	// broken file's plan is kept as it was.
	fsys["c.yml"] = &fstest.MapFile{Data: []byte(`[{get: {url: "http://127.0.0.1:1/c"`)}
	fsys["b.yaml"] = &fstest.MapFile{Data: []byte(`{name: b, steps: [{get: {url: "http://127.0.0.1:1/b3"}}]}`)}
	res, err = eng.SyncFS(ctx, fsys)
	var list plan.ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 2, "d.yaml and c.yml: %v", err)
	require.Equal(t, &smokex.SyncResult{Updated: []string{"b"}}, res)
	require.Equal(t, []string{"b", "c"}, ids())
	b, err := eng.Plan("b")
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:1/b3", b.Steps[0].URL.Raw())
	c, err := eng.Plan("c")
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:1/c", c.Steps[0].URL.Raw(), "the broken file's plan runs as it was")

	// The broken files are in LoadErrors, with the plan each one held; a
	// sync that finds them broken the same way keeps their Since.
	loadErrs := eng.LoadErrors()
	require.Len(t, loadErrs, 2)
	require.Equal(t, "c.yml", loadErrs[0].File)
	require.Equal(t, "c", loadErrs[0].PlanID)
	require.Positive(t, loadErrs[0].Errors[0].Line)
	require.Equal(t, "d.yaml", loadErrs[1].File)
	require.Empty(t, loadErrs[1].PlanID, "d.yaml never loaded")
	require.False(t, loadErrs[0].Since.IsZero())
	version := eng.PlansVersion()
	_, err = eng.SyncFS(ctx, fsys)
	require.Error(t, err)
	require.Equal(t, loadErrs, eng.LoadErrors())
	require.Equal(t, version, eng.PlansVersion(), "nothing changed")
	fsys["c.yml"] = &fstest.MapFile{Data: []byte(`[{get: {url: "http://127.0.0.1:1/c"}}]`)}
	delete(fsys, "d.yaml")
	_, err = eng.SyncFS(ctx, fsys)
	require.NoError(t, err)
	require.Empty(t, eng.LoadErrors())
	require.Greater(t, eng.PlansVersion(), version)

	// Synced plans say so; a plan added with AddPlan does not. Each change
	// moves PlansVersion.
	require.True(t, eng.PlanSynced("b"))
	before := eng.PlansVersion()
	p, err := plan.Parse([]byte(`{name: e, steps: [{get: {url: "http://127.0.0.1:1/e"}}]}`), nil)
	require.NoError(t, err)
	require.NoError(t, eng.AddPlan(ctx, p))
	require.False(t, eng.PlanSynced("e"))
	require.Greater(t, eng.PlansVersion(), before)
	require.False(t, eng.PlanSynced("unknown"))
}

// TestSyncFSRestart: an engine started again on the same store (as serve
// is on PostgreSQL) finds its files' plans there unchanged: none is
// reported added, a changed one is updated, and each runs and is
// scheduled as before.
func TestSyncFSRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := memory.New(memory.Config{})
	fsys := fstest.MapFS{
		"a.yaml": {Data: []byte(`[{get: {url: "http://127.0.0.1:1/a"}}]`)},
		"b.yaml": {Data: []byte(`{name: b, schedule: "@hourly", steps: [{get: {url: "http://127.0.0.1:1/b"}}]}`)},
	}
	first := newEngine(t, smokex.Config{Store: store})
	res, err := first.SyncFS(ctx, fsys)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"a", "b"}, res.Added)
	require.NoError(t, first.Stop(ctx))

	fsys["a.yaml"] = &fstest.MapFile{Data: []byte(`[{get: {url: "http://127.0.0.1:1/a2"}}]`)}
	again := newEngine(t, smokex.Config{Store: store})
	res, err = again.SyncFS(ctx, fsys)
	require.NoError(t, err)
	require.Equal(t, &smokex.SyncResult{Updated: []string{"a"}}, res)
	require.True(t, again.PlanSynced("b"))
	entries, err := again.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "b", entries[0].ID)
}

// TestScheduledRun drives the scheduler with a fake clock: nothing runs
// until the clock reaches the plan's next tick, then one scheduled
// execution runs.
func TestScheduledRun(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	// The engine starts a tick only within its interval of the real clock.
	start := time.Now().UTC().Truncate(5 * time.Minute)
	clock := scheduletest.NewFakeClock(start)
	eng := newEngine(t, smokex.Config{
		Vars: map[string]any{"base": srv.URL},
		NewScheduler: func(fn schedule.Func) (schedule.Scheduler, error) {
			return schedule.NewCron(schedule.CronConfig{Func: fn, Clock: clock, Location: time.UTC})
		},
	})
	ctx := context.Background()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: tick, schedule: "*/5 * * * *", steps: [{get: {url: "${base}/"}}]}`)))
	sub := eng.Subscribe(0)
	defer sub.Close()
	require.NoError(t, eng.Start(ctx))
	entries, err := eng.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, start.Add(5*time.Minute), entries[0].Next.UTC())

	clock.BlockUntil(1)
	clock.Advance(4 * time.Minute)
	select {
	case ev := <-sub.C():
		t.Fatalf("nothing is due yet, got %s", ev.Type)
	case <-time.After(50 * time.Millisecond):
	}
	clock.Advance(time.Minute)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-sub.C():
			if ev.Type == smokex.EventExecutionFinished {
				require.Equal(t, record.TriggerSchedule, ev.Execution.Trigger)
				require.Equal(t, record.StatusPassed, ev.Execution.Status)
				due := start.Add(5 * time.Minute)
				require.True(t, due.Equal(ev.Execution.ScheduledAt), "ScheduledAt %v, want the tick's due time %v", ev.Execution.ScheduledAt, due)
				stored, err := eng.Store().GetExecution(ctx, ev.Execution.ID)
				require.NoError(t, err)
				require.True(t, due.Equal(stored.ScheduledAt), "stored ScheduledAt %v", stored.ScheduledAt)
				return
			}
		case <-timeout:
			t.Fatal("no scheduled execution finished")
		}
	}
}

// TestRestartRecovers stands for a process that died mid-run: its store
// holds the plan and an execution left running. A new engine on that store
// schedules the plan again and finishes the execution as interrupted: canceled,
// since no step of it had failed.
func TestRestartRecovers(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	ctx := context.Background()
	store := memory.New(memory.Config{})

	// The first engine starts a run and is abandoned mid-run, as a process
	// that is killed would leave it: no Stop, the run still in flight.
	first, err := smokex.New(smokex.Config{Store: store, Vars: map[string]any{"base": g.srv.URL}})
	require.NoError(t, err)
	require.NoError(t, first.AddPlan(ctx, mustParse(t, `{name: nightly, schedule: "0 3 * * *", steps: [{get: {url: "${base}/"}}]}`)))
	id, err := first.Trigger(ctx, "nightly", nil)
	require.NoError(t, err)
	<-g.arrived
	x, err := store.GetExecution(ctx, id)
	require.NoError(t, err)
	require.Equal(t, record.StatusRunning, x.Status)

	second := newEngine(t, smokex.Config{Store: store})
	require.NoError(t, second.Start(ctx))
	x, err = store.GetExecution(ctx, id)
	require.NoError(t, err)
	require.Equal(t, record.StatusCanceled, x.Status)
	require.Equal(t, record.StopInterrupted, x.StopReason)
	require.NotNil(t, x.Error)
	require.Equal(t, record.ErrInterrupted, x.Error.Kind)
	entries, err := second.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "nightly", entries[0].ID)
	require.False(t, entries[0].Next.IsZero())

	// Let the abandoned engine go, so that the test leaks nothing.
	stopCtx, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	require.Error(t, first.Stop(stopCtx))
}

func TestPrune(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	store := memory.New(memory.Config{})
	eng := newEngine(t, smokex.Config{Store: store, RetentionKeepLast: 2, Vars: map[string]any{"base": srv.URL}})
	ctx := context.Background()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: p, steps: [{get: {url: "${base}/"}}]}`)))
	for range 5 {
		_, err := eng.Run(ctx, "p", nil)
		require.NoError(t, err)
	}
	n, err := eng.Prune(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	page, err := store.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "p"})
	require.NoError(t, err)
	require.Len(t, page.Executions, 2)
}

func TestRemovePlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := memory.New(memory.Config{})
	eng := newEngine(t, smokex.Config{Store: store})
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: gone, schedule: "@hourly", steps: [{get: {url: "http://127.0.0.1:1/"}}]}`)))
	require.NoError(t, eng.RemovePlan(ctx, "gone"))
	_, err := store.GetPlan(ctx, "gone")
	require.ErrorIs(t, err, storage.ErrNotFound)
	entries, err := eng.Entries(ctx)
	require.NoError(t, err)
	require.Empty(t, entries)
	require.True(t, errors.Is(eng.RemovePlan(ctx, "gone"), smokex.ErrPlanNotFound))
}

// hookStore calls its hooks, when set, around the calls of the store it
// wraps: onList after reading a page of executions and before returning it,
// onSave before saving a plan, onDelete before deleting one; onUpdate
// before updating an execution, whose error, if any, the update returns.
type hookStore struct {
	storage.Store
	onList, onSave, onDelete func(ctx context.Context)
	onUpdate                 func(x *record.Execution) error
}

func call(ctx context.Context, hook func(context.Context)) {
	if hook != nil {
		hook(ctx)
	}
}

func (s *hookStore) ListExecutions(ctx context.Context, p *storage.ListExecutionsParams) (*storage.ExecutionPage, error) {
	page, err := s.Store.ListExecutions(ctx, p)
	call(ctx, s.onList)
	return page, err
}

func (s *hookStore) SavePlan(ctx context.Context, p *storage.Plan) error {
	call(ctx, s.onSave)
	return s.Store.SavePlan(ctx, p)
}

func (s *hookStore) UpdateExecution(ctx context.Context, x *record.Execution) error {
	if s.onUpdate != nil {
		if err := s.onUpdate(x); err != nil {
			return err
		}
	}
	return s.Store.UpdateExecution(ctx, x)
}

func (s *hookStore) DeletePlan(ctx context.Context, id string) error {
	call(ctx, s.onDelete)
	return s.Store.DeletePlan(ctx, id)
}

// TestRecoveryLeavesOwnExecutions starts an engine while one of its own
// runs is in flight, and lets that run finish between recovery's listing
// of running executions and its decision: the run is this engine's, so it
// stays passed instead of being taken for a dead process's.
func TestRecoveryLeavesOwnExecutions(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	store := &hookStore{Store: memory.New(memory.Config{})}
	eng := newEngine(t, smokex.Config{Store: store, Vars: map[string]any{"base": g.srv.URL}})
	ctx := context.Background()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: own, steps: [{get: {url: "${base}/"}}]}`)))
	done := make(chan *record.Execution, 1)
	go func() {
		x, _ := eng.Run(ctx, "own", nil)
		done <- x
	}()
	<-g.arrived
	var finished *record.Execution
	store.onList = func(context.Context) {
		g.open()
		finished = <-done
	}
	require.NoError(t, eng.Start(ctx))
	require.NotNil(t, finished)
	require.Equal(t, record.StatusPassed, finished.Status)
	stored, err := store.GetExecution(ctx, finished.ID)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, stored.Status, "recovery finished an execution of its own engine")
	require.Nil(t, stored.Error)
}

// TestStopLeavesNoGoroutines runs a plan against a server that outlives the
// engine: once Stop returns, no goroutine of the engine is left, not even
// those of its idle keep-alive connections. It is not parallel, so that the
// goroutines of other tests do not count.
func TestStopLeavesNoGoroutines(t *testing.T) {
	srv := okServer(t)
	before := goleak.IgnoreCurrent()
	eng, err := smokex.New(smokex.Config{Vars: map[string]any{"base": srv.URL}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: alive, steps: [{get: {url: "${base}/"}}]}`)))
	require.NoError(t, eng.Start(ctx))
	x, err := eng.Run(ctx, "alive", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status)
	require.NoError(t, eng.Stop(ctx))
	goleak.VerifyNone(t, before)
}

// TestAddAndRemovePlanAgree adds a plan again while its removal is between
// the scheduler and the store: whichever wins, the store, the engine's plans
// and the schedule agree afterwards.
func TestAddAndRemovePlanAgree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &hookStore{Store: memory.New(memory.Config{})}
	eng := newEngine(t, smokex.Config{Store: store})
	src := `{name: both, schedule: "@hourly", steps: [{get: {url: "http://127.0.0.1:1/"}}]}`
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, src)))

	deleting, proceed := make(chan struct{}), make(chan struct{})
	store.onDelete = func(context.Context) {
		close(deleting)
		<-proceed
	}
	removed := make(chan error, 1)
	go func() { removed <- eng.RemovePlan(ctx, "both") }()
	<-deleting
	added := make(chan error, 1)
	go func() { added <- eng.AddPlan(ctx, mustParse(t, src)) }()
	// Give AddPlan the time to finish if nothing holds it back.
	time.Sleep(100 * time.Millisecond)
	close(proceed)
	require.NoError(t, <-removed)
	require.NoError(t, <-added)

	_, err := store.GetPlan(ctx, "both")
	require.NoError(t, err, "the plan added last is not stored")
	_, err = eng.Plan("both")
	require.NoError(t, err)
	entries, err := eng.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, entries, 1)
}

// TestSyncAfterStop checks that SyncFS and WatchFS refuse to run once the
// engine is stopped, also when there is nothing to change, instead of
// starting a watcher that Stop no longer waits for.
func TestSyncAfterStop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := newEngine(t, smokex.Config{})
	fsys := fstest.MapFS{"a.yaml": {Data: []byte(`[{get: {url: "http://127.0.0.1:1/a"}}]`)}}
	_, err := eng.SyncFS(ctx, fsys)
	require.NoError(t, err)
	require.NoError(t, eng.Stop(ctx))
	_, err = eng.SyncFS(ctx, fsys)
	require.ErrorIs(t, err, smokex.ErrClosed)
	require.ErrorIs(t, eng.WatchFS(ctx, fsys, time.Second), smokex.ErrClosed)
}

// failListStore fails its first listing of executions.
type failListStore struct {
	storage.Store
	failed atomic.Bool
}

func (s *failListStore) ListExecutions(ctx context.Context, p *storage.ListExecutionsParams) (*storage.ExecutionPage, error) {
	if s.failed.CompareAndSwap(false, true) {
		return nil, errors.New("store unavailable")
	}
	return s.Store.ListExecutions(ctx, p)
}

// startCounter counts the starts of the scheduler it wraps.
type startCounter struct {
	schedule.Scheduler
	starts atomic.Int32
}

func (s *startCounter) Start(ctx context.Context) error {
	s.starts.Add(1)
	return s.Scheduler.Start(ctx)
}

// TestStartAgainAfterFailure checks that a Start that failed may be called
// again, and that the second call starts the scheduler instead of doing
// nothing.
func TestStartAgainAfterFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var sched *startCounter
	eng := newEngine(t, smokex.Config{
		Store: &failListStore{Store: memory.New(memory.Config{})},
		NewScheduler: func(fn schedule.Func) (schedule.Scheduler, error) {
			c, err := schedule.NewCron(schedule.CronConfig{Func: fn})
			sched = &startCounter{Scheduler: c}
			return sched, err
		},
	})
	require.ErrorContains(t, eng.Start(ctx), "store unavailable")
	require.Zero(t, sched.starts.Load())
	require.NoError(t, eng.Start(ctx))
	require.Equal(t, int32(1), sched.starts.Load())
	require.NoError(t, eng.Start(ctx))
	require.Equal(t, int32(1), sched.starts.Load(), "Start on a started engine does nothing")
}

// TestAddPlanAsStopBegins stops the engine while AddPlan is between its
// check that the engine is open and the scheduler: it returns ErrClosed, as
// a call made after Stop does.
func TestAddPlanAsStopBegins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &hookStore{Store: memory.New(memory.Config{})}
	eng := newEngine(t, smokex.Config{Store: store})
	require.NoError(t, eng.Start(ctx))
	store.onSave = func(context.Context) { require.NoError(t, eng.Stop(ctx)) }
	err := eng.AddPlan(ctx, mustParse(t, `{name: late, schedule: "@hourly", steps: [{get: {url: "http://127.0.0.1:1/"}}]}`))
	require.ErrorIs(t, err, smokex.ErrClosed)
}

// TestAddPlanRefusesIDsNoStoreHolds gives AddPlan plans built in Go with
// IDs that plan.CheckID refuses: each is an error before the store is
// asked, so that the memory store refuses what PostgreSQL could not hold.
func TestAddPlanRefusesIDsNoStoreHolds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &hookStore{Store: memory.New(memory.Config{})}
	saves := 0
	store.onSave = func(context.Context) { saves++ }
	eng := newEngine(t, smokex.Config{Store: store})
	for _, id := range []string{strings.Repeat("a", plan.MaxIDLength+1), "a\x00b", "a\nb"} {
		p := mustParse(t, `[{get: {url: "http://127.0.0.1:1/"}}]`)
		p.ID = id
		err := eng.AddPlan(ctx, p)
		require.Error(t, err)
		require.Equal(t, plan.CheckID(id).Error(), errors.Unwrap(err).Error())
	}
	require.Zero(t, saves, "the store was not asked")
	require.Empty(t, eng.Plans())
	p := mustParse(t, `[{get: {url: "http://127.0.0.1:1/"}}]`)
	p.ID = strings.Repeat("a", plan.MaxIDLength)
	require.NoError(t, eng.AddPlan(ctx, p))
	require.Equal(t, 1, saves)
}

// TestWatchFSInterval checks that a watch without a positive interval is an
// error, not a panic in the watcher's goroutine, and that a watch follows
// its files.
func TestWatchFSInterval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := newEngine(t, smokex.Config{})
	fsys := fstest.MapFS{"a.yaml": {Data: []byte(`[{get: {url: "http://127.0.0.1:1/a"}}]`)}}
	require.ErrorContains(t, eng.WatchFS(ctx, fsys, 0), "positive interval")
	require.Empty(t, eng.Plans(), "nothing is loaded")

	watchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	require.NoError(t, eng.WatchFS(watchCtx, fsys, 10*time.Millisecond))
	require.Len(t, eng.Plans(), 1)
}

// TestRemovePlanCancelsItsRuns removes a plan while it runs: the run ends
// at once instead of going on against a plan that is gone, and the plan can
// be added and run again under the same ID.
func TestRemovePlanCancelsItsRuns(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	ctx := context.Background()
	eng := newEngine(t, smokex.Config{Vars: map[string]any{"base": g.srv.URL}})
	src := `{name: busy, steps: [{get: {url: "${base}/"}}]}`
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, src)))
	sub := eng.Subscribe(0)
	defer sub.Close()
	_, err := eng.Trigger(ctx, "busy", nil)
	require.NoError(t, err)
	<-g.arrived
	require.NoError(t, eng.RemovePlan(ctx, "busy"))
	// The step's own timeout is 5s.
	timeout := time.After(2 * time.Second)
	for done := false; !done; {
		select {
		case ev := <-sub.C():
			if ev.Type == smokex.EventExecutionFinished {
				require.Equal(t, record.StatusCanceled, ev.Execution.Status)
				done = true
			}
		case <-timeout:
			t.Fatal("the removed plan's run goes on")
		}
	}
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, src)))
	g.open()
	x, err := eng.Run(ctx, "busy", nil)
	require.NoError(t, err, "the plan added again is held back by the removed one's run")
	require.Equal(t, record.StatusPassed, x.Status)
}

// TestCanceledBeforeStartIsStartedThenFinished cancels a run that waits for
// a slot: observers and subscribers see it start before it finishes, as
// every other execution, so that a gauge of running executions made from
// them does not go below zero.
func TestCanceledBeforeStartIsStartedThenFinished(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	ctx := context.Background()
	var started atomic.Int32
	finished := make(chan string, 2)
	obs := &hookFuncs{
		started:  func(*record.PlanRef, *record.Execution) { started.Add(1) },
		finished: func(_ context.Context, _ *record.PlanRef, x *record.Execution) { finished <- x.ID },
	}
	eng := newEngine(t, smokex.Config{Concurrency: 1, Overlap: smokex.OverlapAllow, Hooks: []record.Hook{obs}, Vars: map[string]any{"base": g.srv.URL}})
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: queue, steps: [{get: {url: "${base}/"}}]}`)))
	_, err := eng.Trigger(ctx, "queue", nil)
	require.NoError(t, err)
	<-g.arrived
	defer g.open()
	sub := eng.Subscribe(0)
	defer sub.Close()
	waiting, err := eng.Trigger(ctx, "queue", nil)
	require.NoError(t, err)
	require.NoError(t, eng.Cancel(waiting))
	var types []smokex.EventType
	for ev := range sub.C() {
		types = append(types, ev.Type)
		if ev.Type == smokex.EventExecutionFinished {
			require.Equal(t, record.StatusCanceled, ev.Execution.Status)
			break
		}
	}
	require.Equal(t, []smokex.EventType{smokex.EventExecutionCreated, smokex.EventExecutionStarted, smokex.EventExecutionFinished}, types)
	require.Equal(t, int32(2), started.Load(), "the running one and the canceled one")
	// The hooks hear of the finish after the subscribers: wait for it.
	require.Equal(t, waiting, <-finished, "the canceled one finished, the running one not yet")
}

// TestStopEndsWatcherInStore stops the engine while its watcher waits on a
// slow store: the watcher's store call is canceled and Stop returns,
// instead of waiting on it for as long as the watch's own context lives.
func TestStopEndsWatcherInStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, src string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600))
	}
	write("a.yaml", `[{get: {url: "http://127.0.0.1:1/a"}}]`)
	var block atomic.Bool
	saving, release := make(chan struct{}, 1), make(chan struct{})
	store := &hookStore{Store: memory.New(memory.Config{}), onSave: func(ctx context.Context) {
		if !block.Load() {
			return
		}
		select {
		case saving <- struct{}{}:
		default:
		}
		select {
		case <-ctx.Done():
		case <-release:
		}
	}}
	eng := newEngine(t, smokex.Config{Store: store})
	t.Cleanup(func() { close(release) })
	require.NoError(t, eng.WatchFS(ctx, os.DirFS(dir), 10*time.Millisecond))
	block.Store(true)
	write("b.yaml", `[{get: {url: "http://127.0.0.1:1/b"}}]`)
	<-saving

	stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- eng.Stop(stopCtx) }()
	select {
	case err := <-stopped:
		require.NoError(t, err)
	case <-time.After(2 * time.Second):
		t.Fatal("Stop waits for the watcher's store call")
	}
}

// TestFinishedExecutionStoredDespiteStoreBlip fails the first writes of a
// finished execution, as a store that restarts: the write is tried again,
// so that the execution does not stay running in the store.
func TestFinishedExecutionStoredDespiteStoreBlip(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	ctx := context.Background()
	var failures atomic.Int32
	store := &hookStore{Store: memory.New(memory.Config{}), onUpdate: func(x *record.Execution) error {
		if x.Status.Done() && failures.Add(1) <= 2 {
			return fmt.Errorf("connection reset: %w", storage.ErrUnavailable)
		}
		return nil
	}}
	eng := newEngine(t, smokex.Config{Store: store, Vars: map[string]any{"base": srv.URL}})
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: blip, steps: [{get: {url: "${base}/"}}]}`)))
	x, err := eng.Run(ctx, "blip", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status)
	stored, err := store.GetExecution(ctx, x.ID)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, stored.Status)
}

// hookFuncs is a hook made of functions; a nil function is not called.
type hookFuncs struct {
	record.HookDefaults
	created  func(*record.PlanRef, *record.Execution)
	started  func(*record.PlanRef, *record.Execution)
	step     func(*record.PlanRef, *record.Execution, *record.StepResult)
	finished func(context.Context, *record.PlanRef, *record.Execution)
}

func (h *hookFuncs) ExecutionCreated(_ context.Context, p *record.PlanRef, x *record.Execution) {
	if h.created != nil {
		h.created(p, x)
	}
}

func (h *hookFuncs) ExecutionStarted(_ context.Context, p *record.PlanRef, x *record.Execution) {
	if h.started != nil {
		h.started(p, x)
	}
}

func (h *hookFuncs) StepFinished(_ context.Context, p *record.PlanRef, x *record.Execution, s *record.StepResult) {
	if h.step != nil {
		h.step(p, x, s)
	}
}

func (h *hookFuncs) ExecutionFinished(ctx context.Context, p *record.PlanRef, x *record.Execution) {
	if h.finished != nil {
		h.finished(ctx, p, x)
	}
}

// TestRunAgainOnFinishedEvent runs a plan again as soon as a subscriber
// sees its execution finished, while the alert policy still looks at it:
// the finished execution no longer holds the plan back.
func TestRunAgainOnFinishedEvent(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	ctx := context.Background()
	var calls atomic.Int32
	policyDone := make(chan struct{})
	policy := &hookFuncs{finished: func(ctx context.Context, _ *record.PlanRef, _ *record.Execution) {
		if calls.Add(1) == 1 {
			select {
			case <-policyDone:
			case <-ctx.Done():
			}
		}
	}}
	eng := newEngine(t, smokex.Config{Hooks: []record.Hook{policy}, Vars: map[string]any{"base": srv.URL}})
	t.Cleanup(func() {
		select {
		case <-policyDone:
		default:
			close(policyDone)
		}
	})
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: again, steps: [{get: {url: "${base}/"}}]}`)))
	sub := eng.Subscribe(0)
	defer sub.Close()
	first, err := eng.Trigger(ctx, "again", nil)
	require.NoError(t, err)
	for ev := range sub.C() {
		if ev.Type == smokex.EventExecutionFinished {
			break
		}
	}
	require.ErrorIs(t, eng.Cancel(first), smokex.ErrExecutionNotFound, "a finished execution is not running")
	x, err := eng.Run(ctx, "again", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status)
}

func TestStopWithNothingInFlight(t *testing.T) {
	t.Parallel()
	eng, err := smokex.New(smokex.Config{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, eng.Start(ctx))
	done, cancel := context.WithCancel(ctx)
	cancel()
	require.NoError(t, eng.Stop(done), "a done context cancels nothing when nothing runs")
}
