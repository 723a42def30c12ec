package metrics_test

import (
	"context"
	"testing"

	"github.com/smokex/smokex/metrics"
	"github.com/smokex/smokex/record"
)

// BenchmarkHookStep is what the hook costs a step with the no-op
// recorder: deriving the step's context and recording the finished step.
func BenchmarkHookStep(b *testing.B) {
	h := metrics.NewHook(metrics.Nop{})
	ctx := context.Background()
	p := &record.PlanRef{ID: "bench"}
	x := &record.Execution{ID: "x", PlanID: "bench"}
	s := &record.StepResult{Index: 0, Method: "GET", OK: true, Response: &record.Response{StatusCode: 200}}
	b.ReportAllocs()
	for b.Loop() {
		sctx := h.StepContext(ctx, p, x, 0)
		h.StepFinished(sctx, p, x, s)
	}
}
