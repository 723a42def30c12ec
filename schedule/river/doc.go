// Package river is a schedule.Scheduler for several replicas of a host
// that share one PostgreSQL database: each tick is a River job
// (github.com/riverqueue/river), enqueued by every replica, inserted once,
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
// table schedule_entries and reads it every SyncInterval (1s by default),
// and every replica enqueues every entry's ticks: when a tick comes due,
// each inserts its job, and the job being unique per (id, due time), the
// first insert wins and the others are skipped as duplicates. Enqueuing
// thus waits on no leader: while one replica lives, every tick is
// enqueued at its due time. An entry added, changed or removed on one
// replica ticks, or stops ticking, there at once and on the others within
// SyncInterval; Remove stops this replica's own enqueuing at once, and a
// tick enqueued before it still runs.
//
// Locations. An entry added with locations (AddIn: a plan's locations)
// ticks once per location: each replica inserts one job per tick and
// location, unique per (id, due time, location), in the River queue of
// that location (Queue + "_" + location), which only the replicas of that
// location (Config.Location) work; the engine records the tick's location
// on its execution, and the store keeps one execution per plan, due time
// and location, so the executions of one tick share its due time. An
// entry without locations ticks once, in Queue, which every replica but
// an agent (Config.Agent) works. A location with no live replica gets its
// ticks enqueued all the same: they wait in its queue, and the engine
// reports the location unavailable and drops (expires) those that waited
// longer than its smokex.Config.LocationTimeout (15s by default), rather
// than run them late when a replica of the location comes back; one that
// comes back sooner runs them, or records them as skipped as late. A tick
// River rescued from a dead replica (below) is neither counted as waiting
// nor dropped: it was fetched once, and its second attempt finishes the
// dead replica's execution as interrupted.
//
// What prevents a double run. A tick is the job's arguments, the entry's
// id and its due time, and the job is unique by its arguments (River's
// unique jobs, in every state until it is cleaned up, CompletedJobRetention
// after it ran: an hour by default, longer than CatchUp). Due
// times are computed from the entry's id and spec alone, as the
// in-process scheduler computes them (package schedule): a cron spec's
// exact times, "@every 1m" once a minute at a second and millisecond
// derived from the id. So every replica enqueues the same job for the
// same tick, and every insert but the first is skipped. Replicas that
// compute due times differently, during a rolling upgrade across the
// release that moved "@every" ticks from the multiples of the interval to
// a point of it derived from the id, enqueue different jobs for one tick:
// each such plan runs twice an interval until every replica runs the same
// release. River
// hands a job to one worker at a time. The engine adds a guard of its own:
// an execution records its tick's due time (scheduled_at), and the store
// refuses a second execution of a plan with the same one.
//
// A dropped connection loses no tick. A replica inserts its ticks in its
// own transactions, and when the database refuses an insert (a connection
// terminated under it) it tries again (after 50ms, doubling up to 2s)
// until it is taken, at Stop too, within Stop's context. A retry whose
// commit had in fact succeeded, or a tick another replica inserted, is
// skipped as a duplicate, never run twice. Up to MaxPendingTicks wait
// while the database refuses them; past that a tick is logged as dropped.
//
// No replica at all. Each entry records a time through which its ticks
// are enqueued (enqueued_through): the time it was added or its spec
// last changed, then the due time of its last tick inserted, which the
// replica that inserted it first records at its next sync (within
// SyncInterval, in the sync's round trip, not in the insert's
// transaction) or at its Stop. A replica that starts, or that syncs an
// entry, enqueues the ticks that fell due since then, within CatchUp (10
// minutes by default) and MaxCatchUpTicks (60) per entry at most, the
// latest: a tick that fell due while no replica lived is enqueued once
// one does, and the engine runs it, or records it as skipped as late
// (below); the ticks of one entry caught up together reach the engine
// together, and each one past the plan's interval (or
// smokex.Config.MaxLateness) is recorded at once as skipped as late,
// holding the plan back from none of the others (smokex.OverlapSkip), so
// that each tick caught up has its record and the latest, still in time,
// runs, unless an execution left in flight by a replica that died still
// holds the plan (below). The ticks that a replica that died had
// inserted in its last SyncInterval, not yet recorded, are enqueued again
// and skipped as duplicates (a job stays unique until River cleans it up,
// CompletedJobRetention after it completed), bar one whose job was
// dropped as expired meanwhile (Locations, above): it is enqueued once
// more, and run or skipped as late. The same holds for a replica whose own loop fell behind (a
// paused process).
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
// Leader loss. River's elected leader runs River's maintenance (the
// rescuer of stuck jobs, the cleaner), not the enqueuing: a leader that
// dies, even by SIGKILL, delays no tick of the others. Another replica
// takes the lead once the dead one's leadership expires, River's leader
// TTL (15s) plus its election interval (5s, jittered by 1s), about 20s at
// worst; only the rescue of the dead replica's runs waits for it.
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
// Worst-case delay of a tick. While one replica lives, a tick is inserted
// at its due time by every live replica, available at once, and fetched
// by a replica with a free worker as soon as the insert's notification
// reaches it (or within FetchPollInterval, 1s by default, without it);
// a replica fetches again as its workers free up, no more often than
// every 5ms (River's FetchCooldown; with River's default of 100ms, a tick
// whose notification came during the cooldown waited for its end). Then
// a tick waits for the engine's concurrency limit, at most its interval
// (or MaxLateness), past which it is recorded as skipped. A
// replica killed mid-run leaves its run to the rescue above, and, under
// the overlap policy OverlapSkip, holds its plan back until StaleAfter:
// ticks due meanwhile that the engine creates as it admits them are
// skipped for overlap (the hooks hear of each); one in time that the
// engine writes once, when it ends (smokex.Config.WriteRunningAfter), is
// skipped for overlap, canceled, when it writes its running row (at its
// bound, or before its first step result of several), and stored with a
// warning of the overlap when it ends before. A replica killed
// during such a run left no execution of it: the rescued tick is run
// again, or recorded as skipped as late.
// Measured (TestLeaderKilled: three processes, 10 plans @every 1s, the
// leader SIGKILLed, on a loaded machine): no tick missing, lateness from
// due time to execution created p50 46ms, p99 84ms after the kill. When no
// replica lives, ticks wait for the next one to start, as above.
package river
