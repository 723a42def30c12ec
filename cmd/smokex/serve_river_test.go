package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	osexec "os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
)

// serveProcess is smokex serve running as a process of its own.
type serveProcess struct {
	cmd    *osexec.Cmd
	stderr *lockedWriter
	exited chan struct{} // closed when the process has exited
	err    error         // how it exited, once exited is closed
}

// wait waits up to a minute for the process to exit and returns how it
// did; a process that does not exit by then is killed and fails the test,
// rather than hanging it.
func (p *serveProcess) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.err
	case <-time.After(time.Minute):
		_ = p.cmd.Process.Kill()
		<-p.exited
		require.FailNow(t, "serve did not exit within a minute of its signal", logText(p.stderr))
		return nil
	}
}

func startServeProcess(t *testing.T, bin string, args ...string) *serveProcess {
	t.Helper()
	return startProcess(t, bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "debug"}, args...)...)
}

// startProcess runs the binary with args (a command and its flags).
func startProcess(t *testing.T, bin string, args ...string) *serveProcess {
	t.Helper()
	p := &serveProcess{cmd: osexec.Command(bin, args...),
		stderr: &lockedWriter{w: &bytes.Buffer{}}, exited: make(chan struct{})}
	p.cmd.Stderr = p.stderr
	require.NoError(t, p.cmd.Start())
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// waitLog waits for a line of the process's log that matches re.
func (p *serveProcess) waitLog(t *testing.T, re string) {
	t.Helper()
	m := regexp.MustCompile(re)
	deadline := time.After(30 * time.Second)
	for !m.MatchString(logText(p.stderr)) {
		select {
		case <-p.exited:
			require.FailNow(t, "serve exited", "%v\n%s", p.err, logText(p.stderr))
		case <-deadline:
			require.FailNow(t, "no log line "+re, logText(p.stderr))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestServeProcessesShareTicks runs three serve processes on one database,
// on River by default, with 20 plans @every 1s; one is killed with
// SIGKILL mid-way. Every tick is run at most once, counted from the store;
// the ticks go on on the other two; and the runs the killed process had in
// flight are finished as interrupted once River rescues them.
func TestServeProcessesShareTicks(t *testing.T) {
	db := newTestDB(t)
	bin := buildBinary(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(200 * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	const plans = 20
	for i := range plans {
		writePlan(t, dir, fmt.Sprintf("p%02d.yaml", i), fmt.Sprintf("name: p%02d\nschedule: \"@every 1s\"\nsteps:\n  - get: {host: \"${base}/\"}\n", i), "")
	}
	args := []string{"--database-url", db.url, "--schema", db.schema, "--var", "base=" + srv.URL, "--river-job-timeout", "3s", dir}
	procs := make([]*serveProcess, 3)
	for i := range procs {
		procs[i] = startServeProcess(t, bin, args...)
		procs[i].waitLog(t, `msg="smokex serve: started" store=postgres plans=20`)
	}
	for _, p := range procs {
		p.waitLog(t, `msg="execution finished"`)
	}
	time.Sleep(3 * time.Second)
	killed := time.Now()
	require.NoError(t, procs[0].cmd.Process.Kill())
	_ = procs[0].wait(t)

	// Ticks go on, through a new leader if the killed process led, and
	// the killed process's runs are rescued and finished as interrupted.
	q := `SELECT count(*) FILTER (WHERE status IN ('created', 'running') AND created_at < $1),
			count(*) FILTER (WHERE scheduled_at > $1 + interval '1 second'),
			count(*) FILTER (WHERE stop_reason = 'interrupted'),
			coalesce(max(n), 0)
		FROM (SELECT *, count(*) OVER (PARTITION BY plan_id, scheduled_at) AS n
			FROM ` + pgx.Identifier{db.schema}.Sanitize() + `.executions WHERE scheduled_at IS NOT NULL) x`
	var inFlight, after, interrupted, most int
	require.Eventually(t, func() bool {
		require.NoError(t, db.pool.QueryRow(t.Context(), q, killed).Scan(&inFlight, &after, &interrupted, &most))
		return inFlight == 0 && after >= plans
	}, 60*time.Second, 200*time.Millisecond, "runs of the killed process still in flight, or no ticks since")
	resumed := time.Now()
	// Each plan records the two ticks due in the 2s after the ticks
	// resumed; on a loaded machine they may be recorded seconds after
	// they are due.
	window := func() []struct {
		Plan string
		N    int
	} {
		rows, err := db.pool.Query(t.Context(), `SELECT plan_id, count(DISTINCT scheduled_at) FROM `+pgx.Identifier{db.schema}.Sanitize()+`.executions
			WHERE scheduled_at >= $1 AND scheduled_at < $2 GROUP BY plan_id`, resumed.Truncate(time.Second).Add(time.Second), resumed.Truncate(time.Second).Add(3*time.Second))
		require.NoError(t, err)
		counts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
			Plan string
			N    int
		}])
		require.NoError(t, err)
		return counts
	}
	require.Eventually(t, func() bool {
		counts := window()
		if len(counts) < plans {
			return false
		}
		for _, c := range counts {
			if c.N < 2 {
				return false
			}
		}
		return true
	}, time.Minute, 100*time.Millisecond, "the ticks of the 2s after the ticks resumed are not all recorded")
	for _, p := range procs[1:] {
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		require.NoError(t, p.wait(t), logText(p.stderr))
	}
	require.NoError(t, db.pool.QueryRow(t.Context(), q, killed).Scan(&inFlight, &after, &interrupted, &most))
	require.Equal(t, 1, most, "a tick ran more than once")
	require.Zero(t, inFlight)

	// Since the ticks resumed, each plan ran every second.
	counts := window()
	require.Len(t, counts, plans)
	for _, c := range counts {
		require.Equal(t, 2, c.N, "plan %s: ticks in the 2s after the ticks resumed", c.Plan)
	}
	rows, err := db.pool.Query(t.Context(), `SELECT DISTINCT status FROM `+pgx.Identifier{db.schema}.Sanitize()+`.executions WHERE stop_reason = 'interrupted'`)
	require.NoError(t, err)
	statuses, err := pgx.CollectRows(rows, pgx.RowTo[record.Status])
	require.NoError(t, err)
	for _, s := range statuses {
		require.Equal(t, record.StatusCanceled, s)
	}
	t.Logf("killed one of three serve processes; its runs in flight rescued (River's new leader) after %s; %d runs interrupted", resumed.Sub(killed).Round(100*time.Millisecond), interrupted)
}

func TestServeSchedulerUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePlan(t, dir, "ticker.yaml", tickerPlan, "")
	for _, tt := range []cliCase{
		{name: "river without a database", args: []string{"--scheduler", "river"}, stderr: "--scheduler river needs --database-url or SMOKEX_DATABASE_URL"},
		{name: "unknown scheduler", args: []string{"--scheduler", "quartz"}, stderr: `--scheduler is river or local, not "quartz"`},
		{name: "job timeout", args: []string{"--database-url", "postgres://127.0.0.1/x", "--river-job-timeout", "0s"}, stderr: "--river-job-timeout must be positive"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runCLI(t, nil, "", append(append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...), dir)...)
			requireResult(t, res, exitUsage, "", tt.stderr)
		})
	}
}

// TestServeLocalScheduler: with a database and --scheduler local, the
// schedules run in the process, without River's tables.
func TestServeLocalScheduler(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	srv, dir := tickerSetup(t)
	s := startServe(t, nil, "--database-url", db.url, "--schema", db.schema, "--scheduler", "local", "--var", "base="+srv.URL, dir)
	s.waitLog(t, finishedLine("ticker", "passed"))
	require.Equal(t, exitOK, s.stop(t))
	require.NotContains(t, logText(s.stderr), "scheduling through River")
	var river bool
	require.NoError(t, db.pool.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'river_job')`, db.schema).Scan(&river))
	require.False(t, river, "River's tables were created for the local scheduler")
}
