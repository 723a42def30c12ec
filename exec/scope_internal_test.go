package exec

import (
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// TestResponseScopeIsPlans checks the executor against plan's one list of
// the response's names: it sets every name of plan.ResponseScope, with a
// value of its type, and no other name, so that the type checker, Lint and
// its did-you-mean know every name an expression can read.
func TestResponseScopeIsPlans(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse([]byte(`[{get: {url: "https://example.com/", expect: {assert: ["len(body) > 0 && len(headers) > 0 && json != nil"]}}}]`), nil)
	require.NoError(t, err)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}}
	res := &record.StepResult{TLS: &record.TLS{Version: "1.3", Certificate: &record.Certificate{NotAfter: time.Now().Add(time.Hour)}}}
	res.Timings.Total = 1500 * time.Millisecond
	c := &checker{s: &run{env: map[string]any{}}, step: &p.Steps[0], resp: resp, body: []byte(`{"ok": true}`), res: res}
	c.enterResponseScope()

	want := map[string]plan.ScopeType{}
	for _, n := range plan.ResponseScope() {
		want[n.Name] = n.Type
	}
	require.Equal(t, slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(c.s.env)), "the names the executor sets are plan.ResponseScope's")
	for name, v := range c.s.env {
		if want[name] != plan.ScopeAny {
			require.Equal(t, want[name], scopeTypeOf(v), "the type of %s", name)
		}
	}
	c.leaveResponseScope()
	require.Empty(t, c.s.env, "leaving the scope restores the variables")
}

// scopeTypeOf is the ScopeType of a value of the executor's scope.
func scopeTypeOf(v any) plan.ScopeType {
	switch v.(type) {
	case int, int64:
		return plan.ScopeInteger
	case string:
		return plan.ScopeString
	case map[string]any:
		return plan.ScopeObject
	}
	return "another type"
}
