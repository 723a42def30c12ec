package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunsScheduledPlans runs the service for a few seconds and checks that
// its plans ran on schedule against its own API and passed.
func TestRunsScheduledPlans(t *testing.T) {
	// A file takes the logger's concurrent writes safely.
	out, err := os.Create(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	defer out.Close()
	log := slog.New(slog.NewTextHandler(out, nil))
	require.NoError(t, run(context.Background(), []string{"-for", "5s"}, log))
	data, err := os.ReadFile(out.Name())
	require.NoError(t, err)
	logs := string(data)
	require.Contains(t, logs, "plan scheduled")
	require.Contains(t, logs, `msg="execution finished" plan=health status=passed`)
	require.Regexp(t, `msg="execution finished" plan=inventory status=passed`, logs)
	require.NotContains(t, logs, "status=failed", logs)
	require.Equal(t, 0, strings.Count(logs, "level=ERROR"), logs)
}
