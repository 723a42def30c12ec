package schedule

import (
	"sync"
	"time"

	cron "github.com/netresearch/go-cron"
)

// loopClock is the real clock with one correction for the cron loop. The
// loop arms its timer for "next due time minus now", where now is the time
// its previous timer fired rather than the current time; after a tick that
// took the loop a while to dispatch (a thousand entries due at once), the
// next tick would come late by that while, round after round. loopClock
// remembers when its last timer fired and arms each new timer for that
// time plus the duration asked. When the loop's now is fresher (it reads
// the clock after an entry is added or removed), the timer fires early:
// the loop finds nothing due and arms again from the time it woke. A timer
// may thus fire early, never late.
type loopClock struct {
	mu    sync.Mutex
	fired time.Time // when the last timer fired; zero before the first
}

var _ cron.Clock = (*loopClock)(nil)

func (c *loopClock) Now() time.Time { return time.Now() }

// delay is how long to wait for a timer asked to wait d.
func (c *loopClock) delay(d time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fired.IsZero() {
		return d
	}
	return time.Until(c.fired.Add(d))
}

func (c *loopClock) NewTimer(d time.Duration) cron.Timer {
	t := &loopTimer{ch: make(chan time.Time, 1)}
	t.timer = time.AfterFunc(c.delay(d), func() {
		now := time.Now()
		c.mu.Lock()
		c.fired = now
		c.mu.Unlock()
		select {
		case t.ch <- now:
		default:
		}
	})
	return t
}

// loopTimer delivers the time it fired on a channel of one slot.
type loopTimer struct {
	timer *time.Timer
	ch    chan time.Time
}

func (t *loopTimer) C() <-chan time.Time { return t.ch }

func (t *loopTimer) Stop() bool { return t.timer.Stop() }

func (t *loopTimer) Reset(d time.Duration) bool { return t.timer.Reset(d) }

// cronClock is a Clock as the cron library asks for one.
type cronClock struct{ Clock }

func (c cronClock) NewTimer(d time.Duration) cron.Timer { return c.Clock.NewTimer(d) }
