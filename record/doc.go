// Package record holds the result types of smokex: an [Execution] of a plan
// with a [StepResult] per step, their statuses, triggers, failures and
// errors, and [PlanRef], the plan an execution belongs to.
//
// It is the ground floor of the project and imports nothing of it, as
// rivertype does for River: the executor produces these records, and
// storage backends, notifiers, metrics adapters and the admin endpoint
// consume them without importing the executor or its libraries.
//
// The JSON encoding of the records is the one wire format of smokex: the
// CLI's JSON report, the admin API and webhook payloads all use it, so a
// field means the same everywhere. Durations are milliseconds (duration_ms,
// total_ms, ...), empty lists are [] and absent errors null; see
// [Execution.MarshalJSON].
package record
