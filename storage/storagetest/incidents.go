package storagetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/storage"
)

func (s suite) incidentScenarios() []scenario {
	return []scenario{
		{"CreateGetUpdate", s.incidentCreateGetUpdate},
		{"List", s.incidentList},
		{"BadInput", s.incidentBadInput},
	}
}

// requireIncident fails t unless got equals want, times compared as
// instants.
func requireIncident(t *testing.T, want, got *storage.Incident) {
	t.Helper()
	norm := func(in *storage.Incident) *storage.Incident {
		c := *in
		c.StartedAt, c.ResolvedAt, c.CreatedAt = normTime(in.StartedAt), normTime(in.ResolvedAt), normTime(in.CreatedAt)
		c.Updates = nil
		for _, u := range in.Updates {
			u.At = normTime(u.At)
			c.Updates = append(c.Updates, u)
		}
		if len(c.Plans) == 0 {
			c.Plans = nil
		}
		return &c
	}
	require.Equal(t, norm(want), norm(got))
}

// incidentCreateGetUpdate writes an incident with two updates and
// resolves it; an automatic one keeps its first failure.
func (s suite) incidentCreateGetUpdate(t *testing.T) {
	ctx, st := s.store(t)
	is := optional[storage.IncidentStore](t, st)
	in := &storage.Incident{ID: "i1", Title: "Checkout errors", Status: storage.IncidentInvestigating, Plans: []string{"checkout", "login"},
		StartedAt: at(0), CreatedAt: at(0),
		Updates: []storage.IncidentUpdate{{Status: storage.IncidentInvestigating, Message: "We are looking into <errors> & \"timeouts\".", At: at(0)}}}
	require.NoError(t, is.CreateIncident(ctx, in))
	require.ErrorIs(t, is.CreateIncident(ctx, in), storage.ErrConflict)
	got, err := is.GetIncident(ctx, "i1")
	require.NoError(t, err)
	requireIncident(t, in, got)

	got, err = is.AddIncidentUpdate(ctx, "i1", &storage.IncidentUpdate{Status: storage.IncidentIdentified, Message: "A bad deploy.", At: at(5)})
	require.NoError(t, err)
	require.Equal(t, storage.IncidentIdentified, got.Status)
	require.True(t, got.ResolvedAt.IsZero())
	got, err = is.AddIncidentUpdate(ctx, "i1", &storage.IncidentUpdate{Status: storage.IncidentResolved, Message: "Rolled back.", At: at(9)})
	require.NoError(t, err)
	in.Status, in.ResolvedAt = storage.IncidentResolved, at(9)
	in.Updates = append(in.Updates,
		storage.IncidentUpdate{Status: storage.IncidentIdentified, Message: "A bad deploy.", At: at(5)},
		storage.IncidentUpdate{Status: storage.IncidentResolved, Message: "Rolled back.", At: at(9)})
	requireIncident(t, in, got)
	read, err := is.GetIncident(ctx, "i1")
	require.NoError(t, err)
	requireIncident(t, in, read)
	require.Equal(t, at(9).Sub(at(0)), read.Duration(at(100)))

	// Reopened: open again.
	got, err = is.AddIncidentUpdate(ctx, "i1", &storage.IncidentUpdate{Status: storage.IncidentMonitoring, Message: "Again.", At: at(12)})
	require.NoError(t, err)
	require.True(t, got.ResolvedAt.IsZero())
	require.Equal(t, at(20).Sub(at(0)), got.Duration(at(20)))

	auto := &storage.Incident{ID: "auto-checkout-1", Title: "checkout is failing", Automatic: true, Status: storage.IncidentInvestigating,
		Plans: []string{"checkout"}, StartedAt: at(30), FirstFailure: "exec-42", CreatedAt: at(30)}
	require.NoError(t, is.CreateIncident(ctx, auto))
	got, err = is.GetIncident(ctx, auto.ID)
	require.NoError(t, err)
	requireIncident(t, auto, got)

	_, err = is.GetIncident(ctx, "nope")
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = is.AddIncidentUpdate(ctx, "nope", &storage.IncidentUpdate{Status: storage.IncidentResolved})
	require.ErrorIs(t, err, storage.ErrNotFound)
}

// incidentList selects by plan and by Since, newest first, limited.
func (s suite) incidentList(t *testing.T) {
	ctx, st := s.store(t)
	is := optional[storage.IncidentStore](t, st)
	for i := range 6 {
		in := &storage.Incident{ID: fmt.Sprintf("i%d", i), Status: storage.IncidentResolved, Plans: []string{fmt.Sprintf("p%d", i%2)},
			StartedAt: at(i * 10), ResolvedAt: at(i*10 + 5)}
		if i == 5 {
			in.Status, in.ResolvedAt = storage.IncidentInvestigating, zeroTime()
		}
		require.NoError(t, is.CreateIncident(ctx, in))
	}
	ids := func(list []*storage.Incident) []string {
		var out []string
		for _, in := range list {
			out = append(out, in.ID)
		}
		return out
	}
	all, err := is.ListIncidents(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"i5", "i4", "i3", "i2", "i1", "i0"}, ids(all))
	odd, err := is.ListIncidents(ctx, &storage.ListIncidentsParams{PlanIDs: []string{"p1", "x"}})
	require.NoError(t, err)
	require.Equal(t, []string{"i5", "i3", "i1"}, ids(odd))
	recent, err := is.ListIncidents(ctx, &storage.ListIncidentsParams{Since: at(35)})
	require.NoError(t, err)
	require.Equal(t, []string{"i5", "i4", "i3"}, ids(recent), "i3 resolved at 35, i5 open")
	two, err := is.ListIncidents(ctx, &storage.ListIncidentsParams{Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []string{"i5", "i4"}, ids(two))
	none, err := is.ListIncidents(ctx, &storage.ListIncidentsParams{PlanIDs: []string{}})
	require.NoError(t, err)
	require.Empty(t, none)
}

// incidentBadInput is answered with errors.
func (s suite) incidentBadInput(t *testing.T) {
	ctx, st := s.store(t)
	is := optional[storage.IncidentStore](t, st)
	for _, in := range []*storage.Incident{
		nil,
		{Status: storage.IncidentResolved, StartedAt: at(0)},
		{ID: "x", Status: "broken", StartedAt: at(0)},
		{ID: "x", Status: storage.IncidentResolved},
	} {
		require.Error(t, is.CreateIncident(ctx, in))
	}
	require.NoError(t, is.CreateIncident(ctx, &storage.Incident{ID: "x", Status: storage.IncidentInvestigating, StartedAt: at(0)}))
	_, err := is.AddIncidentUpdate(ctx, "x", &storage.IncidentUpdate{Status: "fixed"})
	require.Error(t, err)
	require.False(t, errors.Is(err, storage.ErrNotFound))
	_, err = is.AddIncidentUpdate(ctx, "x", nil)
	require.Error(t, err)
	_, err = is.ListIncidents(ctx, &storage.ListIncidentsParams{Limit: -1})
	require.Error(t, err)
}

// zeroTime is the zero time, for a field left unset in a literal.
func zeroTime() (t time.Time) { return t }
