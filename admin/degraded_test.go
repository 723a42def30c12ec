package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// TestStatusDegraded checks that a degraded plan is up: /status answers
// 200 with "degraded", the badge says degraded, and the success rate
// counts it.
func TestStatusDegraded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	p, err := plan.Parse([]byte(`name: slowish
options: {degraded_after: 100ms}
steps:
  - get: {url: "${base}/slow"}
`), nil)
	require.NoError(t, err)
	require.NoError(t, f.Eng.AddPlan(context.Background(), p))
	require.Equal(t, record.StatusDegraded, f.Run(t, "slowish").Status)

	out := f.GetJSON(t, "status", 200)
	require.Equal(t, "degraded", out["status"])
	require.Equal(t, []any{map[string]any{"id": "slowish", "status": "degraded"}}, out["plans"])

	code, _, body := f.Do(t, "GET", "badge/slowish.svg", "")
	require.Equal(t, 200, code)
	require.True(t, strings.Contains(string(body), ">degraded<") && strings.Contains(string(body), "#dfb317"), string(body))

	api := f.GetJSON(t, "api/plans/slowish", 200)
	require.Equal(t, "degraded", api["status"])
	require.Equal(t, 1.0, api["summary"].(map[string]any)["success_rate"])
}

// TestFigureBadges checks the uptime and response-time badges of a plan
// that passed once and failed once.
func TestFigureBadges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	f.Run(t, "up")
	f.Run(t, "down")
	badge := func(path string, code int) string {
		t.Helper()
		got, hdr, body := f.Do(t, "GET", path, "")
		require.Equal(t, code, got, string(body))
		if code < 400 || strings.Contains(path, "absent") {
			require.Equal(t, "image/svg+xml", hdr.Get("Content-Type"))
		}
		return string(body)
	}
	body := badge("badge/up/uptime.svg?window=24h", 200)
	require.Contains(t, body, ">uptime 24h<")
	require.Contains(t, body, ">100%<")
	body = badge("badge/down/uptime.svg", 200)
	require.Contains(t, body, ">uptime 7d<")
	require.Contains(t, body, ">0%<")
	require.Contains(t, badge("badge/secret/uptime.svg?window=30d", 200), ">no data<")
	body = badge("badge/up/response-time.svg?label=p50", 200)
	require.Contains(t, body, ">p50<")
	require.Contains(t, body, " ms<")
	require.Contains(t, badge("badge/absent/uptime.svg", 404), ">not found<")
	require.Contains(t, badge("badge/up/uptime.svg?window=1y", 400), `window \"1y\" is not one of 24h, 7d and 30d`)
	badge("badge/up/latency.svg", 404)
}
