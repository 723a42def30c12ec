package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseWindow(t *testing.T) {
	t.Parallel()
	w, err := parseWindow("cron=0 2 * * SAT,SUN,duration=90m,tz=Europe/Berlin")
	require.NoError(t, err)
	require.Equal(t, "0 2 * * SAT,SUN", w.Cron, "a comma of the cron spec stays in it")
	require.Equal(t, 90*time.Minute, w.Duration)
	require.Equal(t, "Europe/Berlin", w.TimeZone)
	require.Equal(t, "maintenance 0 2 * * SAT,SUN for 1h30m0s (Europe/Berlin)", w.Name)
	w, err = parseWindow(" cron = 0 3 1,15 * * , duration = 1d ")
	require.NoError(t, err)
	require.Equal(t, "0 3 1,15 * *", w.Cron)
	require.Equal(t, 24*time.Hour, w.Duration)
	require.Empty(t, w.TimeZone, "UTC")
}

func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"cron=0 2 * * SUN,duration=1h,tz=Europe/Berlin", "cron=0 2 * * SAT,SUN,duration=1d", ",", "=,=", "tz=", "cron=@every 1s,duration=1ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := parseWindow(s)
		if err != nil {
			require.NotEmpty(t, err.Error())
			return
		}
		require.NotEmpty(t, w.Cron)
		require.Positive(t, w.Duration)
		require.True(t, strings.HasPrefix(w.Name, "maintenance "))
	})
}
