package smokex_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// failingPlan is a plan of one step that asks TARGET.
const failingPlan = `name: shop
steps:
  - get: {url: "TARGET/health"}
`

// maintenanceEngine starts an engine on the memory store that alerts into
// the returned channel, with the plan of src loaded; the plan's steps ask
// a server that answers 500.
func maintenanceEngine(t *testing.T, src string) (*smokex.Engine, *plan.Plan, chan *notify.Event) {
	t.Helper()
	target := echoTarget(t)
	p, err := plan.Parse([]byte(strings.ReplaceAll(src, "TARGET", target.URL)), nil)
	require.NoError(t, err)
	events := make(chan *notify.Event, 10)
	eng, err := smokex.New(smokex.Config{
		Logger: slog.New(slog.DiscardHandler),
		Alerts: &notify.PolicyConfig{Targets: []notify.Target{{Name: "capture", Notifier: notify.NotifierFunc(func(_ context.Context, e *notify.Event) error {
			events <- e
			return nil
		})}}},
	})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, p))
	require.NoError(t, eng.Start(ctx))
	return eng, p, events
}

// TestPauseHoldsAlerts pauses a failing plan: its executions are marked
// and alert nothing until the pause ends, early or on time.
func TestPauseHoldsAlerts(t *testing.T) {
	t.Parallel()
	eng, p, events := maintenanceEngine(t, failingPlan)
	ctx := t.Context()
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	require.NoError(t, eng.PausePlan(ctx, p.ID, until))
	got, err := eng.PlanPause(ctx, p.ID)
	require.NoError(t, err)
	require.True(t, got.Equal(until), "got %s, want %s", got, until)
	all, err := eng.PlanPauses(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
	require.True(t, all[p.ID].Equal(until))

	paused, err := eng.Run(ctx, p.ID, nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusFailed, paused.Status)
	want := "paused until " + until.UTC().Format(time.RFC3339)
	require.Equal(t, want, paused.Maintenance)
	stored, err := eng.Store().GetExecution(ctx, paused.ID)
	require.NoError(t, err)
	require.Equal(t, want, stored.Maintenance, "the mark is stored")

	require.NoError(t, eng.ResumePlan(ctx, p.ID))
	got, err = eng.PlanPause(ctx, p.ID)
	require.NoError(t, err)
	require.True(t, got.IsZero(), "resumed, got %s", got)
	after, err := eng.Run(ctx, p.ID, nil)
	require.NoError(t, err)
	require.Empty(t, after.Maintenance)

	// Decisions are taken in order: the alert of the second execution
	// comes after the first was decided on.
	e := <-events
	require.Equal(t, notify.TransitionFailing, e.Transition)
	require.Equal(t, after.ID, e.Execution.ID, "the execution after the pause alerts, the paused one did not")
	require.NoError(t, eng.Stop(ctx))
	require.Empty(t, events, "one alert in all")
	require.EqualValues(t, 1, eng.Alerts().Stats().Suppressed)
}

// TestPauseEnded runs a plan whose pause has ended: it alerts.
func TestPauseEnded(t *testing.T) {
	t.Parallel()
	eng, p, events := maintenanceEngine(t, failingPlan)
	ctx := t.Context()
	require.NoError(t, eng.PausePlan(ctx, p.ID, time.Now()))
	got, err := eng.PlanPause(ctx, p.ID)
	require.NoError(t, err)
	require.True(t, got.IsZero(), "an ended pause is none, got %s", got)
	all, err := eng.PlanPauses(ctx)
	require.NoError(t, err)
	require.Empty(t, all, "an ended pause is not listed")
	x, err := eng.Run(ctx, p.ID, nil)
	require.NoError(t, err)
	require.Empty(t, x.Maintenance)
	require.Equal(t, x.ID, (<-events).Execution.ID)
	require.NoError(t, eng.Stop(ctx))

	require.ErrorIs(t, eng.PausePlan(t.Context(), p.ID, time.Now()), smokex.ErrClosed)
}

func TestPauseUnknownPlan(t *testing.T) {
	t.Parallel()
	eng, _, _ := maintenanceEngine(t, failingPlan)
	t.Cleanup(func() { require.NoError(t, eng.Stop(context.Background())) })
	require.ErrorIs(t, eng.PausePlan(t.Context(), "nope", time.Now().Add(time.Hour)), smokex.ErrPlanNotFound)
	_, err := eng.PlanPause(t.Context(), "nope")
	require.ErrorIs(t, err, smokex.ErrPlanNotFound)
}

// TestPlanMaintenanceWindow runs a failing plan inside a window of its
// maintenance key (one that opens every minute for an hour, so open at
// any time): marked, no alert. A plan without the key alerts.
func TestPlanMaintenanceWindow(t *testing.T) {
	t.Parallel()
	eng, p, events := maintenanceEngine(t, `name: shop
maintenance: {cron: "* * * * *", duration: 1h}
steps:
  - get: {url: "TARGET/health"}
`)
	ctx := t.Context()
	x, err := eng.Run(ctx, p.ID, nil)
	require.NoError(t, err)
	require.Equal(t, "maintenance * * * * * for 1h0m0s (UTC)", x.Maintenance)

	other, err := plan.Parse([]byte(strings.Replace(string(p.Source), "name: shop\nmaintenance: {cron: \"* * * * *\", duration: 1h}", "name: other", 1)), nil)
	require.NoError(t, err)
	require.Empty(t, other.Maintenance)
	require.NoError(t, eng.AddPlan(ctx, other))
	y, err := eng.Run(ctx, other.ID, nil)
	require.NoError(t, err)
	require.Empty(t, y.Maintenance)
	require.Equal(t, y.ID, (<-events).Execution.ID)
	require.NoError(t, eng.Stop(ctx))
	require.Empty(t, events, "the plan in maintenance alerted")
}

// pauseReads is a memory store that counts the reads of a plan's pause
// (PlanPause); it applies pauses in its finishes (storage.PauseFinisher).
type pauseReads struct {
	*memory.Store
	reads atomic.Int64
}

func (s *pauseReads) PlanPause(ctx context.Context, id string) (time.Time, error) {
	s.reads.Add(1)
	return s.Store.PlanPause(ctx, id)
}

// heldSecret answers, once released, with an error, as a vault that
// fails.
type heldSecret struct{ asked, release chan struct{} }

func (s heldSecret) Secret(context.Context, string) (string, bool, error) {
	close(s.asked)
	<-s.release
	return "", false, errors.New("vault down")
}

// windowHook says a maintenance window named backup holds, and counts
// how often it is asked.
type windowHook struct {
	record.HookDefaults
	asked atomic.Int64
}

func (h *windowHook) Maintenance(context.Context, *record.PlanRef, *record.Execution) (string, bool) {
	h.asked.Add(1)
	return "backup", true
}

// pauseOnly is a store that keeps pauses but does not apply them in its
// finishes (not a storage.PauseFinisher).
type pauseOnly struct {
	storage.Store
	storage.PauseStore
}

// TestPauseSetDuringARun pauses a plan through another engine sharing the
// store while an execution of it runs, in its step or before its first
// (its secret being read, then failing): the execution fails and is
// stored and told in the pause's maintenance, over the window a
// MaintenanceHook gives, and alerts nothing. A store that applies the
// pause in the finish's write (storage.PauseFinisher) is read no pause
// before it, and the hook is asked first; on a store that only keeps
// pauses the engine reads the pause and asks no hook.
func TestPauseSetDuringARun(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name             string
		applied, early   bool
		reads, hookAsked int64
	}{
		{"in its step", true, false, 0, 1},
		{"before its first step", true, true, 0, 1},
		{"in its step, pause read", false, false, 1, 0},
		{"before its first step, pause read", false, true, 1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			asked, release := make(chan struct{}), make(chan struct{})
			releaseOnce := sync.OnceFunc(func() { close(release) })
			t.Cleanup(releaseOnce)
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				close(asked)
				<-release
				w.WriteHeader(http.StatusInternalServerError)
			}))
			t.Cleanup(target.Close)
			src := `{name: shop, steps: [{get: {url: "` + target.URL + `/health"}}]}`
			if c.early {
				src = `{name: shop, secrets: [KEY], steps: [{get: {url: "` + target.URL + `/health"}}]}`
			}
			mem := &pauseReads{Store: memory.New(memory.Config{})}
			var store storage.Store = mem
			if !c.applied {
				store = pauseOnly{mem, mem}
			}
			alerts := make(chan *notify.Event, 10)
			hook := &windowHook{}
			runner := newEngine(t, smokex.Config{
				Store:   store,
				Secrets: heldSecret{asked: asked, release: release},
				Hooks:   []record.Hook{hook},
				Alerts: &notify.PolicyConfig{Targets: []notify.Target{{Name: "capture", Notifier: notify.NotifierFunc(func(_ context.Context, e *notify.Event) error {
					alerts <- e
					return nil
				})}}},
			})
			require.NoError(t, runner.AddPlan(ctx, mustParse(t, src)))
			require.NoError(t, runner.Start(ctx))
			other := newEngine(t, smokex.Config{Store: store})
			events := newExecutionEvents(t, runner)

			id, err := runner.Trigger(ctx, "shop", nil)
			require.NoError(t, err)
			within(t, asked, "the run's request or secret")
			until := time.Now().Add(time.Hour).Add(123456 * time.Microsecond)
			require.NoError(t, other.PausePlan(ctx, "shop", until))
			releaseOnce()

			_, finished := events.of(t, id)
			want := storage.PauseMaintenance(until)
			require.Equal(t, record.StatusFailed, finished.Status)
			require.Equal(t, want, finished.Maintenance, "the finished event")
			stored, err := store.GetExecution(ctx, id)
			require.NoError(t, err)
			require.Equal(t, want, stored.Maintenance, "the stored execution")
			if c.early {
				require.Empty(t, stored.Steps, "it ended before its first step")
			}
			require.NoError(t, runner.Stop(ctx)) // the alert policy decides on every finish
			require.Empty(t, alerts, "no alert for an execution in a pause")
			require.EqualValues(t, 1, runner.Alerts().Stats().Suppressed)
			require.Equal(t, c.reads, mem.reads.Load(), "the pause's reads before the finish")
			require.Equal(t, c.hookAsked, hook.asked.Load(), "the MaintenanceHook's asks")
		})
	}
}

// TestInterruptedInPause: an execution left running by a process that
// died, finished as interrupted while its plan is paused, is stored in
// the pause, as every finish, out of the uptime figures.
func TestInterruptedInPause(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.New(memory.Config{})
	require.NoError(t, store.SavePlan(ctx, &storage.Plan{ID: "p", Name: "p", Source: []byte(`{name: p, steps: [{get: {url: "http://127.0.0.1:1/"}}]}`)}))
	created := time.Now().UTC().Add(-time.Hour)
	require.NoError(t, store.CreateExecution(ctx, &record.Execution{ID: "left", PlanID: "p", Trigger: record.TriggerManual,
		Status: record.StatusRunning, CreatedAt: created, StartedAt: created}))
	require.NoError(t, store.AppendStep(ctx, "left", &record.StepResult{Index: 0, Name: "down"}))
	until := time.Now().Add(time.Hour)
	require.NoError(t, store.PausePlan(ctx, "p", until))

	eng := newEngine(t, smokex.Config{Store: store})
	require.NoError(t, eng.Start(ctx))
	x, err := store.GetExecution(ctx, "left")
	require.NoError(t, err)
	require.Equal(t, record.StatusFailed, x.Status, "a stored step had failed")
	require.Equal(t, record.StopInterrupted, x.StopReason)
	require.Equal(t, storage.PauseMaintenance(until), x.Maintenance)
	days, err := store.DailyUptime(ctx, nil)
	require.NoError(t, err)
	for _, d := range days {
		require.Zero(t, d.Total(), "an execution in maintenance is not counted")
	}
}
