package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/postgres"
)

// A host opens its pool, hands it to the store, migrates once at start-up
// and uses the store through the storage.Store interface. (It runs only
// where a database is configured, so it has no checked output.)
func Example() {
	url := os.Getenv("SMOKEX_TEST_DATABASE_URL") // e.g. postgres://postgres@127.0.0.1:5432/test
	if url == "" {
		fmt.Println("SMOKEX_TEST_DATABASE_URL is not set")
		return
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	st, err := postgres.New(pool, postgres.Config{Schema: "smokex_example"})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Exec(ctx, "DROP SCHEMA smokex_example CASCADE") //nolint:errcheck // tidy up the example
	if err := st.Migrate(ctx); err != nil {
		log.Fatal(err)
	}

	var store storage.Store = st
	if err := store.SavePlan(ctx, &storage.Plan{ID: "health", Name: "Health", Source: []byte("name: Health\n")}); err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	e := &record.Execution{ID: "run-1", PlanID: "health", Trigger: record.TriggerCLI, Status: record.StatusRunning, StartedAt: start}
	if err := store.CreateExecution(ctx, e); err != nil {
		log.Fatal(err)
	}
	if err := store.AppendStep(ctx, e.ID, &record.StepResult{Index: 0, Name: "ping", OK: true, Attempts: 1,
		Response: &record.Response{StatusCode: 200}}); err != nil {
		log.Fatal(err)
	}
	e.Status, e.FinishedAt = record.StatusPassed, start.Add(42*time.Millisecond)
	if err := store.UpdateExecution(ctx, e); err != nil {
		log.Fatal(err)
	}

	page, err := store.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "health"})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range page.Executions {
		fmt.Println(e.ID, e.Status, e.Duration())
	}
	// run-1 passed 42ms
}
