package schedule_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/schedule/scheduletest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock drives a Cron's cron.FakeClock for the conformance suite.
// Cron's loop holds exactly one timer on the clock while it waits, and none
// while it handles a tick or a change of entries; Advance waits for that
// timer before and after moving time, so that it returns only once every
// tick due has been dispatched.
type fakeClock struct {
	t  *testing.T
	fc *scheduletest.FakeClock
}

func (c fakeClock) Now() time.Time { return c.fc.Now() }

func (c fakeClock) Advance(d time.Duration) {
	c.waitIdle()
	c.fc.Advance(d)
	c.waitIdle()
}

func (c fakeClock) waitIdle() {
	c.t.Helper()
	deadline := time.Now().Add(scheduletest.DefaultTimeout)
	for c.fc.TimerCount() < 1 {
		if time.Now().After(deadline) {
			c.t.Fatalf("the cron loop did not wait on the clock within %s", scheduletest.DefaultTimeout)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func newFakeCron(t *testing.T, fn schedule.Func) (schedule.Scheduler, *scheduletest.Features) {
	fc := scheduletest.NewFakeClock(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC))
	c, err := schedule.NewCron(schedule.CronConfig{Func: fn, Clock: fc, Logger: quietLogger()})
	require.NoError(t, err)
	return c, &scheduletest.Features{Clock: fakeClock{t: t, fc: fc}}
}

func newRealCron(t *testing.T, fn schedule.Func) (schedule.Scheduler, *scheduletest.Features) {
	c, err := schedule.NewCron(schedule.CronConfig{Func: fn, Logger: quietLogger()})
	require.NoError(t, err)
	return c, nil
}

func quietLogger() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

func TestCronConformanceFakeClock(t *testing.T) {
	scheduletest.Run(t, newFakeCron)
}

func TestCronConformanceRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("the real-clock suite takes a few seconds; run without -short")
	}
	scheduletest.Run(t, newRealCron)
}

func TestNewCronValidates(t *testing.T) {
	t.Parallel()
	c, err := schedule.NewCron(schedule.CronConfig{})
	require.ErrorContains(t, err, "CronConfig.Func")
	require.Nil(t, c)
}

func TestCronLogsPanics(t *testing.T) {
	t.Parallel()
	// One tick writes the log, in a Func call that Stop waits for.
	var logs bytes.Buffer
	fc := scheduletest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c, err := schedule.NewCron(schedule.CronConfig{
		Func:   func(context.Context, string, time.Time) { panic("kaboom") },
		Clock:  fc,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, c.Add(ctx, "plan-1", "@every 1m"))
	require.NoError(t, c.Start(ctx))
	clock := fakeClock{t: t, fc: fc}
	clock.Advance(time.Minute)
	require.NoError(t, c.Stop(ctx))
	require.Contains(t, logs.String(), "callback panicked")
	require.Contains(t, logs.String(), "id=plan-1")
	require.Contains(t, logs.String(), "kaboom")
}

func TestCronLocation(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		loc  *time.Location
		spec string
		want time.Time
	}{
		{"config location", paris, "0 2 * * *", time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)},
		{"spec time zone wins", paris, "CRON_TZ=UTC 0 2 * * *", time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)},
		{"utc", time.UTC, "0 2 * * *", time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := schedule.NewCron(schedule.CronConfig{
				Func:     func(context.Context, string, time.Time) {},
				Clock:    scheduletest.NewFakeClock(start),
				Location: tc.loc,
				Logger:   quietLogger(),
			})
			require.NoError(t, err)
			ctx := t.Context()
			require.NoError(t, c.Add(ctx, "p", tc.spec))
			require.NoError(t, c.Start(ctx))
			defer func() { require.NoError(t, c.Stop(ctx)) }()
			es, err := c.Entries(ctx)
			require.NoError(t, err)
			require.Len(t, es, 1)
			require.True(t, tc.want.Equal(es[0].Next), "Next %v, want %v", es[0].Next, tc.want)
		})
	}
}

func TestCronReplaceKeepsPrev(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fc := scheduletest.NewFakeClock(start)
	c, err := schedule.NewCron(schedule.CronConfig{Func: func(context.Context, string, time.Time) {}, Clock: fc, Logger: quietLogger()})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, c.Add(ctx, "p", "@every 1m"))
	require.NoError(t, c.Start(ctx))
	defer func() { require.NoError(t, c.Stop(ctx)) }()
	first := cronspec.EveryFor("p", time.Minute).Next(start)
	fakeClock{t: t, fc: fc}.Advance(first.Sub(start))
	require.NoError(t, c.Add(ctx, "p", "@every 1h"))
	es, err := c.Entries(ctx)
	require.NoError(t, err)
	require.Equal(t, []schedule.Entry{{
		ID:   "p",
		Spec: "@every 1h",
		Next: cronspec.EveryFor("p", time.Hour).Next(first),
		Prev: first,
	}}, utc(es))
}

// utc returns es with their times in UTC, for comparing with ==.
func utc(es []schedule.Entry) []schedule.Entry {
	for i := range es {
		es[i].Next, es[i].Prev = es[i].Next.UTC(), es[i].Prev.UTC()
	}
	return es
}

type ctxKey struct{}

func TestCronStartContext(t *testing.T) {
	t.Parallel()
	t.Run("done", func(t *testing.T) {
		t.Parallel()
		c, err := schedule.NewCron(schedule.CronConfig{Func: func(context.Context, string, time.Time) {}})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		require.ErrorIs(t, c.Start(ctx), context.Canceled)
		require.NoError(t, c.Stop(t.Context()))
	})
	t.Run("values", func(t *testing.T) {
		t.Parallel()
		fc := scheduletest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		got := make(chan string, 1)
		c, err := schedule.NewCron(schedule.CronConfig{
			Func: func(ctx context.Context, _ string, _ time.Time) {
				got <- fmt.Sprint(ctx.Value(ctxKey{}), ", ", ctx.Err())
			},
			Clock:  fc,
			Logger: quietLogger(),
		})
		require.NoError(t, err)
		startCtx, cancel := context.WithCancel(context.WithValue(t.Context(), ctxKey{}, "from Start"))
		require.NoError(t, c.Add(startCtx, "p", "@every 1m"))
		require.NoError(t, c.Start(startCtx))
		cancel() // ticks go on, and their context is not canceled
		fakeClock{t: t, fc: fc}.Advance(time.Minute)
		require.Equal(t, "from Start, <nil>", <-got)
		require.NoError(t, c.Stop(t.Context()))
	})
}
