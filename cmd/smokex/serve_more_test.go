package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestServeShutdownCancelsCleanly: a stop asked for (SIGTERM) while a run
// hangs cancels the run at --shutdown-timeout and is still a clean exit,
// logged once, with a message that does not repeat itself.
func TestServeShutdownCancelsCleanly(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	writePlan(t, dir, "hang.yaml", `{name: hang, schedule: "@every 1s", steps: [{get: {host: "${base}/hang", options: {timeout: 1m}}}]}`, "")
	s := startServe(t, nil, "--var", "base="+srv.URL, "--shutdown-timeout", "100ms", dir)
	select {
	case <-arrived:
	case <-time.After(waitLimit):
		require.FailNow(t, "the plan did not run", logText(s.stderr))
	}
	require.Equal(t, exitOK, s.stop(t), logText(s.stderr))
	log := logText(s.stderr)
	require.Equal(t, 1, strings.Count(log, "smokex serve: stopping"), log)
	require.Contains(t, log, "were canceled")
	line := s.waitLog(t, finishedLine("hang", "canceled"))
	require.Contains(t, line, "stop_reason=canceled")
	require.Contains(t, line, `error="canceled: the execution was stopped before it finished"`)
	require.NotContains(t, log, "level=ERROR")
	require.Contains(t, log, `msg="smokex serve: stopped"`)
}

// TestServeSelect: --plan, --label and --exclude choose what serve loads,
// and a file that breaks stops only its own reload.
func TestServeSelect(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	writePlan(t, dir, "a.yaml", `{name: a, labels: {team: pay}, steps: [{get: {host: "${base}/ok"}}]}`, "")
	writePlan(t, dir, "b.yaml", `{name: b, labels: {team: web}, steps: [{get: {host: "${base}/ok"}}]}`, "")
	writePlan(t, dir, "c.yaml", `{name: c, labels: {team: pay}, steps: [{get: {host: "${base}/ok"}}]}`, "")
	writePlan(t, dir, "docker-compose.yml", "services: {web: {image: nginx}}\n", "")
	s := startServe(t, nil, "--var", "base="+srv.URL, "--watch-interval", "50ms", "--exclude", "docker-compose.yml", "--label", "team=pay", dir)
	s.waitLog(t, `msg="smokex serve: started".* plans=2`)

	// c breaks while a is edited: a's edit is picked up, c keeps running as
	// it was.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.yaml"), []byte("{name: c, steps: [{get: {host: "), 0o600))
	writePlan(t, dir, "a.yaml", `{name: a, labels: {team: pay}, steps: [{get: {host: "${base}/echo"}}]}`, "")
	s.waitLog(t, `plans synced.* updated=\[a\]`)
	line := s.waitLog(t, `level=ERROR msg="smokex: syncing plans[^\n]*c\.yaml:\d+:\d+`)
	require.NotContains(t, line, "a.yaml")
	time.Sleep(200 * time.Millisecond)
	require.Equal(t, 1, strings.Count(logText(s.stderr), "c.yaml:"), "a file that stays broken is logged once")
	require.Equal(t, exitOK, s.stop(t))
}
