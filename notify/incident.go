package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/smokex/smokex/record"
)

// TransitionIncident: an incident written by people about the plan was
// opened or updated; Event.Incident holds it. It is told only to the
// targets that ask for incidents (Target.Incidents).
const TransitionIncident Transition = "incident"

// IncidentNotice is, for TransitionIncident, the incident with the update
// the event tells of.
type IncidentNotice struct {
	// ID and Title are the incident's.
	ID    string `json:"id"`
	Title string `json:"title"`
	// Status is the incident's after the update: investigating,
	// identified, monitoring or resolved.
	Status string `json:"status"`
	// Message is the update's.
	Message string    `json:"message"`
	At      time.Time `json:"at"`
	// Plans are the IDs of the plans it concerns.
	Plans []string `json:"plans"`
}

// Headline is the event's title line: "Checkout API is failing", or
// "Incident: Checkout errors (identified)".
func (e *Event) Headline() string {
	if e.Incident != nil {
		return "Incident: " + e.Incident.Title + " (" + e.Incident.Status + ")"
	}
	return e.PlanName() + " is " + e.Transition.Title()
}

// IncidentUpdated owes the update u of the incident in (just opened, when
// it is its first) to the targets that ask for incidents (Target.Incidents)
// and hear about any of plans, the incident's plans: it is written to the
// store as alerts are, with the first plan's state, and delivered from it
// with their retries. Automatic incidents are not told: their plans'
// failing and recovered alerts tell them.
func (p *Policy) IncidentUpdated(ctx context.Context, in *record.Incident, u *record.IncidentUpdate, plans []*record.PlanRef) error {
	if in.Automatic || len(plans) == 0 {
		return nil
	}
	var targets []*Target
	for i := range p.cfg.Targets {
		t := &p.cfg.Targets[i]
		if !t.Incidents {
			continue
		}
		for _, pl := range plans {
			if t.matches(pl.Labels) {
				targets = append(targets, t)
				break
			}
		}
	}
	if len(targets) == 0 {
		return nil
	}
	e := &Event{ID: "incident-" + in.ID + "-" + strconv.Itoa(len(in.Updates)), Transition: TransitionIncident, Time: u.At, Plan: *plans[0],
		Incident: &IncidentNotice{ID: in.ID, Title: in.Title, Status: string(u.Status), Message: u.Message, At: u.At, Plans: in.Plans}}
	owed, err := owe(e, targets)
	if err != nil {
		return err
	}
	const maxTries = 20
	for try := 0; ; try++ {
		cur, err := p.loadState(plans[0].ID)
		if err == nil {
			// The state as it is, saved for the write of what is owed.
			err = p.saveState(cur, owed)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, record.ErrConflict) || try == maxTries || ctx.Err() != nil {
			return fmt.Errorf("notify: owing the incident's update: %w", err)
		}
	}
	for _, t := range targets {
		select {
		case p.wake[t.Name] <- struct{}{}:
		default:
		}
	}
	return nil
}

// executionID is the ID of the event's execution, empty for an event of
// none (an incident's).
func (e *Event) executionID() string {
	if e.Execution == nil {
		return ""
	}
	return e.Execution.ID
}
