// Command scale measures the engine under a scheduling load: many plans on
// "@every 1s" against a loopback server, with a concurrency limit, for a
// while. It prints how many ticks started within a second of their due
// time, the heap over time, and the goroutines left after Stop.
//
//	go run ./bench/scale -plans 1000 -for 30s -concurrency 64
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/storage/memory"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run() error {
	plans := flag.Int("plans", 1000, "plans to schedule")
	runFor := flag.Duration("for", 30*time.Second, "how long to run")
	concurrency := flag.Int("concurrency", 64, "engine concurrency limit")
	keep := flag.Int("keep", 10, "executions the memory store keeps per plan")
	memprofile := flag.String("memprofile", "", "write a heap profile to this file at the end of the run, before the engine stops")
	flag.Parse()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	goroutinesBefore := runtime.NumGoroutine()
	transport := &http.Transport{MaxIdleConnsPerHost: *concurrency, MaxIdleConns: *concurrency}
	eng, err := smokex.New(smokex.Config{
		Store:       memory.New(memory.Config{MaxExecutionsPerPlan: *keep}),
		Concurrency: *concurrency,
		Exec:        exec.Config{Client: &http.Client{Transport: transport}},
		Vars:        map[string]any{"base": "http://" + ln.Addr().String()},
	})
	if err != nil {
		return err
	}
	ctx := context.Background()
	for i := range *plans {
		src := fmt.Sprintf(`{name: p%04d, schedule: "@every 1s", steps: [{get: {url: "${base}/%d", expect: {json: {ok: true}}}}]}`, i, i)
		p, err := plan.Parse([]byte(src), nil)
		if err != nil {
			return err
		}
		if err := eng.AddPlan(ctx, p); err != nil {
			return err
		}
	}

	// Lateness is measured from a tick's due time (the execution's
	// ScheduledAt; "@every 1s" ticks at a point of the second derived from
	// the plan's id) to the start of its execution. The share on time is
	// taken over every tick, skipped ones counted as late.
	var mu sync.Mutex
	var late []time.Duration
	failed := 0
	sub := eng.Subscribe(1 << 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range sub.C() {
			if ev.Type == smokex.EventExecutionStarted {
				due := ev.Execution.ScheduledAt
				mu.Lock()
				late = append(late, ev.Execution.StartedAt.Sub(due))
				mu.Unlock()
			}
			if ev.Type == smokex.EventExecutionFinished && ev.Execution.Status != "passed" {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}
	}()

	start := time.Now()
	if err := eng.Start(ctx); err != nil {
		return err
	}
	fmt.Printf("%d plans @every 1s, concurrency %d, for %s\n", *plans, *concurrency, *runFor)
	ticker := time.NewTicker(5 * time.Second)
	deadline := time.After(*runFor)
loop:
	for {
		select {
		case <-ticker.C:
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mu.Lock()
			n := len(late)
			mu.Unlock()
			fmt.Printf("t=%3.0fs heap=%6.1f MiB goroutines=%5d executions started=%d\n",
				time.Since(start).Seconds(), float64(ms.HeapAlloc)/(1<<20), runtime.NumGoroutine(), n)
		case <-deadline:
			break loop
		}
	}
	ticker.Stop()
	elapsed := time.Since(start)
	if *memprofile != "" {
		if err := writeHeapProfile(*memprofile); err != nil {
			return err
		}
	}
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := eng.Stop(stopCtx); err != nil {
		return err
	}
	<-done
	transport.CloseIdleConnections()
	srv.Close()
	time.Sleep(100 * time.Millisecond)

	mu.Lock()
	defer mu.Unlock()
	sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
	within := sort.Search(len(late), func(i int) bool { return late[i] > time.Second })
	expected := int(elapsed.Seconds()) * *plans
	fmt.Printf("ticks due ~%d, executions started %d, skipped ticks %d, failed %d\n", expected, len(late), eng.SkippedTicks(), failed)
	if len(late) > 0 {
		ticks := len(late) + int(eng.SkippedTicks())
		fmt.Printf("started within 1s of due: %.2f%% of %d ticks  lateness p50=%s p99=%s max=%s\n",
			100*float64(within)/float64(ticks), ticks, late[len(late)/2], late[len(late)*99/100], late[len(late)-1])
	}
	fmt.Printf("goroutines: before engine %d, after Stop %d\n", goroutinesBefore, runtime.NumGoroutine())
	return nil
}

// writeHeapProfile writes the live heap, after a collection, to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
