package datadog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"

	"github.com/smokex/smokex/metrics"
	"github.com/smokex/smokex/record"
)

// ServiceCheck is the service check sent after each execution of a plan.
const ServiceCheck = "smokex.plan"

// MaxMessage bounds the service check's message, in bytes.
const MaxMessage = 500

// Config configures a Recorder. Client or Addr is required.
type Config struct {
	// Client sends the metrics: the host's own statsd client, which the
	// Recorder flushes on Stop but does not close. When nil, the Recorder
	// makes one for Addr and closes it on Stop.
	Client statsd.ClientInterface
	// Addr is the DogStatsD address of the agent when Client is nil:
	// host:port (UDP), unix:///path/to/dsd.socket, or as Datadog's own
	// DD_DOGSTATSD_URL takes it.
	Addr string
	// Tags are added to every metric and service check, such as
	// "env:prod".
	Tags []string
}

// Recorder records executions as DogStatsD metrics and service checks. It
// is a record.Hook and a record.Service: put it in smokex.Config.Hooks. It
// is safe for concurrent use.
type Recorder struct {
	record.HookDefaults
	client statsd.ClientInterface
	owned  bool
	tags   []string

	sets metrics.LabelCache[[]string]
	// quorum makes smokex.plan.up of a plan with locations follow their
	// quorum.
	quorum metrics.LocationQuorum

	stopOnce sync.Once
	stopErr  error
}

// The engine hooks Recorder implements.
var (
	_ record.ExecutionStartedHook  = (*Recorder)(nil)
	_ record.StepFinishedHook      = (*Recorder)(nil)
	_ record.ExecutionFinishedHook = (*Recorder)(nil)
	_ record.TickSkippedHook       = (*Recorder)(nil)
	_ record.NotificationSentHook  = (*Recorder)(nil)
	_ record.ErrorBudgetHook       = (*Recorder)(nil)
	_ record.Service               = (*Recorder)(nil)
)

// New returns a Recorder for cfg. With Addr it makes a client, which does
// not need the agent to be there.
func New(cfg Config) (*Recorder, error) {
	r := &Recorder{client: cfg.Client, tags: cfg.Tags}
	if r.client == nil {
		if cfg.Addr == "" {
			return nil, errors.New("datadog: Config needs a Client or an Addr")
		}
		c, err := statsd.New(cfg.Addr, statsd.WithTags(cfg.Tags))
		if err != nil {
			return nil, fmt.Errorf("datadog: client for %s: %w", cfg.Addr, err)
		}
		r.client, r.owned, r.tags = c, true, nil
	}
	return r, nil
}

// tagsFor returns the tags that build makes for k, sanitized, after the
// Recorder's own; made once.
func (r *Recorder) tagsFor(k metrics.LabelKey, build func() []string) []string {
	return r.sets.Get(k, func() []string {
		t := append(append([]string(nil), r.tags...), build()...)
		for i := len(r.tags); i < len(t); i++ {
			t[i] = sanitize(t[i])
		}
		return t
	})
}

// sanitize keeps a tag from breaking the datagram: "|", "," and "#"
// separate its fields, and a newline ends it.
func sanitize(tag string) string {
	return tagReplacer.Replace(tag)
}

var tagReplacer = strings.NewReplacer("|", "_", ",", "_", "#", "_", "\n", "_", "\r", "_")

// tagsIn is tagsFor with the location tag of an execution, when it has
// one.
func (r *Recorder) tagsIn(k metrics.LabelKey, location string, build func() []string) []string {
	return r.tagsFor(k.In(location), func() []string {
		t := build()
		if location != "" {
			t = append(t, metrics.AttrLocation+":"+location)
		}
		return t
	})
}

// ExecutionFinished counts x, records its duration, sets the plan's health
// gauges and sends the plan's service check.
func (r *Recorder) ExecutionFinished(_ context.Context, p *record.PlanRef, x *record.Execution) {
	plan, status, trigger := metrics.PlanID(x.PlanID, p), string(x.Status), string(x.Trigger)
	flaky := strconv.FormatBool(x.Flaky)
	_ = r.client.Count(metrics.NameExecutions, 1, r.tagsIn(metrics.Key(metrics.MeasureExecutions, plan, status, trigger, flaky), x.Location, func() []string {
		return []string{"plan:" + plan, "status:" + status, "trigger:" + trigger, "flaky:" + flaky}
	}), 1)
	_ = r.client.Distribution(metrics.NameExecutionDuration, x.Duration().Seconds(), r.tagsIn(metrics.Key(metrics.MeasureExecutionDuration, plan, status, "", ""), x.Location, func() []string {
		return []string{"plan:" + plan, "status:" + status}
	}), 1)
	if up, last, ok := r.quorum.PlanHealth(p, x); ok {
		tags := r.tagsFor(metrics.Key(metrics.MeasurePlan, plan, "", "", ""), func() []string { return []string{"plan:" + plan} })
		_ = r.client.Gauge(metrics.NamePlanUp, float64(up), tags, 1)
		_ = r.client.Gauge(metrics.NamePlanLastRun, float64(last), tags, 1)
	}
	r.serviceCheck(plan, x)
}

// ErrorBudget sets the share of the plan's error budget left.
func (r *Recorder) ErrorBudget(_ context.Context, p *record.PlanRef, b *record.ErrorBudget) {
	plan := metrics.PlanID(b.PlanID, p)
	tags := r.tagsFor(metrics.Key(metrics.MeasurePlan, plan, "", "", ""), func() []string { return []string{"plan:" + plan} })
	_ = r.client.Gauge(metrics.NameSLOErrorBudgetRemaining, b.Remaining, tags, 1)
}

// serviceCheck sends smokex.plan for x.
func (r *Recorder) serviceCheck(plan string, x *record.Execution) {
	var sc *statsd.ServiceCheck
	tags := r.tagsFor(metrics.Key(metrics.MeasurePlan, plan, "", "", ""), func() []string { return []string{"plan:" + plan} })
	switch x.Status {
	case record.StatusPassed:
		sc = &statsd.ServiceCheck{Name: ServiceCheck, Status: statsd.Ok, Tags: tags,
			Message: "plan " + plan + " passed"}
	case record.StatusDegraded:
		sc = &statsd.ServiceCheck{Name: ServiceCheck, Status: statsd.Warn, Tags: tags,
			Message: "plan " + plan + " degraded: passed, slower than its degraded_after"}
	case record.StatusCanceled, record.StatusCreated, record.StatusRunning:
		return
	default:
		sc = &statsd.ServiceCheck{Name: ServiceCheck, Status: statsd.Critical, Tags: tags,
			Message: truncate("plan " + plan + " " + string(x.Status) + ": " + Failure(x))}
	}
	if !x.FinishedAt.IsZero() {
		sc.Timestamp = x.FinishedAt
	}
	_ = r.client.ServiceCheck(sc)
}

// Failure describes why x failed in a line: its first failing step and
// that step's first failure or error, or the execution's own error.
func Failure(x *record.Execution) string {
	for i := range x.Steps {
		s := &x.Steps[i]
		if s.OK || s.Skipped {
			continue
		}
		msg := "step " + strconv.Itoa(s.Index) + " (" + s.Name + ") failed"
		switch {
		case len(s.Failures) > 0:
			f := &s.Failures[0]
			what := string(f.Type)
			if f.Name != "" && f.Name != what {
				what += " " + f.Name
			}
			msg += ": " + what + " expected " + f.Expected + ", received " + f.Received
		case s.Error != nil:
			msg += ": " + s.Error.Error()
		}
		return msg
	}
	if x.Error != nil {
		return x.Error.Error()
	}
	return "no step failed"
}

// truncate bounds a message to MaxMessage bytes, on a rune boundary.
func truncate(s string) string {
	if len(s) <= MaxMessage {
		return s
	}
	cut := MaxMessage - len("…")
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// StepFinished counts s's failed assertions and records the duration of a
// step that ran and the expiry of the certificate it received.
func (r *Recorder) StepFinished(_ context.Context, p *record.PlanRef, x *record.Execution, s *record.StepResult) {
	for i := range s.Failures {
		r.assertionFailed(p, x, &s.Failures[i])
	}
	outcome := metrics.StepOutcome(s)
	if outcome == metrics.OutcomeSkipped {
		return
	}
	plan, method, class := metrics.PlanID(x.PlanID, p), metrics.Method(s.Method), metrics.StepStatusClass(s)
	if cert := metrics.StepCertificate(s); cert != nil {
		_ = r.client.Gauge(metrics.NameCertificateExpiry, float64(cert.NotAfter.Unix()), r.tagsFor(metrics.Key(metrics.MeasureCertificateExpiry, plan, cert.Host, "", ""), func() []string {
			return []string{"plan:" + plan, metrics.AttrServerAddress + ":" + cert.Host}
		}), 1)
	}
	_ = r.client.Distribution(metrics.NameStepDuration, s.Timings.Total.Seconds(), r.tagsIn(metrics.Key(metrics.MeasureStepDuration, plan, method, string(outcome), class), x.Location, func() []string {
		t := []string{"plan:" + plan, "method:" + method, "outcome:" + string(outcome)}
		if class != "" {
			t = append(t, "http.response.status_code:"+class)
		}
		return t
	}), 1)
}

// assertionFailed counts a failed assertion.
func (r *Recorder) assertionFailed(p *record.PlanRef, x *record.Execution, f *record.Failure) {
	plan, typ := metrics.PlanID(x.PlanID, p), string(f.Type)
	_ = r.client.Count(metrics.NameAssertionFailures, 1, r.tagsFor(metrics.Key(metrics.MeasureAssertionFailures, plan, typ, "", ""), func() []string {
		return []string{"plan:" + plan, "type:" + typ}
	}), 1)
}

// ExecutionStarted records how late a scheduled execution started.
func (r *Recorder) ExecutionStarted(_ context.Context, p *record.PlanRef, x *record.Execution) {
	lag, ok := metrics.ScheduleLag(x)
	if !ok {
		return
	}
	plan := metrics.PlanID(x.PlanID, p)
	_ = r.client.Distribution(metrics.NameScheduleLag, lag.Seconds(), r.tagsIn(metrics.Key(metrics.MeasureScheduleLag, plan, "", "", ""), x.Location, func() []string {
		return []string{"plan:" + plan}
	}), 1)
}

// TickSkipped counts a skipped tick.
func (r *Recorder) TickSkipped(_ context.Context, planID string, p *record.PlanRef, _ time.Time, reason record.SkipReason) {
	plan := metrics.PlanID(planID, p)
	_ = r.client.Count(metrics.NameScheduleSkipped, 1, r.tagsFor(metrics.Key(metrics.MeasureScheduleSkipped, plan, string(reason), "", ""), func() []string {
		return []string{"plan:" + plan, "reason:" + string(reason)}
	}), 1)
}

// NotificationSent counts a notification, as an alert policy tells it
// (smokex.Config.Alerts passes it the hook).
func (r *Recorder) NotificationSent(_ context.Context, _ *record.PlanRef, n *record.Notification) {
	provider, outcome := n.Provider, string(n.Outcome)
	_ = r.client.Count(metrics.NameNotifications, 1, r.tagsFor(metrics.Key(metrics.MeasureNotifications, provider, outcome, "", ""), func() []string {
		return []string{"provider:" + provider, "outcome:" + outcome}
	}), 1)
}

// Start does nothing: the client sends in the background from New on.
func (r *Recorder) Start(context.Context) error { return nil }

// Stop flushes what the client buffered and, when the Recorder made it,
// closes it. Calls after the first return the first's result. The
// recorder must not be used after Stop.
func (r *Recorder) Stop(ctx context.Context) error {
	r.stopOnce.Do(func() {
		done := make(chan error, 1)
		go func() {
			if r.owned {
				done <- r.client.Close()
				return
			}
			done <- r.client.Flush()
		}()
		select {
		case err := <-done:
			if err != nil {
				r.stopErr = fmt.Errorf("datadog: flushing: %w", err)
			}
		case <-ctx.Done():
			r.stopErr = fmt.Errorf("datadog: flushing: %w", ctx.Err())
		}
	})
	return r.stopErr
}
