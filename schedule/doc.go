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
// Cron is the in-process scheduler, the default: entries live in memory and
// ticks fire in this process. schedule/river is the distributed one: its
// ticks are River jobs that the elected leader enqueues once and any
// replica runs; it is a Rescuer, handing the tick of a replica that died
// to another. Every implementation passes the conformance suite in
// schedule/scheduletest, and gives each tick its due time, so that the
// engine records it (record.Execution.ScheduledAt) and the store keeps
// one execution per plan and due time.
package schedule
