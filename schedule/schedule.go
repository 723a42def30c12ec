package schedule

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Implementations wrap them; check with errors.Is.
var (
	// ErrClosed is returned by every method of a Scheduler but Stop once
	// Stop has been called.
	ErrClosed = errors.New("schedule: scheduler is stopped")
	// ErrInvalidSpec is wrapped by the error Add returns for a spec that
	// does not parse. The error also names the spec and says what is wrong.
	ErrInvalidSpec = errors.New("schedule: invalid spec")
)

// Func is called on each tick of an entry, with the entry's id and the
// tick's due time: when the tick was scheduled for, which a late tick does
// not move. No two calls for one id share a due time, whatever the number
// of processes that share the schedule, so (id, due) names a tick. It runs
// in its own goroutine and may block: a slow Func delays no other tick, not
// even the next tick of its own id, so calls for one id may overlap and
// the Func limits its own concurrency if it needs to. ctx is canceled when
// the scheduler's Stop gives up waiting (its context is done); a Func that
// takes a while should watch it.
type Func func(ctx context.Context, id string, due time.Time)

// Scheduler calls its Func, given when it is built, on each tick of each
// of its entries.
//
// An entry is an id with a spec. Entries may be added and removed before
// Start and while running. All methods are safe for concurrent use; bad
// input is answered with an error, never a panic. Methods take a context
// because a scheduler shared by replicas keeps its entries in a database;
// the in-process Cron does no I/O and ignores it, apart from what Start and
// Stop document.
type Scheduler interface {
	// Add schedules id on spec. Adding an id that exists replaces its spec
	// and its next tick is computed from the new spec; adding it with the
	// spec it already has changes nothing (its next tick stays). A spec
	// that does not parse or never fires (February 30th) returns an error
	// wrapping ErrInvalidSpec and leaves the entry as it was; an empty id
	// is an error too.
	Add(ctx context.Context, id, spec string) error
	// Remove unschedules id: no tick of it comes due once Remove has
	// returned (a Func call for an earlier tick may still be running).
	// Removing an id that is not scheduled does nothing and
	// returns nil, so that callers need not track what they scheduled.
	Remove(ctx context.Context, id string) error
	// Entries lists the entries sorted by ID. Next is the zero time when
	// the spec fires no more, and may be before Start; Prev is the zero
	// time until the entry's first tick.
	Entries(ctx context.Context) ([]Entry, error)
	// Start starts ticking and returns promptly; ticks continue until Stop,
	// whatever becomes of ctx. Start on a started scheduler does nothing
	// and returns nil.
	Start(ctx context.Context) error
	// Stop stops ticking, then waits for the Funcs still running until they
	// return or ctx is done. If ctx is done first, it cancels the contexts
	// of those Funcs and returns an error wrapping ctx.Err() without
	// waiting further. Stop may be called more than once, also before
	// Start; a later call waits again for Funcs still running and returns
	// nil once none are. A Func that calls Stop waits for itself: that
	// Stop returns only when its ctx is done.
	Stop(ctx context.Context) error
}

// Entry describes one scheduled id.
type Entry struct {
	// ID is the id passed to Add and to the Func.
	ID string
	// Spec is the spec as passed to Add.
	Spec string
	// Next is when the entry ticks next, the zero time if unknown.
	Next time.Time
	// Prev is when the entry last ticked, the zero time if never.
	Prev time.Time
}

// Rescuer is an optional interface of a Scheduler whose ticks outlive the
// process that ran them, as the ticks of a job queue do: when a process
// dies during a Func call, the call is made again, in another process,
// with the same id and due time. A host that sees it knows that a tick
// started in a process that died is taken care of.
type Rescuer interface {
	Scheduler
	// RescuesTicks reports whether the scheduler hands the ticks of a
	// dead process to its Func again.
	RescuesTicks() bool
}

// Clock is a time source of a scheduler: the real clock by default, a fake
// one in tests (scheduletest.FakeClock).
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that fires once d has passed.
	NewTimer(d time.Duration) Timer
}

// Timer is a timer of a Clock, as time.Timer is of the real clock.
type Timer interface {
	// C returns the channel on which the timer fires.
	C() <-chan time.Time
	// Stop keeps the timer from firing; it reports whether it did.
	Stop() bool
	// Reset makes the timer fire after d; it reports whether the timer was
	// active.
	Reset(d time.Duration) bool
}

// LocationScheduler is an optional interface of a Scheduler whose ticks
// can run from several locations, as those of schedule/river do: each
// tick of an entry added with locations runs once in each of them, by a
// process of that location, and the Func is called with the location in
// its context (TickLocation).
type LocationScheduler interface {
	Scheduler
	// AddIn is Add for an entry whose each tick runs once in each of
	// locations; with none, it is Add. Adding an id again replaces its
	// spec and its locations.
	AddIn(ctx context.Context, id, spec string, locations []string) error
}

// tickLocationKey is the context key of TickLocation.
type tickLocationKey struct{}

// WithTickLocation returns ctx telling the Func that the tick it is called
// for runs in location; a LocationScheduler calls its Func with it.
func WithTickLocation(ctx context.Context, location string) context.Context {
	return context.WithValue(ctx, tickLocationKey{}, location)
}

// TickLocation returns the location of the tick the Func is called for,
// "" when the tick names none.
func TickLocation(ctx context.Context) string {
	loc, _ := ctx.Value(tickLocationKey{}).(string)
	return loc
}

// Queued is what waits in a location's queue of ticks.
type Queued struct {
	// Ticks counts the ticks due and waiting for a process.
	Ticks int
	// OldestDue is the due time of the oldest, zero when none waits.
	OldestDue time.Time
}

// LocationQueues is an optional interface of a LocationScheduler whose
// ticks wait in a queue per location, as schedule/river's do.
type LocationQueues interface {
	// QueuedTicks returns what waits in each location's queue; the
	// queue of ticks without a location is under "".
	QueuedTicks(ctx context.Context) (map[string]Queued, error)
	// ExpireTicks drops the ticks of location waiting since before
	// dueBefore, which no process of the location took, rather than run
	// them late, and returns how many it dropped.
	ExpireTicks(ctx context.Context, location string, dueBefore time.Time) (int, error)
}
