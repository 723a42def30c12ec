package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newStore returns a migrated store in a schema of its own, dropped when t
// ends.
func newStore(t testing.TB, pool *pgxpool.Pool, cfg postgres.Config) *postgres.Store {
	t.Helper()
	if cfg.Schema == "" {
		cfg.Schema = postgrestest.Schema(t, pool)
	}
	st, err := postgres.New(pool, cfg)
	require.NoError(t, err)
	require.NoError(t, st.Migrate(context.Background()))
	return st
}
