package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     postgres.Config
		wantErr string // empty: valid
	}{
		{"zero value", postgres.Config{}, ""},
		{"plain schema", postgres.Config{Schema: "monitoring"}, ""},
		{"underscore and digits", postgres.Config{Schema: "_smokex_2"}, ""},
		{"63 bytes", postgres.Config{Schema: strings.Repeat("a", 63)}, ""},
		{"body size", postgres.Config{MaxStoredBodySize: 1}, ""},
		{"64 bytes", postgres.Config{Schema: strings.Repeat("a", 64)}, "Config.Schema"},
		{"uppercase", postgres.Config{Schema: "Smokex"}, "Config.Schema"},
		{"leading digit", postgres.Config{Schema: "1smokex"}, "Config.Schema"},
		{"quote", postgres.Config{Schema: `smokex"; DROP TABLE x; --`}, "Config.Schema"},
		{"dot", postgres.Config{Schema: "public.smokex"}, "Config.Schema"},
		{"space", postgres.Config{Schema: "smo kex"}, "Config.Schema"},
		{"reserved prefix", postgres.Config{Schema: "pg_smokex"}, "Config.Schema"},
		{"negative body size", postgres.Config{MaxStoredBodySize: -1}, "Config.MaxStoredBodySize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	_, err := postgres.New(nil, postgres.Config{})
	require.ErrorContains(t, err, "pool is nil")

	// pgxpool connects lazily: no database is needed to check New.
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none")
	require.NoError(t, err)
	defer pool.Close()
	_, err = postgres.New(pool, postgres.Config{Schema: "Bad"})
	require.ErrorContains(t, err, "Config.Schema")
	st, err := postgres.New(pool, postgres.Config{})
	require.NoError(t, err)
	require.Equal(t, postgres.DefaultSchema, st.Schema())
}

func TestUnreachableDatabase(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=5")
	require.NoError(t, err)
	defer pool.Close()
	st, err := postgres.New(pool, postgres.Config{})
	require.NoError(t, err)
	_, err = st.GetPlan(t.Context(), "p")
	require.ErrorIs(t, err, postgres.ErrConnLost)
	require.NotErrorIs(t, err, storage.ErrNotFound)
}

func TestNotMigrated(t *testing.T) {
	t.Parallel()
	pool := postgrestest.Pool(t, 4)
	st, err := postgres.New(pool, postgres.Config{Schema: postgrestest.Schema(t, pool)})
	require.NoError(t, err)
	_, err = st.ListPlans(t.Context(), nil)
	require.ErrorContains(t, err, "Migrate")
}

// A schema migrated by an older version lacks a column a newer one reads
// (here the plans' revision, which migration 0018 adds): the error asks
// whether Migrate ran, as for a missing table.
func TestMigratedByAnOlderVersion(t *testing.T) {
	t.Parallel()
	pool := postgrestest.Pool(t, 4)
	schema := postgrestest.Schema(t, pool)
	st := newStore(t, pool, postgres.Config{Schema: schema})
	_, err := pool.Exec(t.Context(), "ALTER TABLE "+schema+".plans DROP COLUMN revision")
	require.NoError(t, err)
	_, err = st.ListPlans(t.Context(), nil)
	require.ErrorContains(t, err, `(has Migrate run on schema "`+schema+`"?)`)
}

func planFor(id string) *storage.Plan {
	return &storage.Plan{ID: id, Name: "Plan " + id, Source: []byte("name: " + id + "\n")}
}

func execFor(id, planID string, created time.Time, status record.Status) *record.Execution {
	e := &record.Execution{ID: id, PlanID: planID, Status: status, Trigger: record.TriggerCLI, CreatedAt: created}
	if status.Done() {
		e.StartedAt = created.Add(time.Second)
		e.FinishedAt = created.Add(3 * time.Second)
	}
	return e
}

// storeWithRun returns a store with plan "p" and its running execution "e".
func storeWithRun(t *testing.T, cfg postgres.Config) (context.Context, *postgres.Store) {
	t.Helper()
	ctx := t.Context()
	st := newStore(t, postgrestest.Pool(t, 4), cfg)
	require.NoError(t, st.SavePlan(ctx, planFor("p")))
	require.NoError(t, st.CreateExecution(ctx, execFor("e", "p", time.Now(), record.StatusRunning)))
	return ctx, st
}

func TestStoredBodiesAreCut(t *testing.T) {
	t.Parallel()
	ctx, st := storeWithRun(t, postgres.Config{MaxStoredBodySize: 10})

	tests := []struct {
		name     string
		req      string
		resp     string
		wantReq  string
		wantResp string
	}{
		{"short bodies kept", "0123456789", "abc", "0123456789", "abc"},
		{"ascii cut", "0123456789abc", "0123456789abcdef", "0123456789", "0123456789"},
		// "日" is 3 bytes: 3 of them are 9, a 4th would end at 12.
		{"cut at a rune boundary", "日本語日本語", "x日本語日", "日本語", "x日本語"},
		{"empty", "", "", "", ""},
	}
	for i, tt := range tests {
		r := &record.StepResult{
			Index:    i,
			Request:  &record.Request{Method: "POST", Body: tt.req},
			Response: &record.Response{StatusCode: 200, Body: tt.resp, Size: int64(len(tt.resp))},
		}
		require.NoError(t, st.AppendStep(ctx, "e", r), tt.name)
		require.Equal(t, tt.req, r.Request.Body, "%s: the argument is not modified", tt.name)
		require.Equal(t, tt.resp, r.Response.Body, "%s: the argument is not modified", tt.name)
	}
	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Len(t, got.Steps, len(tests))
	for i, tt := range tests {
		require.Equal(t, tt.wantReq, got.Steps[i].Request.Body, tt.name)
		require.Equal(t, tt.wantResp, got.Steps[i].Response.Body, tt.name)
		require.Equal(t, int64(len(tt.resp)), got.Steps[i].Response.Size, "%s: Size tells the full size", tt.name)
	}
}

func TestNULInStepResult(t *testing.T) {
	t.Parallel()
	ctx, st := storeWithRun(t, postgres.Config{})
	r := &record.StepResult{
		Index:    0,
		Response: &record.Response{StatusCode: 200, Body: "bin\x00ary and a literal \\u0000 and \\\\u0000"},
		Captures: map[string]any{"k\x00": "v\x00"},
	}
	require.NoError(t, st.AppendStep(ctx, "e", r), "jsonb cannot hold NUL: it is replaced, not an error")
	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Equal(t, "bin\uFFFDary and a literal \\u0000 and \\\\u0000", got.Steps[0].Response.Body)
	require.Equal(t, map[string]any{"k\uFFFD": "v\uFFFD"}, got.Steps[0].Captures)
}

func TestTextThatPostgresCannotStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := newStore(t, postgrestest.Pool(t, 4), postgres.Config{})
	require.NoError(t, st.SavePlan(ctx, planFor("p")))

	require.ErrorContains(t, st.SavePlan(ctx, &storage.Plan{ID: "a\x00b"}), "NUL")
	require.ErrorContains(t, st.SavePlan(ctx, &storage.Plan{ID: "x", Name: "\xff"}), "UTF-8")
	require.ErrorContains(t, st.CreateExecution(ctx, &record.Execution{ID: "e\x00", PlanID: "p"}), "NUL")

	// Lookups of IDs that cannot be stored find nothing.
	_, err := st.GetPlan(ctx, "a\x00b")
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = st.GetExecution(ctx, "\xff")
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.ErrorIs(t, st.DeletePlan(ctx, "\x00"), storage.ErrNotFound)
	require.ErrorIs(t, st.AppendStep(ctx, "\x00", &record.StepResult{}), storage.ErrNotFound)
	_, err = st.GetAlertState(ctx, "\x00")
	require.ErrorIs(t, err, storage.ErrNotFound)
	page, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "\x00"})
	require.NoError(t, err)
	require.Empty(t, page.Executions)
	sums, err := st.Summaries(ctx, &storage.SummaryParams{PlanIDs: []string{"p", "\x00"}})
	require.NoError(t, err)
	require.Len(t, sums, 1)
}

func TestCursorRejectsForgery(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := newStore(t, postgrestest.Pool(t, 4), postgres.Config{})
	for _, c := range []string{"not base64!", "bm90IGpzb24", "e30", "eyJ0IjoieCJ9"} { // "not json", "{}", {"t":"x"}
		_, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{Cursor: c})
		require.ErrorContains(t, err, "invalid cursor", c)
	}
}
