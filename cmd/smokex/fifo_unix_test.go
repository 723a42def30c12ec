//go:build unix

package main

import (
	"os"
	"path/filepath"
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
