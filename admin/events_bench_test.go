//go:build unix

package admin

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
)

// BenchmarkEventsFanOut is /events with 100 clients on a real server:
// events published in bursts of 100, as 25 one-step plans whose ticks
// fall together make them, each one read by every client. An op is one
// event delivered to one client; it reports the writes to the
// connections and the process's CPU time (the clients' reading included)
// per op, which the machine's load does not change as it does ns/op (each
// burst waits the streams' coalescing moment).
func BenchmarkEventsFanOut(b *testing.B) {
	const clients, burst = 100, 100
	eng, err := smokex.New(smokex.Config{RetentionInterval: -1})
	require.NoError(b, err)
	b.Cleanup(func() { eng.Stop(context.Background()) })
	h := New(eng, nil).(*handler)
	srv := httptest.NewUnstartedServer(h)
	var writes atomic.Int64
	srv.Listener = &countingListener{Listener: srv.Listener, writes: &writes}
	srv.Start()
	b.Cleanup(srv.Close)

	// Each client reports on done when it has read the last event of a
	// burst.
	done := make(chan struct{}, clients)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range clients {
		req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events", nil)
		require.NoError(b, err)
		resp, err := srv.Client().Do(req)
		require.NoError(b, err)
		b.Cleanup(func() { resp.Body.Close() })
		r := bufio.NewReader(resp.Body)
		_, err = r.ReadString('\n') // "retry: ...": subscribed
		require.NoError(b, err)
		go func() {
			for {
				line, err := r.ReadSlice('\n')
				if err != nil {
					return
				}
				if id, ok := bytes.CutPrefix(line, []byte("id: ")); ok {
					if n, _ := strconv.Atoi(string(bytes.TrimSpace(id))); n%burst == 0 {
						done <- struct{}{}
					}
				}
			}
		}()
	}

	ev := stepEvent()
	bursts := max(1, b.N/(clients*burst))
	writes.Store(0)
	cpu := cpuTime()
	b.ResetTimer()
	for range bursts {
		for range burst {
			h.events.publish(ev)
		}
		for range clients {
			<-done
		}
	}
	b.StopTimer()
	ops := float64(bursts * burst * clients)
	b.ReportMetric(float64(writes.Load())/ops, "writes/op")
	b.ReportMetric(float64(cpuTime()-cpu)/ops, "cpu-ns/op")
}

// countingListener counts the writes to the connections it accepts.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	return &countingConn{Conn: c, writes: l.writes}, err
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// cpuTime is the process's user and system CPU time so far, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
