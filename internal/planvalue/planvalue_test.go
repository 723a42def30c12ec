package planvalue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/internal/planvalue"
	"github.com/smokex/smokex/plan"
)

func TestStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    any
		match []int
		miss  []int
	}{
		{in: 203, match: []int{203}, miss: []int{200}},
		{in: int64(404), match: []int{404}, miss: []int{400}},
		{in: float64(500), match: []int{500}, miss: []int{501}},
		{in: "203", match: []int{203}, miss: []int{204}},
		{in: "3xx", match: []int{301, 399}, miss: []int{200, 400}},
		{in: []any{200, "4xx"}, match: []int{200, 404}, miss: []int{201, 500}},
	}
	for _, c := range cases {
		codes, classes, err := planvalue.Status(c.in)
		require.NoError(t, err, c.in)
		s := &plan.StatusExpect{Codes: codes, Classes: classes}
		for _, code := range c.match {
			require.True(t, s.Match(code), "%v %d", c.in, code)
		}
		for _, code := range c.miss {
			require.False(t, s.Match(code), "%v %d", c.in, code)
		}
	}
	for _, bad := range []any{"abc", 1.5, nil, true, []any{}, []any{200, "x"}, map[string]any{}} {
		_, _, err := planvalue.Status(bad)
		require.Error(t, err, "%v", bad)
	}
}

func TestTimeoutAndBool(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"100": 100 * time.Millisecond, " 2s ": 2 * time.Second, "1h": time.Hour} {
		got, err := planvalue.Timeout(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "soon", "2x", "-2x"} {
		_, err := planvalue.Timeout(bad)
		require.Error(t, err, bad)
		require.NotErrorIs(t, err, planvalue.ErrTimeoutTooLarge, bad)
	}
	for _, large := range []string{"9223372036854775807", "4611686018428", "99999999999999999999", "2000000h", "99999999999999h"} {
		_, err := planvalue.Timeout(large)
		require.ErrorIs(t, err, planvalue.ErrTimeoutTooLarge, large)
	}
	most, err := planvalue.Timeout("4611686018427")
	require.NoError(t, err)
	require.LessOrEqual(t, most, planvalue.MaxTimeout)
	for in, want := range map[string]time.Duration{"-1": -time.Millisecond, "-5s": -5 * time.Second, "-99999999999999999999": -planvalue.MaxTimeout, "-99999999999999h": -planvalue.MaxTimeout} {
		got, err := planvalue.Timeout(in)
		require.NoError(t, err, "%s: refused as not positive by the caller", in)
		require.Equal(t, want, got, in)
	}
	for in, want := range map[string]bool{"true": true, "TRUE": true, "yes": true, "on": true, "false": false, "No": false, "off": false} {
		got, err := planvalue.Bool(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err = planvalue.Bool("1")
	require.Error(t, err)
}

func TestDuration(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"14d": 14 * 24 * time.Hour, "1d12h": 36 * time.Hour, "36h": 36 * time.Hour,
		"1.5d": 36 * time.Hour, "800ms": 800 * time.Millisecond, " 10s ": 10 * time.Second, "0": 0,
	} {
		got, err := planvalue.Duration(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "d", "14", "-1d", "-5s", "14days", "1e9d", "x"} {
		_, err := planvalue.Duration(in)
		require.Error(t, err, in)
	}
}

func TestFormatDays(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		9*24*time.Hour + 23*time.Hour + 59*time.Minute: "9 days 23 h",
		24 * time.Hour:                  "1 day",
		14 * 24 * time.Hour:             "14 days",
		5*time.Hour + 12*time.Minute:    "5 h 12 min",
		40 * time.Second:                "40 s",
		-(2*24*time.Hour + 3*time.Hour): "2 days 3 h",
	} {
		require.Equal(t, want, planvalue.FormatDays(d))
	}
}
