package admin

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
)

// TestEventsBatches checks that a stream sends every event of a burst
// whole and in order when the burst is larger than a batch, and when one
// event alone is larger than a batch.
func TestEventsBatches(t *testing.T) {
	t.Parallel()
	eng, err := smokex.New(smokex.Config{RetentionInterval: -1})
	require.NoError(t, err)
	t.Cleanup(func() { eng.Stop(context.Background()) })
	h := New(eng, nil).(*handler)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events", nil)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	require.True(t, sc.Scan()) // "retry: ...": subscribed

	// 60 events of about 1 KB, one of 3 batches, then 60 more: about
	// 2 batches before it and 2 after.
	sizes := make([]int, 121)
	for i := range sizes {
		sizes[i] = 1 << 10
	}
	sizes[60] = 3 * batchBytes
	for i, n := range sizes {
		ev := stepEvent()
		ev.Step.Name = strconv.Itoa(i)
		ev.Step.Response.Body = strings.Repeat("x", n)
		h.events.publish(ev)
	}
	var id string
	for i := range sizes {
		var data Event
		for data.Step == nil && sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "id: "); ok {
				id = v
			}
			if v, ok := strings.CutPrefix(line, "data: "); ok {
				require.NoError(t, json.Unmarshal([]byte(v), &data), "event %d whole", i)
			}
		}
		require.NotNil(t, data.Step, "event %d arrived", i)
		require.Equal(t, strconv.Itoa(i+1), id)
		require.Equal(t, strconv.Itoa(i), data.Step.Name)
		require.Len(t, data.Step.Response.Body, sizes[i])
		require.Equal(t, record.StatusRunning, data.Execution.Status)
	}
}

// stepEvent is a step_finished event as a one-step check of the
// benchmarks' target makes it, about 1 KB on the wire.
func stepEvent() *smokex.Event {
	at := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	step := &record.StepResult{
		Name: "echo", Method: "GET", URL: "http://127.0.0.1:40000/echo?token=t1",
		Duration: 5 * time.Millisecond, Attempts: 1, OK: true, StartedAt: at,
		Request: &record.Request{Method: "GET", URL: "http://127.0.0.1:40000/echo?token=t1",
			Headers: map[string][]string{"Accept-Encoding": {"gzip"}, "Host": {"127.0.0.1:40000"}, "User-Agent": {"smokex"}}},
		Response: &record.Response{StatusCode: 200, Proto: "HTTP/1.1", Size: 15,
			Headers: map[string][]string{"Content-Length": {"15"}, "Content-Type": {"application/json"}, "Date": {"Sat, 05 Dec 2026 12:00:00 GMT"}, "X-Echo": {"yes"}}},
	}
	return &smokex.Event{Type: smokex.EventStepFinished, Time: at, Plan: &record.PlanRef{ID: "p1", Name: "p1"},
		Execution: &record.Execution{ID: "01a2484f-382c-7366-b4bb-8f6c5446f3b6", PlanID: "p1", Status: record.StatusRunning, StartedAt: at, CreatedAt: at},
		Step:      step}
}
