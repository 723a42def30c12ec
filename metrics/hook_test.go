package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/metrics"
	"github.com/smokex/smokex/record"
)

// log is a Recorder that writes down what it is told, tracing too.
type log struct {
	metrics.Nop
	name  string
	lines *[]string
}

type ctxKey struct{}

func (l log) add(format string, args ...any) {
	*l.lines = append(*l.lines, l.name+" "+fmt.Sprintf(format, args...))
}

func (l log) RecordExecution(ctx context.Context, p *record.PlanRef, x *record.Execution) {
	l.add("execution %s %s ctx=%v", p.ID, x.Status, ctx.Value(ctxKey{}))
}

func (l log) RecordStep(ctx context.Context, p *record.PlanRef, x *record.Execution, s *record.StepResult) {
	l.add("step %d %s ctx=%v", s.Index, metrics.StepOutcome(s), ctx.Value(ctxKey{}))
}

func (l log) RecordAssertionFailure(_ context.Context, _ *record.PlanRef, _ *record.Execution, s *record.StepResult, f *record.Failure) {
	l.add("failure %d %s", s.Index, f.Type)
}

func (l log) RecordSkippedTick(ctx context.Context, planID string, p *record.PlanRef, reason record.SkipReason) {
	l.add("skipped %s %s canceled=%v", metrics.PlanID(planID, p), reason, ctx.Err() != nil)
}

func (l log) RecordNotification(_ context.Context, _ *record.PlanRef, n *record.Notification) {
	l.add("notification %s %s", n.Provider, n.Outcome)
}

func (l log) TraceExecution(ctx context.Context, _ *record.PlanRef, x *record.Execution) (context.Context, string) {
	return context.WithValue(ctx, ctxKey{}, fmt.Sprint(ctx.Value(ctxKey{}), ">", l.name)), l.name + "-trace"
}

func (l log) TraceStep(ctx context.Context, _ *record.PlanRef, _ *record.Execution, index int) context.Context {
	return context.WithValue(ctx, ctxKey{}, fmt.Sprint(ctx.Value(ctxKey{}), ">", l.name, index))
}

func (l log) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		l.add("request")
		return rt.RoundTrip(r)
	})
}

func (l log) Start(context.Context) error { l.add("start"); return nil }
func (l log) Stop(context.Context) error  { l.add("stop"); return errors.New(l.name + " stop failed") }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestHookFeedsRecordersInOrder(t *testing.T) {
	t.Parallel()
	var lines []string
	h := metrics.NewHook(log{name: "a", lines: &lines}, nil, log{name: "b", lines: &lines})
	p := &record.PlanRef{ID: "p"}
	x := &record.Execution{ID: "x", PlanID: "p", Status: record.StatusFailed}
	ctx := context.Background()

	require.NoError(t, h.Start(ctx))
	xctx, traceID := h.ExecutionContext(ctx, p, x)
	require.Equal(t, "a-trace", traceID, "the first tracer's trace id")
	sctx := h.StepContext(xctx, p, x, 0)
	s := &record.StepResult{Index: 0, Response: &record.Response{StatusCode: 500}, Failures: []record.Failure{{Type: record.FailureStatusCode}, {Type: record.FailureJSON}}}
	h.StepFinished(sctx, p, x, s)
	h.ExecutionFinished(xctx, p, x)
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	h.TickSkipped(canceled, "gone", nil, time.Now(), record.SkipUnknownPlan)
	h.NotificationSent(ctx, p, &record.Notification{Provider: "slack", Outcome: record.NotificationDelivered})
	h.NotificationSent(ctx, p, &record.Notification{Provider: "email", Outcome: record.NotificationFailed})
	rt := h.WrapTransport(roundTripFunc(func(*http.Request) (*http.Response, error) { return &http.Response{StatusCode: 204}, nil }))
	resp, err := rt.RoundTrip(&http.Request{})
	require.NoError(t, err)
	require.Equal(t, 204, resp.StatusCode)
	require.EqualError(t, h.Stop(ctx), "b stop failed\na stop failed")

	require.Equal(t, []string{
		"a start", "b start",
		"a failure 0 status_code", "a failure 0 json", "a step 0 failed ctx=<nil>>a>b>a0>b0",
		"b failure 0 status_code", "b failure 0 json", "b step 0 failed ctx=<nil>>a>b>a0>b0",
		"a execution p failed ctx=<nil>>a>b", "b execution p failed ctx=<nil>>a>b",
		"a skipped gone unknown_plan canceled=true", "b skipped gone unknown_plan canceled=true",
		"a notification slack delivered", "b notification slack delivered",
		"a notification email failed", "b notification email failed",
		"a request", "b request",
		"b stop", "a stop",
	}, lines)
}

func TestHookWithoutRecorders(t *testing.T) {
	t.Parallel()
	h := metrics.NewHook()
	ctx := context.Background()
	x := &record.Execution{}
	got, id := h.ExecutionContext(ctx, nil, x)
	require.Equal(t, ctx, got)
	require.Empty(t, id)
	require.Equal(t, ctx, h.StepContext(ctx, nil, x, 0))
	rt := http.DefaultTransport
	require.Equal(t, rt, h.WrapTransport(rt))
	h.StepFinished(ctx, nil, x, &record.StepResult{})
	require.NoError(t, h.Start(ctx))
	require.NoError(t, h.Stop(ctx))
}

func TestLabels(t *testing.T) {
	t.Parallel()
	for code, class := range map[int]string{0: "", 99: "", 100: "1xx", 204: "2xx", 301: "3xx", 404: "4xx", 599: "5xx", 600: ""} {
		require.Equal(t, class, metrics.StatusClass(code), code)
	}
	for m, want := range map[string]string{"GET": "GET", "PATCH": "PATCH", "get": "_OTHER", "PURGE": "_OTHER", "": "_OTHER"} {
		require.Equal(t, want, metrics.Method(m), m)
	}
	for _, c := range []struct {
		s    record.StepResult
		want metrics.Outcome
	}{
		{record.StepResult{OK: true}, metrics.OutcomePassed},
		{record.StepResult{Failures: []record.Failure{{}}}, metrics.OutcomeFailed},
		{record.StepResult{Error: &record.StepError{Kind: record.ErrTimeout}}, metrics.OutcomeError},
		{record.StepResult{Skipped: true}, metrics.OutcomeSkipped},
	} {
		require.Equal(t, c.want, metrics.StepOutcome(&c.s))
	}
	require.Equal(t, "", metrics.StepStatusClass(&record.StepResult{}))
	require.Equal(t, "p", metrics.PlanID("tick", &record.PlanRef{ID: "p"}))
	require.Equal(t, "tick", metrics.PlanID("tick", nil))
}

func TestScheduleLag(t *testing.T) {
	t.Parallel()
	var lines []string
	l := lagLog{log{name: "a", lines: &lines}}
	h := metrics.NewHook(l)
	due := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	h.ExecutionStarted(ctx, nil, &record.Execution{PlanID: "p", ScheduledAt: due, StartedAt: due.Add(250 * time.Millisecond)})
	h.ExecutionStarted(ctx, nil, &record.Execution{PlanID: "p", ScheduledAt: due, StartedAt: due.Add(-time.Millisecond)})
	h.ExecutionStarted(ctx, nil, &record.Execution{PlanID: "manual", StartedAt: due})
	require.Equal(t, []string{"a lag p 250ms", "a lag p 0s"}, lines)
}

type lagLog struct{ log }

func (l lagLog) RecordScheduleLag(_ context.Context, _ *record.PlanRef, x *record.Execution, lag time.Duration) {
	l.add("lag %s %s", x.PlanID, lag)
}
