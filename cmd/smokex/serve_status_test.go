package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestServeStatusPagesWithoutToken serves --status-pages with
// --auth-token: the page and its JSON answer without a token, the API
// does not.
func TestServeStatusPagesWithoutToken(t *testing.T) {
	t.Parallel()
	target, dir := tickerSetup(t)
	pages := filepath.Join(t.TempDir(), "pages.yaml")
	require.NoError(t, os.WriteFile(pages, []byte("- slug: public\n  title: Acme API\n  groups:\n    - name: API\n      plans: [ticker]\n"), 0o600))
	s := startServe(t, nil, "--auth-token", "t0ken", "--status-pages", pages, "--var", "base="+target.URL, dir)
	base := s.dashboardURL(t)
	s.waitLog(t, finishedLine("ticker", "passed"))
	require.Contains(t, logText(s.stderr), "smokex serve: status page public at "+base+"s/public\n")

	resp, _ := send(t, http.DefaultClient, "GET", base+"api/plans", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, body := send(t, http.DefaultClient, "GET", base+"s/public", nil, "Accept", htmlAccept)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, "Acme API")
	resp, body = send(t, http.DefaultClient, "GET", base+"s/public.json", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var page struct {
		Groups []struct{ Plans []struct{ ID string } }
	}
	require.NoError(t, json.Unmarshal([]byte(body), &page))
	require.Equal(t, "ticker", page.Groups[0].Plans[0].ID)
	require.NotContains(t, body, target.URL)
}

// TestServeStatusPagesUnknownPlan names the plan a page names and no file
// has, at start.
func TestServeStatusPagesUnknownPlan(t *testing.T) {
	t.Parallel()
	target, dir := tickerSetup(t)
	pages := filepath.Join(t.TempDir(), "pages.yaml")
	require.NoError(t, os.WriteFile(pages, []byte("- slug: public\n  groups:\n    - name: API\n      plans: [tikcer]\n    - name: Web\n      labels: {public: \"true\"}\n"), 0o600))
	s := startServe(t, nil, "--status-pages", pages, "--var", "base="+target.URL, dir)
	<-s.exited
	require.Equal(t, exitUsage, s.code)
	log := logText(s.stderr)
	require.Contains(t, log, `status page "public", group "API": no plan has the id "tikcer"; did you mean "ticker"?`)
	require.Contains(t, log, `status page "public", group "Web" is empty: no plan has the labels {public: "true"}`)

	require.NoError(t, os.WriteFile(pages, []byte("- slug: public\n  group: []\n"), 0o600))
	res := runCLI(t, nil, "", "serve", "--status-pages", pages, dir)
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, `line 2, column 3: unknown key "group" in a page; did you mean "groups"?`)
}

// TestServeIncidents writes an incident through serve's API with the
// token: its updates go to the webhook that asks for incidents, and the
// public page's feed has them.
func TestServeIncidents(t *testing.T) {
	t.Parallel()
	target, dir := tickerSetup(t)
	hooks := &hookReceiver{}
	receiver := httptest.NewServer(hooks)
	defer receiver.Close()
	pages := filepath.Join(t.TempDir(), "pages.yaml")
	require.NoError(t, os.WriteFile(pages, []byte("- slug: public\n  title: Acme API\n  groups:\n    - name: API\n      plans: [ticker]\n"), 0o600))
	s := startServe(t, map[string]string{"SMOKEX_WEBHOOK_SECRET": "hook-secret"}, "--auth-token", "t0ken", "--status-pages", pages,
		"--allow-incidents", "--webhook", receiver.URL+"/hook", "--alert-incidents", "--var", "base="+target.URL, dir)
	base := s.dashboardURL(t)
	s.waitLog(t, finishedLine("ticker", "passed"))

	post := func(path, body string) map[string]any {
		t.Helper()
		req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer t0ken")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		require.Less(t, resp.StatusCode, 300, out)
		return out
	}
	in := post("api/incidents", `{"title": "Checkout errors", "status": "investigating", "message": "We see errors.", "plans": ["ticker"]}`)
	post("api/incidents/"+in["id"].(string)+"/updates", `{"status": "resolved", "message": "Fixed."}`)
	s.waitLog(t, `msg="notify: alert sent" target=webhook plan=ticker execution="" transition=incident[^\n]*\n(.|\n)*msg="notify: alert sent" target=webhook plan=ticker execution="" transition=incident`)

	resp, body := send(t, http.DefaultClient, "GET", base+"s/public/feed.atom", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "Checkout errors — Resolved")
	require.Equal(t, 0, s.stop(t), logText(s.stderr))
	require.Empty(t, hooks.bad)
	require.Equal(t, []string{"incident", "incident"}, hooks.transitions())
	require.Equal(t, "Fixed.", hooks.events[1]["incident"].(map[string]any)["message"])
}
