package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
)

// waitLimit bounds how long a test waits for serve to log something or to
// exit; it is a deadline against hanging, not a measure of speed.
const waitLimit = 30 * time.Second

// logText returns what was written to l, a lockedWriter over a buffer,
// while serve may still be writing.
func logText(l *lockedWriter) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.(*bytes.Buffer).String()
}

// served is smokex serve running in process.
type served struct {
	cancel context.CancelFunc
	exited chan struct{}
	code   int
	stderr *lockedWriter
}

// startServe runs smokex serve with args in process, on a free port, with
// env as its whole environment, until stop or the end of the test.
func startServe(t *testing.T, env map[string]string, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{cancel: cancel, exited: make(chan struct{}), stderr: &lockedWriter{w: &bytes.Buffer{}}}
	a := &app{
		stdin:  strings.NewReader(""),
		stdout: io.Discard,
		stderr: s.stderr,
		lookupEnv: func(name string) (string, bool) {
			v, ok := env[name]
			return v, ok
		},
		isTerminal: func(io.Writer) bool { return false },
	}
	go func() {
		defer close(s.exited)
		// A port of its own, so that tests run side by side; a test's own
		// --addr comes later and wins.
		s.code = a.main(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "debug"}, args...))
	}()
	t.Cleanup(func() {
		cancel()
		<-s.exited
	})
	return s
}

// waitLog waits until the log has a line that matches pattern, and returns
// the first such line.
func (s *served) waitLog(t *testing.T, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.After(waitLimit)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if line := re.FindString(logText(s.stderr)); line != "" {
			return line
		}
		select {
		case <-s.exited:
			if line := re.FindString(logText(s.stderr)); line != "" {
				return line
			}
			require.FailNow(t, "serve exited before logging "+pattern, "exit code %d, log:\n%s", s.code, logText(s.stderr))
		case <-deadline:
			require.FailNow(t, "serve did not log "+pattern, "log:\n%s", logText(s.stderr))
		case <-tick.C:
		}
	}
}

// stop interrupts serve, as a signal does, and returns its exit code.
func (s *served) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case <-s.exited:
		return s.code
	case <-time.After(waitLimit):
		require.FailNow(t, "serve did not stop after its context ended", "log:\n%s", logText(s.stderr))
		return -1
	}
}

// tickerPlan runs every second against the test server's /ok.
const tickerPlan = `name: ticker
schedule: "@every 1s"
steps:
  - get:
      name: health
      host: "${base}/ok"
      expect:
        status_code: 200
`

// tickerSetup serves the test endpoints and writes tickerPlan into a new
// directory.
func tickerSetup(t *testing.T) (srv *httptest.Server, dir string) {
	t.Helper()
	srv = newServer(t)
	dir = t.TempDir()
	writePlan(t, dir, "ticker.yaml", tickerPlan, "")
	return srv, dir
}

// finishedLine matches the log line of a finished execution of plan.
func finishedLine(plan, status string) string {
	return `level=(DEBUG|WARN) msg="execution finished" plan=` + plan + ` execution=\S+ status=` + status + `( stop_reason=\S+)? trigger=schedule[^\n]*`
}

func TestServeMemory(t *testing.T) {
	t.Parallel()
	srv, dir := tickerSetup(t)

	s := startServe(t, nil, "--var", "base="+srv.URL, dir)
	s.waitLog(t, `msg="smokex serve: started" store=memory plans=1`)
	s.waitLog(t, `msg="smokex serve: plan scheduled" plan=ticker schedule="@every 1s"`)
	s.waitLog(t, `msg="step finished" plan=ticker execution=\S+ step=0 name=health method=GET url=`+regexp.QuoteMeta(srv.URL)+`/ok status=200 duration=\S+ ok=true`)
	line := s.waitLog(t, finishedLine("ticker", "passed"))
	require.Contains(t, line, "steps=1 failed=0")

	require.Equal(t, exitOK, s.stop(t))
	require.Contains(t, logText(s.stderr), `msg="smokex serve: stopped"`)
}

func TestServeFailingPlanLogsWarnings(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	writePlan(t, dir, "broken.yaml", `name: broken
schedule: "@every 1s"
steps:
  - get:
      host: "{{URL}}/fail"
      expect:
        status_code: 200
`, srv.URL)

	s := startServe(t, nil, dir)
	s.waitLog(t, `level=WARN msg="step finished" plan=broken [^\n]*status=500 [^\n]*ok=false failure="status_code: expected 200, received 500"`)
	line := s.waitLog(t, finishedLine("broken", "failed"))
	require.Contains(t, line, "level=WARN")
	require.Contains(t, line, "failed=1")
	require.Equal(t, exitOK, s.stop(t))
}

func TestServeWatchesDirectory(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	writePlan(t, dir, "manual.yaml", "- get: {host: \"{{URL}}/ok\"}\n", srv.URL)
	single := writePlan(t, t.TempDir(), "single.yaml", "name: single\n"+
		"steps:\n  - get: {host: \"{{URL}}/ok\"}\n", srv.URL)

	s := startServe(t, nil, "--watch-interval", "50ms", "--var", "base="+srv.URL, dir, single)
	s.waitLog(t, `msg="smokex serve: started" store=memory plans=2`)

	// Written under another name and renamed, so that no sync reads half a
	// file.
	tmp := writePlan(t, dir, "ticker.tmp", tickerPlan, "")
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "ticker.yaml")))
	s.waitLog(t, `msg="smokex: plans synced" added=\[ticker\]`)
	s.waitLog(t, finishedLine("ticker", "passed"))

	require.NoError(t, os.Remove(filepath.Join(dir, "ticker.yaml")))
	s.waitLog(t, `msg="smokex: plans synced" added=\[\] updated=\[\] removed=\[ticker\]`)
	require.Equal(t, exitOK, s.stop(t))
}

func TestServeEnvironment(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	env := map[string]string{"TOKEN": "s3cret", "WORD": "hello"}
	secretPlan := `name: secret
schedule: "@every 1s"
secrets: [TOKEN]
steps:
  - get:
      host: "{{URL}}/auth"
      headers: {Authorization: "Bearer ${TOKEN}"}
      expect: {status_code: 200}
`
	envPlan := `name: env
schedule: "@every 1s"
steps:
  - get:
      host: "{{URL}}/echo"
      query: {v: "${WORD}"}
      expect: {string: hello}
`
	tests := []struct {
		name string
		plan string
		args []string
		// want matches a log line.
		want []string
	}{
		{
			name: "allowed secret",
			plan: secretPlan,
			args: []string{"--secret", "TOKEN"},
			want: []string{finishedLine("secret", "passed")},
		},
		{
			name: "secret not allowed",
			plan: secretPlan,
			args: []string{"--secret", "OTHER"},
			want: []string{
				`level=WARN msg="smokex serve: the plan declares a secret that --secret does not allow; its runs will fail" plan=secret secret=TOKEN`,
				finishedLine("secret", "failed") + `error="[^"]*secret TOKEN is not set`,
			},
		},
		{
			name: "environment visible with --env",
			plan: envPlan,
			args: []string{"--env"},
			want: []string{finishedLine("env", "passed")},
		},
		{
			name: "environment hidden by default",
			plan: envPlan,
			want: []string{
				`level=WARN msg="step finished" plan=env [^\n]*error="interpolation: query v: undefined variable \\"WORD\\""`,
				finishedLine("env", "failed"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writePlan(t, dir, "plan.yaml", tt.plan, srv.URL)
			s := startServe(t, env, append(tt.args, dir)...)
			for _, want := range tt.want {
				s.waitLog(t, want)
			}
			require.Equal(t, exitOK, s.stop(t))
			require.NotContains(t, logText(s.stderr), "s3cret", "a secret was logged")
		})
	}
}

func TestServeUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writePlan(t, dir, "good.yaml", "- get: {host: \"http://127.0.0.1:1/\"}\n", "")
	notYAML := writePlan(t, t.TempDir(), "plan.txt", "- get: {host: x}\n", "")

	tests := []cliCase{
		{name: "bad base url", args: []string{"serve", "--base-url", "smoke.example.com", good}, stderr: "--base-url must be an absolute http or https URL"},
		{name: "stdin", args: []string{"serve", "-"}, stderr: "not from stdin"},
		{name: "missing path", args: []string{"serve", filepath.Join(dir, "nope")}, stderr: "no such file or directory"},
		{name: "not a plan file", args: []string{"serve", notYAML}, stderr: "must end in .yaml or .yml"},
		{name: "unknown flag", args: []string{"serve", "--nope", good}, stderr: "flag provided but not defined: -nope"},
		{name: "bad var", args: []string{"serve", "--var", "x", good}, stderr: `"x" is not NAME=VALUE`},
		{name: "bad secret", args: []string{"serve", "--secret", "A=b", good}, stderr: `"A=b" is not a variable name`},
		{name: "bad duration", args: []string{"serve", "--retention", "forever", good}, stderr: `invalid value "forever" for flag -retention`},
		{name: "negative concurrency", args: []string{"serve", "--concurrency", "-1", good}, stderr: "--concurrency must not be negative"},
		{name: "negative timeout", args: []string{"serve", "-t", "-1s", good}, stderr: "--timeout must not be negative"},
		{name: "negative retention", args: []string{"serve", "--retention", "-1h", good}, stderr: "--retention must not be negative"},
		{name: "negative max lateness", args: []string{"serve", "--max-lateness", "-1s", good}, stderr: "--max-lateness must not be negative"},
		{name: "negative keep-last", args: []string{"serve", "--keep-last", "-1", good}, stderr: "--keep-last must not be negative"},
		{name: "negative watch interval", args: []string{"serve", "--watch-interval", "-1s", good}, stderr: "--watch-interval must not be negative"},
		{name: "zero shutdown timeout", args: []string{"serve", "--shutdown-timeout", "0s", good}, stderr: "--shutdown-timeout must be positive"},
		{name: "no-migrate without a database", args: []string{"serve", "--no-migrate", good}, stderr: "--no-migrate needs --database-url"},
		{name: "bad database url", args: []string{"serve", "--database-url", "postgres://%zz", good}, stderr: "--database-url:"},
		{name: "bad schema", args: []string{"serve", "--database-url", "postgres://127.0.0.1/x", "--schema", "Bad-Name", good}, stderr: "--schema:"},
		{name: "unreachable database", args: []string{"serve", "--database-url", closedPortURL(t), good}, stderr: "cannot reach the database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runCLI(t, nil, "", tt.args...)
			requireResult(t, res, exitUsage, "", tt.stderr)
		})
	}
}

// closedPortURL returns a database URL on a loopback port nothing listens
// on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "postgres://postgres@" + addr + "/test?sslmode=disable&connect_timeout=5"
}

func TestServeConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"S": "secret value", "HOME_X": "x"}
	a := &app{lookupEnv: func(n string) (string, bool) { v, ok := env[n]; return v, ok }}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := newServeFlags(fs)
	require.NoError(t, fs.Parse([]string{
		"--concurrency", "3", "--var", "a=1", "--secret", "S", "--env",
		"-t", "2s", "--retention", "48h", "--keep-last", "7",
	}))
	cfg := f.config(a, nil, nil)
	require.Equal(t, 3, cfg.Concurrency)
	require.Equal(t, map[string]any{"a": "1"}, cfg.Vars)
	require.Equal(t, 2*time.Second, cfg.Exec.DefaultTimeout)
	require.Equal(t, 48*time.Hour, cfg.RetentionMaxAge)
	require.Equal(t, 7, cfg.RetentionKeepLast)
	require.NotNil(t, cfg.LookupEnv)
	v, ok := cfg.LookupEnv("HOME_X")
	require.True(t, ok)
	require.Equal(t, "x", v)

	v, ok, err := cfg.Secrets.Secret(t.Context(), "S")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "secret value", v)
	_, ok, err = cfg.Secrets.Secret(t.Context(), "HOME_X")
	require.NoError(t, err)
	require.False(t, ok, "a name not given to --secret is not a secret")

	bare := newServeFlags(flag.NewFlagSet("serve", flag.ContinueOnError)).config(a, nil, nil)
	require.Nil(t, bare.LookupEnv, "the environment is hidden without --env")
	require.Nil(t, bare.Secrets)
	require.Nil(t, bare.Vars)
	eng, err := smokex.New(bare)
	require.NoError(t, err, "the defaults make a working engine")
	require.NoError(t, eng.Stop(t.Context()))
}
