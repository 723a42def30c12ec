package workload_test

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
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

// newOTel is the OpenTelemetry recorder on a meter provider with a
// reader and, when traced, a tracer provider batching every span to an
// exporter; untraced, the no-op tracer provider, as serve has without an
// OTLP endpoint.
func newOTel(b *testing.B, traced bool) *smokexotel.Recorder {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	var tp trace.TracerProvider = tracenoop.NewTracerProvider()
	if traced {
		sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
		b.Cleanup(func() { _ = sdk.Shutdown(context.Background()) })
		tp = sdk
	}
	rec, err := smokexotel.New(smokexotel.Config{MeterProvider: mp, TracerProvider: tp})
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
// cpu-ns/op is the CPU time per step, the exporters' goroutines included.
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
			if c.otel {
				rec := newOTel(b, c.traced)
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
		})
	}
}
