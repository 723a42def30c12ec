package exec_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/record"
)

type stepKey struct{}

// stepTracer wraps each step in a context of its own and writes down what
// it sees.
type stepTracer struct {
	record.HookDefaults
	mu   sync.Mutex
	seen []string
}

func (o *stepTracer) note(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, s)
}

func (o *stepTracer) WrapStep(ctx context.Context, _ *record.PlanRef, _ *record.Execution, index int, doInner func(context.Context) *record.StepResult) {
	o.note(fmt.Sprintf("context %d", index))
	r := doInner(context.WithValue(ctx, stepKey{}, index))
	o.note(fmt.Sprintf("wrapped %d skipped=%v", r.Index, r.Skipped))
}

func (o *stepTracer) StepFinished(ctx context.Context, _ *record.PlanRef, _ *record.Execution, r *record.StepResult) {
	o.note(fmt.Sprintf("finished %d in context %v skipped=%v", r.Index, ctx.Value(stepKey{}), r.Skipped))
}

// TestStepContext checks the seam a tracer uses: each step, skipped ones
// too, runs inside the observer's WrapStep with the context it derives, its requests carry it
// through the wrapped transport (the insecure one too), and its
// StepFinished sees it.
func TestStepContext(t *testing.T) {
	t.Parallel()
	plain := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	secure := httptest_NewTLSServer(t)
	tr := &stepTracer{}
	r := newRunner(t, exec.Config{WrapTransport: func(rt http.RoundTripper) http.RoundTripper {
		return roundTrip(func(req *http.Request) (*http.Response, error) {
			tr.note(fmt.Sprintf("request %s in context %v", req.URL.Path, req.Context().Value(stepKey{})))
			return rt.RoundTrip(req)
		})
	}})
	p := parse(t, `
steps:
  - get: {url: "${plain}/a"}
  - get: {url: "${secure}/b", options: {insecure: true}}
  - get: {url: "${plain}/fail", expect: {status_code: 200}}
  - get: {url: "${plain}/never"}
`)
	x := r.Run(context.Background(), p, &exec.RunOpts{
		Vars:     map[string]any{"plain": plain.URL, "secure": secure.URL},
		Observer: tr,
	})
	require.Equal(t, []string{"ok", "ok", "failed", "skipped"}, statuses(x)[1:])
	require.Equal(t, []string{
		"context 0", "request /a in context 0", "finished 0 in context 0 skipped=false", "wrapped 0 skipped=false",
		"context 1", "request /b in context 1", "finished 1 in context 1 skipped=false", "wrapped 1 skipped=false",
		"context 2", "request /fail in context 2", "finished 2 in context 2 skipped=false", "wrapped 2 skipped=false",
		"context 3", "finished 3 in context 3 skipped=true", "wrapped 3 skipped=true",
	}, tr.seen)
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
