package metrics_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/metrics"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// stepCounter is a metrics hook of its own: it counts steps by plan,
// outcome and status class, with this package's bounded labels. Embedding
// record.HookDefaults makes it a hook; it implements record.StepFinishedHook
// and nothing else.
type stepCounter struct {
	record.HookDefaults
	mu     sync.Mutex
	counts map[string]int
}

func (c *stepCounter) StepFinished(_ context.Context, p *record.PlanRef, _ *record.Execution, s *record.StepResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[p.ID+" "+string(metrics.StepOutcome(s))+" "+metrics.StepStatusClass(s)]++
}

// A host hands a metrics hook to the engine with the others.
func Example() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer api.Close()

	counter := &stepCounter{counts: map[string]int{}}
	eng, err := smokex.New(smokex.Config{
		Vars:  map[string]any{"base": api.URL},
		Hooks: []record.Hook{counter},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer eng.Stop(ctx)
	p, _ := plan.Parse([]byte(`
name: site
steps:
  - get: {url: "${base}/", expect: {status_code: 200}}
  - get: {url: "${base}/missing", expect: {status_code: 200}}
  - get: {url: "${base}/after"}
`), nil)
	_ = eng.AddPlan(ctx, p)
	if _, err := eng.Run(ctx, "site", nil); err != nil {
		panic(err)
	}
	counter.mu.Lock()
	defer counter.mu.Unlock()
	fmt.Println(counter.counts["site passed 2xx"], "passed,", counter.counts["site failed 4xx"], "failed,", counter.counts["site skipped "], "skipped")
	// Output: 1 passed, 1 failed, 1 skipped
}
