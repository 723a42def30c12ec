package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoopClockDelay(t *testing.T) {
	t.Parallel()
	c := &loopClock{}
	require.Equal(t, time.Hour, c.delay(time.Hour), "before any timer fired")

	c.fired = time.Now().Add(-time.Hour)
	got := c.delay(3 * time.Hour)
	require.True(t, got > 119*time.Minute && got <= 2*time.Hour, "a timer armed an hour after the last fired waits %v, want 2h", got)
	require.LessOrEqual(t, c.delay(time.Minute), time.Duration(0), "a deadline already past")
}

func TestLoopClockTimer(t *testing.T) {
	t.Parallel()
	c := &loopClock{}
	timer := c.NewTimer(time.Millisecond)
	at := <-timer.C()
	require.False(t, timer.Stop(), "Stop after the timer fired")
	c.mu.Lock()
	fired := c.fired
	c.mu.Unlock()
	require.True(t, at.Equal(fired), "the clock remembers %v, the timer delivered %v", fired, at)

	timer = c.NewTimer(time.Hour)
	require.True(t, timer.Stop(), "Stop before the timer fired")
	require.False(t, timer.Reset(time.Millisecond), "Reset of a stopped timer")
	<-timer.C()
}
