package storage

import (
	"context"
	"time"
)

// UptimeStore is an optional interface of a Store that keeps a rollup of
// each plan's finished executions per UTC day, so that a status page can
// show 90 days of uptime without 90 days of raw executions: the rollups
// are written by the store itself, in the same write as the execution
// becoming final, and Prune leaves them alone.
// They go with their plan: DeletePlan deletes them.
//
// An execution counts in the rollup of the UTC day of its CreatedAt,
// once: when it is created final or updated into a final status (an
// update of an execution that was final already does not count it again),
// if that status is passed, degraded or failed and it is not marked
// Maintenance. A canceled execution says nothing about the target, and
// planned downtime does not count against a plan's uptime.
type UptimeStore interface {
	// DailyUptime returns the rollups that params selects, ordered by
	// plan ID then day; days without a counted execution are absent. A
	// nil params returns every rollup.
	DailyUptime(ctx context.Context, params *DailyUptimeParams) ([]*DailyUptime, error)
}

// MinUptimeDays is the fewest days of rollups an UptimeStore keeps per
// plan: a backend may drop older ones, never younger.
const MinUptimeDays = 120

// DailyUptimeParams selects rollups.
type DailyUptimeParams struct {
	// PlanIDs selects plans; nil selects all.
	PlanIDs []string
	// Since and Until bound the day: Since inclusive, Until exclusive,
	// each taken as the UTC day it falls in. Zero leaves that side open.
	Since, Until time.Time
}

// DailyUptime is one plan's rollup of one UTC day.
type DailyUptime struct {
	// PlanID is the plan the rollup counts the executions of.
	PlanID string
	// Day is midnight UTC of the day.
	Day time.Time
	// Passed, Degraded and Failed count the day's executions by status.
	Passed, Degraded, Failed int
	// Duration is the sum of the durations (FinishedAt - StartedAt) of
	// the counted executions that have both; Timed is how many they are.
	Duration time.Duration
	Timed    int
}

// Total is how many executions the rollup counts.
func (d *DailyUptime) Total() int { return d.Passed + d.Degraded + d.Failed }

// Up is how many of them were up (passed or degraded).
func (d *DailyUptime) Up() int { return d.Passed + d.Degraded }

// Mean is the mean duration of the timed executions, zero when none.
func (d *DailyUptime) Mean() time.Duration {
	if d.Timed == 0 {
		return 0
	}
	return d.Duration / time.Duration(d.Timed)
}

// Add adds the counts and durations of o to d.
func (d *DailyUptime) Add(o *DailyUptime) {
	d.Passed += o.Passed
	d.Degraded += o.Degraded
	d.Failed += o.Failed
	d.Duration += o.Duration
	d.Timed += o.Timed
}

// UTCDay returns midnight UTC of the day t falls in.
func UTCDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
