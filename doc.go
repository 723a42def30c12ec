// Package smokex runs HTTP smoke tests and synthetic monitors inside a Go
// service: an [Engine] takes plans (package plan), runs them on demand and
// on their schedules, stores every execution, and tells hooks and
// subscribers what happens. The zero [Config] runs everything in memory.
//
//	eng, err := smokex.New(smokex.Config{})
//	_, err = eng.SyncFS(ctx, plansFS)
//	err = eng.Start(ctx)
//	defer eng.Stop(ctx)
//	execution, err := eng.Run(ctx, "checkout", nil)
//
// # A tour of the package
//
// The files follow a tick from top to bottom:
//
//   - smokex.go: the [Engine] and [New], which wires what [Config] picks:
//     the store (storage/memory by default, storage/postgres across
//     replicas), the scheduler (in-process cron, or schedule/river), the
//     executor (package exec), the hooks and the alert policy.
//   - plans.go: the plan registry. [Engine.AddPlan], [Engine.RemovePlan],
//     [Engine.SyncFS] and [Engine.WatchFS] change it, each across the
//     store, the loaded plans and the scheduler; a run finds its plan
//     here, in the store when another process changed it (with a
//     storage.RevisionCreator, a tick reads it there only when the
//     create of its execution, guarded by the revision read before, says
//     it changed).
//   - run.go: one run from its start to its finish. A tick, [Engine.Run]
//     or [Engine.Trigger] asks; the run is admitted and stored as created,
//     waits for a slot, runs in the executor, and every per-execution hook
//     and event is fired there. A tick in time that finds a slot free
//     takes it at once and is stored as running in the same write, or,
//     on a storage.FinishedCreator, written once when it ends
//     (unwritten.go); a tick already too late when it comes is stored
//     skipped, finished, in its create, and waits for nothing.
//   - storewrite.go: every store write (insert, append, finish, interrupt,
//     recover, prune), behind one retry policy.
//   - hooks.go: the record hooks of [Config.Hooks], sorted once by the
//     interfaces they implement, and the rules that combine them (first
//     trace ID kept, first wrapper outermost, services started in order
//     and stopped in reverse).
//   - lifecycle.go: [Engine.Start] and [Engine.Stop].
//   - events.go: [Subscription]s, which never slow a run.
//   - budget.go: [Engine.ErrorBudget], a plan's error budget against its
//     slo from the store, and the loop that measures it after executions
//     for the record.ErrorBudgetHooks, at most once per
//     [ErrorBudgetInterval].
//
// docs/architecture.md is the map of the whole repository: the data path,
// who owns what, and where to add an assertion, a notifier, a storage
// backend or a dashboard page.
package smokex
