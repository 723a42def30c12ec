// Package otel records smokex executions as OpenTelemetry metrics and
// traces. It is the adapter of package metrics for go.opentelemetry.io/otel:
//
//	rec, err := otel.New(otel.Config{MeterProvider: mp, TracerProvider: tp}) // nil: the globals
//	eng, err := smokex.New(smokex.Config{Hooks: []record.Hook{rec}})
//
// # Metrics
//
// The names, units and attributes below are a contract that dashboards and
// alerts rely on. Every attribute value is bounded; the series of each
// instrument are at most the product given, in practice far fewer (a plan
// uses few methods, and most steps end one way):
//
//	smokex.executions          counter, {execution}  plan, status, trigger
//	                           plans × final statuses × 5 triggers
//	smokex.execution.duration  histogram, s          plan, status
//	                           plans × final statuses
//	smokex.step.duration       histogram, s          plan, method, outcome, http.response.status_code
//	                           plans × 10 methods × 3 outcomes × 6 classes
//	smokex.assertion.failures  counter, {failure}    plan, type
//	                           plans × 6 assertion types
//	smokex.schedule.lag        histogram, s          plan
//	                           plans
//	smokex.schedule.skipped    counter, {tick}       plan, reason
//	                           plans × 4 reasons
//	smokex.notifications       counter, {notification} provider, outcome
//	                           providers × 3 outcomes
//
// plan is the plan's ID; status and trigger are the execution's; method is
// the step's (unknown methods are _OTHER); outcome is passed, failed
// (an assertion failed) or error (no usable response); the status code
// attribute holds the class of the response status, 2xx to 5xx, and is
// absent when there was no response. Skipped steps are not measured. The
// Prometheus exporter shows them as smokex_executions_total,
// smokex_execution_duration_seconds_bucket and so on.
//
// # Traces
//
// Each execution is a span, smokex.execution, the root of its own trace,
// whose ID is kept as the stored execution's TraceID. Each step is a child
// span, smokex.step; a failed assertion is an event of it,
// smokex.assertion.failed, with the assertion's type, name, expected and
// received values (as stored: secrets redacted). A step that failed, and an
// execution that failed, have the span status Error.
//
// Each HTTP request of a step (each attempt and each redirect) is a client
// span under the step's, following the OpenTelemetry HTTP client semantic
// conventions, with user_agent.synthetic.type=test so that the target can
// tell smoke traffic from its users'. Its url.full has the credentials
// removed and every query value replaced by REDACTED; every attribute and
// the status text (a TLS or DNS error names the host) go through the run's
// redaction of its secrets, which the request's context carries, as every
// other output of the run does: a secret in the host or the path shows as
// [REDACTED] in url.full, server.address and the status. The W3C trace context
// (traceparent) is sent to the target with every request, so that the
// target's own spans join the smoke run's trace.
//
// With the no-op tracer provider (go.opentelemetry.io/otel/trace/noop), as
// smokex serve has without an OTLP endpoint, the Recorder records metrics
// only: no span, no wrapped transport, no traceparent. A measurement costs
// the SDK's aggregation and nothing else: each attribute set, and the
// option slice the instruments take, is made once and reused.
package otel
