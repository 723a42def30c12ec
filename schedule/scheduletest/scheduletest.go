package scheduletest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/schedule"
)

// Defaults of Features.
const (
	// DefaultInterval is the @every interval of real-clock scenarios.
	DefaultInterval = time.Second
	// DefaultTimeout bounds each wait of the suite.
	DefaultTimeout = 10 * time.Second
)

// Clock is a clock the suite drives by hand.
type Clock interface {
	// Now returns the clock's current time.
	Now() time.Time
	// Advance moves the clock forward by d, which is positive, and returns
	// once the scheduler has dispatched every tick that came due by the
	// new time: their Func calls are started, maybe not yet returned. The
	// suite advances only a started scheduler that has not been stopped,
	// and never past a due time without stopping at it first.
	Advance(d time.Duration)
}

// Features declares what a scheduler supports, so that the suite runs
// every scenario in the way the scheduler allows instead of skipping it.
// A nil *Features means the zero value.
type Features struct {
	// Clock drives the scheduler's time. With it, the suite checks that
	// every tick comes at its exact due time and no other. Without it
	// (nil), the scenarios run on the real clock with @every Interval
	// specs and check which ids tick, not when.
	Clock Clock
	// Interval is the @every interval of the real-clock scenarios.
	// Ignored with a Clock. Defaults to DefaultInterval.
	Interval time.Duration
	// Timeout bounds each wait: for a tick, for a Func, for Stop.
	// Defaults to DefaultTimeout.
	Timeout time.Duration
}

// NewScheduler returns a new, stopped scheduler with no entries that calls
// fn on each tick, and what it supports. The suite calls it once per
// scenario and stops the scheduler when the scenario ends.
type NewScheduler func(t *testing.T, fn schedule.Func) (schedule.Scheduler, *Features)

// Run runs the conformance suite against the schedulers newScheduler
// returns.
//
// It first checks, alone, that a scheduler started and stopped leaves no
// goroutine behind; call Run from a test that does not call t.Parallel,
// so that no other test's goroutines come and go meanwhile. The other
// scenarios run in parallel with each other.
func Run(t *testing.T, newScheduler NewScheduler) {
	t.Run("NoGoroutineLeak", func(t *testing.T) { testNoGoroutineLeak(t, newScheduler) })
	for _, sc := range []struct {
		name string
		run  func(*testing.T, NewScheduler)
	}{
		{"FiresOnTime", testFiresOnTime},
		{"Entries", testEntries},
		{"AddRemoveWhileRunning", testAddRemoveWhileRunning},
		{"ReplaceSpec", testReplaceSpec},
		{"InvalidSpec", testInvalidSpec},
		{"RemoveUnknown", testRemoveUnknown},
		{"StartIdempotent", testStartIdempotent},
		{"ConcurrentUse", testConcurrentUse},
		{"PanickingFunc", testPanickingFunc},
		{"StopWaitsForFuncs", testStopWaitsForFuncs},
		{"StopDeadlineCancelsFuncs", testStopDeadlineCancelsFuncs},
		{"StopIdempotent", testStopIdempotent},
		{"ClosedAfterStop", testClosedAfterStop},
		{"DueTimesOfEntries", testDueTimesOfEntries},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, newScheduler)
		})
	}
}

// tick is one Func call as the suite saw it: At is the due time the Func
// was given.
type tick struct {
	ID string
	At time.Time
}

func (k tick) String() string { return k.ID + "@" + k.At.UTC().Format(time.RFC3339Nano) }

// harness holds one scenario's scheduler and what its Func saw.
type harness struct {
	t        *testing.T
	s        schedule.Scheduler
	clock    Clock
	interval time.Duration
	timeout  time.Duration

	mu      sync.Mutex
	specs   map[string]string // id to the spec it was last added with
	ticks   []tick
	errs    []string // what record found wrong
	changed chan struct{}
}

// earlyTolerance is how much before its due time a tick on the real clock
// may come, for schedulers whose clock is not the process's (a database's).
const earlyTolerance = 100 * time.Millisecond

// newHarness builds a scheduler whose Func records each tick, then calls
// hook if it is not nil. The scheduler is stopped when the test ends.
func newHarness(t *testing.T, newScheduler NewScheduler, hook schedule.Func) *harness {
	t.Helper()
	h := &harness{t: t, specs: map[string]string{}, changed: make(chan struct{}, 1)}
	s, f := newScheduler(t, func(ctx context.Context, id string, due time.Time) {
		h.record(id, due)
		if hook != nil {
			hook(ctx, id, due)
		}
	})
	require.NotNil(t, s, "NewScheduler returned a nil scheduler")
	h.s = s
	if f == nil {
		f = &Features{}
	}
	h.clock, h.interval, h.timeout = f.Clock, cmp.Or(f.Interval, DefaultInterval), cmp.Or(f.Timeout, DefaultTimeout)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
		defer cancel()
		_ = s.Stop(ctx)
		h.mu.Lock()
		defer h.mu.Unlock()
		require.Empty(t, h.errs, "ticks with a wrong due time")
	})
	return h
}

func (h *harness) fake() bool { return h.clock != nil }

func (h *harness) now() time.Time {
	if h.fake() {
		return h.clock.Now()
	}
	return time.Now()
}

// record notes a tick, and an error when its due time is zero, is not a
// due time of the entry's spec (cronspec.ForEntry), or is later than now:
// on a fake clock a tick comes exactly at its due time, on the real clock
// at it or after it.
func (h *harness) record(id string, due time.Time) {
	now := h.now()
	h.mu.Lock()
	h.ticks = append(h.ticks, tick{ID: id, At: due})
	sched, err := cronspec.ForEntry(id, h.specs[id])
	switch {
	case due.IsZero():
		h.errs = append(h.errs, fmt.Sprintf("tick of %q with a zero due time", id))
	case err == nil && !sched.Next(due.Add(-time.Nanosecond)).Equal(due):
		h.errs = append(h.errs, fmt.Sprintf("tick of %q due %s, not a due time of %q", id, due.UTC(), h.specs[id]))
	case h.fake() && !due.Equal(now):
		h.errs = append(h.errs, fmt.Sprintf("tick of %q due %s came at %s on the fake clock", id, due.UTC(), now.UTC()))
	case !h.fake() && due.After(now.Add(earlyTolerance)):
		h.errs = append(h.errs, fmt.Sprintf("tick of %q due %s came early, at %s", id, due.UTC(), now.UTC()))
	}
	h.mu.Unlock()
	select {
	case h.changed <- struct{}{}:
	default:
	}
}

func (h *harness) seen() []tick {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.ticks)
}

func (h *harness) count(id string) int {
	n := 0
	for _, k := range h.seen() {
		if k.ID == id {
			n++
		}
	}
	return n
}

// waitTicks waits until cond holds for the ticks seen so far.
func (h *harness) waitTicks(what string, cond func([]tick) bool) {
	h.t.Helper()
	timeout := time.NewTimer(h.timeout)
	defer timeout.Stop()
	for !cond(h.seen()) {
		select {
		case <-h.changed:
		case <-timeout.C:
			h.t.Fatalf("waited %s for %s; ticks seen: %v", h.timeout, what, h.seen())
		}
	}
}

// waitCount waits until id has ticked at least n times.
func (h *harness) waitCount(id string, n int) {
	h.t.Helper()
	h.waitTicks(fmt.Sprintf("%d ticks of %q", n, id), func([]tick) bool { return h.count(id) >= n })
}

// wait waits for ch to be closed or to deliver.
func (h *harness) wait(what string, ch <-chan struct{}) {
	h.t.Helper()
	select {
	case <-ch:
	case <-time.After(h.timeout):
		h.t.Fatalf("waited %s for %s", h.timeout, what)
	}
}

// every is the @every spec of the scenarios: each minute on a fake clock,
// each Interval on the real one.
func (h *harness) every() string {
	if h.fake() {
		return "@every 1m"
	}
	return "@every " + h.interval.String()
}

func (h *harness) add(id, spec string) {
	h.t.Helper()
	h.mu.Lock()
	h.specs[id] = spec
	h.mu.Unlock()
	require.NoError(h.t, h.s.Add(h.t.Context(), id, spec), "Add(%q, %q)", id, spec)
}

func (h *harness) remove(id string) {
	h.t.Helper()
	require.NoError(h.t, h.s.Remove(h.t.Context(), id), "Remove(%q)", id)
}

func (h *harness) start() {
	h.t.Helper()
	require.NoError(h.t, h.s.Start(h.t.Context()), "Start")
}

func (h *harness) stop() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
	defer cancel()
	require.NoError(h.t, h.s.Stop(ctx), "Stop")
}

func (h *harness) entries() []schedule.Entry {
	h.t.Helper()
	es, err := h.s.Entries(h.t.Context())
	require.NoError(h.t, err, "Entries")
	return es
}

// entry returns the entry of id, failing the test when there is none.
func (h *harness) entry(id string) schedule.Entry {
	h.t.Helper()
	es := h.entries()
	i := slices.IndexFunc(es, func(e schedule.Entry) bool { return e.ID == id })
	require.GreaterOrEqual(h.t, i, 0, "no entry %q in %+v", id, es)
	return es[i]
}

// nextOf is when the entry id on spec is due next after t, by the one
// computation of due times every scheduler shares.
func (h *harness) nextOf(id, spec string, t time.Time) time.Time {
	h.t.Helper()
	s, err := cronspec.ForEntry(id, spec)
	require.NoError(h.t, err, spec)
	return s.Next(t)
}

// drive advances the fake clock to until, stopping at every due time of
// specs (id to spec, all scheduled at the current time) and waiting there
// for its ticks. It returns the ticks it expected.
func (h *harness) drive(until time.Time, specs map[string]string) []tick {
	h.t.Helper()
	var want []tick
	for id, spec := range specs {
		for at := h.nextOf(id, spec, h.clock.Now()); !at.IsZero() && !at.After(until); at = h.nextOf(id, spec, at) {
			want = append(want, tick{ID: id, At: at})
		}
	}
	sortTicks(want)
	before := len(h.seen())
	for i, k := range want {
		if k.At.After(h.clock.Now()) {
			h.clock.Advance(k.At.Sub(h.clock.Now()))
		}
		n := before + i + 1
		h.waitTicks(fmt.Sprintf("the ticks due by %s", k.At.UTC()), func(seen []tick) bool { return len(seen) >= n })
	}
	if until.After(h.clock.Now()) {
		h.clock.Advance(until.Sub(h.clock.Now()))
	}
	return want
}

func sortTicks(ks []tick) {
	slices.SortFunc(ks, func(a, b tick) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
	})
}

// requireTicks stops the scheduler, so that every Func call has returned,
// and checks that the ticks seen are exactly want.
func (h *harness) requireTicks(want []tick) {
	h.t.Helper()
	h.stop()
	got := h.seen()
	sortTicks(got)
	sortTicks(want)
	require.Equal(h.t, fmt.Sprint(want), fmt.Sprint(got), "ticks")
}

// requireAtMostOnePerInterval checks, once the scheduler has stopped,
// that no @every Interval entry added after since ticked more often than
// its due times allow: a window of length E holds at most E/Interval+1.
func (h *harness) requireAtMostOnePerInterval(since time.Time) {
	h.t.Helper()
	limit := int(time.Since(since)/h.interval) + 1
	counts := map[string]int{}
	for _, k := range h.seen() {
		counts[k.ID]++
	}
	for id, n := range counts {
		require.LessOrEqual(h.t, n, limit, "%q ticked %d times in %s with @every %s: %v", id, n, time.Since(since), h.interval, h.seen())
	}
	// The due times of one id are an interval apart at least: never one
	// twice, as two processes sharing a schedule would give it.
	seen := h.seen()
	sortTicks(seen)
	last := map[string]time.Time{}
	for _, k := range seen {
		if prev, ok := last[k.ID]; ok {
			require.GreaterOrEqual(h.t, k.At.Sub(prev), h.interval, "%q ticked due %s and %s: %v", k.ID, prev.UTC(), k.At.UTC(), seen)
		}
		last[k.ID] = k.At
	}
}

// requireIDs checks that only the ids in allowed ticked.
func (h *harness) requireIDs(allowed ...string) {
	h.t.Helper()
	for _, k := range h.seen() {
		require.Contains(h.t, allowed, k.ID, "unexpected tick %v", k)
	}
}

// tickOnce makes id tick once: on a fake clock by advancing to its due
// time, on the real clock by waiting. The entry must have been added.
func (h *harness) tickOnce(id string) {
	h.t.Helper()
	n := h.count(id) + 1
	if h.fake() {
		h.drive(h.entry(id).Next, nil)
	}
	h.waitCount(id, n)
}

func testNoGoroutineLeak(t *testing.T, newScheduler NewScheduler) {
	ignore := goleak.IgnoreCurrent()
	h := newHarness(t, newScheduler, nil)
	h.add("a", h.every())
	h.start()
	h.tickOnce("a")
	h.stop()
	goleak.VerifyNone(t, ignore)
}

func testFiresOnTime(t *testing.T, newScheduler NewScheduler) {
	h := newHarness(t, newScheduler, nil)
	if !h.fake() {
		since := time.Now()
		h.add("a", h.every())
		h.add("b", h.every())
		h.start()
		h.waitCount("a", 3)
		h.waitCount("b", 3)
		h.stop()
		h.requireIDs("a", "b")
		h.requireAtMostOnePerInterval(since)
		return
	}
	specs := map[string]string{
		"a": "@every 1m",
		"b": "CRON_TZ=UTC */2 * * * *",
		"c": "TZ=UTC 30 * * * * *",
	}
	for id, spec := range specs {
		h.add(id, spec)
	}
	h.start()
	want := h.drive(h.clock.Now().Add(6*time.Minute), specs)
	require.NotEmpty(t, want)
	h.requireTicks(want)
}

func testEntries(t *testing.T, newScheduler NewScheduler) {
	h := newHarness(t, newScheduler, nil)
	require.Empty(t, h.entries(), "a new scheduler has entries")
	yearly := "CRON_TZ=UTC 0 0 1 1 *"
	h.add("b", yearly)
	h.add("a", h.every())
	es := h.entries()
	require.Len(t, es, 2)
	require.Equal(t, []string{"a", "b"}, []string{es[0].ID, es[1].ID}, "entries sorted by ID")
	require.Equal(t, []string{h.every(), yearly}, []string{es[0].Spec, es[1].Spec})
	require.True(t, es[0].Prev.IsZero() && es[1].Prev.IsZero(), "Prev set before any tick: %+v", es)

	before := h.now()
	h.start()
	es = h.entries()
	after := h.now()
	require.Len(t, es, 2)
	require.True(t, es[1].Next.Equal(h.nextOf("b", yearly, after)), "Next of %q is %v, want %v", yearly, es[1].Next, h.nextOf("b", yearly, after))
	if h.fake() {
		require.True(t, es[0].Next.Equal(h.nextOf("a", h.every(), before)), "Next of a: %v", es[0].Next)
	} else {
		require.True(t, es[0].Next.After(before.Add(-time.Second)) && !es[0].Next.After(after.Add(h.interval+time.Second)),
			"Next of a is %v, started at %v", es[0].Next, before)
	}

	h.tickOnce("a")
	a := h.entry("a")
	require.False(t, a.Prev.IsZero(), "Prev not set after a tick: %+v", a)
	require.True(t, a.Next.After(a.Prev), "Next %v not after Prev %v", a.Next, a.Prev)
	if h.fake() {
		require.True(t, a.Prev.Equal(es[0].Next), "Prev %v, want the due time %v", a.Prev, es[0].Next)
	}
}

func testAddRemoveWhileRunning(t *testing.T, newScheduler NewScheduler) {
	h := newHarness(t, newScheduler, nil)
	h.start()
	if !h.fake() {
		h.add("a", h.every())
		h.waitCount("a", 1)
		h.add("b", h.every())
		h.waitCount("b", 1)
		h.remove("a")
		require.Len(t, h.entries(), 1)
		ticked := h.count("a")
		h.waitCount("b", h.count("b")+2)
		h.stop()
		// A tick dispatched just before Remove may still be recorded.
		require.LessOrEqual(t, h.count("a"), ticked+1, "a kept ticking after Remove: %v", h.seen())
		h.requireIDs("a", "b")
		return
	}
	minute := "@every 1m"
	h.add("a", minute)
	want := h.drive(h.clock.Now().Add(time.Minute), map[string]string{"a": minute})
	h.add("b", minute)
	want = append(want, h.drive(h.clock.Now().Add(time.Minute), map[string]string{"a": minute, "b": minute})...)
	h.remove("a")
	require.Equal(t, []string{"b"}, ids(h.entries()))
	want = append(want, h.drive(h.clock.Now().Add(2*time.Minute), map[string]string{"b": minute})...)
	require.Len(t, want, 5)
	h.requireTicks(want)
}

func testReplaceSpec(t *testing.T, newScheduler NewScheduler) {
	h := newHarness(t, newScheduler, nil)
	yearly := "CRON_TZ=UTC 0 0 1 1 *"
	if !h.fake() {
		h.add("a", h.every())
		h.add("a", yearly)
		es := h.entries()
		require.Len(t, es, 1)
		require.Equal(t, yearly, es[0].Spec)
		h.add("b", h.every())
		h.start()
		h.waitCount("b", 3)
		h.stop()
		h.requireIDs("b")
		return
	}
	h.start()
	h.add("a", "@every 1m")
	h.add("a", "@every 3m")
	es := h.entries()
	require.Len(t, es, 1)
	require.Equal(t, "@every 3m", es[0].Spec)
	next := es[0].Next
	require.True(t, next.Equal(h.nextOf("a", "@every 3m", h.clock.Now())), "Next %v after replacing the spec", next)

	want := h.drive(h.clock.Now().Add(time.Minute), nil)
	h.add("a", "@every 3m") // the same spec: nothing changes
	require.True(t, h.entry("a").Next.Equal(next), "re-adding the same spec moved Next from %v to %v", next, h.entry("a").Next)
	h.drive(next, nil)
	want = append(want, tick{ID: "a", At: next})
	h.waitCount("a", 1)
	h.requireTicks(want)
}

func testInvalidSpec(t *testing.T, newScheduler NewScheduler) {
	h := newHarness(t, newScheduler, nil)
	h.add("a", h.every())
	bad := []string{"", " ", "* * *", "61 * * * *", "* * * * * * *", "@every", "@every -1s", "@sometimes", "CRON_TZ=Nowhere/City * * * * *", "not a spec", "0 0 30 2 *"}
	check := func(when string) {
		for _, spec := range bad {
			err := h.s.Add(t.Context(), "a", spec)
			require.ErrorIs(t, err, schedule.ErrInvalidSpec, "%s: Add(a, %q)", when, spec)
			err = h.s.Add(t.Context(), "new", spec)
			require.ErrorIs(t, err, schedule.ErrInvalidSpec, "%s: Add(new, %q)", when, spec)
		}
		require.Error(t, h.s.Add(t.Context(), "", h.every()), "%s: Add with an empty id", when)
		es := h.entries()
		require.Len(t, es, 1, "%s: entries after bad adds: %+v", when, es)
		require.Equal(t, h.every(), es[0].Spec, "%s: a bad spec replaced a good one", when)
	}
	check("before Start")
	h.start()
	check("while running")
}

func testRemoveUnknown(t *testing.T, newScheduler NewScheduler) {
	h := newHarness(t, newScheduler, nil)
	h.remove("nope")
	h.remove("")
	h.add("a", h.every())
	h.remove("a")
	h.remove("a")
	require.Empty(t, h.entries())
	h.start()
	h.remove("nope")
	require.Empty(t, h.entries())
}

func testStartIdempotent(t *testing.T, newScheduler NewScheduler) {
	h := newHarness(t, newScheduler, nil)
	since := time.Now()
	h.add("a", h.every())
	h.start()
	h.start()
	if !h.fake() {
		h.waitCount("a", 3)
		h.stop()
		h.requireAtMostOnePerInterval(since)
		return
	}
	want := h.drive(h.clock.Now().Add(3*time.Minute), map[string]string{"a": h.every()})
	h.requireTicks(want)
}

func testConcurrentUse(t *testing.T, newScheduler NewScheduler) {
	h := newHarness(t, newScheduler, nil)
	h.start()
	const workers, rounds, idsEach = 8, 60, 5
	errs := make(chan error, workers*rounds*3)
	var wg sync.WaitGroup
	want := map[string]bool{} // id: scheduled at the end
	for w := range workers {
		for i := range rounds {
			want[fmt.Sprintf("w%d-%d", w, i%idsEach)] = i%3 != 0
		}
		wg.Go(func() {
			ctx := context.Background()
			for i := range rounds {
				id := fmt.Sprintf("w%d-%d", w, i%idsEach)
				errs <- h.s.Add(ctx, id, h.every())
				if i%3 == 0 {
					errs <- h.s.Remove(ctx, id)
				}
				_, err := h.s.Entries(ctx)
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	var wantIDs []string
	for id, scheduled := range want {
		if scheduled {
			wantIDs = append(wantIDs, id)
		}
	}
	slices.Sort(wantIDs)
	require.Equal(t, wantIDs, ids(h.entries()))
}

func testPanickingFunc(t *testing.T, newScheduler NewScheduler) {
	h := newHarness(t, newScheduler, func(context.Context, string, time.Time) { panic("boom") })
	h.add("a", h.every())
	h.start()
	h.tickOnce("a")
	h.tickOnce("a")
	h.stop()
}

// blocker is a Func that signals it has started and blocks until released
// or, if untilCanceled, until its context is canceled.
type blocker struct {
	untilCanceled bool
	started       chan struct{}
	once          sync.Once
	release       chan struct{}
	mu            sync.Mutex
	running       int
	canceled      int
}

func newBlocker(t *testing.T, untilCanceled bool) *blocker {
	b := &blocker{untilCanceled: untilCanceled, started: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(b.unblock)
	return b
}

func (b *blocker) unblock() {
	select {
	case <-b.release:
	default:
		close(b.release)
	}
}

func (b *blocker) fn(ctx context.Context, _ string, _ time.Time) {
	b.mu.Lock()
	b.running++
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.running--
		b.mu.Unlock()
	}()
	b.once.Do(func() { close(b.started) })
	if !b.untilCanceled {
		<-b.release
		return
	}
	select {
	case <-ctx.Done():
		b.mu.Lock()
		b.canceled++
		b.mu.Unlock()
	case <-b.release:
	}
}

func (b *blocker) state() (running, canceled int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running, b.canceled
}

// startBlocked starts a scheduler whose Func blocks, and waits for a call.
func startBlocked(t *testing.T, newScheduler NewScheduler, untilCanceled bool) (*harness, *blocker) {
	t.Helper()
	b := newBlocker(t, untilCanceled)
	h := newHarness(t, newScheduler, b.fn)
	h.add("slow", h.every())
	h.start()
	h.tickOnce("slow")
	h.wait("the Func to start", b.started)
	return h, b
}

func testStopWaitsForFuncs(t *testing.T, newScheduler NewScheduler) {
	h, b := startBlocked(t, newScheduler, false)
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
		defer cancel()
		stopped <- h.s.Stop(ctx)
	}()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a Func was running", err)
	case <-time.After(100 * time.Millisecond):
	}
	b.unblock()
	select {
	case err := <-stopped:
		require.NoError(t, err)
	case <-time.After(h.timeout):
		t.Fatalf("Stop did not return %s after the Funcs returned", h.timeout)
	}
	running, _ := b.state()
	require.Zero(t, running, "Stop returned while Funcs were running")
}

func testStopDeadlineCancelsFuncs(t *testing.T, newScheduler NewScheduler) {
	h, b := startBlocked(t, newScheduler, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := h.s.Stop(ctx)
	require.ErrorIs(t, err, context.Canceled, "Stop with a done context while a Func runs")

	// The Funcs see their context canceled and return; a second Stop waits
	// for that.
	h.stop()
	running, canceled := b.state()
	require.Zero(t, running)
	require.Positive(t, canceled, "no Func saw its context canceled")
}

func testStopIdempotent(t *testing.T, newScheduler NewScheduler) {
	h := newHarness(t, newScheduler, nil)
	h.stop()
	h.stop()
	require.ErrorIs(t, h.s.Start(t.Context()), schedule.ErrClosed, "Start after Stop")

	h = newHarness(t, newScheduler, nil)
	h.add("a", h.every())
	h.start()
	h.tickOnce("a")
	h.stop()
	h.stop()
}

func testClosedAfterStop(t *testing.T, newScheduler NewScheduler) {
	h := newHarness(t, newScheduler, nil)
	h.add("a", h.every())
	h.start()
	h.tickOnce("a")
	h.stop()
	ticked := h.count("a")
	ctx := t.Context()
	_, err := h.s.Entries(ctx)
	for name, err := range map[string]error{
		"Add":     h.s.Add(ctx, "b", h.every()),
		"Add bad": h.s.Add(ctx, "b", "@sometimes"),
		"Remove":  h.s.Remove(ctx, "a"),
		"Entries": err,
		"Start":   h.s.Start(ctx),
	} {
		require.True(t, errors.Is(err, schedule.ErrClosed) || name == "Add bad" && errors.Is(err, schedule.ErrInvalidSpec),
			"%s after Stop: %v", name, err)
	}
	if !h.fake() {
		time.Sleep(2 * h.interval)
		require.Equal(t, ticked, h.count("a"), "ticks after Stop: %v", h.seen())
	}
}

// testDueTimesOfEntries checks the due times two schedulers, as two
// replicas or a process and its restart, give the same entries: those of
// cronspec.ForEntry, the same in both. The entries of one "@every"
// interval spread over it, each by its id; those of a cron spec keep the
// spec's exact times.
func testDueTimesOfEntries(t *testing.T, newScheduler NewScheduler) {
	const n = 20
	hourly, cronHourly := "@every 1h", "CRON_TZ=UTC 0 * * * *"
	var nexts [2]map[string]time.Time
	for i := range nexts {
		h := newHarness(t, newScheduler, nil)
		for k := range n {
			h.add(fmt.Sprintf("spread-%02d", k), hourly)
		}
		h.add("cron-a", cronHourly)
		h.add("cron-b", cronHourly)
		before := h.now()
		h.start()
		es := h.entries()
		after := h.now()
		require.Len(t, es, n+2)
		nexts[i] = map[string]time.Time{}
		for _, e := range es {
			// A due time may pass between reading before and after: Next
			// is then the one after it.
			want, wantAfter := h.nextOf(e.ID, e.Spec, before), h.nextOf(e.ID, e.Spec, after)
			require.True(t, e.Next.Equal(want) || e.Next.Equal(wantAfter), "Next of %s on %q is %v, want %v", e.ID, e.Spec, e.Next, want)
			nexts[i][e.ID] = e.Next
		}
		require.True(t, nexts[i]["cron-a"].Equal(nexts[i]["cron-b"]) && nexts[i]["cron-a"].Equal(nexts[i]["cron-a"].Truncate(time.Hour)),
			"a cron spec's entries tick at its times: %v, %v", nexts[i]["cron-a"], nexts[i]["cron-b"])
		h.stop()
	}
	distinct := map[time.Time]bool{}
	var first, last time.Time
	for k := range n {
		id := fmt.Sprintf("spread-%02d", k)
		a, b := nexts[0][id], nexts[1][id]
		require.True(t, a.Equal(b) || a.Sub(b).Abs() == time.Hour, "the two schedulers disagree on the due times of %s: %v and %v", id, a, b)
		distinct[a] = true
		if first.IsZero() || a.Before(first) {
			first = a
		}
		if a.After(last) {
			last = a
		}
	}
	require.Len(t, distinct, n, "%d entries @every 1h share %d due times", n, len(distinct))
	require.Greater(t, last.Sub(first), 30*time.Minute, "%d entries @every 1h spread over %s only", n, last.Sub(first))
}

func ids(es []schedule.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}
