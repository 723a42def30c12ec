// Command adminload puts the admin endpoint of a running smokex serve under
// load: -conns connections request /status and /api/plans (half each) as
// fast as they are answered for -for, while -sse clients follow /events.
// It prints the latency percentiles and errors of each path, and whether
// every event stream client received every event.
//
//	adminload -url http://127.0.0.1:8080/ -conns 200 -sse 100 -for 20s
//
// An error is a request that fails or is answered with a code other than
// 200 (503 on /status counts apart: a failing plan, not a failing server).
// A stream client that is dropped for falling behind reconnects with its
// Last-Event-ID, as a browser does; it has received every event when the ids
// it got have no gap from its first to the last id sent. It exits 1 on any
// error or missed event, or when /status's p99 is over -max-p99.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080/", "the dashboard URL that smokex serve printed")
	conns := flag.Int("conns", 200, "concurrent connections on /status and /api/plans, half each")
	sse := flag.Int("sse", 100, "clients following /events")
	dur := flag.Duration("for", 20*time.Second, "how long to load")
	settle := flag.Duration("settle", 3*time.Second, "how long the streams go on after the load, to receive the last events")
	maxP99 := flag.Duration("max-p99", 20*time.Millisecond, "the target of /status's p99")
	rate := flag.Float64("rate", 0, "requests per second of each connection; 0 sends the next request as soon as the last is answered")
	flag.Parse()
	if !strings.HasSuffix(*url, "/") {
		*url += "/"
	}
	if err := run(*url, *conns, *sse, *dur, *settle, *maxP99, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "adminload:", err)
		os.Exit(1)
	}
}

// result is what the workers of one path measured.
type result struct {
	path      string
	latencies []time.Duration
	errors    int
	failing   int // 503 from /status
	firstErr  string
}

func run(base string, conns, sse int, dur, settle, maxP99 time.Duration, rate float64) error {
	// Streams first, so that they see every event of the load.
	streamCtx, stopStreams := context.WithCancel(context.Background())
	defer stopStreams()
	streams := make([]*stream, sse)
	var wg sync.WaitGroup
	for i := range streams {
		streams[i] = &stream{url: base + "events"}
		wg.Add(1)
		go func() {
			defer wg.Done()
			streams[i].follow(streamCtx)
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, s := range streams {
		for !s.connected.Load() {
			if time.Now().After(deadline) {
				return errors.New("the event streams did not connect within 10s")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	transport := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	paths := []string{"status", "api/plans"}
	results := make([][]*result, len(paths))
	loadCtx, stopLoad := context.WithTimeout(context.Background(), dur)
	defer stopLoad()
	var load sync.WaitGroup
	for i := range conns {
		p := i % len(paths)
		r := &result{path: paths[p]}
		results[p] = append(results[p], r)
		load.Add(1)
		go func() {
			defer load.Done()
			hammer(loadCtx, client, base+r.path, r, rate)
		}()
	}
	load.Wait()
	transport.CloseIdleConnections()
	time.Sleep(settle)
	// The plans go on ticking, spread over each second, so the streams are
	// never idle: each is stopped once it has every event up to the
	// latest any of them had by now (within another settle), not in the
	// middle of its next batch.
	var last uint64
	for _, s := range streams {
		last = max(last, s.seen.Load())
	}
	caughtUp := time.Now().Add(settle)
	for _, s := range streams {
		for s.seen.Load() < last && time.Now().Before(caughtUp) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	stopStreams()
	wg.Wait()

	pace := "as fast as answered"
	if rate > 0 {
		pace = fmt.Sprintf("%g requests/s each", rate)
	}
	fmt.Printf("%d connections (%s) for %s, %d event stream clients\n", conns, pace, dur, sse)
	fmt.Printf("%-10s %9s %9s %9s %9s %9s %7s %8s\n", "path", "requests", "req/s", "p50", "p99", "max", "errors", "503")
	var failed []string
	for p, rs := range results {
		all := &result{path: paths[p]}
		for _, r := range rs {
			all.latencies = append(all.latencies, r.latencies...)
			all.errors += r.errors
			all.failing += r.failing
			if all.firstErr == "" {
				all.firstErr = r.firstErr
			}
		}
		slices.Sort(all.latencies)
		n := len(all.latencies)
		if n == 0 {
			failed = append(failed, "/"+all.path+": no request was answered")
			continue
		}
		p50, p99 := all.latencies[n*50/100], all.latencies[min(n-1, n*99/100)]
		fmt.Printf("/%-9s %9d %9.0f %9s %9s %9s %7d %8d\n", all.path, n, float64(n)/dur.Seconds(),
			round(p50), round(p99), round(all.latencies[n-1]), all.errors, all.failing)
		if all.errors > 0 {
			failed = append(failed, fmt.Sprintf("/%s: %d errors, the first: %s", all.path, all.errors, all.firstErr))
		}
		if all.path == "status" && p99 > maxP99 {
			failed = append(failed, fmt.Sprintf("/status: p99 %s is over the target %s", round(p99), maxP99))
		}
	}

	if len(streams) == 0 {
		if len(failed) > 0 {
			return errors.New(strings.Join(failed, "; "))
		}
		return nil
	}
	missed, reconnects, received := 0, 0, 0
	for _, s := range streams {
		received += s.count
		reconnects += s.reconnects
		if s.gaps > 0 || s.last < last {
			missed++
		}
	}
	fmt.Printf("events: %d sent during the run (ids up to %d), %d received in all, %d of %d clients missed some, %d reconnects\n",
		int(last)-int(streams[0].first)+1, last, received, missed, len(streams), reconnects)
	if missed > 0 {
		failed = append(failed, fmt.Sprintf("%d event stream clients missed events", missed))
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

func round(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
}

// hammer requests url until ctx ends, rate times a second (0: as fast as
// it is answered).
func hammer(ctx context.Context, client *http.Client, url string, r *result, rate float64) {
	var tick <-chan time.Time
	if rate > 0 {
		interval := time.Duration(float64(time.Second) / rate)
		// Connections start spread over one interval.
		time.Sleep(time.Duration(rand.Int64N(int64(interval))))
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for ctx.Err() == nil {
		if tick != nil {
			select {
			case <-ctx.Done():
				return
			case <-tick:
			}
		}
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.fail(err.Error())
			continue
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			r.fail(err.Error())
		case resp.StatusCode == http.StatusOK:
			r.latencies = append(r.latencies, took)
		case resp.StatusCode == http.StatusServiceUnavailable && strings.HasSuffix(url, "/status"):
			r.latencies = append(r.latencies, took)
			r.failing++
		default:
			r.fail(resp.Status)
		}
	}
}

func (r *result) fail(msg string) {
	r.errors++
	if r.firstErr == "" {
		r.firstErr = msg
	}
}

// stream follows /events, reconnecting with Last-Event-ID, and checks that
// the ids it receives have no gap.
type stream struct {
	url         string
	connected   atomic.Bool
	first, last uint64
	seen        atomic.Uint64 // last, for run to read while the stream runs
	count, gaps int
	reconnects  int
}

func (s *stream) follow(ctx context.Context) {
	for ctx.Err() == nil {
		s.once(ctx)
		if ctx.Err() == nil {
			s.reconnects++
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func (s *stream) once(ctx context.Context) {
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url, nil)
	if s.last > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatUint(s.last, 10))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return
	}
	s.connected.Store(true)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		id, ok := strings.CutPrefix(sc.Text(), "id: ")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			continue
		}
		switch {
		case s.first == 0:
			s.first = n
		case n != s.last+1:
			s.gaps++
		}
		s.last = n
		s.seen.Store(n)
		s.count++
	}
}
