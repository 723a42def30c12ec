package admin_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// TestDebugBodiesKeepMemoryBounded runs a debug: true plan of three steps
// that each receive a 10 MB body, again and again, with a client following
// /events, and checks that the heap stays bounded once the runs are done:
// the results keep 64 KiB of each body, the memory store and the events'
// replay buffer are bounded in bytes. Kept whole, 20 runs would hold
// 600 MB in the store and as much again in the replay buffer. Not parallel,
// so that the heap is this test's.
func TestDebugBodiesKeepMemoryBounded(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), (10<<20)/16)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(big) }))
	t.Cleanup(target.Close)
	eng, err := smokex.New(smokex.Config{Vars: map[string]any{"base": target.URL}, RetentionInterval: -1})
	require.NoError(t, err)
	srv := httptest.NewServer(admin.New(eng, nil))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		srv.CloseClientConnections()
		srv.Close()
		stopCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		require.NoError(t, eng.Stop(stopCtx))
	})
	require.NoError(t, eng.Start(ctx))
	p, err := plan.Parse([]byte(`
name: big
options: {debug: true, timeout: 30s}
steps:
  - get: {url: "${base}/1", expect: {status_code: 200}}
  - get: {url: "${base}/2", expect: {status_code: 200}}
  - get: {url: "${base}/3", expect: {status_code: 200}}
`), nil)
	require.NoError(t, err)
	require.NoError(t, eng.AddPlan(ctx, p))

	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	go func() { _, _ = io.Copy(io.Discard, resp.Body) }()

	const runs = 20
	for range runs {
		x, err := eng.Run(ctx, "big", nil)
		require.NoError(t, err)
		require.Equal(t, record.StatusPassed, x.Status)
		require.Equal(t, int64(len(big)), x.Steps[0].Response.Size)
		require.Less(t, len(x.Steps[0].Response.Body), 65<<10)
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	t.Logf("heap after %d runs of 3 × 10 MB bodies with debug: %.1f MiB", runs, float64(m.HeapAlloc)/(1<<20))
	require.Less(t, m.HeapAlloc, uint64(100<<20), "what the runs leave is bounded")
}
