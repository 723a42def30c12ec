package workload_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/smokex/smokex/metrics/datadog"
	smokexotel "github.com/smokex/smokex/metrics/otel"
	"github.com/smokex/smokex/record"
)

// answer is a transport that answers at once, so that the benchmark
// measures the recorders and not a network.
type answer struct{}

func (answer) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Proto: "HTTP/1.1", Body: http.NoBody, Header: http.Header{}}, nil
}

// batched is a tracer provider batching every span to an exporter that
// counts and drops them, with the SDK's defaults, as serve's batches them
// to OTLP.
type batched struct {
	*sdktrace.TracerProvider
	exp *counting
}

func newBatched(b *testing.B) *batched {
	t := &batched{exp: &counting{}}
	t.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithBatcher(t.exp))
	b.Cleanup(func() { _ = t.Shutdown(context.Background()) })
	return t
}

// counting is a span exporter that counts the spans it is given and
// drops them.
type counting struct{ exported atomic.Int64 }

// ExportSpans implements sdktrace.SpanExporter.
func (e *counting) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.exported.Add(int64(len(spans)))
	return nil
}

// Shutdown implements sdktrace.SpanExporter: there is nothing to stop.
func (*counting) Shutdown(context.Context) error { return nil }

// reportDropped exports the spans still batched and reports how many of
// the spans ended, ended an operation, the batch span processor dropped
// because its queue was full: a run that drops spans measures less than
// their export, and does not count.
func (t *batched) reportDropped(b *testing.B, ended int) {
	require.NoError(b, t.ForceFlush(context.Background()))
	b.ReportMetric(float64(int64(ended*b.N)-t.exp.exported.Load())/float64(b.N), "dropped/op")
}

// newOTel is the OpenTelemetry recorder on a meter provider with a
// reader and the tracer provider tp; without one, the no-op tracer
// provider, as serve has without an OTLP endpoint.
func newOTel(b *testing.B, tp *batched) *smokexotel.Recorder {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	cfg := smokexotel.Config{MeterProvider: mp, TracerProvider: tracenoop.NewTracerProvider()}
	if tp != nil {
		cfg.TracerProvider = tp
	}
	rec, err := smokexotel.New(cfg)
	require.NoError(b, err)
	return rec
}

func newDatadog(b *testing.B) *datadog.Recorder {
	// A real agent's socket on loopback, read and dropped.
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(b, err)
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	rec, err := datadog.New(datadog.Config{Addr: conn.LocalAddr().String()})
	require.NoError(b, err)
	b.Cleanup(func() {
		_ = rec.Stop(context.Background())
		conn.Close()
	})
	return rec
}

// BenchmarkHookStep is what the hooks cost a step: the step's span around
// it (WrapStep), one request through the wrapped transport (the client
// span, the traceparent header), and the finished step (the histogram;
// the span's end), on real SDK instances: a meter provider with a reader,
// a tracer provider batching every span to an exporter, a statsd client
// sending to a socket on loopback. otel-metrics is the OpenTelemetry
// recorder with the no-op tracer provider, serve's default: metrics only.
// cpu-ns/op is the CPU time per step, the exporters' goroutines included;
// dropped/op, the spans a step lost to a full queue, which must be 0.
func BenchmarkHookStep(b *testing.B) {
	for _, c := range []struct {
		name string
		// otel and dd say which recorders run; traced, whether the
		// OpenTelemetry one traces.
		otel, traced, dd bool
	}{
		{"otel", true, true, false},
		{"otel-metrics", true, false, false},
		{"datadog", false, false, true},
		{"both", true, true, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			var finished []record.StepFinishedHook
			var rt http.RoundTripper = answer{}
			wrap := func(ctx context.Context, _ *record.PlanRef, _ *record.Execution, _ int, doInner func(context.Context) *record.StepResult) {
				doInner(ctx)
			}
			p := &record.PlanRef{ID: "bench"}
			x := &record.Execution{ID: "x", PlanID: "bench", Trigger: record.TriggerSchedule}
			xctx := context.Background()
			var tp *batched
			if c.traced {
				tp = newBatched(b)
			}
			if c.otel {
				rec := newOTel(b, tp)
				finished = append(finished, rec)
				rt = rec.WrapTransport(rt)
				wrap = rec.WrapStep
				xctx, _ = rec.ExecutionContext(xctx, p, x)
			}
			if c.dd {
				finished = append(finished, newDatadog(b))
			}
			s := &record.StepResult{Index: 0, Name: "health", Method: "GET", URL: "http://127.0.0.1/health", OK: true, Attempts: 1, Response: &record.Response{StatusCode: 200}}
			req, err := http.NewRequest("GET", "http://127.0.0.1:8080/health?x=1", nil)
			require.NoError(b, err)
			step := func(sctx context.Context) *record.StepResult {
				resp, err := rt.RoundTrip(req.WithContext(sctx))
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				for _, h := range finished {
					h.StepFinished(sctx, p, x, s)
				}
				return s
			}
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				wrap(xctx, p, x, 0, step)
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			if tp != nil {
				tp.reportDropped(b, 2)
			}
		})
	}
}

// BenchmarkSDKSpans is what the SDK alone costs a traced step, the floor
// of BenchmarkHookStep/otel without its metrics: the step's span and the
// request's client span made with the tracer directly, with the
// attributes the recorder gives them, the traceparent injected into a
// header of the request's, through the same fake transport, on the same
// tracer provider.
func BenchmarkSDKSpans(b *testing.B) {
	tp := newBatched(b)
	tr := tp.Tracer("bench")
	xctx, xspan := tr.Start(context.Background(), smokexotel.SpanExecution, trace.WithNewRoot())
	defer xspan.End()
	prop := propagation.TraceContext{}
	var rt http.RoundTripper = answer{}
	req, err := http.NewRequest("GET", "http://127.0.0.1:8080/health?x=1", nil)
	require.NoError(b, err)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		sctx, step := tr.Start(xctx, smokexotel.SpanStep, trace.WithSpanKind(trace.SpanKindInternal))
		cctx, client := tr.Start(sctx, "GET", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
			attribute.String("http.request.method", "GET"),
			attribute.String("url.full", "http://127.0.0.1:8080/health?x=REDACTED"),
			attribute.String("user_agent.synthetic.type", "test"),
			attribute.String("server.address", "127.0.0.1"),
			attribute.Int("server.port", 8080),
		))
		out := req.WithContext(cctx)
		out.Header = make(http.Header, 2)
		prop.Inject(cctx, propagation.HeaderCarrier(out.Header))
		resp, err := rt.RoundTrip(out)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		client.SetAttributes(attribute.Int("http.response.status_code", 200), attribute.String("network.protocol.version", "1.1"))
		client.End()
		step.SetAttributes(
			smokexotel.AttrStepIndex.Int(0),
			smokexotel.AttrStepName.String("health"),
			smokexotel.AttrStepOutcome.String("passed"),
			smokexotel.AttrStepAttempts.Int(1),
			attribute.String("url.full", "http://127.0.0.1/health"),
		)
		step.End()
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	tp.reportDropped(b, 2)
}
