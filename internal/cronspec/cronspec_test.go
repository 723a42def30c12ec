package cronspec

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for spec, next := range map[string]time.Time{
		"*/5 * * * *":                    base.Add(5 * time.Minute),
		"30 */5 * * * *":                 base.Add(30 * time.Second),
		"@every 30s":                     base.Add(30 * time.Second),
		"@hourly":                        base.Add(time.Hour),
		"CRON_TZ=Europe/Paris 0 2 * * *": time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC),
	} {
		s, err := Parse(spec)
		require.NoError(t, err, spec)
		require.True(t, next.Equal(s.Next(base)), "%s: %v", spec, s.Next(base))
	}
	for _, bad := range []string{"", "* * *", "61 * * * *", "@every", "@sometimes", "CRON_TZ=Nowhere/City * * * * *", "0 0 30 2 *", "@every 1500ms", "@every 0s", "@every soon"} {
		_, err := Parse(bad)
		require.Error(t, err, bad)
	}
}

func TestForEntry(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 14, 15, 9, 26, 535_897_932, time.UTC)
	// A cron spec keeps its own times, whatever the entry.
	for _, id := range []string{"a", "b"} {
		s, err := ForEntry(id, "*/5 * * * *")
		require.NoError(t, err)
		require.Equal(t, time.Date(2026, 3, 14, 15, 10, 0, 0, time.UTC), s.Next(at), id)
	}
	_, err := ForEntry("a", "@every 1500ms")
	require.Error(t, err)

	offsets := map[time.Duration]bool{}
	for i := range 100 {
		id := fmt.Sprintf("plan-%d", i)
		s, err := ForEntry(id, "@every 1m")
		require.NoError(t, err)
		e, ok := s.(Every)
		require.True(t, ok, "%T", s)
		require.Equal(t, EveryFor(id, time.Minute), e, "the offset depends on the id alone")
		require.Equal(t, time.Minute, e.Interval)
		require.True(t, e.Offset >= 0 && e.Offset < e.Interval && e.Offset%(100*time.Millisecond) == 0, "offset %s", e.Offset)
		offsets[e.Offset] = true

		// The due times are the multiples of the interval since the zero
		// time plus the offset, each an interval after the last.
		next := e.Next(at)
		require.True(t, next.After(at) && !next.After(at.Add(e.Interval)), "Next(%s) = %s", at, next)
		require.Equal(t, next.Add(-e.Offset), next.Add(-e.Offset).Truncate(e.Interval), "Next(%s) = %s", at, next)
		require.Equal(t, next.Add(e.Interval), e.Next(next))
		require.Equal(t, next, e.Next(next.Add(-time.Nanosecond)))
		prev := e.Prev(next)
		require.Equal(t, next.Add(-e.Interval), prev)
		require.False(t, prev.After(at))
		require.Equal(t, prev, e.Prev(next.Add(-time.Nanosecond)))
		require.Equal(t, next, e.Prev(next.Add(time.Nanosecond)))
	}
	require.Greater(t, len(offsets), 75, "100 ids share %d offsets of @every 1m", len(offsets))
	// Known values, so that a change of the hash, which would move every
	// entry's due times, does not go unnoticed.
	require.Equal(t, Every{Interval: time.Minute, Offset: 27300 * time.Millisecond}, EveryFor("checkout", time.Minute))
	require.Equal(t, Every{Interval: time.Second, Offset: 400 * time.Millisecond}, EveryFor("p0001", time.Second))
}
