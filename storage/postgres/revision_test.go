package postgres_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// TestCreateIfRevisionWaitsForPlanWrite: a guarded create that meets a
// change or a deletion of its plan not yet committed waits for it, and
// then fails as the plan it left says, storing nothing: the check of the
// revision and the insert are one step, never one on the old plan and
// the other after the change.
func TestCreateIfRevisionWaitsForPlanWrite(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		write string
		want  error
	}{
		{"changed", "UPDATE {schema}.plans SET source = 'name: changed', revision = revision + 1 WHERE id = 'p'", storage.ErrPlanChanged},
		{"deleted", "DELETE FROM {schema}.plans WHERE id = 'p'", storage.ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			pool := postgrestest.Pool(t, 4)
			schema := postgrestest.Schema(t, pool)
			st := newStore(t, pool, postgres.Config{Schema: schema})
			require.NoError(t, st.SavePlan(ctx, planFor("p")))
			got, err := st.GetPlan(ctx, "p")
			require.NoError(t, err)

			tx, err := pool.Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = tx.Rollback(ctx) }()
			_, err = tx.Exec(ctx, sqlIn(schema, tt.write))
			require.NoError(t, err)
			done := make(chan error, 1)
			go func() {
				done <- st.CreateExecutionIfRevision(ctx, execFor("e-1", "p", time.Now(), record.StatusCreated), got.Revision)
			}()
			// The create waits on the plan's row, which the write holds.
			require.Eventually(t, func() bool {
				select {
				case err := <-done:
					require.FailNow(t, "the create did not wait for the plan's write", "it returned %v", err)
				default:
				}
				var waiting int
				require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
					WHERE wait_event_type = 'Lock' AND query LIKE '%FOR SHARE%' AND query LIKE '%' || $1 || '%'`, schema).Scan(&waiting))
				return waiting > 0
			}, time.Minute, time.Millisecond)
			require.NoError(t, tx.Commit(ctx))
			require.ErrorIs(t, <-done, tt.want)
			_, err = st.GetExecution(ctx, "e-1")
			require.ErrorIs(t, err, storage.ErrNotFound, "nothing stored")
		})
	}
}

// sqlIn returns query with {schema} replaced by schema, quoted.
func sqlIn(schema, query string) string {
	return strings.ReplaceAll(query, "{schema}", pgx.Identifier{schema}.Sanitize())
}

// TestRevisionOfAnOlderReleasesSave: a release older than the plans'
// revisions, running beside a newer one on the same schema, saves plans
// with a statement that knows nothing of revisions; a change it makes
// still gives the plan a new revision, which the newer release's guarded
// creates then see, and a save of the same plan keeps it.
func TestRevisionOfAnOlderReleasesSave(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := postgrestest.Pool(t, 4)
	schema := postgrestest.Schema(t, pool)
	st := newStore(t, pool, postgres.Config{Schema: schema})
	require.NoError(t, st.SavePlan(ctx, planFor("p")))
	first, err := st.GetPlan(ctx, "p")
	require.NoError(t, err)

	// SavePlan's statement before the revisions (migration 0018).
	oldSave := func(source string) {
		t.Helper()
		_, err := pool.Exec(ctx, sqlIn(schema, `
			INSERT INTO {schema}.plans (id, name, description, schedule, labels, source, files, created_at, updated_at)
			VALUES ($1, $2, '', '', '{}', $3, NULL, now(), now())
			ON CONFLICT (id) DO UPDATE SET
				name = excluded.name,
				description = excluded.description,
				schedule = excluded.schedule,
				labels = excluded.labels,
				source = excluded.source,
				files = excluded.files,
				updated_at = excluded.updated_at`), "p", first.Name, []byte(source))
		require.NoError(t, err)
	}
	oldSave(string(first.Source))
	same, err := st.GetPlan(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, first.Revision, same.Revision, "saved again unchanged")

	oldSave("name: changed\n")
	changed, err := st.GetPlan(ctx, "p")
	require.NoError(t, err)
	require.NotEqual(t, first.Revision, changed.Revision, "changed by the older release")
	err = st.CreateExecutionIfRevision(ctx, execFor("e-1", "p", time.Now(), record.StatusCreated), first.Revision)
	require.ErrorIs(t, err, storage.ErrPlanChanged)
	require.NoError(t, st.CreateExecutionIfRevision(ctx, execFor("e-1", "p", time.Now(), record.StatusCreated), changed.Revision))
}
