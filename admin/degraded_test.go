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
