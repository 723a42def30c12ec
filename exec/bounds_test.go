package exec_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
)

// TestDebugBodiesAndAttemptLogAreBounded checks that a step with debug
// keeps at most exec.DebugBodySize of each body, however large, and that
// a step polled many times keeps the latest exec.MaxAttemptLog attempts
// while counting every one.
func TestDebugBodiesAndAttemptLogAreBounded(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("0123456789", 1<<20) // 10 MiB
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/poll" {
			hits++
			if hits <= exec.MaxAttemptLog+20 {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			return
		}
		_, _ = w.Write([]byte(big))
	}))
	t.Cleanup(srv.Close)

	x := runYAML(t, srv, `
options: {debug: true}
steps:
  - post: {host: "${base}/big", body: "`+strings.Repeat("x", 100<<10)+`"}
`, nil)
	require.Equal(t, "passed", string(x.Status), "%+v", x.Steps[0].Error)
	st := x.Steps[0]
	require.LessOrEqual(t, len(st.Response.Body), exec.DebugBodySize)
	require.Greater(t, len(st.Response.Body), exec.DebugBodySize-10)
	require.True(t, strings.HasPrefix(st.Response.Body, "0123456789"))
	require.Equal(t, int64(len(big)), st.Response.Size, "the size is the body's own")
	require.LessOrEqual(t, len(st.Request.Body), exec.DebugBodySize)

	x = runYAML(t, srv, `
steps:
  - get:
      host: "${base}/poll"
      options: {poll: {every: 10ms, for: 1m}}
`, nil)
	require.Equal(t, "passed", string(x.Status))
	st = x.Steps[0]
	require.Equal(t, exec.MaxAttemptLog+21, st.Attempts)
	require.Len(t, st.AttemptLog, exec.MaxAttemptLog)
	require.True(t, st.AttemptLog[len(st.AttemptLog)-1].OK, "the latest attempts are kept")
}
