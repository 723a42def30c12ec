// Package datadog records smokex executions as DogStatsD metrics and
// service checks, for the Datadog agent. It is the adapter of package
// metrics for github.com/DataDog/datadog-go/v5:
//
//	rec, err := datadog.New(datadog.Config{Addr: "127.0.0.1:8125"}) // or Client: the host's statsd client
//	eng, err := smokex.New(smokex.Config{Hooks: []record.Hook{rec}})
//
// # Metrics
//
// The metrics are those of package metrics/otel, under the same names and
// with the same tags (plan:, status:, ...), so that one dashboard reads
// either:
//
//	smokex.executions          count         plan, status, trigger
//	smokex.execution.duration  distribution  plan, status             (seconds)
//	smokex.step.duration       distribution  plan, method, outcome, http.response.status_code (seconds; 2xx...)
//	smokex.assertion.failures  count         plan, type
//	smokex.schedule.lag        distribution  plan                     (seconds)
//	smokex.schedule.skipped    count         plan, reason
//	smokex.notifications       count         provider, outcome
//
// The tag values are bounded, as package metrics documents: the contexts
// of a metric are at most the plans times the few values of its other
// tags. Skipped steps are not measured.
//
// # Service check
//
// After each execution, the service check smokex.plan, tagged with the
// plan (plan:ID), is OK when the execution passed and CRITICAL when it
// failed, with a message naming the failing step and its first failure
// (or error), that a Datadog monitor alerts on. A canceled execution sends
// none: it says nothing about the target.
//
// # The agent
//
// A missing agent never blocks or fails a run: the client buffers in
// memory and sends in the background, over UDP by default, dropping what
// it cannot send. Stop (through the hook, when the engine stops) flushes
// what is buffered and, for a client the Recorder made from Addr, closes
// it.
package datadog
