package exec_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/record"
)

// slowServer answers /slow after holding the response for hold, so that
// its response time is past hold on any machine (a loaded one only adds),
// and any other path at once.
func slowServer(t *testing.T, hold time.Duration) string {
	t.Helper()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			timer := time.NewTimer(hold)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-r.Context().Done():
			}
		}
	})
	return srv.URL
}

func TestDegradedAndMaxDuration(t *testing.T) {
	t.Parallel()
	base := slowServer(t, 300*time.Millisecond)
	p := parse(t, `
options: {degraded_after: 250ms, halt_on_error: false}
steps:
  - get: {url: "${base}/slow"}
  - get: {url: "${base}/fast", options: {degraded_after: 1h}}
`)
	e := run(t, p, &exec.RunOpts{Vars: map[string]any{"base": base}})
	require.Equal(t, record.StatusDegraded, e.Status)
	require.True(t, e.Status.Up())
	require.True(t, e.Steps[0].OK)
	require.True(t, e.Steps[0].Degraded)
	require.False(t, e.Steps[1].Degraded)

	p = parse(t, `
options: {degraded_after: 50ms, halt_on_error: false}
steps:
  - get: {url: "${base}/slow", options: {max_duration: 250ms}}
  - get: {url: "${base}/fast", options: {max_duration: 1h}}
`)
	e = run(t, p, &exec.RunOpts{Vars: map[string]any{"base": base}})
	require.Equal(t, record.StatusFailed, e.Status, "a failed step outweighs a degraded one")
	require.False(t, e.Steps[0].OK)
	require.False(t, e.Steps[0].Degraded, "a failed step is not degraded")
	require.Len(t, e.Steps[0].Failures, 1)
	f := e.Steps[0].Failures[0]
	require.Equal(t, record.FailureDuration, f.Type)
	require.Equal(t, "at most 250ms", f.Expected)
	require.Equal(t, 4, f.Line)
	require.True(t, e.Steps[1].OK)
}

func TestDegradedFromVariable(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	e := runYAML(t, srv, `
- get: {url: "${base}/", options: {degraded_after: "${limit}"}}
`, &exec.RunOpts{Vars: map[string]any{"limit": "1h"}})
	require.Equal(t, record.StatusPassed, e.Status)
	require.Equal(t, int32(1), calls.Load())
}
