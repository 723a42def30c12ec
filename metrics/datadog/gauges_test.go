package datadog_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/metrics/datadog"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// TestGauges checks the gauges in the datagrams a real UDP socket
// receives: the certificate's expiry of an HTTPS plan.
func TestGauges(t *testing.T) {
	t.Parallel()
	ag := newAgent(t)
	rec, err := datadog.New(datadog.Config{Addr: ag.addr()})
	require.NoError(t, err)
	api := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(api.Close)
	eng, err := smokex.New(smokex.Config{Vars: map[string]any{"base": api.URL}, Hooks: []record.Hook{rec}})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, eng.Start(ctx))
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
	require.NoError(t, eng.Stop(ctx))

	expiry := api.Certificate().NotAfter.Unix()
	ds := ag.received(t, func(ds []datagram) bool {
		_, n := total(ds, "smokex.certificate.expiry", "g", "plan:secure", "server.address:127.0.0.1")
		_, m := total(ds, "smokex.plan.last_run", "g", "plan:down")
		return n == 1 && m == 1
	})
	for plan, want := range map[string]float64{"secure": 1, "down": 0} {
		v, n := total(ds, "smokex.plan.up", "g", "plan:"+plan)
		require.Equal(t, 1, n, plan)
		require.Equal(t, want, v, plan)
	}
	last, _ := total(ds, "smokex.plan.last_run", "g", "plan:down")
	require.Equal(t, float64(down.FinishedAt.Unix()), last)
	v, n := total(ds, "smokex.certificate.expiry", "g", "plan:secure", "server.address:127.0.0.1")
	require.Equal(t, 1, n, "%+v", ds)
	require.Equal(t, strconv.FormatInt(expiry, 10), strconv.FormatFloat(v, 'f', -1, 64))
}

// TestErrorBudgetGauge sends smokex.slo.error_budget.remaining for a
// budget the engine measured.
func TestErrorBudgetGauge(t *testing.T) {
	t.Parallel()
	ag := newAgent(t)
	rec, err := datadog.New(datadog.Config{Addr: ag.addr()})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, rec.Start(ctx))
	p := &record.PlanRef{ID: "checkout", SLO: &record.SLO{Target: 0.999}}
	rec.ErrorBudget(ctx, p, &record.ErrorBudget{PlanID: "checkout", Remaining: 0.537037})
	require.NoError(t, rec.Stop(ctx))
	ds := ag.received(t, func(ds []datagram) bool {
		_, n := total(ds, "smokex.slo.error_budget.remaining", "g", "plan:checkout")
		return n == 1
	})
	v, _ := total(ds, "smokex.slo.error_budget.remaining", "g", "plan:checkout")
	require.Equal(t, 0.537037, v)
}
