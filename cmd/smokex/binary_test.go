package main

import (
	"errors"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBinary builds smokex and runs it as a process, for the exit codes and
// streams that only a real process has.
func TestBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	goTool, err := osexec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH, cannot build the binary")
	}
	bin := filepath.Join(t.TempDir(), "smokex")
	out, err := osexec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))

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
