package smokex_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// admissions tells, for each tick handed to an engine, the due time once
// the engine has decided on it: its execution created, or the tick
// refused (skipped for any reason but lateness, which follows a
// creation). It records the skips as skips does.
type admissions struct {
	skips
	decided chan time.Time
}

func (a *admissions) ExecutionCreated(_ context.Context, _ *record.PlanRef, x *record.Execution) {
	if !x.ScheduledAt.IsZero() {
		a.decided <- x.ScheduledAt.UTC()
	}
}

func (a *admissions) TickSkipped(ctx context.Context, planID string, p *record.PlanRef, due time.Time, reason record.SkipReason) {
	a.skips.TickSkipped(ctx, planID, p, due, reason)
	if reason != record.SkipLate {
		a.decided <- due.UTC()
	}
}

// TestCaughtUpTicksAreEachRecorded: the ticks of a plan that a scheduler
// catches up after a restart reach the engine together, every one but
// the latest past the plan's interval, while the engine's one
// concurrency slot is held by a run of another plan. Each late tick is
// stored at once as skipped as late, in one write, and told to the
// subscribers as created, started and finished; none holds the plan, so
// the latest, in time, is admitted too and runs once the slot is free.
// Under the default overlap policy nothing is skipped for overlap. Each
// tick handed over again is a duplicate, not a second record.
func TestCaughtUpTicksAreEachRecorded(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	g := newGate(t)
	store := &statusWrites{Store: memory.New(memory.Config{}), writes: map[string][]string{}}
	adm := &admissions{decided: make(chan time.Time, 16)}
	eng, h := newHandTicked(t, smokex.Config{Store: store, Concurrency: 1, Hooks: []record.Hook{adm},
		Vars: map[string]any{"base": srv.URL, "gate": g.srv.URL}}, true)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: tick, schedule: "@hourly", steps: [{get: {url: "${base}/"}}]}`)))
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: held, steps: [{get: {url: "${gate}/"}}]}`)))
	sub := eng.Subscribe(64)
	defer sub.Close()

	_, err := eng.Trigger(ctx, "held", nil)
	require.NoError(t, err)
	within(t, g.arrived, "held's request")

	inTime := time.Now().UTC().Truncate(time.Hour) // within the hourly interval
	dues := []time.Time{inTime.Add(-3 * time.Hour), inTime.Add(-2 * time.Hour), inTime.Add(-time.Hour), inTime}
	var ticking sync.WaitGroup
	for _, due := range dues {
		// Each tick in a goroutine of its own, as a scheduler's workers
		// hand them over; the next once the engine decided on this one.
		ticking.Go(func() { h.Tick("tick", due) })
		require.True(t, due.Equal(within(t, adm.decided, "the engine's decision on the tick due "+due.String())))
	}
	g.open()
	ticked := make(chan struct{})
	go func() {
		ticking.Wait()
		close(ticked)
	}()
	within(t, ticked, "the ticks' ends")

	byDue := map[time.Time]*record.Execution{}
	for _, x := range scheduledRuns(t, store, "tick") {
		byDue[x.ScheduledAt.UTC()] = x
	}
	require.Len(t, byDue, len(dues), "one execution per tick")
	for _, due := range dues[:len(dues)-1] {
		x := byDue[due]
		require.NotNil(t, x, "the tick due %s", due)
		require.Equal(t, record.StatusCanceled, x.Status, "the tick due %s", due)
		require.Equal(t, record.StopSkipped, x.StopReason)
		require.Equal(t, record.ErrLate, x.Error.Kind)
		require.Contains(t, x.Error.Message, "the tick due at "+due.Format(time.RFC3339Nano))
		require.False(t, x.StartedAt.IsZero() || x.FinishedAt.IsZero())
		require.Equal(t, []string{"create canceled"}, store.of(x.ID), "a late tick costs one write")
	}
	last := byDue[inTime]
	require.NotNil(t, last, "the tick in time")
	require.Equal(t, record.StatusPassed, last.Status)
	require.Equal(t, []record.SkipReason{record.SkipLate, record.SkipLate, record.SkipLate}, adm.seen())
	require.Zero(t, eng.SkippedTicks(), "no tick skipped for overlap")

	// What the subscribers saw of each tick's execution, by ID.
	seen := map[string][]string{}
	for len(seen[last.ID]) == 0 || seen[last.ID][len(seen[last.ID])-1] != "execution_finished passed" {
		ev := within(t, sub.C(), "the ticks' events")
		if ev.Execution.PlanID == "tick" && ev.Type != smokex.EventStepFinished {
			seen[ev.Execution.ID] = append(seen[ev.Execution.ID], string(ev.Type)+" "+string(ev.Execution.Status))
		}
	}
	for _, due := range dues[:len(dues)-1] {
		require.Equal(t, []string{"execution_created created", "execution_started canceled", "execution_finished canceled"}, seen[byDue[due].ID],
			"the events of the tick due %s", due)
	}

	for _, due := range dues {
		h.Tick("tick", due)
	}
	require.Len(t, scheduledRuns(t, store, "tick"), len(dues), "ticks handed over again")
	require.Equal(t, []record.SkipReason{record.SkipLate, record.SkipLate, record.SkipLate,
		record.SkipDuplicate, record.SkipDuplicate, record.SkipDuplicate, record.SkipDuplicate}, adm.seen())
}

// TestLateTickOfAPausedPlan: a tick too late when it comes, stored
// skipped in its create, is marked with its plan's pause as any other
// execution that finishes while the plan is paused: on a store that
// creates executions finished (storage.FinishedCreator) by that create,
// in its one write; on another, by a read of the pause before it.
func TestLateTickOfAPausedPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		store      func(*statusWrites) storage.Store
		pauseReads []string
	}{
		{"created finished", func(s *statusWrites) storage.Store { return s }, nil},
		{"without CreateFinished", func(s *statusWrites) storage.Store { return struct{ storeWithoutCreateFinished }{s} }, []string{"read pause"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := &statusWrites{Store: memory.New(memory.Config{}), writes: map[string][]string{}}
			eng, h := newHandTicked(t, smokex.Config{Store: tc.store(store)}, false)
			ctx := t.Context()
			require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: tick, schedule: "@hourly", steps: [{get: {url: "http://127.0.0.1:1/"}}]}`)))
			until := time.Now().Add(time.Hour).Truncate(time.Second)
			require.NoError(t, eng.PausePlan(ctx, "tick", until))

			h.Tick("tick", time.Now().UTC().Truncate(time.Hour).Add(-3*time.Hour))
			runs := scheduledRuns(t, store, "tick")
			require.Len(t, runs, 1)
			require.Equal(t, record.StopSkipped, runs[0].StopReason)
			require.Equal(t, storage.PauseMaintenance(until), runs[0].Maintenance)
			require.Equal(t, []string{"create canceled"}, store.of(runs[0].ID))
			require.Equal(t, tc.pauseReads, store.of("tick"), "the pause reads of the plan")
		})
	}
}

// TestLateTickWhilePlanInFlight: a tick too late when it comes while
// another tick of its plan runs is stored skipped as late, not refused as
// overlapping: it holds nothing and the store's exclusive create does
// not apply to it.
func TestLateTickWhilePlanInFlight(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	store := memory.New(memory.Config{})
	sk := &skips{}
	eng, h := newHandTicked(t, smokex.Config{Store: store, Hooks: []record.Hook{sk}, Vars: map[string]any{"gate": g.srv.URL}}, true)
	require.NoError(t, eng.AddPlan(t.Context(), mustParse(t, `{name: tick, schedule: "@hourly", steps: [{get: {url: "${gate}/"}}]}`)))

	inTime := time.Now().UTC().Truncate(time.Hour)
	var ticking sync.WaitGroup
	ticking.Go(func() { h.Tick("tick", inTime) })
	within(t, g.arrived, "the tick in time's request")
	h.Tick("tick", inTime.Add(-2*time.Hour)) // late, while the other runs
	g.open()
	ticking.Wait()

	runs := scheduledRuns(t, store, "tick")
	require.Len(t, runs, 2, "skips %v", sk.seen())
	require.Equal(t, []record.SkipReason{record.SkipLate}, sk.seen())
	require.Zero(t, eng.SkippedTicks(), "no tick skipped for overlap")
}

// TestLateTickHasNoTrace: a tick too late when it comes never runs, so a
// tracer opens no span for it: the execution the subscribers see and the
// one stored agree, without a trace ID.
func TestLateTickHasNoTrace(t *testing.T) {
	t.Parallel()
	store := memory.New(memory.Config{})
	eng, h := newHandTicked(t, smokex.Config{Store: store, Hooks: []record.Hook{traceIDs{}}}, false)
	require.NoError(t, eng.AddPlan(t.Context(), mustParse(t, `{name: tick, schedule: "@hourly", steps: [{get: {url: "http://127.0.0.1:1/"}}]}`)))
	sub := eng.Subscribe(8)
	defer sub.Close()

	h.Tick("tick", time.Now().UTC().Truncate(time.Hour).Add(-3*time.Hour))
	runs := scheduledRuns(t, store, "tick")
	require.Len(t, runs, 1)
	require.Equal(t, record.StopSkipped, runs[0].StopReason)
	require.Empty(t, runs[0].TraceID)
	for {
		ev := within(t, sub.C(), "the tick's events")
		require.Empty(t, ev.Execution.TraceID, ev.Type)
		if ev.Type == smokex.EventExecutionFinished {
			break
		}
	}
}

// TestLateTickCountsInTheLateness: the lateness a process reports in its
// heartbeat (GET /api/locations) includes the ticks it skipped as too
// late when they came, so a replica whose every tick comes late shows it.
func TestLateTickCountsInTheLateness(t *testing.T) {
	t.Parallel()
	store := memory.New(memory.Config{})
	eng, h := newHandTicked(t, smokex.Config{Store: store, HeartbeatInterval: 10 * time.Millisecond}, false)
	require.NoError(t, eng.AddPlan(t.Context(), mustParse(t, `{name: tick, schedule: "@hourly", steps: [{get: {url: "http://127.0.0.1:1/"}}]}`)))

	h.Tick("tick", time.Now().UTC().Truncate(time.Hour).Add(-3*time.Hour))
	// A heartbeat comes every HeartbeatInterval; the bound only ends a
	// failing test.
	require.Eventually(t, func() bool {
		beats, err := store.ListHeartbeats(t.Context(), time.Time{}, time.Time{})
		return err == nil && len(beats) > 0 && beats[0].Lateness > 3*time.Hour
	}, time.Minute, 10*time.Millisecond, "a heartbeat with the late tick's lateness")
}
