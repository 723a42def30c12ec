// Package metrics turns what an engine does into measurements and traces,
// for the monitoring a host already runs.
//
// A [Recorder] receives each finished execution, each finished step, each
// failed assertion, the lag of each scheduled start, each skipped tick and
// each notification an alert policy delivered, failed or dropped. [NewHook] makes recorders into one
// record.Hook for smokex.Config.Hooks:
//
//	rec, _ := otel.New(otel.Config{})             // package metrics/otel
//	dd, _ := datadog.New(datadog.Config{Addr: "127.0.0.1:8125"}) // package metrics/datadog
//	eng, _ := smokex.New(smokex.Config{Hooks: []record.Hook{metrics.NewHook(rec, dd)}})
//
// This package imports no telemetry library: the OpenTelemetry adapter is
// metrics/otel, the Datadog one metrics/datadog, and a host that uses
// neither links neither. [Nop] records nothing; recorders embed it, so that
// methods added to Recorder later have a default.
//
// # Rules for recorders
//
// Recording never blocks a run: a recorder aggregates in memory or hands
// the measurement to a buffer that drops when full, and does its I/O in
// the background. Recording ignores the context's cancellation: a canceled
// execution is measured like any other, with the context it ran with (which
// carries its trace span). A recorder that has background work implements
// record.Service; the hook starts and stops it with the engine.
//
// # Bounded labels
//
// The labels of the measurements are bounded so that a time series
// database can keep them: the plan's ID (bounded by the plans loaded), the
// execution's [record.Status] and [record.Trigger], the step's method
// ([Method]), its [Outcome] and the class of its response status
// ([StatusClass], "2xx"), the failed assertion's [record.FailureType], the
// skip reason, the notification's provider and record.NotificationOutcome. No URL,
// execution ID or error text is ever a label.
//
// # Tracing
//
// A recorder that also traces implements the optional interfaces
// [ExecutionTracer], [StepTracer] and [TransportWrapper]: the hook asks it
// for the context each execution and each step runs with, and for a
// wrapper of the executor's transport, through which each HTTP attempt is
// traced and the trace context sent to the target.
package metrics
