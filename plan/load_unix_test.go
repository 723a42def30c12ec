//go:build unix

package plan_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

func TestLoadDirRefusesFilesThatAreNotRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.yaml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	require.NoError(t, os.Symlink(fifo, filepath.Join(dir, "to-pipe.yml")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ok.yaml"), []byte(okPlan), 0o600))
	require.NoError(t, os.Symlink(filepath.Join(dir, "ok.yaml"), filepath.Join(dir, "link.yaml")))

	type result struct {
		plans []*plan.Plan
		err   error
	}
	done := make(chan result, 1)
	go func() {
		plans, err := plan.LoadDir(dir, nil)
		done <- result{plans, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-time.After(10 * time.Second):
		// Unblock the reader so that the test ends.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatal("LoadDir blocked on a named pipe")
	}
	require.EqualError(t, res.err, fifo+": a named pipe is not a plan file: plans are read from regular files only\n"+
		filepath.Join(dir, "to-pipe.yml")+": a named pipe is not a plan file: plans are read from regular files only")
	var ids []string
	for _, p := range res.plans {
		ids = append(ids, p.ID)
	}
	require.Equal(t, []string{"link", "ok"}, ids, "a link to a regular file is read")
}
