package notify

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/slo"
)

// Notifier delivers an alert: a message in a channel, a page, an e-mail,
// a request to a webhook. Notify returns once the receiver accepted the
// event, or with an error: a *StatusError for an answer that is not 2xx,
// an error wrapping ErrPermanent for one that retrying cannot fix, any
// other error (a network failure) is retried by the policy's delivery.
// Notify must honour ctx and may be called from several goroutines.
type Notifier interface {
	Notify(ctx context.Context, e *Event) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, e *Event) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, e *Event) error { return f(ctx, e) }

// Transition is what changed for a plan, which an Event announces.
type Transition string

// The transitions the policy announces.
const (
	// TransitionFailing: the plan failed as many times in a row as its
	// threshold and was passing (or new) before.
	TransitionFailing Transition = "failing"
	// TransitionStillFailing: a reminder that the plan keeps failing.
	TransitionStillFailing Transition = "still_failing"
	// TransitionRecovered: the plan, which was failing, passed as many
	// times in a row as its threshold.
	TransitionRecovered Transition = "recovered"
	// TransitionPassed: a passed execution of a plan that is not failing,
	// announced only when the rules ask for alerts on every success.
	TransitionPassed Transition = "passed"
	// TransitionDegraded: a plan that is not failing ended degraded (up,
	// but slower than its degraded_after) after an execution that was not,
	// announced only when the rules ask for it (Rules.AlertOnDegraded).
	TransitionDegraded Transition = "degraded"
	// TransitionFlaky: a plan that is not failing was flaky (up only
	// after a retry) in as many of its last executions as its rules ask
	// (Rules.FlakyAfter), announced once until it is flaky less often.
	TransitionFlaky Transition = "flaky"
	// TransitionBurnRate: a plan with an slo burns its error budget too
	// fast (Rules.BurnRateAlerts); Event.BurnRate says by which rule.
	TransitionBurnRate Transition = "burn_rate"
	// TransitionLocationUnavailable: a location that plans run in has had
	// no live process for longer than its timeout, or its queue of ticks
	// backs up; announced once, by one process, until it is available.
	TransitionLocationUnavailable Transition = "location_unavailable"
	// TransitionLocationAvailable: such a location has a live process
	// again.
	TransitionLocationAvailable Transition = "location_available"
)

// Title returns a short human phrase for the transition: "failing",
// "still failing", "recovered", "passed", "degraded", "flaky".
func (t Transition) Title() string { return strings.ReplaceAll(string(t), "_", " ") }

// Bad reports whether the transition announces a plan in trouble.
func (t Transition) Bad() bool {
	return t == TransitionFailing || t == TransitionStillFailing || t == TransitionLocationUnavailable
}

// DefaultExcerptSize bounds each request and response body an Event
// carries, in bytes.
const DefaultExcerptSize = 1024

// Event is one alert: a plan, one of its executions, and what changed.
// Its JSON encoding is the generic webhook's body; the execution and its
// steps are encoded as the record package encodes them everywhere.
type Event struct {
	// ID identifies the event: the execution ID and the transition, so
	// that a receiver can tell a retried delivery from a new event.
	ID         string     `json:"id"`
	Transition Transition `json:"transition"`
	// Time is when the policy decided the alert.
	Time time.Time      `json:"time"`
	Plan record.PlanRef `json:"plan"`
	// Execution is the execution that caused the alert, with its steps,
	// in the record package's wire format (its duration_ms included);
	// bodies are cut to DefaultExcerptSize bytes. Every stored result has
	// its secrets redacted already; so does the event.
	Execution *record.Execution `json:"execution"`
	// FailedStep is the first step of Execution that failed, nil when none
	// did (the execution passed or failed as a whole).
	FailedStep *record.StepResult `json:"failed_step,omitempty"`
	// ConsecutiveFailures counts the plan's failed executions in a row,
	// this one included; ConsecutivePasses the passed ones.
	ConsecutiveFailures int `json:"consecutive_failures"`
	ConsecutivePasses   int `json:"consecutive_passes"`
	// FailingSince is when the plan was declared failing; for a recovery,
	// when the failure that ended began.
	FailingSince time.Time `json:"failing_since,omitzero"`
	// FlakyRuns and FlakyOf are, for TransitionFlaky, how many of the
	// plan's last FlakyOf executions were flaky.
	FlakyRuns int `json:"flaky_runs,omitempty"`
	FlakyOf   int `json:"flaky_of,omitempty"`
	// FailingDependents are the IDs of the plans that depend on the plan
	// (their depends_on names it) and were failing when a failing alert
	// or a reminder was decided: their own failing alerts are held back
	// while this plan fails.
	FailingDependents []string `json:"failing_dependents,omitempty"`
	// FailingLocations and PassingLocations are, for a plan with
	// locations, those whose latest execution failed and passed when the
	// alert was decided (Rules.MinFailingLocations decides from them).
	FailingLocations []string `json:"failing_locations,omitempty"`
	PassingLocations []string `json:"passing_locations,omitempty"`
	// Location is, for TransitionLocationUnavailable and
	// TransitionLocationAvailable, the location, and Reason why it is
	// unavailable; such an event has no Plan ID and no Execution.
	Location string `json:"location,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// BurnRate is, for TransitionBurnRate, the rule that holds and the
	// plan's error budget.
	BurnRate *BurnRateAlert `json:"burn_rate,omitempty"`
	// Incident is, for TransitionIncident, the incident and its update.
	Incident *IncidentNotice `json:"incident,omitempty"`
	// Links point to the admin pages when the host gave a base URL.
	Links Links `json:"links,omitzero"`
}

// Links are addresses of the admin pages about an event, empty when the
// host has none.
type Links struct {
	Execution string `json:"execution,omitempty"`
	Plan      string `json:"plan,omitempty"`
}

// LinksFor returns the admin links under base: base/executions/{id} and
// base/plans/{id}, path-escaped. An empty base gives no links.
func LinksFor(base, planID, executionID string) Links {
	base = strings.TrimRight(base, "/")
	if base == "" {
		return Links{}
	}
	l := Links{Plan: base + "/plans/" + url.PathEscape(planID)}
	if executionID != "" {
		l.Execution = base + "/executions/" + url.PathEscape(executionID)
	}
	return l
}

// NewEvent builds the event of a transition from the plan and the
// execution, which it copies (bodies cut to excerptSize bytes, or
// DefaultExcerptSize when it is zero; negative keeps none), so that the
// event may outlive them.
func NewEvent(t Transition, p *record.PlanRef, x *record.Execution, excerptSize int) *Event {
	if excerptSize == 0 {
		excerptSize = DefaultExcerptSize
	}
	e := &Event{Transition: t, Time: time.Now()}
	if p != nil {
		e.Plan = *p
	}
	if x == nil {
		return e
	}
	c := *x
	c.Steps = make([]record.StepResult, len(x.Steps))
	for i := range x.Steps {
		c.Steps[i] = excerptStep(x.Steps[i], excerptSize)
		if e.FailedStep == nil && !c.Steps[i].OK && !c.Steps[i].Skipped {
			e.FailedStep = &c.Steps[i]
		}
	}
	e.Execution = &c
	e.ID = x.ID + ":" + string(t)
	if e.Plan.ID == "" {
		e.Plan.ID, e.Plan.Name = x.PlanID, x.PlanName
	}
	return e
}

// excerptStep returns r with its bodies cut to n bytes.
func excerptStep(r record.StepResult, n int) record.StepResult {
	if r.Request != nil {
		req := *r.Request
		req.Body = Excerpt(req.Body, n)
		r.Request = &req
	}
	if r.Response != nil {
		resp := *r.Response
		resp.Body = Excerpt(resp.Body, n)
		r.Response = &resp
	}
	return r
}

// Excerpt returns s cut to at most n bytes on a rune boundary, with "…"
// appended when it was cut. A negative n returns "".
func Excerpt(s string, n int) string {
	if n < 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Summary is a one-line description of the event for a chat message or a
// subject: "Checkout API is failing: step 2 \"pay\": status_code expected
// 200, received 503", with the plans that depend on it and fail with it
// in parentheses, and for a plan with locations those failing and passing
// in brackets.
func (e *Event) Summary() string {
	if e.Incident != nil {
		return e.Headline() + ": " + e.Incident.Message
	}
	if e.Location != "" {
		s := "Location " + e.Location + " is " + strings.TrimPrefix(e.Transition.Title(), "location ")
		if e.Reason != "" {
			s += ": " + e.Reason
		}
		return s
	}
	s := e.PlanName() + " is " + e.Transition.Title()
	if d := e.Detail(); d != "" && e.Transition.Bad() {
		s += ": " + d
	}
	if len(e.FailingDependents) > 0 {
		s += " (" + strings.Join(e.FailingDependents, ", ") + " failing with it)"
	}
	if l := e.locationsText(); l != "" {
		s += " [" + l + "]"
	}
	if b := e.BurnRate; e.Transition == TransitionBurnRate && b != nil {
		s = fmt.Sprintf("%s is burning its error budget: %s× over %s and %s× over %s (%s rule), %s%% of it left",
			e.PlanName(), rate(b.LongRate), window(b.Rule.Long), rate(b.ShortRate), window(b.Rule.Short), b.Rule.Name, rate(b.Budget.Remaining*100))
	}
	if e.Transition == TransitionFlaky && e.FlakyOf > 0 {
		s += fmt.Sprintf(": up only after a retry in %d of its last %d runs", e.FlakyRuns, e.FlakyOf)
	}
	return s
}

// BurnRateAlert is what TransitionBurnRate announces.
type BurnRateAlert struct {
	// Rule is the rule that holds: its name, windows and rate.
	Rule slo.Rule `json:"rule"`
	// LongRate and ShortRate are the burn rates over the rule's windows.
	LongRate  float64 `json:"long_rate"`
	ShortRate float64 `json:"short_rate"`
	// Budget is the plan's error budget when the rule held.
	Budget *record.ErrorBudget `json:"budget"`
}

// window writes a window of the burn-rate rule as 1h, 5m, 6h, 30m.
func window(d time.Duration) string {
	if d%time.Hour == 0 {
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
}

// rate writes a rate or a share with at most one decimal.
func rate(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// PlanName is the plan's name, or its ID when it has none: how messages
// name the plan.
func (e *Event) PlanName() string {
	if e.Plan.Name != "" {
		return e.Plan.Name
	}
	return e.Plan.ID
}

// Detail describes what went wrong: the first failed step and its first
// failure or error, or the execution's error; empty when nothing failed.
func (e *Event) Detail() string {
	if r := e.FailedStep; r != nil {
		step := fmt.Sprintf("step %d %q", r.Index+1, r.Name)
		switch {
		case len(r.Failures) > 0:
			f := r.Failures[0]
			what := f.What()
			return fmt.Sprintf("%s: %s expected %s, received %s", step, what, f.Expected, f.Received)
		case r.Error != nil:
			return step + ": " + r.Error.Error()
		}
		return step + " failed"
	}
	if e.Execution != nil && e.Execution.Error != nil {
		return e.Execution.Error.Error()
	}
	return ""
}

// Fact is a name and a value, for the field lists of chat messages.
type Fact struct {
	Name, Value string
}

// Facts returns the execution's started, finished, trigger and duration,
// times in UTC, and the plans failing with it (FailingDependents).
func (e *Event) Facts() []Fact {
	x := e.Execution
	if x == nil {
		return nil
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05 MST")
	}
	facts := []Fact{
		{"Started", when(x.StartedAt)},
		{"Finished", when(x.FinishedAt)},
		{"Trigger", string(x.Trigger)},
		{"Duration", x.Duration().Round(time.Millisecond).String()},
	}
	if len(e.FailingDependents) > 0 {
		facts = append(facts, Fact{"Failing with it", strings.Join(e.FailingDependents, ", ")})
	}
	if len(e.FailingLocations) > 0 {
		facts = append(facts, Fact{"Failing in", strings.Join(e.FailingLocations, ", ")})
	}
	if len(e.PassingLocations) > 0 {
		facts = append(facts, Fact{"Passing in", strings.Join(e.PassingLocations, ", ")})
	}
	return facts
}

// locationsText names the failing and passing locations of a plan with
// locations ("failing in eu-west, us-east; passing in ap-south"); empty
// for a plan without.
func (e *Event) locationsText() string {
	var parts []string
	if len(e.FailingLocations) > 0 {
		parts = append(parts, "failing in "+strings.Join(e.FailingLocations, ", "))
	}
	if len(e.PassingLocations) > 0 {
		parts = append(parts, "passing in "+strings.Join(e.PassingLocations, ", "))
	}
	return strings.Join(parts, "; ")
}

// StepTitle names the failed step: `Step 2 "pay" failed`; empty when no
// step failed.
func (e *Event) StepTitle() string {
	if e.FailedStep == nil {
		return ""
	}
	return fmt.Sprintf("Step %d %q failed", e.FailedStep.Index+1, e.FailedStep.Name)
}

// FailureLines describes what failed, a line each: every failed assertion
// of FailedStep ("status_code: expected 200, received 503") and its
// error, or the execution's error when no step failed.
func (e *Event) FailureLines() []string {
	var lines []string
	if r := e.FailedStep; r != nil {
		return r.Problems()
	}
	if e.Execution != nil && e.Execution.Error != nil {
		lines = append(lines, e.Execution.Error.Error())
	}
	return lines
}

// ErrPermanent marks an error that retrying cannot fix (a bad URL, a
// rejected payload): delivery gives up on it at once. Wrap it with %w.
var ErrPermanent = errors.New("notify: permanent failure")

// StatusError is a receiver's answer that is not 2xx. Delivery retries 429
// and 5xx answers, after RetryAfter when the receiver gave one.
type StatusError struct {
	// Provider names the notifier: "slack", "webhook", ...
	Provider   string
	StatusCode int
	// RetryAfter is the receiver's Retry-After, zero when it sent none.
	RetryAfter time.Duration
	// Body is the start of the answer's body.
	Body string
}

// Error names the provider and the status: "slack: status 503: ...".
func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s: status %d", e.Provider, e.StatusCode)
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// Temporary reports whether retrying may help: 408, 425, 429 and 5xx.
func (e *StatusError) Temporary() bool {
	switch {
	case e.StatusCode == 408, e.StatusCode == 425, e.StatusCode == 429, e.StatusCode >= 500:
		return true
	}
	return false
}
