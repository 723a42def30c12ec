package workload_test

import (
	"context"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/bench/internal/workload"
	smokexotel "github.com/smokex/smokex/metrics/otel"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// discard is a span exporter that drops what it is given.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// The telemetry of newEngine.
const (
	telemetryNone    = iota
	telemetryMetrics // the OpenTelemetry recorder, metrics only: serve's default
	telemetryTraced  // metrics, and every execution, step and request traced
)

// newEngine is an engine with the 1000-step plan against base, with the
// OpenTelemetry recorder on real SDK providers (metrics aggregated for a
// reader; with telemetryTraced every span sampled and batched to an
// exporter).
func newEngine(tb testing.TB, base string, telemetry int) *smokex.Engine {
	tb.Helper()
	cfg := smokex.Config{
		Vars:   map[string]any{"base": base},
		Logger: slog.New(slog.DiscardHandler),
	}
	if telemetry != telemetryNone {
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		var tp trace.TracerProvider = tracenoop.NewTracerProvider()
		if telemetry == telemetryTraced {
			sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
			tb.Cleanup(func() { _ = sdk.Shutdown(context.Background()) })
			tp = sdk
		}
		tb.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
		rec, err := smokexotel.New(smokexotel.Config{MeterProvider: mp, TracerProvider: tp})
		require.NoError(tb, err)
		cfg.Hooks = []record.Hook{rec}
	}
	eng, err := smokex.New(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = eng.Stop(context.Background()) })
	p, err := plan.Parse(workload.Plan("bench-1000", 500), nil)
	require.NoError(tb, err)
	require.NoError(tb, eng.AddPlan(context.Background(), p))
	return eng
}

func runEngine(tb testing.TB, eng *smokex.Engine) {
	x, err := eng.Run(context.Background(), "bench-1000", nil)
	require.NoError(tb, err)
	require.NoError(tb, passed(x))
}

// BenchmarkEngine1000OTel is S1 (the 1000-step plan) through the engine,
// without telemetry, with the OpenTelemetry recorder's metrics, and with
// its metrics and traces, in turns in every iteration so that all three
// see the same load on the machine; it reports each one's wall and CPU
// time against the first's, and the allocations per step of the metrics
// and of the traces (the process's, the target's included, beyond the
// run without telemetry), which no load moves.
func BenchmarkEngine1000OTel(b *testing.B) {
	base := target(b)
	engines := []*smokex.Engine{newEngine(b, base, telemetryNone), newEngine(b, base, telemetryMetrics), newEngine(b, base, telemetryTraced)}
	for _, eng := range engines {
		runEngine(b, eng)
	}
	var wall, cpu [3]time.Duration
	var mallocs [3]uint64
	var ms runtime.MemStats
	b.ReportAllocs()
	for b.Loop() {
		for i, eng := range engines {
			runtime.GC() // each starts on a collected heap
			runtime.ReadMemStats(&ms)
			m0 := ms.Mallocs
			start, cpu0 := time.Now(), cpuTime()
			runEngine(b, eng)
			wall[i] += time.Since(start)
			cpu[i] += cpuTime() - cpu0
			runtime.ReadMemStats(&ms)
			mallocs[i] += ms.Mallocs - m0
		}
	}
	steps := float64(b.N * 1000)
	b.ReportMetric(float64(wall[0].Milliseconds())/float64(b.N), "plain-ms/op")
	b.ReportMetric(float64(wall[1])/float64(wall[0]), "metrics/plain")
	b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "metrics/plain-cpu")
	b.ReportMetric(float64(wall[2])/float64(wall[0]), "traced/plain")
	b.ReportMetric(float64(cpu[2])/float64(cpu[0]), "traced/plain-cpu")
	b.ReportMetric((float64(mallocs[1])-float64(mallocs[0]))/steps, "metrics-allocs/step")
	b.ReportMetric((float64(mallocs[2])-float64(mallocs[0]))/steps, "traced-allocs/step")
}
