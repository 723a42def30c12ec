package cronspec

import (
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
