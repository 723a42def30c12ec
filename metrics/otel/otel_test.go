package otel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/goleak"

	"github.com/smokex/smokex"
	smokexotel "github.com/smokex/smokex/metrics/otel"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/webhook"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// target is an API whose /ok answers 200 and /missing 404; it keeps the
// traceparent header of each request.
type target struct {
	*httptest.Server
	mu           sync.Mutex
	traceparents []string
}

func newTarget(t *testing.T) *target {
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.mu.Lock()
		tg.traceparents = append(tg.traceparents, r.Header.Get("Traceparent"))
		tg.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
		}
		fmt.Fprint(w, `{"status":"ok"}`)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) headers() []string {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return slices.Clone(tg.traceparents)
}

// setup is an engine with the OTel recorder on real SDK providers.
type setup struct {
	eng    *smokex.Engine
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	target *target
}

const (
	passingPlan = `
name: passing
labels: {team: core}
steps:
  - get: {url: "${base}/ok", expect: {status_code: 200}}
  - post: {url: "${base}/ok?token=s3cret", expect: {json: {status: ok}}}
`
	failingPlan = `
name: failing
steps:
  - get: {url: "${base}/missing", expect: {status_code: 200, json: {status: down}}}
  - get: {url: "${base}/ok"}
`
)

func newSetup(t *testing.T) *setup {
	t.Helper()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { require.NoError(t, tp.Shutdown(context.Background())) })
	s := newSetupTraced(t, tp)
	s.spans = spans
	return s
}

// newSetupTraced is newSetup with the tracer provider tp (nil: the
// global one); spans is nil.
func newSetupTraced(t *testing.T, tp trace.TracerProvider) *setup {
	t.Helper()
	s := &setup{reader: sdkmetric.NewManualReader(), target: newTarget(t)}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(s.reader))
	t.Cleanup(func() { require.NoError(t, mp.Shutdown(context.Background())) })
	rec, err := smokexotel.New(smokexotel.Config{MeterProvider: mp, TracerProvider: tp})
	require.NoError(t, err)
	s.eng, err = smokex.New(smokex.Config{
		Vars:  map[string]any{"base": s.target.URL},
		Hooks: []record.Hook{rec},
	})
	require.NoError(t, err)
	ctx := context.Background()
	t.Cleanup(func() { require.NoError(t, s.eng.Stop(ctx)) })
	for _, src := range []string{passingPlan, failingPlan} {
		p, err := plan.Parse([]byte(src), nil)
		require.NoError(t, err)
		require.NoError(t, s.eng.AddPlan(ctx, p))
	}
	return s
}

func (s *setup) run(t *testing.T, planID string) *record.Execution {
	t.Helper()
	x, err := s.eng.Run(context.Background(), planID, nil)
	require.NoError(t, err)
	return x
}

// collect returns the metrics by name.
func (s *setup) collect(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, s.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		require.Equal(t, smokexotel.ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// attrs turns a set into a map for comparisons.
func attrs(s attribute.Set) map[string]string {
	out := map[string]string{}
	for _, kv := range s.ToSlice() {
		out[string(kv.Key)] = kv.Value.String()
	}
	return out
}

// sums maps the attributes of each point of an Int64 sum to its value.
func sums(t *testing.T, m metricdata.Metrics) map[string]int64 {
	t.Helper()
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a %T", m.Name, m.Data)
	require.True(t, sum.IsMonotonic, m.Name)
	out := map[string]int64{}
	for _, p := range sum.DataPoints {
		out[fmt.Sprint(attrs(p.Attributes))] = p.Value
	}
	return out
}

// counts maps the attributes of each point of a histogram to its count.
func counts(t *testing.T, m metricdata.Metrics) map[string]uint64 {
	t.Helper()
	h, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is a %T", m.Name, m.Data)
	out := map[string]uint64{}
	for _, p := range h.DataPoints {
		out[fmt.Sprint(attrs(p.Attributes))] = p.Count
		require.Equal(t, smokexotel.DefaultBuckets(), p.Bounds, m.Name)
	}
	return out
}

func key(kv ...string) string {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return fmt.Sprint(m)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	for range 2 {
		require.Equal(t, record.StatusPassed, s.run(t, "passing").Status)
	}
	failed := s.run(t, "failing")
	require.NotEqual(t, record.StatusPassed, failed.Status)
	status := string(failed.Status)

	ms := s.collect(t)
	units := map[string]string{
		"smokex.executions": "{execution}", "smokex.execution.duration": "s", "smokex.step.duration": "s",
		"smokex.assertion.failures": "{failure}", "smokex.schedule.lag": "s", "smokex.schedule.skipped": "{tick}",
		"smokex.notifications": "{notification}", "smokex.plan.up": "", "smokex.plan.last_run": "s",
	}
	for name, m := range ms {
		require.Equal(t, units[name], m.Unit, name)
	}

	require.Equal(t, map[string]int64{
		key("plan", "passing", "status", "passed", "trigger", "manual", "flaky", "false"): 2,
		key("plan", "failing", "status", status, "trigger", "manual", "flaky", "false"):   1,
	}, sums(t, ms["smokex.executions"]))
	require.Equal(t, map[string]uint64{
		key("plan", "passing", "status", "passed"): 2,
		key("plan", "failing", "status", status):   1,
	}, counts(t, ms["smokex.execution.duration"]))
	// The failing plan's second step is skipped (halt on error) and not
	// measured.
	require.Equal(t, map[string]uint64{
		key("plan", "passing", "method", "GET", "outcome", "passed", "http.response.status_code", "2xx"):  2,
		key("plan", "passing", "method", "POST", "outcome", "passed", "http.response.status_code", "2xx"): 2,
		key("plan", "failing", "method", "GET", "outcome", "failed", "http.response.status_code", "4xx"):  1,
	}, counts(t, ms["smokex.step.duration"]))
	require.Equal(t, map[string]int64{
		key("plan", "failing", "type", "status_code"): 1,
		key("plan", "failing", "type", "json"):        1,
	}, sums(t, ms["smokex.assertion.failures"]))
}

// TestMetricsOnly: with the no-op tracer provider, and with the global
// one that the host has not set, the recorder measures every step as it
// does with traces and sends no trace context; with the no-op provider
// the transport is the one it is given.
func TestMetricsOnly(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		tp   trace.TracerProvider
	}{
		{"no-op provider", tracenoop.NewTracerProvider()},
		{"global provider not set", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSetupTraced(t, c.tp)
			x := s.run(t, "passing")
			require.Equal(t, record.StatusPassed, x.Status)
			require.Empty(t, x.TraceID)
			require.Equal(t, []string{"", ""}, s.target.headers(), "no traceparent sent")
			require.Equal(t, map[string]uint64{
				key("plan", "passing", "method", "GET", "outcome", "passed", "http.response.status_code", "2xx"):  1,
				key("plan", "passing", "method", "POST", "outcome", "passed", "http.response.status_code", "2xx"): 1,
			}, counts(t, s.collect(t)["smokex.step.duration"]))
		})
	}
	rec, err := smokexotel.New(smokexotel.Config{MeterProvider: sdkmetric.NewMeterProvider(), TracerProvider: tracenoop.NewTracerProvider()})
	require.NoError(t, err)
	require.Same(t, http.DefaultTransport, rec.WrapTransport(http.DefaultTransport))
}

func TestCanceledContextStillRecords(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	rec, err := smokexotel.New(smokexotel.Config{MeterProvider: mp, TracerProvider: tracenoop.NewTracerProvider()})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec.TickSkipped(ctx, "p", nil, time.Time{}, record.SkipOverlap)
	rec.NotificationSent(ctx, nil, &record.Notification{Provider: "slack", Outcome: record.NotificationFailed})
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	got := map[string]map[string]int64{}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		got[m.Name] = sums(t, m)
	}
	require.Equal(t, map[string]map[string]int64{
		"smokex.schedule.skipped": {key("plan", "p", "reason", "overlap"): 1},
		"smokex.notifications":    {key("provider", "slack", "outcome", "failed"): 1},
	}, got)
}

// spanTree indexes the ended spans.
type spanTree struct {
	byID map[trace.SpanID]sdktrace.ReadOnlySpan
	all  []sdktrace.ReadOnlySpan
}

func (s *setup) ended() spanTree {
	tr := spanTree{byID: map[trace.SpanID]sdktrace.ReadOnlySpan{}, all: s.spans.Ended()}
	for _, sp := range tr.all {
		tr.byID[sp.SpanContext().SpanID()] = sp
	}
	return tr
}

func (tr spanTree) named(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, sp := range tr.all {
		if sp.Name() == name {
			out = append(out, sp)
		}
	}
	return out
}

func spanAttrs(sp sdktrace.ReadOnlySpan) map[string]string {
	return attrs(attribute.NewSet(sp.Attributes()...))
}

func TestTraces(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	x := s.run(t, "passing")
	require.Len(t, x.TraceID, 32)
	stored, err := s.eng.Store().GetExecution(context.Background(), x.ID)
	require.NoError(t, err)
	require.Equal(t, x.TraceID, stored.TraceID, "the trace id is stored with the execution")

	tr := s.ended()
	execs := tr.named(smokexotel.SpanExecution)
	require.Len(t, execs, 1)
	root := execs[0]
	require.Equal(t, x.TraceID, root.SpanContext().TraceID().String())
	require.False(t, root.Parent().IsValid(), "the execution's span is a root")
	require.Equal(t, map[string]string{
		"smokex.plan.id": "passing", "smokex.plan.name": "passing", "smokex.execution.id": x.ID,
		"smokex.execution.trigger": "manual", "smokex.execution.status": "passed",
	}, spanAttrs(root))
	require.Equal(t, x.FinishedAt, root.EndTime())

	steps := tr.named(smokexotel.SpanStep)
	require.Len(t, steps, 2)
	for i, st := range steps {
		require.Equal(t, root.SpanContext().SpanID(), st.Parent().SpanID(), "step %d's parent", i)
		a := spanAttrs(st)
		require.Equal(t, fmt.Sprint(i), a["smokex.step.index"])
		require.Equal(t, "passed", a["smokex.step.outcome"])
	}
	require.Equal(t, s.target.URL+"/ok?token=s3cret", spanAttrs(steps[1])["url.full"], "the step's span has the URL as stored")

	// One client span per request, under its step's span, whose context
	// the target received.
	var clients []sdktrace.ReadOnlySpan
	for _, sp := range tr.all {
		if sp.SpanKind() == trace.SpanKindClient {
			clients = append(clients, sp)
		}
	}
	require.Len(t, clients, 2)
	got := s.target.headers()
	require.Len(t, got, 2)
	for i, c := range clients {
		require.Equal(t, steps[i].SpanContext().SpanID(), c.Parent().SpanID())
		require.Equal(t, x.TraceID, c.SpanContext().TraceID().String())
		require.Equal(t, fmt.Sprintf("00-%s-%s-01", x.TraceID, c.SpanContext().SpanID()), got[i], "traceparent sent to the target")
		a := spanAttrs(c)
		require.Equal(t, "test", a["user_agent.synthetic.type"])
		require.Equal(t, "200", a["http.response.status_code"])
		require.Equal(t, "127.0.0.1", a["server.address"])
		require.Equal(t, "1.1", a["network.protocol.version"])
	}
	require.Equal(t, "GET", clients[0].Name())
	require.Equal(t, "POST", clients[1].Name())
	require.Equal(t, s.target.URL+"/ok?token=REDACTED", spanAttrs(clients[1])["url.full"], "query values are redacted")
}

func TestTraceOfAFailure(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	x := s.run(t, "failing")
	tr := s.ended()
	root := tr.named(smokexotel.SpanExecution)[0]
	require.Equal(t, codes.Error, root.Status().Code)
	require.Contains(t, root.Status().Description, "step 0 failed")

	steps := tr.named(smokexotel.SpanStep)
	require.Len(t, steps, 2)
	failed := steps[0]
	require.Equal(t, codes.Error, failed.Status().Code)
	require.Equal(t, "status_code: expected 200, received 404", failed.Status().Description)
	require.Len(t, failed.Events(), 2)
	ev := failed.Events()[0]
	require.Equal(t, smokexotel.EventAssertionFailed, ev.Name)
	require.Equal(t, map[string]string{
		"smokex.failure.type": "status_code", "smokex.failure.name": "status_code", "smokex.failure.expected": "200", "smokex.failure.received": "404",
	}, attrs(attribute.NewSet(ev.Attributes...)))
	require.Equal(t, "json", attrs(attribute.NewSet(failed.Events()[1].Attributes...))["smokex.failure.type"])
	require.Equal(t, "skipped", spanAttrs(steps[1])["smokex.step.outcome"])
	require.Equal(t, codes.Unset, steps[1].Status().Code)

	var client sdktrace.ReadOnlySpan
	for _, sp := range tr.all {
		if sp.SpanKind() == trace.SpanKindClient {
			client = sp
		}
	}
	require.Equal(t, "404", spanAttrs(client)["error.type"])
	require.Equal(t, codes.Error, client.Status().Code)
	_ = x
}

func TestFullURLRedaction(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"http://h/p":                        "http://h/p",
		"http://user:pw@h:81/p?a=1&b&c=x#f": "http://h:81/p?a=REDACTED&b=REDACTED&c=REDACTED",
		"https://h/p?token=s3cret":          "https://h/p?token=REDACTED",
	} {
		require.Equal(t, want, smokexotel.FullURL(raw), raw)
	}
	// The run's secrets are masked in the host, the path and query keys.
	for raw, want := range map[string]string{
		"https://s3cret-host.example/p":           "https://[REDACTED].example/p",
		"https://h/echo/s3cret-path/x":            "https://h/echo/[REDACTED]/x",
		"https://h/echo/s3cret%2Dpath/x":          "https://h/echo/[REDACTED]/x",
		"https://h/p?s3cret-path=1":               "https://h/p?[REDACTED]=REDACTED",
		"https://u:s3cret-path@s3cret-host:8/a#f": "https://[REDACTED]:8/a",
	} {
		require.Equal(t, want, smokexotel.FullURL(raw, "s3cret-path", "s3cret-host"), raw)
	}
}

// TestNotifications counts the alerts that the engine's alert policy
// delivers, which it tells the hook of.
func TestNotifications(t *testing.T) {
	t.Parallel()
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer receiver.Close()
	hook, err := webhook.New(webhook.Config{URL: receiver.URL})
	require.NoError(t, err)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	rec, err := smokexotel.New(smokexotel.Config{MeterProvider: mp, TracerProvider: tracenoop.NewTracerProvider()})
	require.NoError(t, err)
	tg := newTarget(t)
	eng, err := smokex.New(smokex.Config{
		Vars:   map[string]any{"base": tg.URL},
		Hooks:  []record.Hook{rec},
		Alerts: &notify.PolicyConfig{Targets: []notify.Target{{Name: "ops", Notifier: hook}}},
	})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, eng.Start(ctx))
	p, err := plan.Parse([]byte(failingPlan), nil)
	require.NoError(t, err)
	require.NoError(t, eng.AddPlan(ctx, p))
	_, err = eng.Run(ctx, "failing", nil)
	require.NoError(t, err)
	require.NoError(t, eng.Stop(ctx)) // drains the delivery

	ms := map[string]metricdata.Metrics{}
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	for _, m := range rm.ScopeMetrics[0].Metrics {
		ms[m.Name] = m
	}
	require.Equal(t, map[string]int64{key("provider", "webhook", "outcome", "delivered"): 1}, sums(t, ms["smokex.notifications"]))
}

// TestLocationAttribute: the measurements of an execution with a location
// carry it; those of one without carry none.
func TestLocationAttribute(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	rec, err := smokexotel.New(smokexotel.Config{MeterProvider: mp, TracerProvider: tracenoop.NewTracerProvider()})
	require.NoError(t, err)
	now := time.Now()
	for _, loc := range []string{"eu-west", "us-east", ""} {
		x := &record.Execution{ID: "x-" + loc, PlanID: "p", Trigger: record.TriggerSchedule, Status: record.StatusPassed,
			CreatedAt: now, StartedAt: now, FinishedAt: now.Add(time.Second), Location: loc}
		rec.ExecutionFinished(context.Background(), nil, x)
	}
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name != smokexotel.MetricExecutions {
			continue
		}
		require.Equal(t, map[string]int64{
			key("plan", "p", "status", "passed", "trigger", "schedule", "flaky", "false", "location", "eu-west"): 1,
			key("plan", "p", "status", "passed", "trigger", "schedule", "flaky", "false", "location", "us-east"): 1,
			key("plan", "p", "status", "passed", "trigger", "schedule", "flaky", "false"):                        1,
		}, sums(t, m))
		return
	}
	require.Fail(t, "no smokex.executions")
}
