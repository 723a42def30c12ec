//go:build !slim

package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	smokexriver "github.com/smokex/smokex/schedule/river"
	"github.com/smokex/smokex/storage/postgres"
)

// connectTimeout bounds the first connection to the database, so that an
// unreachable host is reported instead of waited on.
const connectTimeout = 15 * time.Second

// databaseURLEnv is the environment variable read for the database URL
// when --database-url is not given: a URL holding a password is then not on
// the command line, which ps shows to every user.
const databaseURLEnv = "SMOKEX_DATABASE_URL"

// dbFlags are the flags that choose a PostgreSQL database and schema.
type dbFlags struct {
	url    string
	schema string
	// urlGiven is whether --database-url was given, even empty: it wins
	// over the environment.
	urlGiven bool
	// urlFrom names where url came from, for messages: --database-url or
	// databaseURLEnv.
	urlFrom string
}

// define adds --database-url and --schema to fs; what is the help of
// --database-url.
func (d *dbFlags) define(fs *flag.FlagSet, what string) {
	fs.Var(urlFlag{d}, "database-url", what+" (default $"+databaseURLEnv+")")
	fs.StringVar(&d.schema, "schema", postgres.DefaultSchema, "the PostgreSQL schema `NAME` that holds smokex's tables")
}

// readEnv takes the URL from the environment when --database-url was not
// given.
func (d *dbFlags) readEnv(lookupEnv func(string) (string, bool)) {
	d.urlFrom = "--database-url"
	if d.urlGiven {
		return
	}
	if v, ok := lookupEnv(databaseURLEnv); ok && v != "" {
		d.url, d.urlFrom = v, databaseURLEnv
	}
}

// urlFlag is --database-url: it records that it was given.
type urlFlag struct{ d *dbFlags }

func (u urlFlag) String() string {
	if u.d == nil {
		return ""
	}
	return u.d.url
}

func (u urlFlag) Set(s string) error {
	u.d.url, u.d.urlGiven = s, true
	return nil
}

func migrateCommand() command {
	return command{
		name:    "migrate",
		summary: "Create or upgrade smokex's tables, and River's, in a PostgreSQL database.",
		usage:   "migrate [--database-url URL] [--schema NAME]",
		more: `The URL is read from SMOKEX_DATABASE_URL when --database-url is not given,
which keeps a password out of the command line, where ps shows it.

migrate is idempotent, and safe to run from several replicas at once: they
wait for each other. smokex serve migrates on start too, unless --no-migrate.
It exits 2 on a bad URL or a database it cannot reach, and 1 when the
database refused the migration (nothing then changes).

Examples:

  smokex migrate --database-url postgres://smokex@db.internal:5432/smokex
  SMOKEX_DATABASE_URL=postgres://smokex:PASSWORD@db.internal:5432/smokex smokex migrate
`,
		flags: func(fs *flag.FlagSet) func(context.Context, *app, []string) int {
			d := &dbFlags{}
			d.define(fs, "the PostgreSQL database, as a `URL` such as postgres://user@host:5432/db")
			return func(ctx context.Context, a *app, args []string) int {
				if len(args) > 0 {
					return a.usageError("migrate", fmt.Sprintf("takes no arguments, got %q", args[0]))
				}
				d.readEnv(a.lookupEnv)
				if d.url == "" {
					return a.usageError("migrate", "--database-url or "+databaseURLEnv+" is required")
				}
				pool, store, code := a.openPostgres(ctx, "migrate", d)
				if code != exitOK {
					return code
				}
				defer pool.Close()
				before := schemaVersion(ctx, pool, store.Schema())
				if err := store.Migrate(ctx); err != nil {
					fmt.Fprintf(a.stderr, "smokex migrate: %v\n", err)
					return exitFailed
				}
				// River's tables, for serve's default scheduler, in the same
				// schema.
				if err := smokexriver.Migrate(ctx, pool, store.Schema()); err != nil {
					fmt.Fprintf(a.stderr, "smokex migrate: %v\n", err)
					return exitFailed
				}
				after := schemaVersion(ctx, pool, store.Schema())
				switch {
				case before == 0:
					fmt.Fprintf(a.stdout, "schema %s created at version %d\n", store.Schema(), after)
				case before < after:
					fmt.Fprintf(a.stdout, "schema %s upgraded from version %d to %d\n", store.Schema(), before, after)
				default:
					fmt.Fprintf(a.stdout, "schema %s is up to date (version %d)\n", store.Schema(), after)
				}
				return exitOK
			}
		},
	}
}

// openPostgres connects to the database d names (after readEnv) and returns a pool, which
// the caller closes, with a store on it (not migrated). On a bad URL or
// schema, or a database it cannot reach, it reports on stderr and returns
// exitUsage.
func (a *app) openPostgres(ctx context.Context, cmd string, d *dbFlags) (*pgxpool.Pool, *postgres.Store, int) {
	cfg, err := pgxpool.ParseConfig(d.url)
	if err != nil {
		// pgx masks the password in its parse errors.
		return nil, nil, a.usageError(cmd, fmt.Sprintf("%s: %v; give a URL such as postgres://USER@HOST:5432/DATABASE", d.urlFrom, err))
	}
	if err := (postgres.Config{Schema: d.schema}).Validate(); err != nil {
		return nil, nil, a.usageError(cmd, fmt.Sprintf("--schema: %v", err))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, a.usageError(cmd, fmt.Sprintf("%s: %v; give a URL such as postgres://USER@HOST:5432/DATABASE", d.urlFrom, err))
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

// schemaVersion is the latest migration applied to schema, 0 when it has
// none (or does not exist).
func schemaVersion(ctx context.Context, pool *pgxpool.Pool, schema string) int {
	var v int
	err := pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+pgx.Identifier{schema, "schema_migrations"}.Sanitize()).Scan(&v)
	if err != nil {
		return 0
	}
	return v
}
