// Package schedule runs callbacks on cron schedules. It knows nothing of
// plans: a Scheduler holds entries, each an id with a spec, and on every
// tick of an entry it calls the Func it was built with, passing the id.
//
// Specs follow one syntax for every scheduler and for the plan validator:
// five cron fields with an optional leading seconds field, the descriptors
// @yearly, @monthly, @weekly, @daily, @hourly and @every <duration>, and a
// CRON_TZ= or TZ= prefix. A spec that does not parse is answered with an
// error that wraps ErrInvalidSpec.
//
// When an entry ticks is computed from its id and spec alone, the same in
// every scheduler, process and restart. A cron spec ticks at its exact
// times. An "@every d" entry ticks at the multiples of d since the zero
// time plus an offset in [0, d) derived from its id (FNV-1a of the id,
// modulo d, in tenths of a second), as Prometheus spreads its scrapes:
// a thousand entries "@every 10s" tick over the ten seconds, each at its
// own point of them, instead of all in the same instant, where they would
// queue for the engine's concurrency and most would run late. An entry
// that must tick at given times of the clock takes a cron spec
// ("*/10 * * * * *").
//
// Cron is the in-process scheduler, the default: entries live in memory and
// ticks fire in this process. schedule/river is the distributed one: its
// ticks are River jobs that the elected leader enqueues once and any
// replica runs; it is a Rescuer, handing the tick of a replica that died
// to another. Every implementation passes the conformance suite in
// schedule/scheduletest, and gives each tick its due time, so that the
// engine records it (record.Execution.ScheduledAt) and the store keeps
// one execution per plan and due time.
package schedule
