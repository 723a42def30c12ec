package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/smokex/smokex/storage/postgres"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// envURL names the variable that points the tests at a database.
const envURL = "SMOKEX_TEST_DATABASE_URL"

// databaseURL returns the test database's URL, skipping t when none is set
// (failing it instead when CI is set).
func databaseURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(envURL)
	if url == "" {
		msg := envURL + " is not set; run these tests against a PostgreSQL database with e.g. " +
			envURL + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ./storage/postgres/"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return url
}

// newPool returns a pool of 4 connections at most on the test database,
// closed when t ends.
func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return newPoolSize(t, 4)
}

// newPoolSize returns a pool of maxConns connections at most on the test
// database, closed when t ends.
func newPoolSize(t testing.TB, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(databaseURL(t))
	require.NoError(t, err)
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// randomSchema returns a fresh schema name for one test.
func randomSchema() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "smokex_test_" + hex.EncodeToString(b)
}

// dropSchema drops schema when t ends.
func dropSchema(t testing.TB, pool *pgxpool.Pool, schema string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		require.NoError(t, err)
	})
}

// newStore returns a migrated store in a schema of its own, dropped when t
// ends.
func newStore(t testing.TB, pool *pgxpool.Pool, cfg postgres.Config) *postgres.Store {
	t.Helper()
	if cfg.Schema == "" {
		cfg.Schema = randomSchema()
	}
	st, err := postgres.New(pool, cfg)
	require.NoError(t, err)
	dropSchema(t, pool, cfg.Schema)
	require.NoError(t, st.Migrate(context.Background()))
	return st
}
