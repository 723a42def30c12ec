package exec_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/record"
)

func TestRetryPolicyDelay(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		p      exec.RetryPolicy
		n      int
		lo, hi time.Duration
	}{
		{"defaults first", exec.RetryPolicy{}, 1, 80 * time.Millisecond, 120 * time.Millisecond},
		{"defaults capped", exec.RetryPolicy{}, 30, 1600 * time.Millisecond, 2400 * time.Millisecond},
		{"no jitter", exec.RetryPolicy{Base: time.Second, Max: time.Minute, Jitter: -1}, 3, 4 * time.Second, 4 * time.Second},
		{"max below base", exec.RetryPolicy{Base: time.Second, Max: time.Millisecond, Jitter: -1}, 5, time.Second, time.Second},
		{"n below one", exec.RetryPolicy{Base: time.Second, Jitter: -1}, 0, time.Second, time.Second},
		{"full jitter", exec.RetryPolicy{Base: time.Second, Jitter: 5}, 1, 0, 2 * time.Second},
	}
	for _, c := range cases {
		for range 50 {
			d := c.p.Delay(c.n)
			require.GreaterOrEqual(t, d, c.lo, c.name)
			require.LessOrEqual(t, d, c.hi, c.name)
		}
	}
}

func TestMaxBodySize(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", len(r.URL.Path)-1)))
	})
	r := newRunner(t, exec.Config{MaxBodySize: 4})
	p := newPlan(step(t, "GET", srv.URL+"/1234"), step(t, "GET", srv.URL+"/12345"))
	e := r.Run(context.Background(), p, &exec.RunOpts{HaltOnError: new(false)})
	require.Equal(t, []string{"failed", "ok", "too_large"}, statuses(e))
	require.Equal(t, int64(4), e.Steps[0].Response.Size)
	require.Equal(t, "the response body is larger than 4 bytes", e.Steps[1].Error.Message)
	require.Equal(t, 200, e.Steps[1].Response.StatusCode, "a body too large still shows the status")
	require.Empty(t, e.Steps[1].Response.Body)
}

func TestDefaultTimeout(t *testing.T) {
	t.Parallel()
	srv := serve(t, stall)
	r := newRunner(t, exec.Config{DefaultTimeout: 30 * time.Millisecond})
	e := r.Run(context.Background(), newPlan(step(t, "GET", srv.URL)), nil)
	require.Equal(t, record.ErrTimeout, e.Steps[0].Error.Kind)
	require.Equal(t, "no response within 30ms", e.Steps[0].Error.Message)
}

func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	srv := serve(t, api)
	p := parse(t, `[{get: {host: "${base}/user", expect: {html: [{path: title, equal: ""}], json: {user: {id: 7}}}, save_from_response: [{variable_name: id, json_path: user.id}]}}, {get: {host: "${base}/page?id=${id}", options: {insecure: true}, expect: {html: [{path: h1, equal: Welcome}]}}}]`)
	r := newRunner(t, exec.Config{})
	var wg sync.WaitGroup
	results := make([]*record.Execution, 8)
	for i := range results {
		wg.Go(func() {
			results[i] = r.Run(context.Background(), p, &exec.RunOpts{Vars: map[string]any{"base": srv.URL}, HaltOnError: new(false)})
		})
	}
	wg.Wait()
	for _, e := range results {
		require.Equal(t, []string{"failed"}, statuses(e)[:1])
		require.Equal(t, []string{"html title: expected , received no element matches"}, failures(e.Steps[0]))
		require.Equal(t, "ok", statuses(e)[2], "%v", failures(e.Steps[1]))
	}
}

func TestDebugLog(t *testing.T) {
	t.Parallel()
	srv := serve(t, api)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := newRunner(t, exec.Config{Logger: logger})
	p := parse(t, `[{get: {host: "${base}/user"}}, {get: {host: "${base}/boom"}}]`)
	p.ID = "logged"
	r.Run(context.Background(), p, &exec.RunOpts{Vars: map[string]any{"base": srv.URL}})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	require.Contains(t, lines[0], `msg="smokex step finished" plan=logged`)
	require.Contains(t, lines[0], "step=0")
	require.Contains(t, lines[0], "status=200")
	require.Contains(t, lines[1], "ok=false")

	// Without debug enabled, nothing is logged.
	buf.Reset()
	quiet := newRunner(t, exec.Config{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	quiet.Run(context.Background(), p, &exec.RunOpts{Vars: map[string]any{"base": srv.URL}})
	require.Empty(t, buf.String())
}
