// Package river is a schedule.Scheduler for several replicas of a host
// that share one PostgreSQL database: each tick is a River job
// (github.com/riverqueue/river), enqueued once by River's elected leader
// and run by whichever replica fetches it. It passes schedule/scheduletest.
//
// A host builds one Scheduler per replica on its own *pgxpool.Pool and
// hands it to the engine (smokex.Config.NewScheduler); Migrate creates
// River's tables and the table of entries in a schema the host chooses,
// which may be the store's. `smokex serve --database-url` does all of it.
//
// # Guarantees
//
// Who schedules. Every replica keeps the entries (id and spec) in the
// table schedule_entries and reads it every SyncInterval (1s by default);
// each replica registers every entry as a River periodic job. Only River's
// elected leader runs periodic jobs: when a tick of an entry comes due, it
// inserts one job for it. An entry added, changed or removed on one
// replica thus ticks, or stops ticking, within SyncInterval plus the
// leader's next due time; Remove stops this replica's own enqueuing at
// once, and a tick enqueued before it still runs.
//
// What prevents a double run. A tick is the job's arguments, the entry's
// id and its due time, and the job is unique by its arguments (River's
// unique jobs, in every state until it is cleaned up a day later). Due
// times are computed from the spec alone, "@every 1m" on the minutes of
// the clock, so two leaders, or a leader elected after another, enqueue
// the same job for the same tick, and the second insert is skipped. River
// hands a job to one worker at a time. The engine adds a guard of its own:
// an execution records its tick's due time (scheduled_at), and the store
// refuses a second execution of a plan with the same one.
//
// A dropped connection loses no tick. River's periodic job enqueuer builds
// a round's jobs, moves each entry's next run time on, and inserts the
// round in one transaction; when that transaction fails (its connection
// terminated: "PeriodicJobEnqueuer: Error starting transaction") River
// logs the error and goes on from the next run times, and the round's
// ticks were lost. So the entries' job constructors give River no job:
// they hand each tick, at its due time, to this replica's own enqueuing,
// which inserts it and, when the database refuses the insert, tries
// again (after 50ms, doubling up to 2s) until it is taken, at Stop too,
// within Stop's context. The job being unique per (id, due time), a retry
// whose commit had in fact succeeded, or a tick another leader inserted,
// is skipped as a duplicate, never run twice. Up to MaxPendingTicks wait
// while the database refuses them; past that a tick is logged as dropped.
//
// No tick runs late. A tick that reaches the engine past its plan's
// interval (the time from its due time to the next), or past
// smokex.Config.MaxLateness when that is shorter, is not run: its
// execution is stored as canceled, with stop reason skipped and an error
// of kind late saying by how much, and the hooks hear of a tick skipped as
// late. That holds whatever delayed it: no free worker, the engine's
// concurrency limit, a backlog that grew while the replicas were starved,
// or a restart that finds jobs due long ago in River's queue. Such a tick
// costs one insert, so a backlog drains fast, and its execution keeps the
// tick's due time, so a later attempt of the same job is refused as a
// duplicate.
//
// Leader loss. A leader that stops gracefully resigns and another replica
// takes over at once. One that dies stops renewing its leadership, which
// another replica takes once it expires: River's leader TTL (15s) plus its
// election interval (5s, jittered by 1s), about 20s at worst. Ticks that
// came due meanwhile are not enqueued by anyone: with no leader there are
// no ticks, by design of River's periodic jobs; the new leader starts from
// the next due time. Jobs already enqueued run on the remaining replicas.
//
// Replica crash. The jobs a dead replica was running stay "running" in
// River until the leader's rescuer finds them running for longer than
// RescueAfter (twice JobTimeout by default; the rescuer looks every
// 30s and when a leader is elected). River then makes the job's second and
// last attempt at once, on a live replica; its Func call carries the same
// id and due time. The engine sees that the tick has an execution already
// and, rather than run it again, finishes that execution as canceled with
// stop reason interrupted (failed, if a step it stored had failed). So a
// tick is never run twice, and a run cut short by a crash is marked, not
// retried: a smoke test's worth is the state of the target now, and the
// next tick, which is not lost, measures it; a retry would run late,
// out of order with later ticks, and could alert on a stale result. The
// engine on this scheduler needs no SkipRecovery: Start finishes only the
// leftovers older than Config.StaleAfter, which the engine also uses to
// stop a dead replica's execution from holding its plan back (set it to
// JobTimeout). Executions of manual runs on the dead replica are finished
// by the next Start of any replica once they are older than StaleAfter.
//
// Worst-case delay of a tick. With a leader, a tick is handed over up to
// 100ms before its due time (River's margin), inserted at it, available at
// once, and is fetched within FetchPollInterval (100ms by default) by a
// replica with a free worker; then it waits for the engine's concurrency
// limit, at most its interval (or MaxLateness), past which it is recorded
// as skipped. On leader loss, the ticks in between are not enqueued, as
// above.
package river
