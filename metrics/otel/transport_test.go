package otel_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	smokexotel "github.com/smokex/smokex/metrics/otel"
	"github.com/smokex/smokex/record"
)

// sent is a transport that keeps the requests it is given and answers
// each with an empty 200.
type sent struct{ reqs []*http.Request }

func (s *sent) RoundTrip(req *http.Request) (*http.Response, error) {
	s.reqs = append(s.reqs, req)
	return &http.Response{StatusCode: 200, Proto: "HTTP/1.1", Body: http.NoBody, Header: http.Header{}, Request: req}, nil
}

// extraFields is a propagator that sets two fields of its own, so that
// with the trace context a request carries three.
type extraFields struct{}

func (extraFields) Inject(_ context.Context, c propagation.TextMapCarrier) {
	c.Set("x-smoke-a", "a")
	c.Set("x-smoke-b", "b")
}
func (extraFields) Extract(ctx context.Context, _ propagation.TextMapCarrier) context.Context {
	return ctx
}
func (extraFields) Fields() []string { return []string{"x-smoke-a", "x-smoke-b"} }

type ctxKey struct{}

// TestStepContextAndHeaders sends two requests in a step through the
// recorder's transport, directly: each is a client span under the step's,
// the second counted as a resend; each carries its traceparent and the
// propagator's other fields, the caller's request untouched; and the
// context the step runs in is its caller's for deadline, cancellation and
// values.
func TestStepContextAndHeaders(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { require.NoError(t, tp.Shutdown(context.Background())) })
	mp := sdkmetric.NewMeterProvider()
	t.Cleanup(func() { require.NoError(t, mp.Shutdown(context.Background())) })
	rec, err := smokexotel.New(smokexotel.Config{
		MeterProvider: mp, TracerProvider: tp,
		Propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, extraFields{}),
	})
	require.NoError(t, err)
	base := &sent{}
	rt := rec.WrapTransport(base)

	p := &record.PlanRef{ID: "p"}
	x := &record.Execution{ID: "x", PlanID: "p", Trigger: record.TriggerManual}
	deadline := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(context.WithValue(context.Background(), ctxKey{}, "v"), deadline)
	defer cancel()
	xctx, _ := rec.ExecutionContext(ctx, p, x)
	req, err := http.NewRequest("GET", "http://127.0.0.1:8080/health?token=s3cret", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/json")

	var stepSpan trace.SpanContext
	rec.WrapStep(xctx, p, x, 0, func(sctx context.Context) *record.StepResult {
		stepSpan = trace.SpanContextFromContext(sctx)
		require.True(t, stepSpan.IsValid())
		d, ok := sctx.Deadline()
		require.True(t, ok)
		require.Equal(t, deadline, d)
		require.Equal(t, "v", sctx.Value(ctxKey{}))
		require.Equal(t, ctx.Done(), sctx.Done())
		require.NoError(t, sctx.Err())
		for range 2 {
			resp, err := rt.RoundTrip(req.WithContext(sctx))
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
		}
		return &record.StepResult{Index: 0, Name: "health", Method: "GET", OK: true, Attempts: 1}
	})

	require.Equal(t, http.Header{"Accept": {"application/json"}}, req.Header, "the caller's request is not changed")
	var clients []sdktrace.ReadOnlySpan
	for _, sp := range spans.Ended() {
		if sp.SpanKind() == trace.SpanKindClient {
			clients = append(clients, sp)
		}
	}
	require.Len(t, clients, 2)
	require.Len(t, base.reqs, 2)
	for i, c := range clients {
		require.Equal(t, stepSpan.SpanID(), c.Parent().SpanID(), "request %d's parent", i)
		h := base.reqs[i].Header
		require.Equal(t, []string{"00-" + c.SpanContext().TraceID().String() + "-" + c.SpanContext().SpanID().String() + "-01"}, h["Traceparent"])
		require.Equal(t, []string{"a"}, h["X-Smoke-A"])
		require.Equal(t, []string{"b"}, h["X-Smoke-B"])
		require.Equal(t, []string{"application/json"}, h["Accept"])
		require.Len(t, h, 4)
		require.Equal(t, c.SpanContext(), trace.SpanContextFromContext(base.reqs[i].Context()), "the request sent carries its span")
		set := attribute.NewSet(c.Attributes()...)
		resend, ok := set.Value("http.request.resend_count")
		if i == 0 {
			require.False(t, ok, "the first request is no resend")
		} else {
			require.Equal(t, int64(1), resend.AsInt64())
		}
	}
}

// keeping is a tracer provider whose spans keep the slices SetAttributes
// is given, as the trace API allows a span to, over the SDK's.
type keeping struct {
	trace.TracerProvider
	mu    sync.Mutex
	spans []*keptSpan
}

func (k *keeping) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return keepingTracer{Tracer: k.TracerProvider.Tracer(name, opts...), k: k}
}

type keepingTracer struct {
	trace.Tracer
	k *keeping
}

func (t keepingTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	ctx, span := t.Tracer.Start(ctx, name, opts...)
	s := &keptSpan{Span: span}
	t.k.mu.Lock()
	t.k.spans = append(t.k.spans, s)
	t.k.mu.Unlock()
	return trace.ContextWithSpan(ctx, s), s
}

// keptSpan is a span that keeps what SetAttributes gives it.
type keptSpan struct {
	trace.Span
	kept [][]attribute.KeyValue
}

func (s *keptSpan) SetAttributes(kv ...attribute.KeyValue) {
	s.kept = append(s.kept, kv)
	s.Span.SetAttributes(kv...)
}

// TestSetAttributesKept runs two steps, of two requests and of one, on a
// tracer provider whose spans keep the slices SetAttributes is given: once
// they are done, what each step's and request's span kept is still what it
// was given (what the SDK under it copied), not a cleared array nor
// another span's attributes.
func TestSetAttributesKept(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	sdk := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { require.NoError(t, sdk.Shutdown(context.Background())) })
	mp := sdkmetric.NewMeterProvider()
	t.Cleanup(func() { require.NoError(t, mp.Shutdown(context.Background())) })
	tp := &keeping{TracerProvider: sdk}
	rec, err := smokexotel.New(smokexotel.Config{MeterProvider: mp, TracerProvider: tp})
	require.NoError(t, err)
	rt := rec.WrapTransport(&sent{})

	p := &record.PlanRef{ID: "p"}
	x := &record.Execution{ID: "x", PlanID: "p", Trigger: record.TriggerManual}
	xctx, _ := rec.ExecutionContext(context.Background(), p, x)
	for i, requests := range []int{2, 1} {
		url := fmt.Sprintf("http://127.0.0.1:8080/step%d", i)
		req, err := http.NewRequest("GET", url, nil)
		require.NoError(t, err)
		rec.WrapStep(xctx, p, x, i, func(sctx context.Context) *record.StepResult {
			for range requests {
				resp, err := rt.RoundTrip(req.WithContext(sctx))
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
			}
			return &record.StepResult{
				Index: i, Name: fmt.Sprintf("step %d", i), Method: "GET", URL: url, Attempts: requests,
				Error: &record.StepError{Kind: record.ErrTimeout, Message: "timed out"},
			}
		})
	}

	ended := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, sp := range spans.Ended() {
		ended[sp.SpanContext().SpanID()] = sp
	}
	require.Len(t, ended, 5, "two steps, three requests")
	checked := 0
	for _, s := range tp.spans {
		sp, ok := ended[s.SpanContext().SpanID()]
		if !ok {
			continue // the execution's, not ended
		}
		require.NotEmpty(t, s.kept, "%s", sp.Name())
		recorded := attribute.NewSet(sp.Attributes()...)
		for _, kvs := range s.kept {
			for _, kv := range kvs {
				require.True(t, kv.Valid(), "%s kept a cleared attribute", sp.Name())
				v, ok := recorded.Value(kv.Key)
				require.True(t, ok, "%s kept %s, which it was not given", sp.Name(), kv.Key)
				require.Equal(t, v, kv.Value, "%s's %s", sp.Name(), kv.Key)
			}
		}
		checked++
	}
	require.Equal(t, 5, checked)
}

// TestStartAttributesBeyondThePool gives a request's span from none to
// more start attributes than the pooled array holds, filled in it or in a
// slice of their own: the start options give each list as it is.
func TestStartAttributesBeyondThePool(t *testing.T) {
	var attrs []attribute.KeyValue
	for i := range 10 {
		attrs = append(attrs, attribute.Int(fmt.Sprintf("k%d", i), i))
	}
	for n := range len(attrs) + 1 {
		for _, own := range []bool{false, true} {
			got := smokexotel.StartAttributes(own, attrs[:n]...)
			require.Len(t, got, n, "%d attributes, own %t", n, own)
			if n > 0 {
				require.Equal(t, attrs[:n], got, "%d attributes, own %t", n, own)
			}
		}
	}
}
