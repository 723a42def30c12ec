package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

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
	require.NotContains(t, logs, "plan=health status=failed", logs)
	require.NotContains(t, logs, "plan=inventory status=failed", logs)
	require.Equal(t, 0, strings.Count(logs, "level=ERROR"), logs)
	// The checkout fails while it warms up, and recovers: the service's
	// own receiver gets one signed alert of each.
	require.Equal(t, 1, strings.Count(logs, `msg="alert received" plan=checkout transition=failing`), logs)
	require.Equal(t, 1, strings.Count(logs, `msg="alert received" plan=checkout transition=recovered`), logs)
	require.Equal(t, 2, strings.Count(logs, `msg="alert received"`), logs)
	require.NotContains(t, logs, "alert rejected")
}

// slowHandler takes its time over every result record, as a log shipped
// over a slow pipe does, and counts them.
type slowHandler struct {
	slog.Handler
	mu      sync.Mutex
	results int
}

func (h *slowHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *slowHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "step" || r.Message == "execution finished" {
		time.Sleep(700 * time.Millisecond)
		h.mu.Lock()
		h.results++
		h.mu.Unlock()
	}
	return nil
}

func (h *slowHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.results
}

// TestLogsEveryResultBeforeReturning checks that run returns only once the
// results that arrived before the engine stopped are logged: a process
// that exits when run returns must not lose its last results.
func TestLogsEveryResultBeforeReturning(t *testing.T) {
	t.Parallel()
	h := &slowHandler{Handler: slog.DiscardHandler}
	require.NoError(t, run(context.Background(), []string{"-for", "3s"}, slog.New(h)))
	n := h.count()
	require.NotZero(t, n)
	time.Sleep(3 * time.Second)
	require.Equal(t, n, h.count(), "results were logged after run returned")
}

// TestServesMetrics scrapes /metrics while the service runs.
func TestServesMetrics(t *testing.T) {
	t.Parallel()
	out, err := os.Create(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	defer out.Close()
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"-for", "4s"}, slog.New(slog.NewTextHandler(out, nil)))
	}()
	logs := func() string {
		b, _ := os.ReadFile(out.Name())
		return string(b)
	}
	urlRe := regexp.MustCompile(`msg="smokex metrics" url=(\S+)`)
	var metricsURL, body string
	require.Eventually(t, func() bool {
		m := urlRe.FindStringSubmatch(logs())
		if m == nil || !strings.Contains(logs(), `msg="execution finished" plan=health`) {
			return false
		}
		metricsURL = m[1]
		resp, err := http.Get(metricsURL)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return strings.Contains(body, `smokex_executions_total{`)
	}, 4*time.Second, 50*time.Millisecond, "no metrics at %s: %s", metricsURL, body)
	require.Contains(t, body, `plan="health"`)
	require.Contains(t, body, "smokex_execution_duration_seconds_bucket{")
	require.Contains(t, body, "smokex_step_duration_seconds_bucket{")
	require.NoError(t, <-done)
}
