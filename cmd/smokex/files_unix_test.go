//go:build unix

package main

import (
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFIFOPlanRefused gives run, validate and serve a named pipe for a plan
// file: each refuses it at once, naming it, instead of an open that waits
// for a writer and ignores SIGTERM.
func TestFIFOPlanRefused(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "pipe.yaml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for _, args := range [][]string{
		{"run", fifo},
		{"validate", fifo},
		{"serve", "--addr", "", fifo},
	} {
		t.Run(args[0], func(t *testing.T) {
			done := make(chan cliResult, 1)
			go func() { done <- runCLI(t, nil, "", args...) }()
			var res cliResult
			select {
			case res = <-done:
			case <-time.After(waitLimit):
				// Let the blocked open go on, so that the test ends.
				if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
				<-done
				require.FailNow(t, "smokex "+args[0]+" blocked on a named pipe")
			}
			require.Equal(t, exitUsage, res.code, res.stderr)
			require.Contains(t, res.stderr, fifo+": a named pipe is not a plan file: plans are read from regular files only")
		})
	}
}

// TestBinaryFullDisk runs smokex with stdout on /dev/full, where every
// write fails as on a full disk: the plans pass, but the console and the
// report cannot be written, which is exit code 2 with the reason on stderr,
// never 0.
func TestBinaryFullDisk(t *testing.T) {
	t.Parallel()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	bin := buildBinary(t)
	srv := newServer(t)
	_, passing, _ := writeBoth(t, srv.URL)
	for _, args := range [][]string{{"run", passing}, {"run", "-o", "json", passing}, {"validate", passing}} {
		cmd := osexec.Command(bin, args...)
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = full, &stderr
		err := cmd.Run()
		var exitErr *osexec.ExitError
		require.ErrorAs(t, err, &exitErr, "%v: %s", args, stderr.String())
		require.Equal(t, exitUsage, exitErr.ExitCode(), "%v: %s", args, stderr.String())
		require.Contains(t, stderr.String(), "no space left on device", args)
	}
}
