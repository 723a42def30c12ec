package river

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// newOffline is a Scheduler whose pool never connects, for tests of the
// tick loop's bookkeeping, which does no I/O.
func newOffline(tb testing.TB) *Scheduler {
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none")
	require.NoError(tb, err)
	tb.Cleanup(pool.Close)
	s, err := New(Config{Pool: pool, Func: func(context.Context, string, time.Time) {}})
	require.NoError(tb, err)
	return s
}

// takePending takes the ticks handed to the enqueuer off its queue.
func (s *Scheduler) takePending() []tickArgs {
	s.enq.mu.Lock()
	defer s.enq.mu.Unlock()
	ticks := s.enq.pending
	s.enq.pending = nil
	return ticks
}

// TestDueHeap: entries added, changed (spec, locations), removed and
// added again in random order between runs of the tick loop, which sees
// the clock jump by up to a few seconds: after each step the heap holds
// exactly the entries that tick, each at its place and none before its
// parent; each run of the loop enqueues every tick due of every entry
// (from the next due time it had, MaxCatchUpTicks at most), nothing
// else, and sleeps until the first next due time.
func TestDueHeap(t *testing.T) {
	s := newOffline(t)
	specs := []string{"@every 1s", "@every 2s", "@every 7s", "*/3 * * * * *", "@every 1m"}
	locations := [][]string{nil, {"eu"}, {"eu", "us"}}
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	check := func(step int) {
		t.Helper()
		s.mu.Lock()
		defer s.mu.Unlock()
		inHeap := 0
		for i, e := range s.due {
			require.Equal(t, i, e.index, "step %d: the index of %s", step, e.id)
			require.Same(t, s.local[e.id], e, "step %d: %s in the heap is not the entry scheduled", step, e.id)
			require.False(t, e.next.IsZero(), "step %d: %s in the heap ticks no more", step, e.id)
			if i > 0 {
				require.False(t, e.next.Before(s.due[(i-1)/2].next), "step %d: %s before its parent", step, e.id)
			}
			inHeap++
		}
		ticking := 0
		for _, e := range s.local {
			if !e.next.IsZero() {
				ticking++
			}
		}
		require.Equal(t, ticking, inHeap, "step %d: entries that tick, in the heap", step)
	}
	for step := range 5000 {
		id := fmt.Sprintf("e%d", rng.IntN(40))
		switch op := rng.IntN(10); {
		case op < 5:
			text := specs[rng.IntN(len(specs))]
			sp, err := parseSpec(id, text, time.UTC)
			require.NoError(t, err)
			require.NoError(t, s.apply(id, text, locations[rng.IntN(len(locations))], sp, time.Time{}))
		case op < 7:
			require.NoError(t, s.apply(id, "", nil, nil, time.Time{}))
		default:
			now = now.Add(time.Duration(rng.Int64N(int64(3 * time.Second))))
			var want []tickArgs
			s.mu.Lock()
			for _, e := range s.local {
				var dues []time.Time
				for d := e.next; !d.IsZero() && !d.After(now); d = e.parsed.next(d) {
					dues = append(dues, d)
				}
				for _, d := range dues[max(0, len(dues)-MaxCatchUpTicks):] {
					if len(e.locations) == 0 {
						want = append(want, tickArgs{ID: e.id, Due: d})
					}
					for _, loc := range e.locations {
						want = append(want, tickArgs{ID: e.id, Due: d, Location: loc})
					}
				}
			}
			s.mu.Unlock()
			wait := s.enqueueDue(now)
			got := s.takePending()
			slices.SortFunc(want, tickArgs.compare)
			require.Equal(t, want, got, "step %d: the ticks enqueued at %s", step, now.Format(time.StampMilli))
			s.mu.Lock()
			first := now.Add(idleWait)
			for _, e := range s.local {
				require.True(t, e.next.IsZero() || e.next.After(now), "step %d: %s still due at %s", step, e.id, e.next)
				if !e.next.IsZero() && e.next.Before(first) {
					first = e.next
				}
			}
			s.mu.Unlock()
			require.Equal(t, first.Sub(now), wait, "step %d: the wait until the next tick", step)
		}
		check(step)
	}
}

// BenchmarkEnqueueDue is the tick loop's work for 1,000 entries @every
// 10s, one op a tenth of a second (about ten ticks due each), the ticks
// taken off the enqueuer's queue. It does no I/O: the pool never
// connects.
func BenchmarkEnqueueDue(b *testing.B) {
	s := newOffline(b)
	for i := range 1000 {
		id := fmt.Sprintf("p%d", i)
		sp, err := parseSpec(id, "@every 10s", time.UTC)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.apply(id, "@every 10s", nil, sp, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	ticks := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		now = now.Add(100 * time.Millisecond)
		s.enqueueDue(now)
		s.enq.mu.Lock()
		ticks += len(s.enq.pending)
		s.enq.pending = s.enq.pending[:0]
		s.enq.mu.Unlock()
	}
	b.ReportMetric(float64(ticks)/float64(b.N), "ticks/op")
}
