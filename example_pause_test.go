package smokex_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
)

// A pause keeps a plan running and recording through a deploy, with its
// executions marked as in maintenance: they alert nothing and stay out
// of the plan's uptime and error budget.
func ExampleEngine_PausePlan() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "deploying", http.StatusServiceUnavailable)
	}))
	defer api.Close()
	eng, err := smokex.New(smokex.Config{Vars: map[string]any{"base": api.URL}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer eng.Stop(ctx)
	p, err := plan.Parse([]byte(`
name: checkout
slo: {target: 99.9%, window: 30d}
steps:
  - get:
      url: "${base}/checkout"
`), nil)
	if err != nil {
		panic(err)
	}
	if err := eng.AddPlan(ctx, p); err != nil {
		panic(err)
	}

	if err := eng.PausePlan(ctx, "checkout", time.Now().Add(time.Hour)); err != nil {
		panic(err)
	}
	x, err := eng.Run(ctx, "checkout", nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("paused:", x.Status, x.Maintenance != "")

	b, err := eng.ErrorBudget(ctx, "checkout")
	if err != nil {
		panic(err)
	}
	fmt.Println("counted against the budget:", b.Executions)

	if err := eng.ResumePlan(ctx, "checkout"); err != nil {
		panic(err)
	}
	x, err = eng.Run(ctx, "checkout", nil)
	if err != nil {
		panic(err)
	}
	b, err = eng.ErrorBudget(ctx, "checkout")
	if err != nil {
		panic(err)
	}
	fmt.Println("resumed:", x.Status, x.Maintenance != "", b.Executions, "counted,", b.Failed, "failed")
	// Output:
	// paused: failed true
	// counted against the budget: 0
	// resumed: failed false 1 counted, 1 failed
}
