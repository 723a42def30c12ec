package otel

import (
	"context"
	"fmt"
	"strconv"
	"time"

	otelglobal "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/smokex/smokex/metrics"
	"github.com/smokex/smokex/record"
)

// ScopeName is the instrumentation scope of the meter and the tracer.
const ScopeName = "github.com/smokex/smokex/metrics/otel"

// The metric names, package metrics' own.
const (
	MetricExecutions        = metrics.NameExecutions
	MetricExecutionDuration = metrics.NameExecutionDuration
	MetricStepDuration      = metrics.NameStepDuration
	MetricAssertionFailures = metrics.NameAssertionFailures
	MetricScheduleLag       = metrics.NameScheduleLag
	MetricScheduleSkipped   = metrics.NameScheduleSkipped
	MetricNotifications     = metrics.NameNotifications
	MetricCertificateExpiry = metrics.NameCertificateExpiry
	MetricPlanUp            = metrics.NamePlanUp
	MetricPlanLastRun       = metrics.NamePlanLastRun
	// MetricSLOErrorBudgetRemaining is the share of a plan's error budget
	// left (metrics.NameSLOErrorBudgetRemaining).
	MetricSLOErrorBudgetRemaining = metrics.NameSLOErrorBudgetRemaining
)

// The metric attribute keys.
const (
	AttrPlan       = attribute.Key("plan")
	AttrStatus     = attribute.Key("status")
	AttrTrigger    = attribute.Key("trigger")
	AttrMethod     = attribute.Key("method")
	AttrOutcome    = attribute.Key("outcome")
	AttrStatusCode = attribute.Key("http.response.status_code")
	AttrType       = attribute.Key("type")
	AttrReason     = attribute.Key("reason")
	AttrProvider   = attribute.Key("provider")
	// AttrFlaky is "true" on an execution that was up only after a retry.
	AttrFlaky = attribute.Key("flaky")
	// AttrServerAddress is the host of smokex.certificate.expiry.
	AttrServerAddress = attribute.Key(metrics.AttrServerAddress)
)

// DefaultBuckets returns the histograms' bucket boundaries, in seconds,
// from 5 ms to a minute, in a new slice.
func DefaultBuckets() []float64 {
	return []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
}

// Config configures a Recorder. The zero value uses the global providers.
type Config struct {
	// MeterProvider makes the meter. Defaults to the global one
	// (otel.GetMeterProvider), which records nothing until the host sets
	// one.
	MeterProvider metric.MeterProvider
	// TracerProvider makes the tracer. Defaults to the global one
	// (otel.GetTracerProvider). With the no-op provider
	// (go.opentelemetry.io/otel/trace/noop) the Recorder records metrics
	// only: it opens no span, wraps no transport and sends no trace
	// context, and costs a step nothing but its measurements. An execution
	// whose span a provider does not make (the global one before the host
	// sets it) has no span of its steps and requests either.
	TracerProvider trace.TracerProvider
	// Propagator writes the trace context into the requests sent to the
	// targets. Defaults to W3C trace context (traceparent, tracestate);
	// the global propagator is not used because it sends nothing until the
	// host sets one. Metrics only (the no-op TracerProvider) it is not
	// used: the requests carry no propagated header, baggage included.
	Propagator propagation.TextMapPropagator
	// Buckets are the bucket boundaries of the duration and lag
	// histograms, in seconds. Defaults to DefaultBuckets().
	Buckets []float64
}

// Recorder records executions as OpenTelemetry metrics and traces. It is a
// record.Hook: put it in smokex.Config.Hooks. It is safe for concurrent
// use.
type Recorder struct {
	record.HookDefaults
	tracer trace.Tracer
	// tracing is false with the no-op tracer provider: no span, no
	// transport, no trace context.
	tracing bool
	prop    propagation.TextMapPropagator
	// execStart, stepStart and clientKind are the options every
	// execution span, step span and client span start with, made once.
	execStart  [2]trace.SpanStartOption
	stepStart  []trace.SpanStartOption
	clientKind trace.SpanStartOption
	// quorum makes smokex.plan.up of a plan with locations follow their
	// quorum.
	quorum metrics.LocationQuorum

	executions   metric.Int64Counter
	execDuration metric.Float64Histogram
	stepDuration metric.Float64Histogram
	assertions   metric.Int64Counter
	lag          metric.Float64Histogram
	skipped      metric.Int64Counter
	notified     metric.Int64Counter
	certExpiry   metric.Int64Gauge
	planUp       metric.Int64Gauge
	planLastRun  metric.Int64Gauge
	budgetLeft   metric.Float64Gauge

	sets metrics.LabelCache[*measureOpts]
}

// measureOpts are the options of the measurements of one attribute set, as
// the instruments take them, made once per set so that a measurement
// allocates no option slice.
type measureOpts struct {
	add    []metric.AddOption
	record []metric.RecordOption
}

// The engine hooks Recorder implements.
var (
	_ record.ExecutionContextHook  = (*Recorder)(nil)
	_ record.StepHook              = (*Recorder)(nil)
	_ record.TransportHook         = (*Recorder)(nil)
	_ record.ExecutionStartedHook  = (*Recorder)(nil)
	_ record.StepFinishedHook      = (*Recorder)(nil)
	_ record.ExecutionFinishedHook = (*Recorder)(nil)
	_ record.TickSkippedHook       = (*Recorder)(nil)
	_ record.NotificationSentHook  = (*Recorder)(nil)
	_ record.ErrorBudgetHook       = (*Recorder)(nil)
)

// New returns a Recorder for cfg.
func New(cfg Config) (*Recorder, error) {
	mp := cfg.MeterProvider
	if mp == nil {
		mp = otelglobal.GetMeterProvider()
	}
	tp := cfg.TracerProvider
	if tp == nil {
		tp = otelglobal.GetTracerProvider()
	}
	r := &Recorder{
		tracer:     tp.Tracer(ScopeName),
		tracing:    !isNoop(tp),
		prop:       cfg.Propagator,
		execStart:  [...]trace.SpanStartOption{trace.WithNewRoot(), trace.WithSpanKind(trace.SpanKindInternal)},
		stepStart:  []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)},
		clientKind: trace.WithSpanKind(trace.SpanKindClient),
	}
	if r.prop == nil {
		r.prop = propagation.TraceContext{}
	}
	buckets := cfg.Buckets
	if len(buckets) == 0 {
		buckets = DefaultBuckets()
	}
	m := mp.Meter(ScopeName)
	var err error
	fail := func(name string, e error) error { return fmt.Errorf("otel: instrument %s: %w", name, e) }
	if r.executions, err = m.Int64Counter(MetricExecutions, metric.WithUnit("{execution}"),
		metric.WithDescription("Finished executions of plans.")); err != nil {
		return nil, fail(MetricExecutions, err)
	}
	if r.execDuration, err = m.Float64Histogram(MetricExecutionDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of executions, from start to finish."),
		metric.WithExplicitBucketBoundaries(buckets...)); err != nil {
		return nil, fail(MetricExecutionDuration, err)
	}
	if r.stepDuration, err = m.Float64Histogram(MetricStepDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of steps that ran: the last attempt's request and body read."),
		metric.WithExplicitBucketBoundaries(buckets...)); err != nil {
		return nil, fail(MetricStepDuration, err)
	}
	if r.assertions, err = m.Int64Counter(MetricAssertionFailures, metric.WithUnit("{failure}"),
		metric.WithDescription("Failed assertions of steps.")); err != nil {
		return nil, fail(MetricAssertionFailures, err)
	}
	if r.lag, err = m.Float64Histogram(MetricScheduleLag, metric.WithUnit("s"),
		metric.WithDescription("How late scheduled executions started: start minus due time."),
		metric.WithExplicitBucketBoundaries(buckets...)); err != nil {
		return nil, fail(MetricScheduleLag, err)
	}
	if r.skipped, err = m.Int64Counter(MetricScheduleSkipped, metric.WithUnit("{tick}"),
		metric.WithDescription("Scheduled ticks that did not run.")); err != nil {
		return nil, fail(MetricScheduleSkipped, err)
	}
	if r.notified, err = m.Int64Counter(MetricNotifications, metric.WithUnit("{notification}"),
		metric.WithDescription("Notifications delivered or not, by provider.")); err != nil {
		return nil, fail(MetricNotifications, err)
	}
	if r.certExpiry, err = m.Int64Gauge(MetricCertificateExpiry, metric.WithUnit("s"),
		metric.WithDescription("When the leaf TLS certificate of a plan's host expires, in unix seconds.")); err != nil {
		return nil, fail(MetricCertificateExpiry, err)
	}
	if r.planUp, err = m.Int64Gauge(MetricPlanUp,
		metric.WithDescription("1 when the plan's last execution passed or degraded, 0 when it failed.")); err != nil {
		return nil, fail(MetricPlanUp, err)
	}
	if r.planLastRun, err = m.Int64Gauge(MetricPlanLastRun, metric.WithUnit("s"),
		metric.WithDescription("When the plan's last execution that passed, degraded or failed finished, in unix seconds.")); err != nil {
		return nil, fail(MetricPlanLastRun, err)
	}
	if r.budgetLeft, err = m.Float64Gauge(MetricSLOErrorBudgetRemaining, metric.WithUnit("1"),
		metric.WithDescription("The share of the plan's error budget left over its slo's window: 1 untouched, 0 spent, below 0 overspent.")); err != nil {
		return nil, fail(MetricSLOErrorBudgetRemaining, err)
	}
	return r, nil
}

// isNoop reports whether tp is the no-op tracer provider.
func isNoop(tp trace.TracerProvider) bool {
	switch tp.(type) {
	case tracenoop.TracerProvider, *tracenoop.TracerProvider:
		return true
	}
	return false
}

// attrs returns the measurement options of the attributes that build
// makes for k, made once.
func (r *Recorder) attrs(k metrics.LabelKey, build func() []attribute.KeyValue) *measureOpts {
	return r.sets.Get(k, func() *measureOpts {
		opt := metric.WithAttributeSet(attribute.NewSet(build()...))
		return &measureOpts{add: []metric.AddOption{opt}, record: []metric.RecordOption{opt}}
	})
}

// attrsIn is attrs with the location label of an execution, when it has
// one.
func (r *Recorder) attrsIn(k metrics.LabelKey, location string, build func() []attribute.KeyValue) *measureOpts {
	return r.attrs(k.In(location), func() []attribute.KeyValue {
		kv := build()
		if location != "" {
			kv = append(kv, attribute.String(metrics.AttrLocation, location))
		}
		return kv
	})
}

// ExecutionFinished counts x, records its duration, sets the plan's health
// gauges, and ends its span.
func (r *Recorder) ExecutionFinished(ctx context.Context, p *record.PlanRef, x *record.Execution) {
	plan := metrics.PlanID(x.PlanID, p)
	status, trigger := string(x.Status), string(x.Trigger)
	flaky := strconv.FormatBool(x.Flaky)
	r.executions.Add(ctx, 1, r.attrsIn(metrics.Key(metrics.MeasureExecutions, plan, status, trigger, flaky), x.Location, func() []attribute.KeyValue {
		return []attribute.KeyValue{AttrPlan.String(plan), AttrStatus.String(status), AttrTrigger.String(trigger), AttrFlaky.String(flaky)}
	}).add...)
	r.execDuration.Record(ctx, x.Duration().Seconds(), r.attrsIn(metrics.Key(metrics.MeasureExecutionDuration, plan, status, "", ""), x.Location, func() []attribute.KeyValue {
		return []attribute.KeyValue{AttrPlan.String(plan), AttrStatus.String(status)}
	}).record...)
	if up, last, ok := r.quorum.PlanHealth(p, x); ok {
		set := r.attrs(metrics.Key(metrics.MeasurePlanHealth, plan, "", "", ""), func() []attribute.KeyValue {
			return []attribute.KeyValue{AttrPlan.String(plan)}
		})
		r.planUp.Record(ctx, up, set.record...)
		r.planLastRun.Record(ctx, last, set.record...)
	}
	r.endExecution(ctx, x)
}

// ErrorBudget sets the share of the plan's error budget left.
func (r *Recorder) ErrorBudget(ctx context.Context, p *record.PlanRef, b *record.ErrorBudget) {
	plan := metrics.PlanID(b.PlanID, p)
	r.budgetLeft.Record(ctx, b.Remaining, r.attrs(metrics.Key(metrics.MeasurePlanHealth, plan, "", "", ""), func() []attribute.KeyValue {
		return []attribute.KeyValue{AttrPlan.String(plan)}
	}).record...)
}

// StepFinished counts s's failed assertions, adding each to the step's
// span as an event, and records the duration of a step that ran and the
// expiry of the certificate it received.
func (r *Recorder) StepFinished(ctx context.Context, p *record.PlanRef, x *record.Execution, s *record.StepResult) {
	for i := range s.Failures {
		r.assertionFailed(ctx, p, x, &s.Failures[i])
	}
	outcome := metrics.StepOutcome(s)
	if outcome == metrics.OutcomeSkipped {
		return
	}
	plan, method, class := metrics.PlanID(x.PlanID, p), metrics.Method(s.Method), metrics.StepStatusClass(s)
	if cert := metrics.StepCertificate(s); cert != nil {
		r.certExpiry.Record(ctx, cert.NotAfter.Unix(), r.attrs(metrics.Key(metrics.MeasureCertificateExpiry, plan, cert.Host, "", ""), func() []attribute.KeyValue {
			return []attribute.KeyValue{AttrPlan.String(plan), AttrServerAddress.String(cert.Host)}
		}).record...)
	}
	r.stepDuration.Record(ctx, s.Timings.Total.Seconds(), r.attrsIn(metrics.Key(metrics.MeasureStepDuration, plan, method, string(outcome), class), x.Location, func() []attribute.KeyValue {
		kv := []attribute.KeyValue{AttrPlan.String(plan), AttrMethod.String(method), AttrOutcome.String(string(outcome))}
		if class != "" {
			kv = append(kv, AttrStatusCode.String(class))
		}
		return kv
	}).record...)
}

// assertionFailed counts f and adds it to its step's span as an event.
func (r *Recorder) assertionFailed(ctx context.Context, p *record.PlanRef, x *record.Execution, f *record.Failure) {
	plan, typ := metrics.PlanID(x.PlanID, p), string(f.Type)
	r.assertions.Add(ctx, 1, r.attrs(metrics.Key(metrics.MeasureAssertionFailures, plan, typ, "", ""), func() []attribute.KeyValue {
		return []attribute.KeyValue{AttrPlan.String(plan), AttrType.String(typ)}
	}).add...)
	r.failureEvent(ctx, f)
}

// ExecutionStarted records how late a scheduled execution started.
func (r *Recorder) ExecutionStarted(ctx context.Context, p *record.PlanRef, x *record.Execution) {
	lag, ok := metrics.ScheduleLag(x)
	if !ok {
		return
	}
	plan := metrics.PlanID(x.PlanID, p)
	r.lag.Record(ctx, lag.Seconds(), r.attrsIn(metrics.Key(metrics.MeasureScheduleLag, plan, "", "", ""), x.Location, func() []attribute.KeyValue {
		return []attribute.KeyValue{AttrPlan.String(plan)}
	}).record...)
}

// TickSkipped counts a skipped tick.
func (r *Recorder) TickSkipped(ctx context.Context, planID string, p *record.PlanRef, _ time.Time, reason record.SkipReason) {
	plan := metrics.PlanID(planID, p)
	r.skipped.Add(ctx, 1, r.attrs(metrics.Key(metrics.MeasureScheduleSkipped, plan, string(reason), "", ""), func() []attribute.KeyValue {
		return []attribute.KeyValue{AttrPlan.String(plan), AttrReason.String(string(reason))}
	}).add...)
}

// NotificationSent counts a notification, as an alert policy tells it
// (smokex.Config.Alerts passes it the hook).
func (r *Recorder) NotificationSent(ctx context.Context, _ *record.PlanRef, n *record.Notification) {
	provider, outcome := n.Provider, string(n.Outcome)
	r.notified.Add(ctx, 1, r.attrs(metrics.Key(metrics.MeasureNotifications, provider, outcome, "", ""), func() []attribute.KeyValue {
		return []attribute.KeyValue{AttrProvider.String(provider), AttrOutcome.String(outcome)}
	}).add...)
}
