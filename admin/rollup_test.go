package admin

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/storage"
)

func TestRollupSpan(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC) // a quarter into the day
	day := func(n int) time.Time { return time.Date(2026, 12, 5+n, 0, 0, 0, 0, time.UTC) }
	days := map[time.Time]*storage.DailyUptime{
		day(0):  {Failed: 1},
		day(-1): {Passed: 3, Degraded: 1},
		day(-6): {Passed: 10},
		day(-7): {Failed: 8},
		day(-8): {Failed: 100},
	}
	for _, c := range []struct {
		span    time.Duration
		up, all float64
	}{
		// Today whole, three quarters of yesterday.
		{24 * time.Hour, 3, 4},
		// The six days after the one the window starts in whole, that one
		// (seven days ago) in its last three quarters; eight days ago not.
		{7 * 24 * time.Hour, 14, 21},
		{time.Hour, 0, 1},
	} {
		up, all := rollupSpan(days, now, c.span)
		require.InDelta(t, c.up, up, 1e-9, c.span)
		require.InDelta(t, c.all, all, 1e-9, c.span)
	}
	up, all := rollupSpan(nil, now, 24*time.Hour)
	require.Zero(t, up+all)
}
