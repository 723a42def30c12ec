package storage

import (
	"context"
	"time"
)

// IncidentStore is an optional interface of a Store that keeps incidents:
// the automatic ones the alert policy records when a plan fails and
// recovers, and those people write (an outage explained, a fix
// announced). An incident names plans by ID and outlives them: deleting a
// plan leaves its incidents, as history.
type IncidentStore interface {
	// CreateIncident stores a new incident with its updates (CreatedAt
	// set to the current time when zero). It needs an ID that is new
	// (ErrConflict otherwise), a Status and a StartedAt.
	CreateIncident(ctx context.Context, in *Incident) error
	// AddIncidentUpdate appends u (At set to the current time when zero)
	// to the incident's updates and takes its status: resolved sets
	// ResolvedAt to u.At unless set, another status clears it (the
	// incident is open again). It returns the incident as stored, or
	// ErrNotFound.
	AddIncidentUpdate(ctx context.Context, id string, u *IncidentUpdate) (*Incident, error)
	// GetIncident returns the incident with its updates, ErrNotFound when
	// no incident has the id.
	GetIncident(ctx context.Context, id string) (*Incident, error)
	// ListIncidents returns the incidents params selects, newest first by
	// StartedAt, ties by ID descending (byte-wise), with their updates. A
	// nil params lists the newest DefaultListLimit.
	ListIncidents(ctx context.Context, params *ListIncidentsParams) ([]*Incident, error)
}

// IncidentStatus is where an incident stands, as a status page says it.
type IncidentStatus string

// The statuses of an incident.
const (
	IncidentInvestigating IncidentStatus = "investigating"
	IncidentIdentified    IncidentStatus = "identified"
	IncidentMonitoring    IncidentStatus = "monitoring"
	IncidentResolved      IncidentStatus = "resolved"
)

// Valid reports whether s is one of the statuses.
func (s IncidentStatus) Valid() bool {
	switch s {
	case IncidentInvestigating, IncidentIdentified, IncidentMonitoring, IncidentResolved:
		return true
	}
	return false
}

// Incident is an outage or a notice about some plans.
type Incident struct {
	ID    string
	Title string
	// Automatic is set on an incident the alert policy recorded: a plan
	// declared failing, resolved when it recovered.
	Automatic bool
	Status    IncidentStatus
	// Plans are the IDs of the plans it concerns.
	Plans []string
	// StartedAt is when it began; ResolvedAt when it was resolved, zero
	// while it is open.
	StartedAt, ResolvedAt time.Time
	// FirstFailure is, for an automatic incident, the ID of the execution
	// that made the plan failing: for the team, never for a public page.
	FirstFailure string
	// Updates are its updates, oldest first.
	Updates   []IncidentUpdate
	CreatedAt time.Time
}

// Duration is how long the incident lasted, or has lasted by now while it
// is open.
func (in *Incident) Duration(now time.Time) time.Duration {
	if in.ResolvedAt.IsZero() {
		return now.Sub(in.StartedAt)
	}
	return in.ResolvedAt.Sub(in.StartedAt)
}

// IncidentUpdate is one update of an incident: its status from then on,
// and what people were told.
type IncidentUpdate struct {
	Status  IncidentStatus
	Message string
	At      time.Time
}

// ListIncidentsParams selects incidents.
type ListIncidentsParams struct {
	// PlanIDs selects the incidents that name any of these plans; nil
	// selects all.
	PlanIDs []string
	// Since selects the incidents open at or after it: unresolved, or
	// resolved at or after Since. Zero selects all.
	Since time.Time
	// Limit defaults to DefaultListLimit and is capped at MaxListLimit;
	// negative is an error.
	Limit int
}
