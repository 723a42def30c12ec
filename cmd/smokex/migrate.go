package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smokex/smokex/storage/postgres"
)

// connectTimeout bounds the first connection to the database, so that an
// unreachable host is reported instead of waited on.
const connectTimeout = 15 * time.Second

// dbFlags are the flags that choose a PostgreSQL database and schema.
type dbFlags struct {
	url    string
	schema string
}

// define adds --database-url and --schema to fs; what is the help of
// --database-url.
func (d *dbFlags) define(fs *flag.FlagSet, what string) {
	fs.StringVar(&d.url, "database-url", "", what)
	fs.StringVar(&d.schema, "schema", postgres.DefaultSchema, "the PostgreSQL schema `NAME` that holds smokex's tables")
}

func migrateCommand() command {
	return command{
		name:    "migrate",
		summary: "Create or upgrade smokex's tables in a PostgreSQL database.",
		usage:   "migrate --database-url URL [--schema NAME]",
		more: `migrate is idempotent, and safe to run from several replicas at once: they
wait for each other. smokex serve migrates on start too, unless --no-migrate.
It exits 2 on a bad URL or a database it cannot reach, and 1 when the
database refused the migration (nothing then changes).

Example:

  smokex migrate --database-url postgres://smokex@db.internal:5432/smokex
`,
		flags: func(fs *flag.FlagSet) func(context.Context, *app, []string) int {
			d := &dbFlags{}
			d.define(fs, "the PostgreSQL database, as a `URL` such as postgres://user@host:5432/db (required)")
			return func(ctx context.Context, a *app, args []string) int {
				if len(args) > 0 {
					return a.usageError("migrate", fmt.Sprintf("takes no arguments, got %q", args[0]))
				}
				if d.url == "" {
					return a.usageError("migrate", "--database-url is required")
				}
				pool, store, code := a.openPostgres(ctx, "migrate", d)
				if code != exitOK {
					return code
				}
				defer pool.Close()
				if err := store.Migrate(ctx); err != nil {
					fmt.Fprintf(a.stderr, "smokex migrate: %v\n", err)
					return exitFailed
				}
				fmt.Fprintf(a.stdout, "schema %s is up to date\n", store.Schema())
				return exitOK
			}
		},
	}
}

// openPostgres connects to the database d names and returns a pool, which
// the caller closes, with a store on it (not migrated). On a bad URL or
// schema, or a database it cannot reach, it reports on stderr and returns
// exitUsage.
func (a *app) openPostgres(ctx context.Context, cmd string, d *dbFlags) (*pgxpool.Pool, *postgres.Store, int) {
	cfg, err := pgxpool.ParseConfig(d.url)
	if err != nil {
		// pgx masks the password in its parse errors.
		return nil, nil, a.usageError(cmd, fmt.Sprintf("--database-url: %v", err))
	}
	if err := (postgres.Config{Schema: d.schema}).Validate(); err != nil {
		return nil, nil, a.usageError(cmd, fmt.Sprintf("--schema: %v", err))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, a.usageError(cmd, fmt.Sprintf("--database-url: %v", err))
	}
	pingCtx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		fmt.Fprintf(a.stderr, "smokex %s: cannot reach the database: %v\n", cmd, err)
		return nil, nil, exitUsage
	}
	store, err := postgres.New(pool, postgres.Config{Schema: d.schema})
	if err != nil {
		pool.Close()
		return nil, nil, a.usageError(cmd, err.Error())
	}
	return pool, store, exitOK
}
