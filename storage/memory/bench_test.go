package memory_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// benchStep returns a step result shaped like one the executor stores
// without debug: a response with a few headers and a body excerpt, each
// step's own.
func benchStep(execID string, i int) *record.StepResult {
	url := fmt.Sprintf("https://api.example.test/v1/orders/%s/items/%d", execID, i)
	return &record.StepResult{
		Index:     i,
		Name:      fmt.Sprintf("step %d", i),
		Method:    "GET",
		URL:       url,
		StartedAt: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC),
		Response: &record.Response{
			StatusCode: 200,
			Proto:      "HTTP/1.1",
			Headers:    map[string][]string{"Content-Type": {"application/json"}, "X-Request-Id": {execID}},
			Body:       fmt.Sprintf(`{"id":%q,"item":%d,"status":"ok","tags":["a","b"]}`, execID, i),
			Size:       64,
		},
		Timings:  record.Timings{Connect: time.Millisecond, FirstByte: 20 * time.Millisecond, Total: 25 * time.Millisecond},
		Attempts: 1,
		OK:       true,
	}
}

// checkStep returns a step result shaped like one of serve's checks at
// time at: the request headers the executor sends, the same at every run,
// and a response's headers of which only Date changes from one run to the
// next.
func checkStep(at time.Time) *record.StepResult {
	return &record.StepResult{
		Name: "GET /echo", Method: "GET", URL: "http://127.0.0.1:8080/echo?token=t1", OK: true, Attempts: 1, StartedAt: at,
		Request: &record.Request{Method: "GET", URL: "http://127.0.0.1:8080/echo?token=t1", Headers: map[string][]string{
			"User-Agent": {"smokex"}, "Accept-Encoding": {"gzip"},
		}},
		Response: &record.Response{StatusCode: 200, Proto: "HTTP/1.1", Size: 16, Headers: map[string][]string{
			"Content-Type": {"application/json"}, "Content-Length": {"16"}, "X-Echo": {"yes"},
			"Date": {at.Format(http.TimeFormat)},
		}},
	}
}

// checkSteps is checkStep for fillWith.
func checkSteps(_ string, _ int, at time.Time) *record.StepResult { return checkStep(at) }

// fill stores plans × perPlan executions of steps steps each, created
// round-robin over the plans, into st, as the executor would: created
// running, steps appended, then finished. The steps are benchStep's.
func fill(b *testing.B, st *memory.Store, plans, perPlan, steps int) {
	fillWith(b, st, plans, perPlan, steps, func(execID string, i int, _ time.Time) *record.StepResult { return benchStep(execID, i) })
}

// fillWith is fill with the steps step returns, for the execution's ID,
// the step's index and the execution's start.
func fillWith(b *testing.B, st *memory.Store, plans, perPlan, steps int, step func(execID string, i int, at time.Time) *record.StepResult) {
	b.Helper()
	ctx := context.Background()
	for p := range plans {
		if err := st.SavePlan(ctx, &storage.Plan{ID: fmt.Sprintf("plan-%03d", p)}); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range plans * perPlan {
		id := fmt.Sprintf("exec-%07d", i)
		created := start.Add(time.Duration(i) * time.Second)
		e := &record.Execution{
			ID: id, PlanID: fmt.Sprintf("plan-%03d", i%plans), Trigger: record.TriggerSchedule,
			Status: record.StatusRunning, CreatedAt: created, StartedAt: created,
		}
		if err := st.CreateExecution(ctx, e); err != nil {
			b.Fatal(err)
		}
		for k := range steps {
			if err := st.AppendStep(ctx, id, step(id, k, created)); err != nil {
				b.Fatal(err)
			}
		}
		e.Status, e.FinishedAt = record.StatusPassed, created.Add(time.Duration(100+i%400)*time.Millisecond)
		if i%10 == 3 {
			e.Status = record.StatusFailed
		}
		if err := st.UpdateExecution(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since start: unlike ns/op,
// it does not grow when other processes share the machine.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkMillionSteps fills a store bounded to 100 plans × 1,000
// executions with 110,000 executions of 10 steps: the bound drops the 10,000
// oldest, leaving 1,000,000 step results. It reports the live heap they
// take.
func BenchmarkMillionSteps(b *testing.B) {
	const plans, perPlan, steps = 100, 1100, 10
	var heap, perStep float64
	for b.Loop() {
		before := heapInUse()
		st := memory.New(memory.Config{MaxExecutionsPerPlan: 1000, MaxBytes: 1 << 40})
		fill(b, st, plans, perPlan, steps)
		after := heapInUse()
		page, err := st.ListExecutions(context.Background(), &storage.ListExecutionsParams{PlanID: "plan-000", Limit: storage.MaxListLimit})
		if err != nil || len(page.Executions) != 1000 {
			b.Fatalf("plan-000 holds %d executions (%v), want the bound of 1000", len(page.Executions), err)
		}
		heap = float64(after-before) / (1 << 20)
		perStep = float64(after-before) / (plans * 1000 * steps)
		runtime.KeepAlive(st)
	}
	b.ReportMetric(heap, "heap-MiB")
	b.ReportMetric(perStep, "heap-B/step")
	b.ReportMetric(float64(plans*perPlan*steps)/b.Elapsed().Seconds()*float64(b.N), "appends/s")
}

// BenchmarkByteBudget fills a store with the default budget
// (DefaultMaxBytes) with 1,000 plans' executions of one step, more than
// fits, and reports the live heap it holds then, the budget's estimate
// against the allocator's count, and how many executions a plan keeps:
// steps of their own (benchStep: no request, a body and an ID header of
// each run's) and serve's checks (checkStep: a request the runs share).
func BenchmarkByteBudget(b *testing.B) {
	const plans, perPlan = 1000, 200
	steps := map[string]func(string, int, time.Time) *record.StepResult{
		"own":    func(id string, i int, _ time.Time) *record.StepResult { return benchStep(id, i) },
		"checks": checkSteps,
	}
	for _, name := range []string{"own", "checks"} {
		b.Run("steps="+name, func(b *testing.B) {
			var heap float64
			var kept int
			for b.Loop() {
				before := heapInUse()
				st := memory.New(memory.Config{})
				fillWith(b, st, plans, perPlan, 1, steps[name])
				heap = float64(heapInUse()-before) / (1 << 20)
				page, err := st.ListExecutions(context.Background(), &storage.ListExecutionsParams{PlanID: "plan-000", Limit: storage.MaxListLimit})
				if err != nil {
					b.Fatal(err)
				}
				kept = len(page.Executions)
				runtime.KeepAlive(st)
			}
			b.ReportMetric(heap, "heap-MiB")
			b.ReportMetric(float64(memory.DefaultMaxBytes)/(1<<20), "budget-MiB")
			b.ReportMetric(float64(kept), "kept/plan")
		})
	}
}

// BenchmarkAppendStep measures storing one step result, from one goroutine
// and from GOMAXPROCS goroutines at once, without a request and with the
// executor's request, the same at every run, which the store shares.
func BenchmarkAppendStep(b *testing.B) {
	for _, c := range []struct{ parallel, request bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		b.Run(fmt.Sprintf("parallel=%v/request=%v", c.parallel, c.request), func(b *testing.B) {
			ctx := context.Background()
			st := memory.New(memory.Config{})
			if err := st.SavePlan(ctx, &storage.Plan{ID: "p"}); err != nil {
				b.Fatal(err)
			}
			// Each goroutine appends to its own executions, 10 steps each,
			// reusing one result: the store copies what it is given.
			var next atomic.Int64
			worker := func(more func() bool) {
				g := next.Add(1)
				r := benchStep(fmt.Sprint("g", g), 0)
				if c.request {
					r.Request = &record.Request{Method: r.Method, URL: r.URL, Headers: map[string][]string{"User-Agent": {"smokex"}, "Accept-Encoding": {"gzip"}}}
				}
				var id string
				for n := 0; more(); n++ {
					if n%10 == 0 {
						id = fmt.Sprintf("g%d-%d", g, n/10)
						if err := st.CreateExecution(ctx, &record.Execution{ID: id, PlanID: "p", Status: record.StatusRunning}); err != nil {
							b.Error(err)
							return
						}
					}
					r.Index = n % 10
					if err := st.AppendStep(ctx, id, r); err != nil {
						b.Error(err)
						return
					}
				}
			}
			defer reportCPU(b, cpuTime(b))
			if c.parallel {
				b.RunParallel(func(pb *testing.PB) { worker(pb.Next) })
			} else {
				worker(b.Loop)
			}
		})
	}
}

// BenchmarkListExecutions measures a page of 50 from a store of 100 plans ×
// 1,000 executions: one plan's, every plan's, deep in the paging, and with
// a status filter.
func BenchmarkListExecutions(b *testing.B) {
	st := memory.New(memory.Config{})
	fill(b, st, 100, 1000, 0)
	ctx := context.Background()
	deep, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{Limit: 1000})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		deep, err = st.ListExecutions(ctx, &storage.ListExecutionsParams{Limit: 1000, Cursor: deep.NextCursor})
		if err != nil {
			b.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		params storage.ListExecutionsParams
	}{
		{"one plan", storage.ListExecutionsParams{PlanID: "plan-042"}},
		{"one plan, window", storage.ListExecutionsParams{PlanID: "plan-042", Since: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}},
		{"every plan", storage.ListExecutionsParams{}},
		{"every plan, page 42", storage.ListExecutionsParams{Cursor: deep.NextCursor}},
		{"every plan, failed", storage.ListExecutionsParams{Statuses: []record.Status{record.StatusFailed}}},
	}
	for _, tt := range tests {
		b.Run(strings.ReplaceAll(tt.name, " ", "_"), func(b *testing.B) {
			defer reportCPU(b, cpuTime(b))
			for b.Loop() {
				page, err := st.ListExecutions(ctx, &tt.params)
				if err != nil || len(page.Executions) != storage.DefaultListLimit {
					b.Fatalf("%d executions, %v", len(page.Executions), err)
				}
			}
		})
	}
}

// BenchmarkSummaries measures summaries of 100 plans of 1,000 executions
// over the default window.
func BenchmarkSummaries(b *testing.B) {
	st := memory.New(memory.Config{})
	fill(b, st, 100, 1000, 0)
	ctx := context.Background()
	defer reportCPU(b, cpuTime(b))
	for b.Loop() {
		sums, err := st.Summaries(ctx, nil)
		if err != nil || len(sums) != 100 {
			b.Fatalf("%d summaries, %v", len(sums), err)
		}
	}
}

// BenchmarkMonitorHeaders stores what serve's checks leave: 1,000 plans of
// one step, 20 executions each, every step with the request headers the
// executor sends and a response's headers of which only Date changes from
// one run to the next (checkStep). It reports the live heap per step.
func BenchmarkMonitorHeaders(b *testing.B) {
	const plans, perPlan = 1000, 20
	var perStep float64
	for b.Loop() {
		before := heapInUse()
		st := memory.New(memory.Config{MaxExecutionsPerPlan: 1000, MaxBytes: 1 << 40})
		fillWith(b, st, plans, perPlan, 1, checkSteps)
		perStep = float64(heapInUse()-before) / (plans * perPlan)
		runtime.KeepAlive(st)
	}
	b.ReportMetric(perStep, "heap-B/step")
}
