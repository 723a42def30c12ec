package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
)

// newToken runs smokex token and returns the token and the YAML entry.
func newToken(t *testing.T, args ...string) (token, entry string) {
	t.Helper()
	res := runCLI(t, nil, "", append([]string{"token"}, args...)...)
	require.Equal(t, exitOK, res.code, res.stderr)
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	require.Len(t, lines, 4, res.stdout)
	return lines[1], lines[3]
}

func TestTokenCommand(t *testing.T) {
	t.Parallel()
	token, entry := newToken(t, "--name", "partner acme", "--role", "operator", "--label", "customer=acme", "--label", "tier=yes")
	require.Regexp(t, `^smokex_[A-Z2-7]{26}$`, token)
	tokens, err := admin.ParseTokens([]byte(entry + "\n"))
	require.NoError(t, err, entry)
	require.Equal(t, "partner acme", tokens[0].Name)
	require.Equal(t, admin.RoleOperator, tokens[0].Role)
	require.Equal(t, map[string]string{"customer": "acme", "tier": "yes"}, tokens[0].Labels)
	acc, ok := admin.Lookup(tokens, token)
	require.True(t, ok)
	require.Equal(t, "partner acme", acc.Name)
	require.NotContains(t, entry, token)

	other, _ := newToken(t)
	require.NotEqual(t, token, other)

	res := runCLI(t, nil, "", "token", "--role", "operater")
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, `role "operater" is not one of viewer, operator and admin; did you mean operator?`)
	res = runCLI(t, nil, "", "token", "--label", "nope")
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, `"nope" is not KEY=VALUE`)
}

const corePlan = `name: core
labels: {team: core}
steps:
  - get:
      name: broken
      url: "{{URL}}/fail"
      headers: {X-Team: core-header-value}
      expect:
        status_code: 200
`

const payPlan = `name: pay
labels: {team: pay}
steps:
  - get:
      url: "{{URL}}/ok"
`

// TestServeScopedTokens serves two teams' plans with a tokens file: a
// viewer of one team logs in with the browser's form and sees its plan
// alone, without bodies; an operator runs its plan now but edits nothing.
func TestServeScopedTokens(t *testing.T) {
	t.Parallel()
	target := newServer(t)
	dir := t.TempDir()
	writePlan(t, dir, "core.yaml", corePlan, target.URL)
	writePlan(t, dir, "pay.yaml", payPlan, target.URL)
	viewer, viewerEntry := newToken(t, "--name", "core-viewer", "--label", "team=core")
	operator, operatorEntry := newToken(t, "--name", "core-oncall", "--role", "operator", "--label", "team=core")
	tokensFile := filepath.Join(t.TempDir(), "tokens.yaml")
	require.NoError(t, os.WriteFile(tokensFile, []byte(viewerEntry+"\n"+operatorEntry+"\n"), 0o600))

	s := startServe(t, nil, "--tokens", tokensFile, dir)
	base := s.dashboardURL(t)

	// Without a token: 401, the login for a browser.
	code, _ := call(t, "GET", base+"api/plans", "")
	require.Equal(t, http.StatusUnauthorized, code)

	// The operator runs its plan now, without --allow-run, and so makes
	// the executions the viewer reads.
	code, body := call(t, "POST", base+"api/plans/core/runs", "", "Authorization", "Bearer "+operator)
	require.Equal(t, http.StatusAccepted, code, body)
	xid := regexp.MustCompile(`"execution_id":"([^"]+)"`).FindStringSubmatch(body)[1]
	code, body = call(t, "POST", base+"api/plans/pay/runs", "", "Authorization", "Bearer "+operator)
	require.Equal(t, http.StatusNotFound, code, body)
	code, body = call(t, "PUT", base+"api/plans/core", "name: core\nlabels: {team: core}\nsteps:\n  - get: {url: \"http://x\"}\n", "Authorization", "Bearer "+operator)
	require.Equal(t, http.StatusForbidden, code, body)
	code, body = call(t, "GET", base+"metrics", "", "Authorization", "Bearer "+operator)
	require.Equal(t, http.StatusNotFound, code, body)

	// The viewer logs in with the form; the cookie carries its scope.
	c := browserClient(t)
	resp, _ := send(t, c, "POST", base+"login", url.Values{"token": {viewer}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	cookie := sessionOf(resp)
	require.NotNil(t, cookie)
	require.True(t, strings.HasPrefix(cookie.Value, "v3."), cookie.Value)
	require.NotContains(t, cookie.Value, viewer)

	resp, body = send(t, c, "GET", base+"api/plans", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `"id":"core"`)
	require.NotContains(t, body, `"pay"`)
	for _, path := range []string{"api/plans/pay", "badge/pay.svg", "plans/pay"} {
		resp, body = send(t, c, "GET", base+path, nil)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "%s: %s", path, body)
	}
	// The execution, once finished, without the request's headers.
	eventually(t, "the run to finish", func() bool {
		resp, body = send(t, c, "GET", base+"api/executions/"+xid, nil)
		return resp.StatusCode == http.StatusOK && strings.Contains(body, `"status":"failed"`)
	})
	require.NotContains(t, body, "core-header-value")
	require.NotContains(t, body, "broken\\n", "the response's body")
	resp, body = send(t, c, "GET", base+"plans/core", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, "core-viewer")
	require.NotContains(t, body, "data-run=")
	require.NotContains(t, body, "core-header-value", "the plan's YAML")
	resp, body = send(t, c, "POST", base+"api/plans/core/runs", nil, "Origin", strings.TrimSuffix(base, "/"))
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)

	// A cookie whose scope was changed is no login.
	forged := strings.Split(cookie.Value, ".")
	forged[2] = strings.TrimRight(forged[2], "=") + "x"
	code, _ = call(t, "GET", base+"api/plans", "", "Cookie", sessionCookie+"="+strings.Join(forged, "."))
	require.Equal(t, http.StatusUnauthorized, code)

	// A viewer's logout ends its own logins, not the operator's.
	resp, _ = send(t, c, "POST", base+"logout", url.Values{}, "Origin", strings.TrimSuffix(base, "/"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = send(t, c, "GET", base+"api/plans", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, exitOK, s.stop(t))
}

func TestServeTokensFileErrors(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "tokens.yaml")
	require.NoError(t, os.WriteFile(file, []byte("- name: a\n  sha256: 9f86d0\n  role: viewer\n"), 0o600))
	res := runCLI(t, nil, "", "serve", "--addr", "127.0.0.1:0", "--tokens", file)
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "--tokens "+file+": tokens: entry 1 (line 1): sha256 must be the token's SHA-256 in 64 hex digits")
}
