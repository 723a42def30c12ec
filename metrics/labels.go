package metrics

import (
	"sync"

	"github.com/smokex/smokex/record"
)

// LabelKey identifies a set of labels: the measurement and up to four
// label values. Make it with Key.
type LabelKey struct {
	m          Measurement
	a, b, c, d string
	location   string
}

// In returns k with a location label (empty: none): the measurements of
// an execution carry its location (AttrLocation), whose values are
// bounded by the locations the plans and the processes name.
func (k LabelKey) In(location string) LabelKey {
	k.location = location
	return k
}

// AttrLocation is the label of an execution's location
// (record.Execution.Location), set on the measurements of executions that
// have one: smokex.executions, smokex.execution.duration,
// smokex.step.duration and smokex.schedule.lag. smokex.plan.up has none:
// for a plan with locations it follows their quorum (LocationQuorum).
const AttrLocation = "location"

// LocationQuorum keeps the outcome of the latest execution in each
// location of the plans with locations, so that smokex.plan.up follows
// the rule of the alert policy and /status: a plan is down when at least
// its min_failing_locations (1 when it sets none) of its locations failed
// their latest execution. It holds a bool per plan and location, bounded
// by the plans. The zero value is ready; it is safe for concurrent use.
type LocationQuorum struct {
	mu     sync.Mutex
	failed map[string]map[string]bool
}

// PlanHealth is the package's PlanHealth for an execution of plan: for a
// plan with locations, up follows its quorum.
func (q *LocationQuorum) PlanHealth(plan *record.PlanRef, x *record.Execution) (up, lastRun int64, ok bool) {
	up, lastRun, ok = PlanHealth(x)
	if !ok || plan == nil || len(plan.Locations) == 0 || x.Location == "" {
		return up, lastRun, ok
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.failed == nil {
		q.failed = map[string]map[string]bool{}
	}
	byLoc := q.failed[plan.ID]
	if byLoc == nil {
		byLoc = map[string]bool{}
		q.failed[plan.ID] = byLoc
	}
	byLoc[x.Location] = up == 0
	if _, _, down := plan.LocationQuorum(byLoc, plan.MinFailingLocations); down {
		return 0, lastRun, true
	}
	return 1, lastRun, true
}

// Key returns the LabelKey of measurement m with the values a to d (empty
// when unused).
func Key(m Measurement, a, b, c, d string) LabelKey { return LabelKey{m: m, a: a, b: b, c: c, d: d} }

// Measurement names a measurement in a LabelKey.
type Measurement uint8

// The measurements.
const (
	MeasureExecutions Measurement = iota
	MeasureExecutionDuration
	MeasureStepDuration
	MeasureAssertionFailures
	MeasureScheduleLag
	MeasureScheduleSkipped
	MeasureNotifications
	// MeasurePlan is a recorder's own labels of a plan (a service check's).
	MeasurePlan
	MeasureCertificateExpiry
	MeasurePlanHealth
)

// LabelCache keeps what a recorder builds from a set of labels (an
// attribute set, a tag list), so that a measurement does not build and
// sort it again: the sets are few, since their values are bounded. The
// zero value is ready to use; it is safe for concurrent use.
type LabelCache[V any] struct {
	mu sync.RWMutex
	m  map[LabelKey]V
}

// Get returns the value of k, made by build the first time.
func (c *LabelCache[V]) Get(k LabelKey, build func() V) V {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	v = build()
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[k]; ok {
		return old
	}
	if c.m == nil {
		c.m = map[LabelKey]V{}
	}
	c.m[k] = v
	return v
}

// The names of the measurements, the same for every recorder, so that
// dashboards and alerts can rely on them.
const (
	// NameExecutions counts finished executions.
	NameExecutions = "smokex.executions"
	// NameExecutionDuration is the duration of executions, in seconds.
	NameExecutionDuration = "smokex.execution.duration"
	// NameStepDuration is the duration of steps that ran, in seconds.
	NameStepDuration = "smokex.step.duration"
	// NameAssertionFailures counts failed assertions.
	NameAssertionFailures = "smokex.assertion.failures"
	// NameScheduleLag is how late scheduled executions start, in seconds.
	NameScheduleLag = "smokex.schedule.lag"
	// NameScheduleSkipped counts scheduled ticks that did not run.
	NameScheduleSkipped = "smokex.schedule.skipped"
	// NameNotifications counts notifications, delivered or not.
	NameNotifications = "smokex.notifications"
	// NameCertificateExpiry is a gauge: when the leaf certificate of a
	// plan's HTTPS host expires, in unix seconds, by plan and
	// server.address (the host), as blackbox_exporter's
	// probe_ssl_earliest_cert_expiry is. It is set by every step that
	// receives a response over TLS.
	NameCertificateExpiry = "smokex.certificate.expiry"
)

// The plan's health as gauges, set by each execution that passed,
// degraded or failed (a canceled one says nothing of the target), absent
// until a plan's first.
const (
	// NamePlanUp is 1 when the plan's last execution was up (passed or
	// degraded) and 0 when it failed: Prometheus' smokex_plan_up, to alert
	// on smokex_plan_up == 0 as on probe_success == 0.
	NamePlanUp = "smokex.plan.up"
	// NamePlanLastRun is when that execution finished, in unix seconds.
	NamePlanLastRun = "smokex.plan.last_run"
)

// NameSLOErrorBudgetRemaining is a gauge: the share of a plan's error
// budget left over its slo's window (record.ErrorBudget.Remaining), by
// plan: 1 untouched, 0 spent, below 0 overspent. Set for the plans with
// an slo after their executions, at most once a minute
// (record.ErrorBudgetHook). OpenTelemetry's unit is "1", which
// Prometheus names smokex_slo_error_budget_remaining_ratio.
const NameSLOErrorBudgetRemaining = "smokex.slo.error_budget.remaining"

// PlanHealth returns the values of smokex.plan.up and smokex.plan.last_run
// after x; ok is false for an execution that says nothing of the target
// (canceled, unfinished, interrupted).
func PlanHealth(x *record.Execution) (up, lastRun int64, ok bool) {
	switch {
	case x.Status.Up():
		up = 1
	case x.Status != record.StatusFailed:
		return 0, 0, false
	}
	at := x.FinishedAt
	if at.IsZero() {
		at = x.StartedAt
	}
	return up, at.Unix(), true
}

// AttrServerAddress is the label of the host a certificate is for: the
// OpenTelemetry semantic convention's name (server_address in Prometheus).
const AttrServerAddress = "server.address"

// StepCertificate returns the leaf certificate s received, nil when it
// received none (plain HTTP, no response, skipped).
func StepCertificate(s *record.StepResult) *record.Certificate {
	if s.TLS == nil {
		return nil
	}
	return s.TLS.Certificate
}
