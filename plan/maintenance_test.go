package plan_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

func TestMaintenanceWindowHolds(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse([]byte(`name: backups
maintenance: {cron: "0 2 * * SUN", duration: 1h, tz: Europe/Berlin}
steps:
  - get: {url: "https://api.example.com/health"}
`), nil)
	require.NoError(t, err)
	require.Len(t, p.Maintenance, 1)
	w := &p.Maintenance[0]
	require.Equal(t, "maintenance 0 2 * * SUN for 1h0m0s (Europe/Berlin)", w.String())
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 12, 6, 2, 0, 0, 0, berlin), true}, // a Sunday, 02:00 in Berlin: opens
		{time.Date(2026, 12, 6, 2, 59, 59, 0, berlin), true},
		{time.Date(2026, 12, 6, 3, 0, 0, 0, berlin), false}, // an hour later: closed
		{time.Date(2026, 12, 6, 1, 59, 59, 0, berlin), false},
		{time.Date(2026, 12, 6, 2, 30, 0, 0, time.UTC), false}, // 03:30 in Berlin
		{time.Date(2026, 12, 6, 1, 30, 0, 0, time.UTC), true},  // 02:30 in Berlin
		{time.Date(2026, 12, 7, 2, 30, 0, 0, berlin), false},   // a Monday
	} {
		require.Equal(t, c.want, w.Holds(c.at), "at %s", c.at)
	}
}
