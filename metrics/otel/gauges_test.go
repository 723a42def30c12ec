package otel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/smokex/smokex"
	smokexotel "github.com/smokex/smokex/metrics/otel"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// gauges maps the attributes of each point of an int64 gauge to its value.
func gauges(t *testing.T, m metricdata.Metrics) map[string]int64 {
	t.Helper()
	g, ok := m.Data.(metricdata.Gauge[int64])
	require.True(t, ok, "%s is a %T", m.Name, m.Data)
	out := map[string]int64{}
	for _, p := range g.DataPoints {
		out[key(flatten(attrs(p.Attributes))...)] = p.Value
	}
	return out
}

func flatten(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k, v)
	}
	return out
}

func TestGauges(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { require.NoError(t, mp.Shutdown(context.Background())) })
	rec, err := smokexotel.New(smokexotel.Config{MeterProvider: mp})
	require.NoError(t, err)
	api := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(api.Close)
	eng, err := smokex.New(smokex.Config{Vars: map[string]any{"base": api.URL}, Hooks: []record.Hook{rec}})
	require.NoError(t, err)
	ctx := context.Background()
	t.Cleanup(func() { require.NoError(t, eng.Stop(ctx)) })
	for _, src := range []string{`
name: secure
steps:
  - get: {url: "${base}/", options: {insecure: true}}
`, `
name: down
steps:
  - get: {url: "${base}/", options: {insecure: true}, expect: {status_code: 201}}
`} {
		p, err := plan.Parse([]byte(src), nil)
		require.NoError(t, err)
		require.NoError(t, eng.AddPlan(ctx, p))
	}
	x, err := eng.Run(ctx, "secure", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status)
	down, err := eng.Run(ctx, "down", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusFailed, down.Status)

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	ms := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			ms[m.Name] = m
		}
	}
	require.Equal(t, "s", ms["smokex.certificate.expiry"].Unit)
	require.Equal(t, map[string]int64{
		key("plan", "secure", "server.address", "127.0.0.1"): api.Certificate().NotAfter.Unix(),
		key("plan", "down", "server.address", "127.0.0.1"):   api.Certificate().NotAfter.Unix(),
	}, gauges(t, ms["smokex.certificate.expiry"]))
	require.Equal(t, map[string]int64{key("plan", "secure"): 1, key("plan", "down"): 0}, gauges(t, ms["smokex.plan.up"]))
	require.Equal(t, map[string]int64{key("plan", "secure"): x.FinishedAt.Unix(), key("plan", "down"): down.FinishedAt.Unix()}, gauges(t, ms["smokex.plan.last_run"]))
	require.Equal(t, "s", ms["smokex.plan.last_run"].Unit)
}

// TestErrorBudgetGauge records smokex.slo.error_budget.remaining, a ratio
// per plan.
func TestErrorBudgetGauge(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { require.NoError(t, mp.Shutdown(context.Background())) })
	rec, err := smokexotel.New(smokexotel.Config{MeterProvider: mp})
	require.NoError(t, err)
	ctx := context.Background()
	p := &record.PlanRef{ID: "checkout", SLO: &record.SLO{Target: 0.999}}
	rec.ErrorBudget(ctx, p, &record.ErrorBudget{PlanID: "checkout", Remaining: -0.25})

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	var found bool
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != smokexotel.MetricSLOErrorBudgetRemaining {
				continue
			}
			found = true
			require.Equal(t, "1", m.Unit)
			g, ok := m.Data.(metricdata.Gauge[float64])
			require.True(t, ok, "%T", m.Data)
			require.Len(t, g.DataPoints, 1)
			require.Equal(t, -0.25, g.DataPoints[0].Value)
			require.Equal(t, map[string]string{"plan": "checkout"}, attrs(g.DataPoints[0].Attributes))
		}
	}
	require.True(t, found, "no %s", smokexotel.MetricSLOErrorBudgetRemaining)
}
