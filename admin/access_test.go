package admin_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/record"
)

// scopedPlans are two teams' plans: core's fails, so that its response's
// body is recorded, and sends a header.
var scopedPlans = fstest.MapFS{
	"core.yaml": {Data: []byte(`name: core
labels: {team: core}
steps:
  - get:
      name: broken
      url: "${base}/broken"
      headers: {X-Team: core-header-value}
      expect:
        status_code: 200
        string: "all good"
`)},
	"pay.yaml": {Data: []byte(`name: pay
labels: {team: pay}
steps:
  - get:
      url: "${base}/ok"
`)},
}

func sum(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// scopedTokens are a viewer and an operator of team core, and an admin of
// every plan.
var scopedTokens = []admin.Token{
	{Name: "core-viewer", SHA256: sum("viewer-token"), Role: admin.RoleViewer, Labels: map[string]string{"team": "core"}},
	{Name: "core-operator", SHA256: sum("operator-token"), Role: admin.RoleOperator, Labels: map[string]string{"team": "core"}},
	{Name: "root", SHA256: sum("admin-token"), Role: admin.RoleAdmin},
}

func newScoped(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, &admin.Config{Tokens: scopedTokens}, "/")
	_, err := f.Eng.SyncFS(context.Background(), scopedPlans)
	require.NoError(t, err)
	return f
}

// as sends a request with the bearer token.
func (f *fixture) as(t *testing.T, token, method, path, body string) (int, []byte) {
	t.Helper()
	code, _, b := f.Do(t, method, path, body, "Authorization", "Bearer "+token)
	return code, b
}

func TestScopedViewer(t *testing.T) {
	t.Parallel()
	f := newScoped(t)
	core, pay := f.Run(t, "core"), f.Run(t, "pay")
	require.Equal(t, record.StatusFailed, core.Status)
	require.NotEmpty(t, core.Steps[0].Request.Headers, "the executor records the request's headers")
	require.NotEmpty(t, core.Steps[0].Response.Body, "the failed step's body is recorded")

	// No token, a wrong one: 401.
	code, _, _ := f.Do(t, "GET", "api/plans", "")
	require.Equal(t, http.StatusUnauthorized, code)
	code, _ = f.as(t, "wrong", "GET", "api/plans", "")
	require.Equal(t, http.StatusUnauthorized, code)

	const v = "viewer-token"
	code, body := f.as(t, v, "GET", "api/plans", "")
	require.Equal(t, http.StatusOK, code, string(body))
	var list struct{ Plans []admin.Plan }
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Plans, 1)
	require.Equal(t, "core", list.Plans[0].ID)

	// The other team's plan, its executions and badges are not there.
	for _, path := range []string{"api/plans/pay", "api/executions/" + pay.ID, "api/executions?plan=pay", "badge/pay.svg", "badge/pay/uptime.svg", "plans/pay", "executions/" + pay.ID} {
		code, body := f.as(t, v, "GET", path, "")
		require.Equal(t, http.StatusNotFound, code, "%s: %s", path, body)
		require.NotContains(t, string(body), `"team"`, path)
	}
	// As for a plan that does not exist, whatever the method.
	for _, path := range []string{"api/plans/pay/runs", "api/plans/nope/runs"} {
		code, body := f.as(t, v, "POST", path, "")
		require.Equal(t, http.StatusNotFound, code, "%s: %s", path, body)
	}

	// Its own plan, without its YAML; executions without bodies and headers.
	code, body = f.as(t, v, "GET", "api/plans/core", "")
	require.Equal(t, http.StatusOK, code, string(body))
	require.NotContains(t, string(body), `"source"`)
	code, body = f.as(t, v, "GET", "api/executions/"+core.ID, "")
	require.Equal(t, http.StatusOK, code, string(body))
	require.NotContains(t, string(body), "core-header-value")
	require.NotContains(t, string(body), "nope", "the response's body")
	var x record.Execution
	require.NoError(t, json.Unmarshal(body, &x))
	require.Equal(t, 500, x.Steps[0].Response.StatusCode, "what is not a body or header stays")
	require.Len(t, x.Steps[0].Failures, 2)
	require.Equal(t, "500", x.Steps[0].Failures[0].Received, "a status code is no body")
	require.Equal(t, "(hidden)", x.Steps[0].Failures[1].Received, "the body's excerpt")
	code, body = f.as(t, v, "GET", "api/executions", "")
	require.Equal(t, http.StatusOK, code, string(body))
	require.Contains(t, string(body), core.ID)
	require.NotContains(t, string(body), pay.ID)
	require.NotContains(t, string(body), "core-header-value")
	code, body = f.as(t, v, "GET", "status", "")
	require.Equal(t, http.StatusServiceUnavailable, code, "core fails")
	require.NotContains(t, string(body), "pay")
	code, body = f.as(t, v, "GET", "executions/"+core.ID, "")
	require.Equal(t, http.StatusOK, code, string(body))
	require.NotContains(t, string(body), "core-header-value")
	require.Contains(t, string(body), "core-viewer")

	// A viewer runs nothing.
	code, body = f.as(t, v, "POST", "api/plans/core/runs", "")
	require.Equal(t, http.StatusForbidden, code, string(body))
	require.Contains(t, string(body), "viewer")

	// The admin token sees everything.
	code, body = f.as(t, "admin-token", "GET", "api/executions/"+core.ID, "")
	require.Equal(t, http.StatusOK, code, string(body))
	require.Contains(t, string(body), "core-header-value")
}

func TestScopedOperator(t *testing.T) {
	t.Parallel()
	f := newScoped(t)
	const op = "operator-token"
	// It runs its plans now, without Config.AllowRun: its role is the grant.
	code, body := f.as(t, op, "POST", "api/plans/core/runs", "")
	require.Equal(t, http.StatusAccepted, code, string(body))
	code, body = f.as(t, op, "POST", "api/plans/pay/runs", "")
	require.Equal(t, http.StatusNotFound, code, string(body))
	// It edits and deletes nothing.
	code, body = f.as(t, op, "PUT", "api/plans/new", "name: x\nlabels: {team: core}\nsteps:\n  - get: {url: \"http://x\"}\n")
	require.Equal(t, http.StatusForbidden, code, string(body))
	require.Contains(t, string(body), "admin")
	code, body = f.as(t, op, "DELETE", "api/plans/core", "")
	require.Equal(t, http.StatusForbidden, code, string(body))
	code, body = f.as(t, op, "DELETE", "api/plans/pay", "")
	require.Equal(t, http.StatusNotFound, code, string(body))
	// The dashboard shows who it is, and Run now, not Edit.
	code, body = f.as(t, op, "GET", "plans/core", "")
	require.Equal(t, http.StatusOK, code, string(body))
	require.Contains(t, string(body), "core-operator")
	require.Contains(t, string(body), "data-run=")
	require.NotContains(t, string(body), "/edit")
}

func TestScopedEvents(t *testing.T) {
	t.Parallel()
	f := newScoped(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", f.URL+"events", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer viewer-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	events := readEvents(t, resp.Body)

	pay := f.Run(t, "pay")
	core := f.Run(t, "core")
	// The stream delivers in order: core's events come after pay's, which
	// the viewer is not sent.
	for {
		ev := next(t, events)
		require.Equal(t, "core", ev.data.Plan.ID, "an event of plan %s", ev.data.Plan.ID)
		require.NotEqual(t, pay.ID, ev.data.Execution.ID)
		for _, s := range append(ev.data.Execution.Steps, stepOf(ev.data.Step)...) {
			if s.Request != nil {
				require.Empty(t, s.Request.Headers)
			}
			if s.Response != nil {
				require.Empty(t, s.Response.Body)
			}
		}
		if ev.event == "execution_finished" {
			require.Equal(t, core.ID, ev.data.Execution.ID)
			require.Len(t, ev.data.Execution.Steps, 1)
			return
		}
	}
}

func stepOf(s *record.StepResult) []record.StepResult {
	if s == nil {
		return nil
	}
	return []record.StepResult{*s}
}

func TestParseTokens(t *testing.T) {
	t.Parallel()
	good := "- name: partner-acme\n  sha256: " + sum("x") + "\n  role: viewer\n  labels: {customer: acme}\n"
	tokens, err := admin.ParseTokens([]byte(good))
	require.NoError(t, err)
	require.Equal(t, []admin.Token{{Name: "partner-acme", SHA256: sum("x"), Role: admin.RoleViewer, Labels: map[string]string{"customer": "acme"}}}, tokens)
	a, ok := admin.Lookup(tokens, "x")
	require.True(t, ok)
	require.Equal(t, "partner-acme", a.Name)
	_, ok = admin.Lookup(tokens, "y")
	require.False(t, ok)

	for _, tc := range []struct{ name, src, want string }{
		{"empty", "", "empty"},
		{"not a list", "name: x\n", "line 1: the file must be a list"},
		{"no name", "- sha256: " + sum("x") + "\n  role: viewer\n", "entry 1 (line 1): name is missing"},
		{"bad sum", "- name: a\n  sha256: 9f86d0\n  role: viewer\n", `entry 1 (line 1): sha256 must be the token's SHA-256 in 64 hex digits (smokex token prints it), not "9f86d0"`},
		{"bad role", "- name: a\n  sha256: " + sum("x") + "\n  role: operater\n", `entry 1 (line 1): role "operater" is not one of viewer, operator and admin; did you mean operator?`},
		{"no role", "- name: a\n  sha256: " + sum("x") + "\n", "entry 1 (line 1): role is missing"},
		{"typo", "- name: a\n  sha256: " + sum("x") + "\n  role: admin\n  lables: {a: b}\n", `entry 1 (line 1): line 4: unknown field "lables"; did you mean labels?`},
		{"the token", "- name: a\n  token: x\n", "never the token"},
		{"same name", "- name: a\n  sha256: " + sum("x") + "\n  role: admin\n- name: a\n  sha256: " + sum("y") + "\n  role: admin\n", `entry 2 (line 4): name "a" is also entry 1's`},
		{"same token", "- name: a\n  sha256: " + sum("x") + "\n  role: admin\n- name: b\n  sha256: " + strings.ToUpper(sum("x")) + "\n  role: admin\n", "entry 2 (line 4): sha256 is also entry 1's"},
		{"labels", "- name: a\n  sha256: " + sum("x") + "\n  role: admin\n  labels: [a]\n", "entry 1 (line 1)"},
	} {
		_, err := admin.ParseTokens([]byte(tc.src))
		require.ErrorContains(t, err, tc.want, tc.name)
	}
}

func FuzzParseTokens(f *testing.F) {
	f.Add([]byte("- name: a\n  sha256: " + sum("x") + "\n  role: viewer\n  labels: {a: b}\n"))
	f.Add([]byte("- name: a\n  token: x\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		tokens, err := admin.ParseTokens(src)
		if err != nil {
			return
		}
		require.NoError(t, admin.ValidateTokens(tokens))
	})
}

// TestScopedIncidents: an operator's token writes an incident without
// Config.AllowIncidents; a viewer scoped by label lists its plans'
// incidents alone, and gets 404 for another plan as for none.
func TestScopedIncidents(t *testing.T) {
	t.Parallel()
	f := newScoped(t)
	code, body := f.as(t, "operator-token", "POST", "api/incidents", `{"title": "Checkout slow", "status": "investigating", "message": "Looking", "plans": ["core"]}`)
	require.Equal(t, http.StatusCreated, code, string(body))
	code, body = f.as(t, "operator-token", "POST", "api/incidents", `{"title": "Pay down", "status": "investigating", "message": "x", "plans": ["pay"]}`)
	require.Equal(t, http.StatusNotFound, code, "the operator does not see pay: %s", body)
	code, h, body := f.Do(t, "POST", "api/incidents", `{"title": "Pay down", "status": "investigating", "message": "x", "plans": ["pay"]}`, "Authorization", "Bearer admin-token")
	require.Equal(t, http.StatusCreated, code, string(body))
	// Where the answer says the incident is, the admin reads it; a
	// token that does not see pay gets 404, as for no incident at all.
	payIncident := "api/" + h.Get("Location")
	code, body = f.as(t, "admin-token", "GET", payIncident, "")
	require.Equal(t, http.StatusOK, code, string(body))
	require.Contains(t, string(body), "Pay down")
	for _, path := range []string{payIncident, "api/incidents/inc-nope"} {
		code, body = f.as(t, "viewer-token", "GET", path, "")
		require.Equal(t, http.StatusNotFound, code, "%s: %s", path, body)
		require.NotContains(t, string(body), "Pay down")
	}
	code, body = f.as(t, "viewer-token", "POST", "api/incidents", `{"title": "x", "status": "investigating", "message": "x", "plans": ["core"]}`)
	require.Equal(t, http.StatusForbidden, code, string(body))

	code, body = f.as(t, "viewer-token", "GET", "api/incidents", "")
	require.Equal(t, http.StatusOK, code, string(body))
	require.Contains(t, string(body), "Checkout slow")
	require.NotContains(t, string(body), "Pay down")
	for _, id := range []string{"pay", "nope"} {
		code, body = f.as(t, "viewer-token", "GET", "api/incidents?plan="+id, "")
		require.Equal(t, http.StatusNotFound, code, "%s: %s", id, body)
	}
}

// TestScopedNewEndpoints sends each token that does not see every plan to
// the endpoints of pauses, incidents, locations, sync and badges: the
// other team's plan is not there, and what spans every plan is not either.
func TestScopedNewEndpoints(t *testing.T) {
	t.Parallel()
	f := newScoped(t)
	for _, tok := range []string{"viewer-token", "operator-token"} {
		for _, c := range []struct{ method, path string }{
			{"GET", "api/plans/pay/pause"},
			{"POST", "api/plans/pay/pause?for=1h"},
			{"DELETE", "api/plans/pay/pause"},
			{"GET", "api/incidents?plan=pay"},
			{"GET", "api/locations"},
			{"GET", "locations"},
			{"GET", "api/sync"},
			{"POST", "api/sync"},
			{"POST", "api/sync/preview"},
			{"GET", "badge/pay.svg"},
			{"GET", "badge/pay/uptime.svg"},
		} {
			code, body := f.as(t, tok, c.method, c.path, "")
			require.Equal(t, http.StatusNotFound, code, "%s %s %s: %s", tok, c.method, c.path, body)
			require.NotContains(t, string(body), "pay-", "%s %s", c.method, c.path)
		}
	}
}
