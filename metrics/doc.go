// Package metrics is what every metrics hook of an engine shares: the
// names of the measurements, their bounded labels, and the rules a hook
// that measures follows. The adapters are record hooks of their own, put
// in smokex.Config.Hooks with the others:
//
//	rec, _ := otel.New(otel.Config{})                            // package metrics/otel
//	dd, _ := datadog.New(datadog.Config{Addr: "127.0.0.1:8125"}) // package metrics/datadog
//	eng, _ := smokex.New(smokex.Config{Hooks: []record.Hook{rec, dd}})
//
// This package imports no telemetry library: the OpenTelemetry adapter is
// metrics/otel, the Datadog one metrics/datadog, and a host that uses
// neither links neither. A backend of a host's own is a hook too: embed
// record.HookDefaults and implement the record hook interfaces it needs
// (record.ExecutionFinishedHook for executions, record.StepFinishedHook
// for steps and their failed assertions, record.ExecutionStartedHook for
// the schedule lag ([ScheduleLag]), record.TickSkippedHook,
// record.NotificationSentHook), labelled as below.
//
// # Rules for metrics hooks
//
// Recording never blocks a run: a hook aggregates in memory or hands the
// measurement to a buffer that drops when full, and does its I/O in the
// background. Recording ignores the context's cancellation: a canceled
// execution is measured like any other, with the context it ran with (which
// carries its trace span). A hook that has background work implements
// record.Service; the engine starts and stops it. The order in which hooks
// are called, services started and stopped, and trace IDs kept is the
// engine's, documented with record.Hook.
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
// A hook that traces implements record.ExecutionContextHook (the
// execution's span, and its trace ID kept on the execution),
// record.StepHook (a span around each step, in the wrapping shape the
// record package documents) and record.TransportHook (a client span per
// HTTP attempt, and the trace context sent to the target).
package metrics
