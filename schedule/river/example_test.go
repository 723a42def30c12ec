package river_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/schedule"
	smokexriver "github.com/smokex/smokex/schedule/river"
	"github.com/smokex/smokex/storage/postgres"
)

// A host that runs as several replicas gives each engine the Postgres
// store and a River scheduler on its own pool, in one schema. Every
// replica runs the same code; the ticks of the plans, wherever they were
// added, are shared among them, each run once. (It runs only where a
// database is configured, so it has no checked output.)
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

	const schema = "smokex_example_river"
	defer pool.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE") //nolint:errcheck // tidy up the example
	store, err := postgres.New(pool, postgres.Config{Schema: schema})
	if err != nil {
		log.Fatal(err)
	}
	// Both migrations, at every start: they wait for each other across
	// replicas and do nothing once applied.
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	if err := smokexriver.Migrate(ctx, pool, schema); err != nil {
		log.Fatal(err)
	}
	eng, err := smokex.New(smokex.Config{
		Store: store,
		NewScheduler: func(fn schedule.Func) (schedule.Scheduler, error) {
			return smokexriver.New(smokexriver.Config{Pool: pool, Schema: schema, Func: fn})
		},
		// No run outlives the scheduler's job timeout.
		StaleAfter: smokexriver.DefaultJobTimeout,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := eng.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer eng.Stop(ctx) //nolint:errcheck // the example ends here
	fmt.Println("started")
}

// New names the field that is missing or wrong.
func ExampleNew() {
	_, err := smokexriver.New(smokexriver.Config{})
	fmt.Println(err)
	// Output:
	// river: Config.Pool is required
}
