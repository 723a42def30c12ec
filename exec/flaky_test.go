package exec_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
)

// failFirst drops the connection of its first request without a response
// (a retry helps), then answers 200; with status 503 instead, it answers
// its first request with that (a poll waits it out).
func failFirst(t *testing.T, status int) *httptest.Server {
	t.Helper()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) > 1 {
			return
		}
		if status != 0 {
			w.WriteHeader(status)
			return
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	return srv
}

func TestFlaky(t *testing.T) {
	t.Parallel()
	e := runYAML(t, failFirst(t, 0), `
- get: {url: "${base}/", options: {retries: 2}}
`, nil)
	require.Equal(t, record.StatusPassed, e.Status)
	require.Equal(t, 2, e.Steps[0].Attempts)
	require.True(t, e.Flaky, "passed only on a retry")

	e = runYAML(t, failFirst(t, http.StatusServiceUnavailable), `
- get: {url: "${base}/", options: {poll: {every: 10ms, for: 1h}}}
`, nil)
	require.Equal(t, record.StatusPassed, e.Status)
	require.Equal(t, 2, e.Steps[0].Attempts)
	require.False(t, e.Flaky, "a poll waits by design")

	e = runYAML(t, failFirst(t, 0), `
- get: {url: "${base}/", options: {retries: 2}, expect: {status_code: 201}}
`, nil)
	require.Equal(t, record.StatusFailed, e.Status)
	require.False(t, e.Flaky, "a failed execution is not flaky")
}
