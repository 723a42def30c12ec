package smokex_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
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
