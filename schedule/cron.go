package schedule

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	cron "github.com/netresearch/go-cron"

	"github.com/smokex/smokex/internal/cronspec"
)

// CronConfig configures a Cron. Only Func is required.
type CronConfig struct {
	// Func is called on each tick with the entry's id. Required.
	Func Func
	// Clock is the time source. Tests pass a *scheduletest.FakeClock to
	// drive time by hand. Defaults to the real clock.
	Clock Clock
	// Location is the time zone of specs without a CRON_TZ= prefix.
	// Defaults to time.Local.
	Location *time.Location
	// Logger receives the scheduler's logs: each tick and change of the
	// entries at debug level, a panicking Func at error level. Defaults to
	// slog.Default().
	Logger *slog.Logger
}

// Cron is the in-process Scheduler: entries live in memory and ticks fire
// in this process, each Func call in its own goroutine, so a slow Func
// never delays the next tick of any entry. A tick that comes due while the
// process is busy fires once, late, with its due time (the engine records
// it as skipped, not run, once it is later than its interval or
// smokex.Config.MaxLateness); ticks missed while the process was not
// running are not caught up. A Func that panics is recovered and logged;
// the entry keeps ticking. Before Start, entries have a zero Next;
// replacing an entry's spec keeps its Prev.
//
// Cron ignores the contexts of Add, Remove and Entries: they do no I/O and
// return as soon as the scheduling loop has taken the change.
type Cron struct {
	fn     Func
	clock  cron.Clock
	logger *slog.Logger
	cron   *cron.Cron

	mu      sync.Mutex
	entries map[string]cronEntry
	started bool
	closed  bool
	// runCtx is the context of every Func call; cancelRun cancels it. Both
	// are set by Start before the first tick.
	runCtx    context.Context
	cancelRun context.CancelFunc
}

type cronEntry struct {
	id   cron.EntryID
	spec string
}

var _ Scheduler = (*Cron)(nil)

// NewCron returns a stopped Cron with no entries. It returns an error
// naming the field when cfg is not valid.
func NewCron(cfg CronConfig) (*Cron, error) {
	if cfg.Func == nil {
		return nil, errors.New("schedule: CronConfig.Func is required")
	}
	c := &Cron{
		fn:      cfg.Func,
		logger:  cfg.Logger,
		entries: map[string]cronEntry{},
	}
	c.clock = &loopClock{}
	if cfg.Clock != nil {
		c.clock = cronClock{cfg.Clock}
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	c.cron = cron.New(
		cron.WithClock(c.clock),
		cron.WithLocation(loc),
		cron.WithParser(cronspec.Parser()),
		cron.WithLogger(cronLogger{c.logger}),
	)
	return c, nil
}

// Add implements Scheduler.Add.
func (c *Cron) Add(_ context.Context, id, spec string) error {
	if id == "" {
		return errors.New("schedule: add: empty id")
	}
	// cronspec.ForEntry also rejects specs that never fire.
	sched, err := cronspec.ForEntry(id, spec)
	if err != nil {
		return fmt.Errorf("%w %q for %q: %w", ErrInvalidSpec, spec, id, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	var opts []cron.JobOption
	if old, ok := c.entries[id]; ok {
		if old.spec == spec {
			return nil
		}
		if prev := c.cron.Entry(old.id).Prev; !prev.IsZero() {
			opts = append(opts, cron.WithPrev(prev))
		}
		c.cron.Remove(old.id)
		delete(c.entries, id)
	}
	ds := &dueSchedule{Schedule: sched, due: make(chan time.Time, dueBuffer)}
	job := cron.FuncJob(func() { c.fire(id, ds.take()) })
	eid, err := c.cron.ScheduleJob(ds, job, append(opts, cron.WithName(id))...)
	if err != nil {
		return fmt.Errorf("schedule: add %q: %w", id, err)
	}
	c.entries[id] = cronEntry{id: eid, spec: spec}
	return nil
}

// Remove implements Scheduler.Remove.
func (c *Cron) Remove(_ context.Context, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if old, ok := c.entries[id]; ok {
		c.cron.Remove(old.id)
		delete(c.entries, id)
	}
	return nil
}

// Entries implements Scheduler.Entries.
func (c *Cron) Entries(_ context.Context) ([]Entry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	ce := c.cron.Entries()
	out := make([]Entry, 0, len(ce))
	for _, e := range ce {
		out = append(out, Entry{ID: e.Name, Spec: c.entries[e.Name].spec, Next: e.Next, Prev: e.Prev})
	}
	slices.SortFunc(out, func(a, b Entry) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Start implements Scheduler.Start. It returns an error wrapping ctx.Err()
// if ctx is already done. Funcs receive a context that carries the values
// of ctx, canceled only by Stop.
func (c *Cron) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if c.started {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("schedule: start: %w", err)
	}
	c.runCtx, c.cancelRun = context.WithCancel(context.WithoutCancel(ctx))
	c.started = true
	c.cron.Start()
	return nil
}

// Stop implements Scheduler.Stop.
func (c *Cron) Stop(ctx context.Context) error {
	c.mu.Lock()
	c.closed = true
	// Once cron.Stop returns, the loop has ended and starts no Func; done
	// is closed when every Func it started has returned.
	done := c.cron.Stop().Done()
	cancel := c.cancelRun
	c.mu.Unlock()
	if cancel == nil {
		cancel = func() {}
	}
	select {
	case <-done:
		cancel()
		return nil
	case <-ctx.Done():
		cancel()
		return fmt.Errorf("schedule: stop: callbacks still running: %w", ctx.Err())
	}
}

// fire runs on a goroutine of its own for each tick of id.
func (c *Cron) fire(id string, due time.Time) {
	defer func() {
		if r := recover(); r != nil {
			c.logger.Error("schedule: callback panicked", "id", id, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	c.fn(c.runCtx, id, due)
}

// cronLogger sends the cron loop's logs to slog: its chatter at debug
// level, its errors at error level.
type cronLogger struct{ l *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	l.l.Debug("schedule: cron "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.l.Error("schedule: cron "+msg, append(kv, "error", err)...)
}

// dueBuffer is how many due times of one entry may wait for their jobs.
const dueBuffer = 16

// dueSchedule is an entry's schedule that hands each tick's due time to
// the tick's job, which the cron loop starts without it. The loop starts a
// due entry's job in a goroutine, then asks the schedule for the entry's
// next time from a time at or after the due time it dispatched. Only that
// call asks from so late: the first call has no earlier answer, and a
// clock that went back asks from before it. So a call asking from at or
// after the previous answer passes that answer, the due time just
// dispatched, to the job, which waits for it.
type dueSchedule struct {
	cron.Schedule
	mu   sync.Mutex
	next time.Time // the last answer of Next
	due  chan time.Time
}

func (s *dueSchedule) Next(t time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.next.IsZero() && !t.Before(s.next) {
		select {
		case s.due <- s.next:
		default: // dueBuffer jobs of this entry have not started; take falls back
		}
	}
	s.next = s.Schedule.Next(t)
	return s.next
}

// take returns the due time of the tick whose job calls it. It waits for
// the loop to hand it over, which happens right after the job is started;
// should that not come within dueWait, the job runs with the current time.
func (s *dueSchedule) take() time.Time {
	select {
	case due := <-s.due:
		return due
	case <-time.After(dueWait):
		return time.Now()
	}
}

// dueWait bounds take's wait for a due time that, by the loop's order,
// comes within microseconds.
const dueWait = time.Second
