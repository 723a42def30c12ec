package datadog_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/metrics/datadog"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// agent is a DogStatsD listener on loopback that keeps every line of every
// datagram it receives.
type agent struct {
	conn  *net.UDPConn
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func newAgent(t *testing.T) *agent {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	a := &agent{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		buf := make([]byte, 65536)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			a.mu.Lock()
			a.lines = append(a.lines, strings.Split(strings.TrimRight(string(buf[:n]), "\n"), "\n")...)
			a.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-a.done
	})
	return a
}

func (a *agent) addr() string { return a.conn.LocalAddr().String() }

// datagram is one parsed DogStatsD line.
type datagram struct {
	name, kind string
	value      float64
	tags       []string
	// Of a service check.
	status  int
	message string
	ts      int64
}

// parse parses a metric, name:value|type[|@rate][|#tags][|c:...], or a
// service check, _sc|name|status[|d:ts][|h:host][|#tags][|m:message].
func parse(t *testing.T, line string) datagram {
	t.Helper()
	fields := strings.Split(line, "|")
	var d datagram
	if fields[0] == "_sc" {
		require.GreaterOrEqual(t, len(fields), 3, line)
		d.kind, d.name = "sc", fields[1]
		var err error
		d.status, err = strconv.Atoi(fields[2])
		require.NoError(t, err, line)
		for _, f := range fields[3:] {
			switch {
			case strings.HasPrefix(f, "d:"):
				d.ts, err = strconv.ParseInt(f[2:], 10, 64)
				require.NoError(t, err, line)
			case strings.HasPrefix(f, "#"):
				d.tags = strings.Split(f[1:], ",")
			case strings.HasPrefix(f, "m:"):
				d.message = f[2:]
			}
		}
		return d
	}
	name, value, ok := strings.Cut(fields[0], ":")
	require.True(t, ok, line)
	d.name, d.kind = name, fields[1]
	for _, v := range strings.Split(value, ":") { // an aggregated distribution packs values
		f, err := strconv.ParseFloat(v, 64)
		require.NoError(t, err, line)
		d.value += f
	}
	for _, f := range fields[2:] {
		if strings.HasPrefix(f, "#") {
			d.tags = strings.Split(f[1:], ",")
		}
	}
	return d
}

// received returns the parsed smokex datagrams once want of them arrived.
func (a *agent) received(t *testing.T, want func([]datagram) bool) []datagram {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a.mu.Lock()
		var ds []datagram
		for _, l := range a.lines {
			if strings.HasPrefix(l, "smokex.") || strings.HasPrefix(l, "_sc|smokex.") {
				ds = append(ds, parse(t, l))
			}
		}
		a.mu.Unlock()
		if want(ds) || time.Now().After(deadline) {
			return ds
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// total sums the values of the datagrams of name and kind with tags.
func total(ds []datagram, name, kind string, tags ...string) (sum float64, samples int) {
	for _, d := range ds {
		if d.name == name && d.kind == kind && strings.Join(d.tags, ",") == strings.Join(tags, ",") {
			sum += d.value
			samples++
		}
	}
	return sum, samples
}

const (
	passingPlan = `
name: passing
steps:
  - get: {url: "${base}/ok", expect: {status_code: 200}}
`
	failingPlan = `
name: failing
steps:
  - get: {url: "${base}/missing", name: "home page", expect: {status_code: 200}}
  - get: {url: "${base}/ok"}
`
)

func engine(t *testing.T, rec *datadog.Recorder) *smokex.Engine {
	t.Helper()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(api.Close)
	eng, err := smokex.New(smokex.Config{
		Vars:  map[string]any{"base": api.URL},
		Hooks: []record.Hook{rec},
	})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, eng.Start(ctx))
	for _, src := range []string{passingPlan, failingPlan} {
		p, err := plan.Parse([]byte(src), nil)
		require.NoError(t, err)
		require.NoError(t, eng.AddPlan(ctx, p))
	}
	return eng
}

func TestDatagrams(t *testing.T) {
	t.Parallel()
	ag := newAgent(t)
	rec, err := datadog.New(datadog.Config{Addr: ag.addr(), Tags: []string{"env:test"}})
	require.NoError(t, err)
	eng := engine(t, rec)
	ctx := context.Background()
	for range 2 {
		x, err := eng.Run(ctx, "passing", nil)
		require.NoError(t, err)
		require.Equal(t, record.StatusPassed, x.Status)
	}
	failed, err := eng.Run(ctx, "failing", nil)
	require.NoError(t, err)
	// Stop stops the recorder, which flushes and closes its client.
	require.NoError(t, eng.Stop(ctx))

	ds := ag.received(t, func(ds []datagram) bool {
		n, _ := total(ds, "smokex.executions", "c", "env:test", "plan:passing", "status:passed", "trigger:manual", "flaky:false")
		return n == 2 && len(ds) >= 8
	})
	status := string(failed.Status)

	n, _ := total(ds, "smokex.executions", "c", "env:test", "plan:passing", "status:passed", "trigger:manual", "flaky:false")
	require.Equal(t, 2.0, n, "%+v", ds)
	n, _ = total(ds, "smokex.executions", "c", "env:test", "plan:failing", "status:"+status, "trigger:manual", "flaky:false")
	require.Equal(t, 1.0, n)
	_, samples := total(ds, "smokex.execution.duration", "d", "env:test", "plan:passing", "status:passed")
	require.GreaterOrEqual(t, samples, 1)
	_, samples = total(ds, "smokex.step.duration", "d", "env:test", "plan:failing", "method:GET", "outcome:failed", "http.response.status_code:4xx")
	require.Equal(t, 1, samples, "the failed step, and not the skipped one")
	_, samples = total(ds, "smokex.step.duration", "d", "env:test", "plan:passing", "method:GET", "outcome:passed", "http.response.status_code:2xx")
	require.GreaterOrEqual(t, samples, 1)
	n, _ = total(ds, "smokex.assertion.failures", "c", "env:test", "plan:failing", "type:status_code")
	require.Equal(t, 1.0, n)

	var checks []datagram
	for _, d := range ds {
		if d.kind == "sc" {
			checks = append(checks, d)
		}
	}
	require.Len(t, checks, 3)
	for _, c := range checks {
		require.Equal(t, "smokex.plan", c.name)
		require.NotZero(t, c.ts)
	}
	var ok, critical []datagram
	for _, c := range checks {
		switch c.status {
		case 0:
			ok = append(ok, c)
		case 2:
			critical = append(critical, c)
		}
	}
	require.Len(t, ok, 2)
	require.Equal(t, []string{"env:test", "plan:passing"}, ok[0].tags)
	require.Len(t, critical, 1)
	require.Equal(t, []string{"env:test", "plan:failing"}, critical[0].tags)
	require.Equal(t, "plan failing "+status+": step 0 (home page) failed: status_code expected 200, received 404", critical[0].message)
	require.Equal(t, failed.FinishedAt.Unix(), critical[0].ts)
}

func TestNoAgent(t *testing.T) {
	t.Parallel()
	// A port where nothing listens: the sends fail in the background.
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	addr := conn.LocalAddr().String()
	require.NoError(t, conn.Close())

	for _, addr := range []string{addr, "unix:///nonexistent/dsd.socket"} {
		rec, err := datadog.New(datadog.Config{Addr: addr})
		require.NoError(t, err, addr)
		eng := engine(t, rec)
		ctx := context.Background()
		start := time.Now()
		for range 20 {
			_, err := eng.Run(ctx, "failing", nil)
			require.NoError(t, err)
		}
		require.Less(t, time.Since(start), 5*time.Second, addr)
		stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		require.NoError(t, eng.Stop(stopCtx), addr)
		cancel()
	}
}

func TestHostClientIsFlushedNotClosed(t *testing.T) {
	t.Parallel()
	ag := newAgent(t)
	c, err := statsd.New(ag.addr())
	require.NoError(t, err)
	defer c.Close()
	rec, err := datadog.New(datadog.Config{Client: c})
	require.NoError(t, err)
	rec.NotificationSent(context.Background(), nil, &record.Notification{Provider: "slack", Outcome: record.NotificationDelivered})
	require.NoError(t, rec.Stop(context.Background()))
	ds := ag.received(t, func(ds []datagram) bool { return len(ds) > 0 })
	n, _ := total(ds, "smokex.notifications", "c", "provider:slack", "outcome:delivered")
	require.Equal(t, 1.0, n)
	// The host's client still works.
	require.NoError(t, c.Count("smokex.after", 1, nil, 1))
}

func TestConfig(t *testing.T) {
	t.Parallel()
	_, err := datadog.New(datadog.Config{})
	require.EqualError(t, err, "datadog: Config needs a Client or an Addr")
	_, err = datadog.New(datadog.Config{Addr: "udp://"})
	require.Error(t, err)
}

func TestFailureMessage(t *testing.T) {
	t.Parallel()
	x := &record.Execution{Error: &record.StepError{Kind: record.ErrInterpolation, Message: "secret TOKEN is not set"}}
	require.Equal(t, "interpolation: secret TOKEN is not set", datadog.Failure(x))
	x = &record.Execution{Steps: []record.StepResult{{OK: true}, {Index: 1, Name: "api", Error: &record.StepError{Kind: record.ErrTimeout, Message: "no answer in 5s"}}}}
	require.Equal(t, "step 1 (api) failed: timeout: no answer in 5s", datadog.Failure(x))
}
