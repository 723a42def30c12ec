package main

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// testDB is a test's own schema on the test database, with a pool to
// inspect it; the schema is dropped when the test ends.
type testDB struct {
	url    string
	schema string
	pool   *pgxpool.Pool
}

// newTestDB gives the test a schema of its own on the test database (see
// storage/postgres/postgrestest: skipped without SMOKEX_TEST_DATABASE_URL, failed when CI
// is set).
func newTestDB(t *testing.T) *testDB {
	t.Helper()
	pool := postgrestest.Pool(t, 4)
	return &testDB{url: postgrestest.URL(t), schema: postgrestest.Schema(t, pool), pool: pool}
}

// store opens the test's schema through storage/postgres.
func (db *testDB) store(t *testing.T) *postgres.Store {
	t.Helper()
	st, err := postgres.New(db.pool, postgres.Config{Schema: db.schema})
	require.NoError(t, err)
	return st
}

func TestServePostgres(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	srv, dir := tickerSetup(t)

	s := startServe(t, nil, "--database-url", db.url, "--schema", db.schema, "--var", "base="+srv.URL, dir)
	s.waitLog(t, `msg="smokex serve: using PostgreSQL" schema=`+db.schema+` migrated=true`)
	s.waitLog(t, `msg="smokex serve: started" store=postgres plans=1`)
	line := s.waitLog(t, finishedLine("ticker", "passed"))
	require.Equal(t, exitOK, s.stop(t))

	st := db.store(t)
	ctx := t.Context()
	plans, err := st.ListPlans(ctx, nil)
	require.NoError(t, err)
	require.Len(t, plans, 1)
	require.Equal(t, "ticker", plans[0].ID)
	require.Equal(t, "@every 1s", plans[0].Schedule)

	page, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "ticker", Statuses: []record.Status{record.StatusPassed}})
	require.NoError(t, err)
	require.NotEmpty(t, page.Executions)
	var logged *record.Execution
	for _, x := range page.Executions {
		if strings.Contains(line, "execution="+x.ID+" ") {
			logged = x
		}
	}
	require.NotNil(t, logged, "the logged execution is stored: %s", line)
	got, err := st.GetExecution(ctx, logged.ID)
	require.NoError(t, err)
	require.Equal(t, record.TriggerSchedule, got.Trigger)
	require.Len(t, got.Steps, 1)
	require.Equal(t, "health", got.Steps[0].Name)
	require.Equal(t, 200, got.Steps[0].Response.StatusCode)
}

// TestLongNameOnPostgres is the plan of the issue whose 3,000-character
// name kept serve on PostgreSQL from starting (index row size 3016
// exceeds the maximum of plans_pkey) while validate took it: validate
// now says where it is wrong, and serve on PostgreSQL starts with the
// other plan and runs it, the long one shown as a file that does not load.
func TestLongNameOnPostgres(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	srv, dir := tickerSetup(t)
	long := writePlan(t, dir, "long.yaml", "name: "+strings.Repeat("x", 3000)+"\nsteps:\n  - get: {url: \"${base}/ok\"}\n", "")

	res := runCLI(t, nil, "", "validate", long)
	requireResult(t, res, exitUsage, "", "long.yaml:1:7: name is 3000 characters long, over the limit of 200")

	s := startServe(t, nil, "--database-url", db.url, "--schema", db.schema, "--var", "base="+srv.URL, dir)
	s.waitLog(t, `msg="smokex serve: started" store=\S+ plans=1`)
	s.waitLog(t, finishedLine("ticker", "passed"))
	require.Contains(t, logText(s.stderr), "long.yaml:1:7: name is 3000 characters long")
	require.NotContains(t, logText(s.stderr), "index row size")
	require.Equal(t, exitOK, s.stop(t))
	plans, err := db.store(t).ListPlans(t.Context(), nil)
	require.NoError(t, err)
	require.Len(t, plans, 1)
	require.Equal(t, "ticker", plans[0].ID)
}

func TestServePostgresNoMigrate(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	dir := t.TempDir()
	writePlan(t, dir, "ticker.yaml", tickerPlan, "")

	// The schema was never migrated: with --no-migrate, serve does not
	// create it and cannot start.
	res := runCLI(t, nil, "", "serve", "--addr", "127.0.0.1:0", "--no-migrate", "--database-url", db.url, "--schema", db.schema, dir)
	requireResult(t, res, exitFailed, "", "migrated=false")
	require.Contains(t, res.stderr, `msg="smokex serve: loading plans"`)
	require.Contains(t, res.stderr, "has Migrate run")

	var exists bool
	require.NoError(t, db.pool.QueryRow(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", db.schema).Scan(&exists))
	require.False(t, exists, "--no-migrate created the schema")
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	for i := range 2 {
		res := runCLI(t, nil, "", "migrate", "--database-url", db.url, "--schema", db.schema)
		want := "schema " + db.schema + " created at version "
		if i == 1 {
			want = "schema " + db.schema + " is up to date (version "
		}
		requireResult(t, res, exitOK, want, "")
		require.Empty(t, res.stderr)
	}
	st := db.store(t)
	plans, err := st.ListPlans(t.Context(), nil)
	require.NoError(t, err, "the tables exist")
	require.Empty(t, plans)

	// serve uses the migrated schema as it is.
	srv, dir := tickerSetup(t)
	s := startServe(t, nil, "--no-migrate", "--database-url", db.url, "--schema", db.schema, "--var", "base="+srv.URL, dir)
	s.waitLog(t, finishedLine("ticker", "passed"))
	require.Equal(t, exitOK, s.stop(t))
}

func TestMigrateUsage(t *testing.T) {
	t.Parallel()
	tests := []cliCase{
		{name: "no database url", args: []string{"migrate"}, stderr: "--database-url or SMOKEX_DATABASE_URL is required"},
		{name: "arguments", args: []string{"migrate", "--database-url", "postgres://127.0.0.1/x", "extra"}, stderr: `takes no arguments, got "extra"`},
		{name: "bad url", args: []string{"migrate", "--database-url", "postgres://%zz"}, stderr: "smokex migrate: --database-url:"},
		{name: "bad scheme", args: []string{"migrate", "--database-url", "mysql://127.0.0.1/x"}, stderr: "smokex migrate: --database-url:"},
		{name: "bad schema", args: []string{"migrate", "--database-url", "postgres://127.0.0.1/x", "--schema", "pg_x"}, stderr: "reserved by PostgreSQL"},
		{name: "unreachable", args: []string{"migrate", "--database-url", closedPortURL(t)}, stderr: "smokex migrate: cannot reach the database"},
		{name: "unknown flag", args: []string{"migrate", "--nope"}, stderr: "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runCLI(t, nil, "", tt.args...)
			requireResult(t, res, exitUsage, "", tt.stderr)
			require.Empty(t, res.stdout)
		})
	}
}

func TestMigrateHidesPassword(t *testing.T) {
	t.Parallel()
	url := closedPortURL(t)
	url = "postgres://postgres:hunter2@" + url[len("postgres://postgres@"):]
	res := runCLI(t, nil, "", "migrate", "--database-url", url)
	requireResult(t, res, exitUsage, "", "cannot reach the database")
	require.NotContains(t, res.stderr, "hunter2")
}

func TestDatabaseURLFromEnvironment(t *testing.T) {
	t.Parallel()
	plan := writePlan(t, t.TempDir(), "good.yaml", "- get: {host: \"http://127.0.0.1:1/\"}\n", "")
	unreachable := closedPortURL(t)
	withPassword := "postgres://postgres:hunter2@" + unreachable[len("postgres://postgres@"):]
	tests := []struct {
		name   string
		env    string
		args   []string
		stderr string
	}{
		{name: "migrate reads it", env: withPassword, args: []string{"migrate"}, stderr: "smokex migrate: cannot reach the database"},
		{name: "errors name it", env: "postgres://%zz", args: []string{"migrate"}, stderr: "smokex migrate: SMOKEX_DATABASE_URL:"},
		{name: "the flag wins", env: "postgres://%zz", args: []string{"migrate", "--database-url", unreachable}, stderr: "smokex migrate: cannot reach the database"},
		{name: "empty is unset", env: "", args: []string{"migrate"}, stderr: "--database-url or SMOKEX_DATABASE_URL is required"},
		{name: "serve reads it", env: withPassword, args: []string{"serve", "--no-migrate", plan}, stderr: "smokex serve: cannot reach the database"},
		{name: "an empty flag wins", env: unreachable, args: []string{"serve", "--no-migrate", "--database-url=", plan}, stderr: "--no-migrate needs --database-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runCLI(t, map[string]string{"SMOKEX_DATABASE_URL": tt.env}, "", tt.args...)
			requireResult(t, res, exitUsage, "", tt.stderr)
			require.NotContains(t, res.stderr, "hunter2")
		})
	}
}
