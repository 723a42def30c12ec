package notify

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/record"
)

// Rules decide when a plan alerts. The zero value alerts on the first
// failure and on the first pass after it.
type Rules struct {
	// AlertAfter is how many failed executions in a row make a plan
	// failing (flag --alert-after). Defaults to 1.
	AlertAfter int
	// RecoverAfter is how many passed executions in a row make a failing
	// plan recovered. Defaults to 1.
	RecoverAfter int
	// NoRecoveryAlerts sends nothing when a plan recovers (flag
	// --no-recovery-alerts). By default recoveries are announced.
	NoRecoveryAlerts bool
	// AlertOnSuccess announces every passed execution of a plan that is
	// not failing, as TransitionPassed (flag --alert-on-success). Off by
	// default.
	AlertOnSuccess bool
	// AlertOnDegraded announces TransitionDegraded when an execution of a
	// plan that is not failing ends degraded and the one before it did not
	// (flag --alert-on-degraded). Off by default: degraded counts as up.
	AlertOnDegraded bool
	// FlakyAfter announces TransitionFlaky when a plan that is not failing
	// was flaky (record.Execution.Flaky: up only after a retry) in
	// FlakyAfter.Runs of its last FlakyAfter.Of counted executions, once
	// until it is flaky less often again (flag --alert-flaky-after 3/10).
	// Off by default (zero).
	FlakyAfter FlakyAfter
	// BurnRateAlerts announces TransitionBurnRate when a plan with an slo
	// burns its error budget too fast by the multiwindow rule of Google's
	// SRE workbook (package slo): 14.4 times the pace that spends it by
	// the window's end over both the last hour and the last 5 minutes
	// (fast), or 6 times over both the last 6 hours and the last 30
	// minutes (slow); once, until the rule no longer holds (flag
	// --alert-burn-rate). Off by default.
	BurnRateAlerts bool
	// MinFailingLocations is, for a plan with locations, how many of them
	// must have failed their latest tick for the plan to be failing (flag
	// --alert-min-locations); a plan's alerts.min_failing_locations wins
	// over it, and it is capped at the plan's number of locations. Each
	// execution of such a plan counts as failed when that many fail, as
	// passed otherwise, so it recovers when fewer fail. Defaults to 1.
	MinFailingLocations int
	// Reminder, when positive, announces TransitionStillFailing when an
	// execution of a failing plan finishes at least Reminder after the
	// plan's last alert (flag --alert-reminder). Off by default.
	Reminder time.Duration
}

func (r Rules) withDefaults() Rules {
	if r.AlertAfter == 0 {
		r.AlertAfter = 1
	}
	if r.RecoverAfter == 0 {
		r.RecoverAfter = 1
	}
	if r.MinFailingLocations == 0 {
		r.MinFailingLocations = 1
	}
	return r
}

// Validate names the field that is wrong.
func (r Rules) Validate() error {
	switch {
	case r.AlertAfter < 0:
		return fmt.Errorf("AlertAfter must not be negative, got %d", r.AlertAfter)
	case r.RecoverAfter < 0:
		return fmt.Errorf("RecoverAfter must not be negative, got %d", r.RecoverAfter)
	case r.MinFailingLocations < 0:
		return fmt.Errorf("MinFailingLocations must not be negative, got %d", r.MinFailingLocations)
	case r.Reminder < 0:
		//lint:ignore ST1005 the message begins with the field's name
		return fmt.Errorf("Reminder must not be negative, got %s", r.Reminder)
	}
	if err := r.FlakyAfter.validate(); err != nil {
		return fmt.Errorf("FlakyAfter %w", err)
	}
	return nil
}

// MaxFlakyOf is the most executions FlakyAfter looks back on.
const MaxFlakyOf = 100

// FlakyAfter is how often a plan must be flaky to be announced: in Runs
// of its last Of counted executions (passed, degraded or failed). The
// zero value is off. Its text form is "Runs/Of" ("3/10").
type FlakyAfter struct {
	Runs, Of int
}

// On reports whether the rule is set.
func (f FlakyAfter) On() bool { return f.Runs > 0 }

// String returns "Runs/Of", or "" when off.
func (f FlakyAfter) String() string {
	if !f.On() {
		return ""
	}
	return fmt.Sprintf("%d/%d", f.Runs, f.Of)
}

// MarshalText writes the String form.
func (f FlakyAfter) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads "N/M" (flaky in N of the last M executions), for a
// flag or a configuration file; "" is off.
func (f *FlakyAfter) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" {
		*f = FlakyAfter{}
		return nil
	}
	runs, of, ok := strings.Cut(s, "/")
	var v FlakyAfter
	var err1, err2 error
	v.Runs, err1 = strconv.Atoi(strings.TrimSpace(runs))
	v.Of, err2 = strconv.Atoi(strings.TrimSpace(of))
	if !ok || err1 != nil || err2 != nil {
		return fmt.Errorf("%q is not N/M: flaky in N of the last M executions, as 3/10", s)
	}
	if err := v.validate(); err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	*f = v
	return nil
}

// validate says what is wrong with a rule that is set.
func (f FlakyAfter) validate() error {
	switch {
	case f == FlakyAfter{}:
		return nil
	case f.Runs < 1:
		return fmt.Errorf("needs at least 1 flaky run, got %d", f.Runs)
	case f.Of < f.Runs:
		return fmt.Errorf("looks at %d runs, fewer than the %d flaky ones it needs", f.Of, f.Runs)
	case f.Of > MaxFlakyOf:
		return fmt.Errorf("looks at %d runs, more than %d", f.Of, MaxFlakyOf)
	}
	return nil
}

// count returns how many of the executions in recent, newest first, it
// looks at were flaky.
func (f FlakyAfter) count(recent []bool) int {
	n := 0
	for _, flaky := range recent[:min(len(recent), f.Of)] {
		if flaky {
			n++
		}
	}
	return n
}

// Target is a notifier with the plans it hears about.
type Target struct {
	// Name names the target in logs and in NotificationSent ("slack",
	// "payments-pager"). Required and unique.
	Name     string
	Notifier Notifier
	// Labels route plans to the target: it hears about the plans that
	// carry every one of these labels with the same value (team: payments
	// to the payments channel). Empty: every plan, unless Fallback is set.
	Labels map[string]string
	// Fallback makes the target hear about the plans that no target with
	// Labels hears about.
	Fallback bool
	// Incidents makes the target hear about the updates of the incidents
	// people write about its plans (TransitionIncident), which it is not
	// told otherwise.
	Incidents bool
}

// matches reports whether the target's labels select the plan's.
func (t *Target) matches(labels map[string]string) bool {
	for k, v := range t.Labels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// Window is a maintenance window: while it holds, the plans it covers run
// as usual but the policy ignores their executions, so that no alert is
// sent, no failure counts toward a threshold, and planned downtime does
// not turn into a page when it ends. A window is one-off (Start and End)
// or recurring (Cron and Duration, in TimeZone).
type Window struct {
	// Name describes the window in logs ("db upgrade", "nightly backup").
	Name string
	// PlanIDs and Labels select the plans the window covers: a plan listed
	// in PlanIDs, or one that carries every label of Labels. Both empty:
	// every plan.
	PlanIDs []string
	Labels  map[string]string
	// Start and End bound a one-off window: Start inclusive, End exclusive.
	Start, End time.Time
	// Cron starts a recurring window ("0 2 * * SUN": Sundays at 02:00), in
	// the plan format's cron syntax; each lasts Duration.
	Cron     string
	Duration time.Duration
	// TimeZone is the IANA zone Cron is read in ("Europe/Berlin").
	// Defaults to UTC.
	TimeZone string

	recurring cronspec.Window
}

// compile checks the window and parses its schedule.
func (w *Window) compile() error {
	name := w.Name
	if name == "" {
		name = "(unnamed)"
	}
	oneOff := !w.Start.IsZero() || !w.End.IsZero()
	switch {
	case oneOff && w.Cron != "":
		return fmt.Errorf("window %s: set Start and End or Cron and Duration, not both", name)
	case oneOff:
		if w.Start.IsZero() || w.End.IsZero() || !w.End.After(w.Start) {
			return fmt.Errorf("window %s: End must be after Start", name)
		}
		return nil
	case w.Cron == "":
		return fmt.Errorf("window %s: set Start and End or Cron and Duration", name)
	}
	if w.Duration <= 0 {
		return fmt.Errorf("window %s: Duration must be positive with Cron", name)
	}
	loc := time.UTC
	if w.TimeZone != "" {
		var err error
		if loc, err = time.LoadLocation(w.TimeZone); err != nil {
			return fmt.Errorf("window %s: TimeZone: %w", name, err)
		}
	}
	s, err := cronspec.Parse(w.Cron)
	if err != nil {
		return fmt.Errorf("window %s: Cron: %w", name, err)
	}
	w.recurring = cronspec.NewWindow(s, loc, w.Duration)
	return nil
}

// covers reports whether the window covers the plan.
func (w *Window) covers(p *record.PlanRef) bool {
	if len(w.PlanIDs) == 0 && len(w.Labels) == 0 {
		return true
	}
	for _, id := range w.PlanIDs {
		if id == p.ID {
			return true
		}
	}
	if len(w.Labels) == 0 {
		return false
	}
	t := Target{Labels: w.Labels}
	return t.matches(p.Labels)
}

// Holds reports whether the window is open at t. The window must have
// been validated (NewPolicy does it).
func (w *Window) Holds(t time.Time) bool {
	if w.Cron == "" {
		return !t.Before(w.Start) && t.Before(w.End)
	}
	return w.recurring.Holds(t)
}

// clone returns a copy of w.
func (w Window) clone() Window {
	w.PlanIDs = append([]string(nil), w.PlanIDs...)
	w.Labels = maps.Clone(w.Labels)
	return w
}
