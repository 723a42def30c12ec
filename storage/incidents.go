package storage

import (
	"context"
	"time"

	"github.com/smokex/smokex/record"
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

// Incident, IncidentUpdate and IncidentStatus are defined in the record
// package, so that the alert policy (package notify) records automatic
// incidents without importing storage.
type (
	Incident       = record.Incident
	IncidentUpdate = record.IncidentUpdate
	IncidentStatus = record.IncidentStatus
)

// The statuses of an incident.
const (
	IncidentInvestigating = record.IncidentInvestigating
	IncidentIdentified    = record.IncidentIdentified
	IncidentMonitoring    = record.IncidentMonitoring
	IncidentResolved      = record.IncidentResolved
)

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
