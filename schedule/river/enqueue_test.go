package river

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// TestRecordThroughConcurrently: two replicas that record the last
// enqueued ticks of the same entries at once wait on each other, rather
// than deadlock: they lock the rows in the same order. 10,000 entries
// make PostgreSQL look each up by its key, in the order of the ids given.
func TestRecordThroughConcurrently(t *testing.T) {
	t.Parallel()
	pool := postgrestest.Pool(t, 4)
	schema := postgrestest.Schema(t, pool)
	require.NoError(t, Migrate(t.Context(), pool, schema))
	sql := sqlText(schema)
	_, err := pool.Exec(t.Context(), sql.of(`INSERT INTO {schema}.schedule_entries (id, spec, updated_at, enqueued_through)
		SELECT 'e' || i, '@every 1s', now() - interval '1 hour', now() - interval '1 hour' FROM generate_series(1, 10000) i`))
	require.NoError(t, err)
	_, err = pool.Exec(t.Context(), sql.of(`ANALYZE {schema}.schedule_entries`))
	require.NoError(t, err)
	replicas := []*enqueuer{
		{pool: pool, sql: sql, through: map[string]time.Time{}},
		{pool: pool, sql: sql, through: map[string]time.Time{}},
	}
	base := time.Now().Truncate(time.Second)
	for round := range 20 {
		due := base.Add(time.Duration(round) * time.Second)
		var wg sync.WaitGroup
		errs := make([]error, len(replicas))
		for r, q := range replicas {
			for i := range 1000 {
				q.through[fmt.Sprintf("e%d", 1+(i*7)%10000)] = due.Add(time.Duration(r) * time.Millisecond)
			}
			wg.Go(func() { errs[r] = q.recordThrough(t.Context()) })
		}
		wg.Wait()
		for r, err := range errs {
			require.NoError(t, err, "round %d, replica %d", round, r)
		}
	}
}
