package scheduletest

import (
	"time"

	cron "github.com/netresearch/go-cron"

	"github.com/smokex/smokex/schedule"
)

// FakeClock is a schedule.Clock that moves only when told: give it to
// schedule.CronConfig.Clock to drive a Cron's time by hand.
type FakeClock struct {
	fc *cron.FakeClock
}

var _ schedule.Clock = (*FakeClock)(nil)

// NewFakeClock returns a FakeClock that reads start.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{fc: cron.NewFakeClock(start)}
}

// Now implements schedule.Clock.
func (c *FakeClock) Now() time.Time { return c.fc.Now() }

// NewTimer implements schedule.Clock.
func (c *FakeClock) NewTimer(d time.Duration) schedule.Timer { return c.fc.NewTimer(d) }

// Advance moves the clock forward by d and fires the timers due by then.
func (c *FakeClock) Advance(d time.Duration) { c.fc.Advance(d) }

// Set moves the clock to t and fires the timers due by then.
func (c *FakeClock) Set(t time.Time) { c.fc.Set(t) }

// BlockUntil waits until n timers are waiting on the clock.
func (c *FakeClock) BlockUntil(n int) { c.fc.BlockUntil(n) }

// TimerCount is the number of timers waiting on the clock.
func (c *FakeClock) TimerCount() int { return c.fc.TimerCount() }
