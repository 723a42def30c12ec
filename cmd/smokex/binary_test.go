package main

import (
	"bytes"
	"errors"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBinary builds smokex and runs it as a process, for the exit codes and
// streams that only a real process has.
func TestBinary(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)

	srv := newServer(t)
	dir, passing, failing := writeBoth(t, srv.URL)
	invalid := writePlan(t, dir, "invalid.yaml", "- get: {host: x, nope: 1}\n", "")

	tests := []cliCase{
		{name: "passing", args: []string{"run", passing}, code: exitOK, stdout: "passing passed"},
		{name: "failing", args: []string{"run", "-o", "junit", failing}, code: exitFailed, stdout: "<testsuites"},
		{name: "invalid", args: []string{"run", passing, invalid}, code: exitUsage, stderr: invalid + ":1:"},
		{name: "usage", args: []string{"bogus"}, code: exitUsage, stderr: "unknown command"},
		{name: "version", args: []string{"version"}, code: exitOK, stdout: "smokex "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := osexec.Command(bin, tt.args...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			res := cliResult{stdout: stdout.String(), stderr: stderr.String()}
			if exitErr := (*osexec.ExitError)(nil); errors.As(err, &exitErr) {
				res.code = exitErr.ExitCode()
			} else {
				require.NoError(t, err)
			}
			requireResult(t, res, tt.code, tt.stdout, tt.stderr)
		})
	}
}

// TestBinaryServeSignal stops a serve process with SIGTERM, as a service
// manager does, once it has logged a finished execution.
func TestBinaryServeSignal(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)

	srv, dir := tickerSetup(t)
	cmd := osexec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--log-level", "debug", "--var", "base="+srv.URL, dir)
	stderr := &lockedWriter{w: &bytes.Buffer{}}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	finished := regexp.MustCompile(finishedLine("ticker", "passed"))
	for !finished.MatchString(logText(stderr)) {
		select {
		case err := <-exited:
			require.FailNow(t, "serve exited before running the plan", "%v\n%s", err, logText(stderr))
		case <-time.After(20 * time.Millisecond):
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		require.NoError(t, err, "serve exits 0 on SIGTERM\n%s", logText(stderr))
	case <-time.After(waitLimit):
		require.FailNow(t, "serve did not stop on SIGTERM", logText(stderr))
	}
	require.Contains(t, logText(stderr), `msg="smokex serve: stopped"`)
}

// buildBinary builds smokex into a temporary directory, with the build
// tags given, skipping t with -short or without the go command.
func buildBinary(t *testing.T, tags ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	goTool, err := osexec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH, cannot build the binary")
	}
	bin := filepath.Join(t.TempDir(), "smokex")
	out, err := osexec.Command(goTool, "build", "-tags", strings.Join(tags, ","), "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

// TestSlimBinary: a build with the slim tag runs and validates plans
// without linking serve's backends, and says that it has no serve.
func TestSlimBinary(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t, "slim")
	srv := newServer(t)
	_, passing, _ := writeBoth(t, srv.URL)

	out, err := osexec.Command(bin, "run", passing).CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "passing passed")
	out, err = osexec.Command(bin, "validate", passing).CombinedOutput()
	require.NoError(t, err, string(out))

	var stderr strings.Builder
	cmd := osexec.Command(bin, "serve")
	cmd.Stderr = &stderr
	var exitErr *osexec.ExitError
	require.ErrorAs(t, cmd.Run(), &exitErr)
	require.Equal(t, exitUsage, exitErr.ExitCode())
	require.Contains(t, stderr.String(), `unknown command "serve"`)

	goTool, err := osexec.LookPath("go")
	require.NoError(t, err)
	deps, err := osexec.Command(goTool, "version", "-m", bin).CombinedOutput()
	require.NoError(t, err, string(deps))
	for _, heavy := range []string{"riverqueue/river", "jackc/pgx", "go.opentelemetry.io/otel/sdk", "DataDog/datadog-go", "go-git/go-git", "prometheus/client_golang"} {
		require.NotContains(t, string(deps), heavy, "a slim build links none of serve's backends")
	}
}

// TestBinaryRunStdinSignal sends SIGTERM to `smokex run -` while its stdin
// is still open, half a plan written: the run is interrupted, not taken
// for a plan with no steps.
func TestBinaryRunStdinSignal(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	cmd := osexec.Command(bin, "run", "-")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
	})
	// A signal before the process listens would kill it outright, which
	// the exit code tells apart. It listens before it reads stdin, and a
	// write of more than a pipe holds (64 KiB on Linux) returns only once
	// it has read: half a plan and a long comment, well within a plan's
	// size, tell the test when to signal, whatever the machine's load.
	half := "- get:\n#" + strings.Repeat("x", 256<<10) + "\n"
	_, err = stdin.Write([]byte(half))
	require.NoError(t, err)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err = <-exited:
	case <-time.After(waitLimit):
		require.FailNow(t, "smokex run - did not stop on SIGTERM")
	}
	var exitErr *osexec.ExitError
	require.ErrorAs(t, err, &exitErr)
	require.Equal(t, exitFailed, exitErr.ExitCode(), stderr.String())
	require.Equal(t, "smokex: interrupted while reading the plan on stdin\n", stderr.String())
	require.Empty(t, stdout.String())
}
