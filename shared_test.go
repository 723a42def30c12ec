package smokex_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// handTicks is a scheduler whose ticks the test makes by hand, calling
// Tick, as a distributed scheduler makes them in whichever process: the
// Func of the engine it was built for. It may rescue ticks.
type handTicks struct {
	schedule.Scheduler
	fn      schedule.Func
	rescues bool
}

func (h *handTicks) RescuesTicks() bool { return h.rescues }

// Tick calls the engine's Func for id due at due and returns when it
// does.
func (h *handTicks) Tick(id string, due time.Time) { h.fn(context.Background(), id, due) }

// TickAside calls Tick in a goroutine and returns a channel closed when
// it returns.
func (h *handTicks) TickAside(id string, due time.Time) <-chan struct{} {
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		h.Tick(id, due)
	}()
	return ticked
}

// skips records the skipped ticks an engine reports.
type skips struct {
	record.HookDefaults
	mu      sync.Mutex
	reasons []record.SkipReason
}

func (s *skips) TickSkipped(_ context.Context, _ string, _ *record.PlanRef, _ time.Time, reason record.SkipReason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reasons = append(s.reasons, reason)
}

func (s *skips) seen() []record.SkipReason {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]record.SkipReason(nil), s.reasons...)
}

// newSharedEngine returns an engine on store whose ticks the test makes.
func newSharedEngine(t *testing.T, store storage.Store, rescues bool, hooks ...record.Hook) (*smokex.Engine, *handTicks) {
	t.Helper()
	return newHandTicked(t, smokex.Config{Store: store, Hooks: hooks}, rescues)
}

// newHandTicked returns a started engine of cfg whose ticks the test
// makes.
func newHandTicked(t *testing.T, cfg smokex.Config, rescues bool) (*smokex.Engine, *handTicks) {
	t.Helper()
	h := &handTicks{rescues: rescues}
	cfg.NewScheduler = func(fn schedule.Func) (schedule.Scheduler, error) {
		h.fn = fn
		c, err := schedule.NewCron(schedule.CronConfig{Func: fn})
		h.Scheduler = c
		return h, err
	}
	eng := newEngine(t, cfg)
	require.NoError(t, eng.Start(t.Context()))
	return eng, h
}

func scheduledRuns(t *testing.T, store storage.Store, planID string) []*record.Execution {
	t.Helper()
	page, err := store.ListExecutions(t.Context(), &storage.ListExecutionsParams{PlanID: planID})
	require.NoError(t, err)
	return page.Executions
}

// TestTickOfPlanNotLoaded: a tick that reaches an engine which never
// loaded the plan runs it from the store, and a change to the plan made
// by another engine within a minute of its revision's last confirmation
// (ticks handed over at once, here) is seen at the tick after next: the
// next runs the plan read before, stored as run, and its write, which
// finds the plan changed, has the plan read again; a plan removed runs
// once more, not stored, and is not run again.
func TestTickOfPlanNotLoaded(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	store := memory.New(memory.Config{})
	ctx := t.Context()
	sk := &skips{}
	a, _ := newSharedEngine(t, store, true)
	_, b := newSharedEngine(t, store, true, sk)

	src := `{name: shared, schedule: "@hourly", steps: [{get: {url: "` + srv.URL + `/one"}}]}`
	require.NoError(t, a.AddPlan(ctx, mustParse(t, src)))
	due := time.Now().UTC().Truncate(time.Hour) // in time: within the hourly interval
	b.Tick("shared", due)
	runs := scheduledRuns(t, store, "shared")
	require.Len(t, runs, 1)
	require.Equal(t, record.StatusPassed, runs[0].Status)
	require.True(t, due.Equal(runs[0].ScheduledAt))
	got, err := store.GetExecution(ctx, runs[0].ID)
	require.NoError(t, err)
	require.Contains(t, got.Steps[0].URL, "/one")

	src2 := `{name: shared, schedule: "@hourly", steps: [{get: {url: "` + srv.URL + `/two"}}]}`
	require.NoError(t, a.AddPlan(ctx, mustParse(t, src2)))
	for n, want := range []string{"/one", "/two"} {
		b.Tick("shared", due.Add(time.Duration(n+1)*time.Hour))
		runs = scheduledRuns(t, store, "shared")
		require.Len(t, runs, n+2)
		got, err = store.GetExecution(ctx, runs[0].ID)
		require.NoError(t, err)
		require.Contains(t, got.Steps[0].URL, want, "the tick after the change: the plan read before; the next, the changed plan")
	}

	require.NoError(t, a.RemovePlan(ctx, "shared"))
	b.Tick("shared", due.Add(3*time.Hour))
	b.Tick("shared", due.Add(4*time.Hour))
	require.Equal(t, []record.SkipReason{record.SkipUnknownPlan, record.SkipUnknownPlan}, sk.seen(), "a plan removed elsewhere")
	require.Len(t, scheduledRuns(t, store, "shared"), 0, "its executions gone with it")
}

// TestTickRunOnce: a tick handed to the engines twice runs once; an
// execution of it left in flight by a process that died is finished as
// interrupted by the engine the tick is handed to again.
func TestTickRunOnce(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	store := memory.New(memory.Config{})
	ctx := t.Context()
	sk := &skips{}
	a, ta := newSharedEngine(t, store, true, sk)
	_, tb := newSharedEngine(t, store, true, sk)
	require.NoError(t, a.AddPlan(ctx, mustParse(t, `{name: once, schedule: "@hourly", steps: [{get: {url: "`+srv.URL+`/"}}]}`)))

	due := time.Now().UTC().Truncate(time.Hour) // in time: within the hourly interval
	ta.Tick("once", due)
	tb.Tick("once", due)
	ta.Tick("once", due)
	require.Len(t, scheduledRuns(t, store, "once"), 1)
	require.Equal(t, []record.SkipReason{record.SkipDuplicate, record.SkipDuplicate}, sk.seen())

	// A process died running the next tick.
	next := due.Add(time.Hour)
	dead := &record.Execution{ID: "dead", PlanID: "once", Trigger: record.TriggerSchedule, Status: record.StatusRunning,
		CreatedAt: time.Now().UTC(), StartedAt: time.Now().UTC(), ScheduledAt: next}
	require.NoError(t, store.CreateExecution(ctx, dead))
	tb.Tick("once", next)
	x, err := store.GetExecution(ctx, "dead")
	require.NoError(t, err)
	require.Equal(t, record.StatusCanceled, x.Status)
	require.Equal(t, record.StopInterrupted, x.StopReason)
	require.Len(t, scheduledRuns(t, store, "once"), 2, "the tick is not run again")
}

// TestOverlapAcrossEngines: with OverlapSkip, a plan running in one
// engine is not started by a tick in another sharing its store when the
// tick's execution is created as it is admitted (WriteRunningAfter
// negative). A tick written once when it ends is not held back: it
// runs, and its write, which finds the plan busy, stores it all the
// same.
func TestOverlapAcrossEngines(t *testing.T) {
	t.Parallel()
	for _, once := range []bool{false, true} {
		g := newGate(t)
		store := memory.New(memory.Config{})
		ctx := t.Context()
		sk := &skips{}
		a, _ := newSharedEngine(t, store, true)
		_, tb := newHandTicked(t, smokex.Config{Store: store, WriteRunningAfter: writeRunningAfter(once), Hooks: []record.Hook{sk}}, true)
		require.NoError(t, a.AddPlan(ctx, mustParse(t, `{name: slow, schedule: "@hourly", steps: [{get: {url: "`+g.srv.URL+`/"}}]}`)))
		_, err := a.Trigger(ctx, "slow", nil)
		require.NoError(t, err)
		within(t, g.arrived, "the triggered run's request")
		if !once {
			tb.Tick("slow", time.Now().UTC().Truncate(time.Hour))
			require.Equal(t, []record.SkipReason{record.SkipOverlap}, sk.seen())
			require.Len(t, scheduledRuns(t, store, "slow"), 1)
			g.open()
			continue
		}
		ticked := make(chan struct{})
		go func() {
			defer close(ticked)
			tb.Tick("slow", time.Now().UTC().Truncate(time.Hour))
		}()
		within(t, g.arrived, "the tick's request")
		g.open()
		within(t, ticked, "the tick's run")
		require.Empty(t, sk.seen())
		require.Len(t, scheduledRuns(t, store, "slow"), 2, "the overlap happened: stored all the same")
	}
}

// TestOverlapAcrossEnginesAtTheBound: a tick written once, when it
// ends, still running at its bound while another engine's run of the
// plan is in flight in the shared store is skipped for overlap when it
// writes its running row: canceled, not stored, counted and told as at
// admission.
func TestOverlapAcrossEnginesAtTheBound(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	store := memory.New(memory.Config{})
	ctx := t.Context()
	sk := &skips{}
	a, _ := newSharedEngine(t, store, true)
	b, tb := newHandTicked(t, smokex.Config{Store: store, WriteRunningAfter: time.Millisecond, Hooks: []record.Hook{sk}}, true)
	require.NoError(t, a.AddPlan(ctx, mustParse(t, `{name: slow, schedule: "@hourly", steps: [{get: {url: "`+g.srv.URL+`/"}}]}`)))
	_, err := a.Trigger(ctx, "slow", nil)
	require.NoError(t, err)
	within(t, g.arrived, "the triggered run's request")
	// Its bound may come before its request is sent: it is then never sent.
	within(t, tb.TickAside("slow", time.Now().UTC().Truncate(time.Hour)), "the tick's run, canceled at its bound")
	require.Equal(t, []record.SkipReason{record.SkipOverlap}, sk.seen())
	require.Equal(t, uint64(1), b.SkippedTicks())
	require.Len(t, scheduledRuns(t, store, "slow"), 1, "the triggered run alone")
	g.open()
}

// TestOverlapAcrossEnginesOfAChangedPlan: a tick written once, when it
// ends, whose running row finds its plan changed since it read it and
// another engine's run of it in flight is skipped for overlap too: the
// write made again for the changed plan is still exclusive.
func TestOverlapAcrossEnginesOfAChangedPlan(t *testing.T) {
	t.Parallel()
	gateA, gateB := newGate(t), newGate(t)
	store := memory.New(memory.Config{})
	ctx := t.Context()
	sk := &skips{}
	a, _ := newHandTicked(t, smokex.Config{Store: store, Vars: map[string]any{"target": gateA.srv.URL}}, true)
	_, tb := newHandTicked(t, smokex.Config{Store: store, WriteRunningAfter: time.Hour, Hooks: []record.Hook{sk}, Vars: map[string]any{"target": gateB.srv.URL}}, true)
	version := func(path string) *plan.Plan {
		return mustParse(t, `{name: two, schedule: "@hourly", steps: [{get: {url: "${target}/`+path+`"}}, {get: {url: "${target}/2"}}]}`)
	}
	require.NoError(t, a.AddPlan(ctx, version("1")))
	ticked := tb.TickAside("two", time.Now().UTC().Truncate(time.Hour))
	within(t, gateB.arrived, "the tick's first request")
	require.NoError(t, a.AddPlan(ctx, version("one")))
	_, err := a.Trigger(ctx, "two", nil)
	require.NoError(t, err)
	within(t, gateA.arrived, "the other engine's run's request")
	gateB.open()
	within(t, ticked, "the tick's run, canceled at its first step's write")
	require.Equal(t, []record.SkipReason{record.SkipOverlap}, sk.seen())
	require.Len(t, scheduledRuns(t, store, "two"), 1, "the other engine's run alone")
	gateA.open()
}

// TestRecoveryWithRescuingScheduler: an engine on a scheduler that
// rescues ticks leaves alone, on Start, the executions in flight that
// another live process may be running, and finishes those older than
// StaleAfter.
func TestRecoveryWithRescuingScheduler(t *testing.T) {
	t.Parallel()
	store := memory.New(memory.Config{})
	ctx := t.Context()
	require.NoError(t, store.SavePlan(ctx, &storage.Plan{ID: "p", Source: []byte(`{name: p, steps: [{get: {url: "http://127.0.0.1:1/"}}]}`)}))
	now := time.Now().UTC()
	for id, created := range map[string]time.Time{"live": now, "old": now.Add(-smokex.DefaultStaleAfter - time.Minute)} {
		require.NoError(t, store.CreateExecution(ctx, &record.Execution{ID: id, PlanID: "p", Status: record.StatusRunning, CreatedAt: created, StartedAt: created}))
	}
	newSharedEngine(t, store, true)
	live, err := store.GetExecution(ctx, "live")
	require.NoError(t, err)
	require.Equal(t, record.StatusRunning, live.Status)
	old, err := store.GetExecution(ctx, "old")
	require.NoError(t, err)
	require.Equal(t, record.StatusCanceled, old.Status)
	require.Equal(t, record.StopInterrupted, old.StopReason)
}
