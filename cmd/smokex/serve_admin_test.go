package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// dashboardURL waits for serve to print the dashboard's URL.
func (s *served) dashboardURL(t *testing.T) string {
	t.Helper()
	line := s.waitLog(t, `smokex serve: dashboard at \S+`)
	return strings.TrimPrefix(line, "smokex serve: dashboard at ")
}

// call sends a request to serve and returns the code and the body.
func call(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return sendRequest(t, req)
}

// sendRequest sends req and returns the code and the body of the answer.
func sendRequest(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestServeDashboardWithPaths(t *testing.T) {
	t.Parallel()
	target, dir := tickerSetup(t)
	s := startServe(t, nil, "--var", "base="+target.URL, "--allow-run", "--allow-edit", dir)
	url := s.dashboardURL(t)
	require.Regexp(t, `^http://127\.0\.0\.1:\d+/$`, url)

	code, body := call(t, "GET", url, "")
	require.Equal(t, 200, code)
	require.Contains(t, body, "<!doctype html>")

	code, body = call(t, "GET", url+"api/plans", "")
	require.Equal(t, 200, code, body)
	var plans struct {
		Plans []struct {
			ID       string `json:"id"`
			ReadOnly bool   `json:"read_only"`
		} `json:"plans"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &plans))
	require.Len(t, plans.Plans, 1)
	require.Equal(t, "ticker", plans.Plans[0].ID)
	require.True(t, plans.Plans[0].ReadOnly)

	// A PATH's plan is read-only, and the answer says where it is.
	code, body = call(t, "PUT", url+"api/plans/ticker", "[{get: {url: 'http://127.0.0.1:1/'}}]")
	require.Equal(t, 409, code, body)
	require.Contains(t, body, "ticker.yaml")
	code, body = call(t, "DELETE", url+"api/plans/ticker", "")
	require.Equal(t, 409, code, body)

	code, body = call(t, "POST", url+"api/plans/ticker/runs", "")
	require.Contains(t, []int{202, 409}, code, body) // 409 when a tick runs it already

	require.Eventually(t, func() bool {
		code, _ := call(t, "GET", url+"status", "")
		return code == 200
	}, waitLimit, 50*time.Millisecond)
	require.Equal(t, exitOK, s.stop(t))
}

func TestServeReadOnlyByDefault(t *testing.T) {
	t.Parallel()
	target, dir := tickerSetup(t)
	s := startServe(t, nil, "--var", "base="+target.URL, dir)
	url := s.dashboardURL(t)
	code, body := call(t, "POST", url+"api/plans/ticker/runs", "")
	require.Equal(t, 403, code, body)
	require.Contains(t, body, "--allow-run")
	code, body = call(t, "PUT", url+"api/plans/new", "[{get: {url: 'http://127.0.0.1:1/'}}]")
	require.Equal(t, 403, code, body)
	require.Contains(t, body, "--allow-edit")
	require.Equal(t, exitOK, s.stop(t))
}

func TestServePlansInTheStore(t *testing.T) {
	t.Parallel()
	target := newServer(t)
	s := startServe(t, nil, "--var", "base="+target.URL, "--allow-edit", "--allow-run")
	url := s.dashboardURL(t)
	code, body := call(t, "GET", url+"api/plans", "")
	require.Equal(t, 200, code)
	require.JSONEq(t, `{"plans": [], "load_errors": []}`, body)

	code, body = call(t, "PUT", url+"api/plans/health", "name: health\nsteps:\n  - get:\n      url: \"${base}/ok\"\n")
	require.Equal(t, 201, code, body)
	code, body = call(t, "POST", url+"api/plans/health/runs", "")
	require.Equal(t, 202, code, body)
	s.waitLog(t, `msg="execution finished" plan=health execution=\S+ status=passed`)
	code, body = call(t, "DELETE", url+"api/plans/health", "")
	require.Equal(t, 204, code, body)
	require.Equal(t, exitOK, s.stop(t))
}

func TestServeNoPlansHint(t *testing.T) {
	t.Parallel()
	s := startServe(t, nil)
	s.dashboardURL(t)
	s.waitLog(t, "no plans: give a PATH, or --allow-edit")
	require.Equal(t, exitOK, s.stop(t))
}

func TestServeAuthToken(t *testing.T) {
	t.Parallel()
	target, dir := tickerSetup(t)
	for name, args := range map[string][]string{
		"flag": {"--auth-token", "t0ken"},
		"env":  nil,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := startServe(t, map[string]string{"SMOKEX_ADMIN_TOKEN": "t0ken"}, append(args, "--var", "base="+target.URL, dir)...)
			url := s.dashboardURL(t)
			for _, path := range []string{"", "api/plans", "status", "events", "badge/ticker.svg"} {
				code, body := call(t, "GET", url+path, "")
				require.Equal(t, 401, code, path)
				require.Contains(t, body, "unauthorized")
				code, _ = call(t, "GET", url+path, "", "Authorization", "Bearer wrong")
				require.Equal(t, 401, code, path)
			}
			code, body := call(t, "GET", url+"api/plans", "", "Authorization", "Bearer t0ken")
			require.Equal(t, 200, code, body)
			require.Equal(t, exitOK, s.stop(t))
		})
	}
}

func TestServeBaseURL(t *testing.T) {
	t.Parallel()
	f := &adminFlags{baseURL: "https://smoke.example.com/ops"}
	require.NoError(t, f.check())
	require.Equal(t, "https://smoke.example.com/ops/executions/x1", f.executionURL("x1"))
	require.Equal(t, "https://smoke.example.com/ops/plans/p", f.planURL("p"))
	require.Equal(t, "https://smoke.example.com/ops/", f.dashboardURL("http://127.0.0.1:8080/"))
	none := &adminFlags{}
	require.Empty(t, none.executionURL("x1"))
	require.Equal(t, "http://127.0.0.1:8080/", none.dashboardURL("http://127.0.0.1:8080/"))

	for addr, want := range map[string]string{
		"127.0.0.1:8080":    "http://127.0.0.1:8080/",
		"smoke.internal:80": "http://smoke.internal:80/",
		"[::1]:8080":        "http://[::1]:8080/",
		":8080":             "",
		"0.0.0.0:8080":      "",
		"[::]:8080":         "",
		"127.0.0.1:0":       "",
		"no port":           "",
	} {
		got, why := addrURL(addr)
		require.Equal(t, want, got, addr)
		require.Equal(t, want == "", why != "", "%s: %s", addr, why)
	}
}

// TestServeStorePlansOutliveTheProcess creates a plan through the API of a
// serve without PATH on PostgreSQL, and finds it, scheduled, in the next
// process.
func TestServeStorePlansOutliveTheProcess(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	target := newServer(t)
	args := []string{"--database-url", db.url, "--schema", db.schema, "--var", "base=" + target.URL, "--allow-edit"}
	first := startServe(t, nil, args...)
	url := first.dashboardURL(t)
	code, body := call(t, "PUT", url+"api/plans/kept", "name: kept\nschedule: \"@every 1s\"\nsteps:\n  - get:\n      url: \"${base}/ok\"\n")
	require.Equal(t, 201, code, body)
	require.Equal(t, exitOK, first.stop(t))

	second := startServe(t, nil, args...)
	url = second.dashboardURL(t)
	code, body = call(t, "GET", url+"api/plans/kept", "")
	require.Equal(t, 200, code, body)
	require.Contains(t, body, `"read_only":false`)
	second.waitLog(t, `msg="execution finished" plan=kept execution=\S+ status=passed trigger=schedule`)
	require.Equal(t, exitOK, second.stop(t))
}
