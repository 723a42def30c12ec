package notify_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// TestPolicyRecordsIncidents records the automatic incident of a failing
// then recovered plan, with its times and its first failure, honouring
// alert-after; failures in a maintenance window record none.
func TestPolicyRecordsIncidents(t *testing.T) {
	t.Parallel()
	store := memory.New(memory.Config{})
	require.NoError(t, store.SavePlan(t.Context(), &storage.Plan{ID: planRef.ID, Name: planRef.Name}))
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{{Name: "rec", Notifier: &recorder{}}},
		Rules:   notify.Rules{AlertAfter: 2}, Now: clk.Now, Store: store,
		Maintenance: []notify.Window{{Name: "upgrade", Start: time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)}},
	})
	list := func() []*storage.Incident {
		ins, err := store.ListIncidents(t.Context(), nil)
		require.NoError(t, err)
		return ins
	}
	finish(t, p, clk, record.StatusPassed, record.StatusFailed) // 12:02, below alert-after
	require.Empty(t, list())
	finish(t, p, clk, record.StatusFailed) // 12:03: failing
	ins := list()
	require.Len(t, ins, 1)
	in := ins[0]
	failingAt := time.Date(2026, 3, 1, 12, 3, 0, 0, time.UTC)
	require.Equal(t, notify.AutoIncidentID("checkout", failingAt), in.ID)
	require.True(t, in.Automatic)
	require.Equal(t, "Checkout API is failing", in.Title)
	require.Equal(t, []string{"checkout"}, in.Plans)
	require.Equal(t, storage.IncidentInvestigating, in.Status)
	require.True(t, in.StartedAt.Equal(failingAt))
	require.True(t, in.ResolvedAt.IsZero())
	require.NotEmpty(t, in.FirstFailure, "the execution that made it failing")

	finish(t, p, clk, record.StatusFailed, record.StatusPassed) // 12:05 recovers
	ins = list()
	require.Len(t, ins, 1)
	in = ins[0]
	require.Equal(t, storage.IncidentResolved, in.Status)
	require.True(t, in.ResolvedAt.Equal(time.Date(2026, 3, 1, 12, 5, 0, 0, time.UTC)), in.ResolvedAt)
	require.Equal(t, 2*time.Minute, in.Duration(clk.Now()))
	require.Len(t, in.Updates, 2)
	require.Equal(t, "Checkout API recovered.", in.Updates[1].Message)

	// 13:00 to 13:59: failures in maintenance record nothing.
	clk.add(54 * time.Minute)
	finish(t, p, clk, record.StatusFailed, record.StatusFailed, record.StatusFailed)
	require.Len(t, list(), 1)
}

// TestPolicyTellsIncidentUpdates owes an incident's update to the targets
// that ask for incidents and hear about its plan, once each, and not an
// automatic incident's.
func TestPolicyTellsIncidentUpdates(t *testing.T) {
	t.Parallel()
	store := memory.New(memory.Config{})
	require.NoError(t, store.SavePlan(t.Context(), &storage.Plan{ID: planRef.ID, Name: planRef.Name}))
	asks, deaf, other := &recorder{}, &recorder{}, &recorder{}
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{
			{Name: "asks", Notifier: asks, Incidents: true},
			{Name: "deaf", Notifier: deaf},
			{Name: "other", Notifier: other, Incidents: true, Labels: map[string]string{"team": "search"}},
		},
		Store: store,
	})
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	in := &record.Incident{ID: "inc-1", Title: "Checkout errors", Status: record.IncidentIdentified, Plans: []string{planRef.ID}, StartedAt: at,
		Updates: []record.IncidentUpdate{{Status: record.IncidentInvestigating, Message: "Looking.", At: at}, {Status: record.IncidentIdentified, Message: "A bad deploy.", At: at.Add(time.Minute)}}}
	require.NoError(t, p.IncidentUpdated(t.Context(), in, &in.Updates[1], []*record.PlanRef{planRef}))
	auto := *in
	auto.Automatic = true
	require.NoError(t, p.IncidentUpdated(t.Context(), &auto, &in.Updates[1], []*record.PlanRef{planRef}))
	require.Eventually(t, func() bool { return p.Stats().Sent == 1 }, time.Minute, time.Millisecond)
	require.Equal(t, []notify.Transition{notify.TransitionIncident}, asks.transitions())
	e := asks.events[0]
	require.Equal(t, "incident-inc-1-2", e.ID)
	require.Equal(t, "Incident: Checkout errors (identified): A bad deploy.", e.Summary())
	require.Equal(t, []string{"checkout"}, e.Incident.Plans)
	require.Empty(t, deaf.transitions())
	require.Empty(t, other.transitions())
}
