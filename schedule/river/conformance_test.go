package river_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/schedule"
	smokexriver "github.com/smokex/smokex/schedule/river"
	"github.com/smokex/smokex/schedule/scheduletest"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// TestConformance runs the scheduler conformance suite, each scenario on
// a schema of its own, on the real clock: River's clock is the database's.
func TestConformance(t *testing.T) {
	pool := postgrestest.Pool(t, 16)
	scheduletest.Run(t, func(t *testing.T, fn schedule.Func) (schedule.Scheduler, *scheduletest.Features) {
		schema := postgrestest.Schema(t, pool)
		require.NoError(t, smokexriver.Migrate(t.Context(), pool, schema))
		s, err := smokexriver.New(smokexriver.Config{
			Pool:         pool,
			Func:         fn,
			Schema:       schema,
			JobTimeout:   5 * time.Second,
			SyncInterval: 200 * time.Millisecond,
			Logger:       slog.New(slog.DiscardHandler),
		})
		require.NoError(t, err)
		return s, &scheduletest.Features{Timeout: 15 * time.Second}
	})
}
