package main

import (
	"bytes"
	"io"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// gcPercentReader is a plan on stdin that records the collector's GOGC
// when run reads it, which is while run loads its plans.
type gcPercentReader struct {
	r       io.Reader
	percent int
	read    bool
}

func (g *gcPercentReader) Read(p []byte) (int, error) {
	if !g.read {
		g.read = true
		g.percent = debug.SetGCPercent(-1)
		debug.SetGCPercent(g.percent)
	}
	return g.r.Read(p)
}

// runStdinPlan runs a passing plan from stdin with GOGC at start, and
// returns GOGC while the plan loaded and once run returned.
func runStdinPlan(t *testing.T, start int) (loading, after int) {
	t.Helper()
	srv := newServer(t)
	defer debug.SetGCPercent(debug.SetGCPercent(start))
	stdin := &gcPercentReader{r: strings.NewReader(strings.ReplaceAll(passingPlan, "{{URL}}", srv.URL))}
	var stdout, stderr bytes.Buffer
	a := &app{stdin: stdin, stdout: &stdout, stderr: &stderr, lookupEnv: func(string) (string, bool) { return "", false }, isTerminal: func(io.Writer) bool { return false }}
	require.Equal(t, exitOK, a.main(t.Context(), []string{"run", "-"}), stderr.String())
	require.True(t, stdin.read)
	return stdin.percent, debug.SetGCPercent(start)
}

// Not parallel: GOGC is the process's.
func TestRunRelaxesTheCollectorWhileLoading(t *testing.T) {
	loading, after := runStdinPlan(t, 137)
	require.Equal(t, loadingGCPercent, loading)
	require.Equal(t, 137, after)
}

func TestRunKeepsGOGCSetInTheEnvironment(t *testing.T) {
	t.Setenv("GOGC", "137")
	loading, after := runStdinPlan(t, 137)
	require.Equal(t, 137, loading)
	require.Equal(t, 137, after)
}
