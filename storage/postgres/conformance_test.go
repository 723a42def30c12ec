package postgres_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
	"github.com/smokex/smokex/storage/storagetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	pool := postgrestest.Pool(t, 4)
	storagetest.Run(t, func(t *testing.T) storage.Store {
		// The suite checks that a 1 MiB body comes back whole: keep more
		// than that. TestStoredBodiesAreCut checks the cut.
		return newStore(t, pool, postgres.Config{MaxStoredBodySize: 2 << 20})
	})
}

// TestConformanceShared runs the suite of two stores on one schema, each
// with a pool of its own, as two replicas have.
func TestConformanceShared(t *testing.T) {
	t.Parallel()
	storagetest.RunShared(t, func(t *testing.T) (storage.Store, storage.Store) {
		a := newStore(t, postgrestest.Pool(t, 4), postgres.Config{})
		b, err := postgres.New(postgrestest.Pool(t, 4), postgres.Config{Schema: a.Schema()})
		require.NoError(t, err)
		return a, b
	})
}
