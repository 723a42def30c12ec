package river_test

import (
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	smokexriver "github.com/smokex/smokex/schedule/river"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// TestMain fails the package's tests when a scheduler leaves a goroutine
// behind once stopped: its sync loop, its River client, a tick in flight.
// Run by a test as a child process (childEnv set), it is a replica of that
// test's cluster instead, until killed.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	goleak.VerifyTestMain(m)
}

// migratedSchema returns a pool of conns connections to the test
// database and a schema of the test's own, dropped at its end, holding
// River's tables.
func migratedSchema(t *testing.T, conns int32) (*pgxpool.Pool, string) {
	t.Helper()
	pool := postgrestest.Pool(t, conns)
	schema := postgrestest.Schema(t, pool)
	require.NoError(t, smokexriver.Migrate(t.Context(), pool, schema))
	return pool, schema
}
