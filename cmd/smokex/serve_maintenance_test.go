package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// downPlan runs on demand against a target that always fails.
const downPlan = `name: down
steps:
  - get:
      name: health
      host: "{{URL}}/health"
      expect:
        status_code: 200
`

// maintenanceServe starts serve with a webhook into the returned receiver,
// on the --allow-run API, with downPlan and the extra args, and returns
// its URL.
func maintenanceServe(t *testing.T, args ...string) (*served, *hookReceiver, string) {
	t.Helper()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(target.Close)
	hooks := &hookReceiver{}
	receiver := httptest.NewServer(hooks)
	t.Cleanup(receiver.Close)
	dir := t.TempDir()
	writePlan(t, dir, "down.yaml", downPlan, target.URL)
	s := startServe(t, map[string]string{"SMOKEX_WEBHOOK_SECRET": "hook-secret"},
		append([]string{"--webhook", receiver.URL + "/hook", "--allow-run"}, append(args, dir)...)...)
	return s, hooks, s.serveURL(t)
}

// runDown starts an execution of down through the API, waits until serve
// logs its end, and returns it as the API shows it.
func runDown(t *testing.T, s *served, url string) map[string]any {
	t.Helper()
	code, body := call(t, "POST", url+"/api/plans/down/runs", "")
	require.Equal(t, http.StatusAccepted, code, body)
	var started struct {
		ID string `json:"execution_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &started))
	s.waitLog(t, `msg="execution finished" plan=down execution=`+regexp.QuoteMeta(started.ID)+` status=failed`)
	code, body = call(t, "GET", url+"/api/executions/"+started.ID, "")
	require.Equal(t, http.StatusOK, code, body)
	var x map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &x))
	return x
}

// TestServeMaintenanceFlag runs a failing plan inside a --maintenance
// window (one that opens every minute for an hour: open whenever the test
// runs): the execution is marked and nothing is sent.
func TestServeMaintenanceFlag(t *testing.T) {
	t.Parallel()
	s, hooks, url := maintenanceServe(t, "--maintenance", "cron=* * * * *,duration=1h,tz=Europe/Berlin")
	x := runDown(t, s, url)
	require.Equal(t, "maintenance * * * * * for 1h0m0s (Europe/Berlin)", x["maintenance"])
	require.Equal(t, 0, s.stop(t), logText(s.stderr)) // the policy decides and delivers all it owes at stop
	require.Empty(t, hooks.transitions(), "an alert in maintenance")
	require.Contains(t, logText(s.stderr), "execution in a maintenance window; no alert")
}

// TestServePause pauses a failing plan through the API: its execution is
// marked and alerts nothing; after the pause, the next one alerts.
func TestServePause(t *testing.T) {
	t.Parallel()
	s, hooks, url := maintenanceServe(t)
	code, body := call(t, "POST", url+"/api/plans/down/pause?for=1h", "")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"paused_until":"`)
	paused := runDown(t, s, url)
	require.True(t, strings.HasPrefix(paused["maintenance"].(string), "paused until "), paused["maintenance"])

	code, body = call(t, "DELETE", url+"/api/plans/down/pause", "")
	require.Equal(t, http.StatusOK, code, body)
	after := runDown(t, s, url)
	require.Nil(t, after["maintenance"])
	s.waitLog(t, `msg="notify: alert sent" target=webhook plan=down execution=`+regexp.QuoteMeta(after["id"].(string))+` transition=failing`)
	require.Equal(t, 0, s.stop(t), logText(s.stderr))
	require.Equal(t, []string{"failing"}, hooks.transitions(), "one alert, after the pause")
	require.Equal(t, after["id"], hooks.events[0]["execution"].(map[string]any)["id"])
}

func TestServeMaintenanceFlagErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePlan(t, dir, "down.yaml", downPlan, "http://127.0.0.1:1")
	for want, spec := range map[string]string{
		`unknown field "tzz"; did you mean "tz"?`:                "cron=0 2 * * SUN,duration=1h,tzz=UTC",
		`cron is required`:                                       "duration=1h",
		`cron "0 2 * * SUNDAY" is not a valid cron`:              "cron=0 2 * * SUNDAY,duration=1h",
		`duration is required`:                                   "cron=0 2 * * SUN",
		`duration "0s" is not a positive duration`:               "cron=0 2 * * SUN,duration=0s",
		`tz "Mars/Olympus" is not a time zone name`:              "cron=0 2 * * SUN,duration=1h,tz=Mars/Olympus",
		`duration is given twice`:                                "cron=0 2 * * SUN,duration=1h,duration=2h",
		`"SUN" has no field name`:                                "SUN,cron=0 2 * * *,duration=1h",
		`invalid value "cron=0 2 * * SUN" for flag -maintenance`: "cron=0 2 * * SUN",
	} {
		s := startServe(t, nil, "--maintenance", spec, dir)
		<-s.exited
		require.Equal(t, exitUsage, s.code, want)
		require.Contains(t, logText(s.stderr), want)
	}
}
