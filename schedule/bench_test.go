package schedule_test

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/schedule/scheduletest"
)

// benchEntries is how many "@every 1s" entries the benchmarks schedule.
const benchEntries = 1000

// startBenchCron starts a Cron on clock (nil: the real clock) with
// benchEntries entries "@every 1s", named "0", "1", and so on.
func startBenchCron(b *testing.B, clock schedule.Clock, fn schedule.Func) {
	b.Helper()
	c, err := schedule.NewCron(schedule.CronConfig{Func: fn, Clock: clock, Logger: quietLogger()})
	require.NoError(b, err)
	ctx := context.Background()
	for i := range benchEntries {
		require.NoError(b, c.Add(ctx, strconv.Itoa(i), "@every 1s"))
	}
	require.NoError(b, c.Start(ctx))
	b.Cleanup(func() { require.NoError(b, c.Stop(ctx)) })
}

// BenchmarkCronLateness measures how late ticks come on the real clock
// with 1,000 entries "@every 1s": from the due time to the start of the Func
// call. One op is one round, one tick of every entry (about one second), so
// run it for a few rounds:
//
//	go test -run '^$' -bench CronLateness -benchtime 5x ./schedule
//
// A tick's lateness is its time past the due time the Func is given. It
// reports the minimum, the 50th and 99th
// percentile and the maximum lateness, and the ticks missed: an entry that
// ticked fewer times than the busiest one missed the difference.
func BenchmarkCronLateness(b *testing.B) {
	type tick struct {
		id   int
		late time.Duration
	}
	ticks := make(chan tick, 16*benchEntries)
	startBenchCron(b, nil, func(_ context.Context, id string, due time.Time) {
		late := time.Since(due)
		n, _ := strconv.Atoi(id)
		select {
		case ticks <- tick{id: n, late: late}:
		default: // the reader fell behind; the entry shows as missed
		}
	})

	// Wait out the first round, which may start mid-second.
	for range benchEntries {
		<-ticks
	}
	counts := make([]int, benchEntries)
	var late []time.Duration
	for b.Loop() {
		for range benchEntries {
			k := <-ticks
			counts[k.id]++
			late = append(late, k.late)
		}
	}
	slices.Sort(late)
	pct := func(p float64) float64 {
		return float64(late[int(p*float64(len(late)-1))].Microseconds())
	}
	b.ReportMetric(pct(0), "min-late-µs")
	b.ReportMetric(pct(0.50), "p50-late-µs")
	b.ReportMetric(pct(0.99), "p99-late-µs")
	b.ReportMetric(pct(1), "max-late-µs")
	most, missed := slices.Max(counts), 0
	for _, n := range counts {
		missed += most - n
	}
	b.ReportMetric(float64(missed), "missed")
}

// BenchmarkCronDispatch measures how fast Cron dispatches a round of
// 1,000 ticks due by the same time, on a fake clock: one op advances the
// clock a second and waits for every Func call.
func BenchmarkCronDispatch(b *testing.B) {
	done := make(chan struct{}, benchEntries)
	fc := scheduletest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	startBenchCron(b, fc, func(context.Context, string, time.Time) { done <- struct{}{} })
	for b.Loop() {
		for fc.TimerCount() < 1 { // the loop waits on the clock again
			runtime.Gosched()
		}
		fc.Advance(time.Second)
		for range benchEntries {
			<-done
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchEntries), "ns/tick")
}
