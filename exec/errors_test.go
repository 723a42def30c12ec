package exec_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// stall answers only when the client gives up.
func stall(w http.ResponseWriter, r *http.Request) {
	<-r.Context().Done()
}

// hangUp closes the connection without answering; with reset, it makes the
// peer see a reset.
func hangUp(t testing.TB, reset bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok && reset {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
	}
}

func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// gzipBomb is size bytes of zeros gzipped as one member per MiB, which
// readers concatenate: small to send, cheap to build.
func gzipBomb(t testing.TB, size int) []byte {
	t.Helper()
	var member bytes.Buffer
	zw, err := gzip.NewWriterLevel(&member, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(make([]byte, 1<<20))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return bytes.Repeat(member.Bytes(), size>>20)
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	stalling := serve(t, stall)
	slowBody := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	closing := serve(t, hangUp(t, false))
	resetting := serve(t, hangUp(t, true))
	cutShort := serve(t, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
		_ = buf.Flush()
		_ = conn.Close()
	})
	loop := serve(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.Path, http.StatusFound) })
	huge := serve(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		for range 100 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	bomb := gzipBomb(t, 200<<20)
	gz := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb)
	})
	secure := httptest_NewTLSServer(t)
	closed := closedPort(t)

	timeout := func(s *plan.Step) { s.Options.Timeout = set(100 * time.Millisecond) }
	follow := func(s *plan.Step) { s.Options.FollowRedirects = set(true) }
	askGzip := func(s *plan.Step) { s.Headers = params(t, "Accept-Encoding", "gzip") }
	cases := []struct {
		name string
		step plan.Step
		kind record.ErrorKind
		msg  string
	}{
		{"no scheme", step(t, "GET", "example.com/x"), record.ErrInvalidURL, `"example.com/x" has no scheme (write http:// or https://)`},
		{"bad scheme", step(t, "GET", "ftp://example.com/x"), record.ErrInvalidURL, `"ftp://example.com/x" has scheme "ftp"; only http and https are supported`},
		{"no host", step(t, "GET", "http:///x"), record.ErrInvalidURL, `"http:///x" has no host`},
		{"unparsable", step(t, "GET", "http://[::1"), record.ErrInvalidURL, `"http://[::1" is not a valid URL: missing ']' in host`},
		{"empty", step(t, "GET", "${empty}"), record.ErrInvalidURL, `the URL is empty`},
		{"dns", step(t, "GET", "http://nothing-here.invalid/"), record.ErrDNS, "could not resolve host nothing-here.invalid"},
		{"connect", step(t, "GET", "http://"+closed+"/"), record.ErrConnect, "connection refused by " + closed},
		{"tls", step(t, "GET", secure.URL), record.ErrTLS, "certificate signed by an unknown authority"},
		{"tls to plain", step(t, "GET", strings.Replace(stalling.URL, "http:", "https:", 1)), record.ErrTLS, "did not answer in TLS"},
		{"timeout", step(t, "GET", stalling.URL, timeout), record.ErrTimeout, "no response within 100ms"},
		{"body timeout", step(t, "GET", slowBody.URL, timeout), record.ErrTimeout, "response body not complete within 100ms"},
		{"closed", step(t, "GET", closing.URL), record.ErrReset, "closed the connection without a response"},
		{"reset", step(t, "GET", resetting.URL), record.ErrReset, "connection reset by"},
		{"body cut short", step(t, "GET", cutShort.URL), record.ErrReset, "closed the connection before the body ended: the response is cut short"},
		{"redirect loop", step(t, "GET", loop.URL+"/a", follow), record.ErrRedirects, "more than 10 redirects"},
		{"100 MiB body", step(t, "GET", huge.URL), record.ErrTooLarge, "the response body is larger than 10 MiB"},
		{"gzip bomb", step(t, "GET", gz.URL), record.ErrTooLarge, "the response body is larger than 10 MiB"},
		{"gzip bomb asked for", step(t, "GET", gz.URL, askGzip), record.ErrTooLarge, "the response body is larger than 10 MiB"},
	}
	r := newRunner(t, exec.Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := r.Run(context.Background(), newPlan(c.step), &exec.RunOpts{Vars: map[string]any{"empty": ""}})
			res := e.Steps[0]
			require.NotNil(t, res.Error, "%+v", res)
			require.Equal(t, c.kind, res.Error.Kind, res.Error.Message)
			require.Contains(t, res.Error.Message, c.msg)
			require.False(t, res.OK)
			require.Equal(t, record.StatusFailed, e.Status)
		})
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	srv := serve(t, redirecting("/from", "/to", http.StatusMovedPermanently, 200))
	follow := step(t, "GET", srv.URL+"/from", func(s *plan.Step) {
		s.Options.FollowRedirects = set(true)
		s.Expect.String = tpl(t, "arrived")
	})
	stay := step(t, "GET", srv.URL+"/from", status(301), func(s *plan.Step) {
		s.Expect.Headers = []plan.HeaderExpect{{Name: "location", Value: tpl(t, "/to")}}
	})
	e := run(t, newPlan(follow, stay), nil)
	require.Equal(t, record.StatusPassed, e.Status, "%v %v", failures(e.Steps[0]), failures(e.Steps[1]))
	require.Equal(t, 200, e.Steps[0].Response.StatusCode)
	require.Equal(t, 301, e.Steps[1].Response.StatusCode)
}

func TestInsecure(t *testing.T) {
	t.Parallel()
	srv := httptest_NewTLSServer(t)
	p := newPlan(
		step(t, "GET", srv.URL, func(s *plan.Step) { s.Options.Insecure = set(true) }),
		step(t, "GET", srv.URL),
	)
	p.Options.HaltOnError = set(false)
	e := run(t, p, nil)
	require.Equal(t, []string{"failed", "ok", "tls"}, statuses(e))
	require.Positive(t, e.Steps[0].Timings.TLS)
}

func TestTLSWithTrustedClient(t *testing.T) {
	t.Parallel()
	srv := httptest_NewTLSServer(t)
	r := newRunner(t, exec.Config{Client: srv.Client()})
	e := r.Run(context.Background(), newPlan(step(t, "GET", srv.URL)), nil)
	require.Equal(t, record.StatusPassed, e.Status, "%+v", e.Steps[0].Error)
}

func TestRetries(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	flaky := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			hangUp(t, false)(w, r)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	var errCalls atomic.Int32
	failing := serve(t, func(w http.ResponseWriter, r *http.Request) {
		errCalls.Add(1)
		w.WriteHeader(500)
	})
	stalling := serve(t, stall)
	closed := closedPort(t)
	retries := func(n int) func(*plan.Step) { return func(s *plan.Step) { s.Options.Retries = set(n) } }
	p := newPlan(
		step(t, "GET", flaky.URL, retries(2)),
		step(t, "GET", failing.URL, retries(3)),
		step(t, "GET", "http://"+closed, retries(2)),
		step(t, "GET", stalling.URL, retries(1), func(s *plan.Step) { s.Options.Timeout = set(50 * time.Millisecond) }),
		step(t, "GET", "http://${x}", retries(5)),
	)
	p.Options.HaltOnError = set(false)
	e := run(t, p, &exec.RunOpts{Vars: map[string]any{"x": "a b"}})
	require.Equal(t, []string{"failed", "ok", "failed", "connect", "timeout", "invalid_url"}, statuses(e))
	attempts := []int{}
	for _, s := range e.Steps {
		attempts = append(attempts, s.Attempts)
	}
	require.Equal(t, []int{3, 1, 3, 2, 0}, attempts)
	require.Equal(t, int32(1), errCalls.Load(), "a response is never retried")
}

func TestRetryWaitHonoursContext(t *testing.T) {
	t.Parallel()
	closed := closedPort(t)
	r := newRunner(t, exec.Config{Retry: exec.RetryPolicy{Base: time.Hour, Max: time.Hour}})
	ctx, cancel := context.WithCancel(context.Background())
	p := newPlan(step(t, "GET", "http://"+closed, func(s *plan.Step) { s.Options.Retries = set(3) }), step(t, "GET", "http://"+closed))
	e := r.Run(ctx, p, &exec.RunOpts{Observer: record.HookFuncs{OnStart: func(context.Context, *record.PlanRef, *record.Execution) {
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	}}})
	require.Equal(t, []string{"canceled/canceled", "canceled", "skipped"}, statuses(e))
	require.Equal(t, record.ErrCanceled, e.Error.Kind)
}

func TestCanceled(t *testing.T) {
	t.Parallel()
	srv := serve(t, stall)
	ctx, cancel := context.WithCancel(context.Background())
	p := newPlan(step(t, "GET", srv.URL), step(t, "GET", srv.URL))
	p.Options.HaltOnError = set(false)
	r := newRunner(t, exec.Config{})
	e := r.Run(ctx, p, &exec.RunOpts{Observer: record.HookFuncs{OnStart: func(context.Context, *record.PlanRef, *record.Execution) {
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	}}})
	require.Equal(t, []string{"canceled/canceled", "canceled", "skipped"}, statuses(e))
	require.Equal(t, "the execution was stopped before it finished", e.Error.Message)
	require.Equal(t, "the execution was stopped during the request", e.Steps[0].Error.Message)

	// A context already done runs nothing.
	e = r.Run(ctx, p, nil)
	require.Equal(t, []string{"canceled/canceled", "skipped", "skipped"}, statuses(e))
	require.Zero(t, e.Steps[0].Attempts)

	// A step that failed before the cancel makes the execution failed: a
	// monitor filtering on failed sees it, and the reason says it stopped.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	p = newPlan(step(t, "GET", "http://"+closedPort(t)), step(t, "GET", srv.URL), step(t, "GET", srv.URL))
	p.Options.HaltOnError = set(false)
	e = r.Run(ctx2, p, &exec.RunOpts{Observer: record.HookFuncs{OnStep: func(_ context.Context, _ *record.PlanRef, _ *record.Execution, res *record.StepResult) {
		if res.Index == 0 {
			go func() { time.Sleep(20 * time.Millisecond); cancel2() }()
		}
	}}})
	require.Equal(t, []string{"failed/canceled", "connect", "canceled", "skipped"}, statuses(e))
}
