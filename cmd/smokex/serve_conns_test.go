package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	osexec "os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestServeIdleConnections holds many idle connections to a serve
// process, each after one request, as the probe of serve did: serve stays
// within --max-connections by closing the longest idle ones, /status keeps
// answering, and the scheduled checks keep passing, none of them failing
// for want of a file descriptor. SMOKEX_IDLE_CONNS sets how many (2,000 by
// default, with --max-connections 500); from 4,096 on, serve runs with its
// default cap. It logs serve's RSS and /status's latency, which the README
// records for 20,000.
func TestServeIdleConnections(t *testing.T) {
	bin := buildBinary(t)
	n := 2000
	if v := os.Getenv("SMOKEX_IDLE_CONNS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, "SMOKEX_IDLE_CONNS")
	}
	srv, dir := tickerSetup(t)
	args := []string{"--var", "base=" + srv.URL}
	if n < defaultMaxConnections {
		args = append(args, "--max-connections", strconv.Itoa(n/4))
	}
	p := startServeProcess(t, bin, append(args, dir)...)
	p.waitLog(t, `msg="smokex serve: listening" url=\S+`)
	addr := regexp.MustCompile(`url=http://(\S+)/`).FindStringSubmatch(logText(p.stderr))[1]
	p.waitLog(t, finishedLine("ticker", "passed"))
	rssBefore := rss(t, p.cmd.Process.Pid)
	latBefore := statusLatency(t, addr)

	// n connections, each idle after one request, held by helper
	// processes of perHelper each, so that no process of the test needs
	// more files than a usual limit allows.
	for held := 0; held < n; held += perHelper {
		holdIdle(t, addr, min(perHelper, n-held))
	}

	// Beyond the cap, /status answers and the checks go on passing.
	latAfter := statusLatency(t, addr)
	rssAfter := rss(t, p.cmd.Process.Pid)
	passed := regexp.MustCompile(finishedLine("ticker", "passed"))
	want := len(passed.FindAllString(logText(p.stderr), -1)) + 3
	deadline := time.After(waitLimit)
	for len(passed.FindAllString(logText(p.stderr), -1)) < want {
		select {
		case <-p.exited:
			require.FailNow(t, "serve exited", "%v\n%s", p.err, logText(p.stderr))
		case <-deadline:
			require.FailNow(t, "the checks stopped passing", logText(p.stderr))
		case <-time.After(50 * time.Millisecond):
		}
	}
	log := logText(p.stderr)
	require.NotRegexp(t, `status=(failed|canceled)`, log)
	require.NotContains(t, log, "too many open files")
	require.Contains(t, log, "smokex serve: inbound connections at --max-connections")
	t.Logf("%d idle connections: RSS %d MB before, %d MB with them; /status p50 %s, max %s before; p50 %s, max %s with them",
		n, rssBefore>>20, rssAfter>>20, latBefore[0], latBefore[1], latAfter[0], latAfter[1])
}

// perHelper is how many idle connections one helper process holds.
const perHelper = 5000

// idleHelperEnv, set to addr,n, makes TestIdleHelper hold n idle
// connections to addr until its stdin closes.
const idleHelperEnv = "SMOKEX_TEST_IDLE_HELPER"

// holdIdle starts a helper process, the test binary running
// TestIdleHelper, that holds n idle connections to addr until the test
// ends, and waits until it holds them all.
func holdIdle(t *testing.T, addr string, n int) {
	t.Helper()
	cmd := osexec.Command(os.Args[0], "-test.run=^TestIdleHelper$", "-test.v")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d", idleHelperEnv, addr, n))
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	var out []string
	for sc.Scan() {
		out = append(out, sc.Text())
		if sc.Text() == "holding" {
			go io.Copy(io.Discard, stdout)
			return
		}
	}
	_ = cmd.Wait()
	require.FailNow(t, "the helper did not hold its connections", "%s\n%s", strings.Join(out, "\n"), stderr.String())
}

// TestIdleHelper is the helper process of holdIdle; without idleHelperEnv
// it does nothing.
func TestIdleHelper(t *testing.T) {
	v := os.Getenv(idleHelperEnv)
	if v == "" {
		t.Skip("a helper process of TestServeIdleConnections")
	}
	addr, count, _ := strings.Cut(v, ",")
	n, err := strconv.Atoi(count)
	require.NoError(t, err)
	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	var wg sync.WaitGroup
	next := make(chan int)
	errs := make(chan error, n)
	for range 16 {
		wg.Go(func() {
			for i := range next {
				c, err := oneRequest(addr)
				if err != nil {
					errs <- err
					continue
				}
				conns[i] = c
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "a connection beyond the cap gets its answer too")
	}
	fmt.Println("holding")
	io.Copy(io.Discard, os.Stdin)
}

// oneRequest opens a connection to addr, sends GET /status on it and reads
// the answer, leaving the connection open and idle.
func oneRequest(addr string) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(c, "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET /status: %s", resp.Status)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// statusLatency sends 50 requests for /status, each on a new connection,
// and returns the median and the longest time to the whole answer.
func statusLatency(t *testing.T, addr string) [2]time.Duration {
	t.Helper()
	var ds []time.Duration
	for range 50 {
		start := time.Now()
		c, err := oneRequest(addr)
		require.NoError(t, err)
		ds = append(ds, time.Since(start))
		c.Close()
	}
	slices.Sort(ds)
	return [2]time.Duration{ds[len(ds)/2].Round(10 * time.Microsecond), ds[len(ds)-1].Round(10 * time.Microsecond)}
}

// rss is the resident set size of the process pid, in bytes.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read the RSS from: %v", err)
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	require.NotNil(t, m, string(b))
	kb, err := strconv.ParseInt(string(m[1]), 10, 64)
	require.NoError(t, err)
	return kb << 10
}

// TestListenRefusesWhenEveryConnectionIsBusy: at the cap, with every
// connection in a request (two /events-like streams), a new connection is
// answered 503 at once rather than queued; once one ends, requests are
// served again.
func TestListenRefusesWhenEveryConnectionIsBusy(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			w.WriteHeader(http.StatusOK)
			http.NewResponseController(w).Flush()
			started <- struct{}{}
			<-release
			return
		}
		io.WriteString(w, "ok")
	})
	s, err := listen("127.0.0.1:0", h, slog.New(slog.DiscardHandler), defaultListenConfig(2))
	require.NoError(t, err)
	t.Cleanup(func() { s.srv.Close() })
	var streams []*http.Response
	for range 2 {
		resp, err := http.Get(s.url + "stream")
		require.NoError(t, err)
		streams = append(streams, resp)
		<-started
	}
	// The refusal is written as the connection is accepted, before any
	// request is read: an http.Client would race it with its own request
	// (an unsolicited response on an idle connection), so the test reads
	// it from a bare connection.
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(s.url, "http://"), "/"))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Contains(t, string(body), "too many connections")
	require.Equal(t, "1", resp.Header.Get("Retry-After"))

	close(release)
	for _, r := range streams {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get(s.url + "status")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, waitLimit, 10*time.Millisecond)
	http.DefaultClient.CloseIdleConnections()
}

// TestLoginSlowBodyCutOff sends POST /login a body one byte at a time and
// then nothing: the connection is closed once the read timeout has passed,
// instead of being held for as long as the client likes.
func TestLoginSlowBodyCutOff(t *testing.T) {
	t.Parallel()
	f := &adminFlags{authToken: "t0ken"}
	cfg := defaultListenConfig(16)
	cfg.read = 500 * time.Millisecond
	s, err := listen("127.0.0.1:0", f.withAuth(http.NotFoundHandler(), slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.srv.Close() })
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(s.url, "http://"), "/"))
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nt")
	require.NoError(t, err)
	// The server cuts the connection: the read ends, with an answer or
	// without. A held connection would block until the test's limit.
	require.NoError(t, c.SetReadDeadline(time.Now().Add(waitLimit)))
	_, err = io.Copy(io.Discard, c)
	require.NoError(t, err, "the server closed the connection before the test's limit")
}

func TestMaxConnections(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		flag, concurrency int
		limit             uint64
		want              int
		err               string
	}{
		{0, 0, 0, defaultMaxConnections, ""},
		{0, 0, 1 << 20, defaultMaxConnections, ""},
		{0, 0, 1024, 1024 - reservedFiles - 16*filesPerExecution, ""},
		{0, 100, 2048, 2048 - reservedFiles - 100*filesPerExecution, ""},
		{0, 0, 64, 32, ""},
		{100, 0, 1024, 100, ""},
		{50000, 0, 0, 50000, ""},
		{50000, 0, 1 << 20, 50000, ""},
		{1000, 0, 1024, 0, "--max-connections 1000 leaves too few file descriptors for the checks: the process may open 1024 files (RLIMIT_NOFILE)"},
		{-1, 0, 1024, 0, "--max-connections must not be negative"},
	} {
		got, err := maxConnections(c.flag, c.concurrency, c.limit)
		if c.err != "" {
			require.ErrorContains(t, err, c.err, fmt.Sprint(c))
			continue
		}
		require.NoError(t, err, fmt.Sprint(c))
		require.Equal(t, c.want, got, fmt.Sprint(c))
	}
}
