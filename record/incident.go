package record

import "time"

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
	// ID identifies the incident: "auto-<plan>-<millis>" for an
	// automatic one, "inc-..." for one written through the admin API.
	ID string
	// Title says what is wrong, as a status page heads the incident.
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
