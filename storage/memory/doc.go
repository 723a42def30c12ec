// Package memory is the embedded default storage.Store: everything in the
// process's memory, nothing to set up, nothing kept across restarts.
//
// It suits development, tests, the CLI and a single instance that can
// afford to forget its history on restart. It bounds its memory two ways:
// by bytes for the whole store (Config.MaxBytes, 64 MiB by default),
// dropping the executions that finished first, of any plan, when it would
// hold more; and by count per plan (Config.MaxExecutionsPerPlan, 1,000),
// dropping the plan's oldest finished ones. Reads and writes copy records
// in and out, so callers never share memory with the store. It is an
// AlertOutbox too: the alerts owed wait in memory (16 MiB of them at most;
// past that a transition is not saved, and the policy logs it), so that a
// policy stopped and started again in the process delivers them, and they
// are lost with the process.
//
// The budget is an estimate from the records' fields: a step result with a
// few response headers and a short body excerpt counts a little under
// 1 KiB, and the heap the store takes is up to about 1.2 times the budget
// (BenchmarkByteBudget: 75.6 MiB for the default 64 MiB), the allocator's
// rounding left out of the estimate. A request that the runs of a step
// share, as the executor's are, counts once, and leaves the budget with the
// last step that holds it; the values of response headers that runs share
// (Content-Type, ...) still count with each step, a little over what they
// take. So 1,000 one-step plans of serve's checks keep their last 50 or so
// executions by default (BenchmarkByteBudget/steps=checks: 54, in 65 MiB
// of heap), 100 plans their last 500.
//
// Executions are indexed per plan in creation order, so listing one plan's
// executions, paging and summaries cost what they return (plus a binary
// search), not the size of the store.
package memory
