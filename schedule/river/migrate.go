package river

import (
	"context"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

var identRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`) })

// checkSchema accepts the schemas the store accepts: a lowercase SQL
// identifier, not pg_*.
func checkSchema(schema string) error {
	if !identRE().MatchString(schema) || strings.HasPrefix(schema, "pg_") {
		return fmt.Errorf("river: schema %q: want a lowercase identifier (a-z, 0-9, _; not starting with a digit or pg_; at most 63 bytes)", schema)
	}
	if len(schema) > maxSchema {
		return fmt.Errorf("river: schema %q: River allows at most %d bytes, it has %d", schema, maxSchema, len(schema))
	}
	return nil
}

// maxSchema is the longest schema name River accepts.
const maxSchema = 46

// sqlText is the schema, validated, that {schema} in a query stands for.
type sqlText string

func (s sqlText) of(query string) string {
	return strings.ReplaceAll(query, "{schema}", pgx.Identifier{string(s)}.Sanitize())
}

// Migrate creates schema if it does not exist and brings River's tables
// in it, and the table of entries, to the versions this package uses. It
// is idempotent; replicas that call it at once wait for each other on an
// advisory lock keyed on the schema. Run it beside the store's own Migrate, on the same schema
// or another: `smokex migrate` runs both.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	if schema == "" {
		schema = DefaultSchema
	}
	if err := checkSchema(schema); err != nil {
		return err
	}
	q := sqlText(schema)
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: schema})
	if err != nil {
		return fmt.Errorf("river: migrate: %w", err)
	}
	// River's migrations each run in a transaction of their own (one adds
	// an enum value that a later statement uses), so the replicas
	// serialise on a session lock held on a connection of its own.
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("river: migrate schema %q: %w", schema, err)
	}
	defer conn.Release()
	key := migrateLockKey(schema)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("river: migrate schema %q: %w", schema, err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key) //nolint:errcheck // the session ends the lock anyway
	if _, err := pool.Exec(ctx, q.of("CREATE SCHEMA IF NOT EXISTS {schema}")); err != nil {
		return fmt.Errorf("river: migrate schema %q: %w", schema, err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river: migrate schema %q: River's migrations: %w", schema, err)
	}
	if _, err := pool.Exec(ctx, q.of(`CREATE TABLE IF NOT EXISTS {schema}.schedule_entries (
		id         text COLLATE "C" PRIMARY KEY,
		spec       text NOT NULL,
		updated_at timestamptz NOT NULL DEFAULT now()
	)`)); err != nil {
		return fmt.Errorf("river: migrate schema %q: %w", schema, err)
	}
	// locations are the locations each tick of the entry runs in, once in
	// each; empty: once, anywhere.
	if _, err := pool.Exec(ctx, q.of(`ALTER TABLE {schema}.schedule_entries
		ADD COLUMN IF NOT EXISTS locations text[] NOT NULL DEFAULT '{}'`)); err != nil {
		return fmt.Errorf("river: migrate schema %q: %w", schema, err)
	}
	// enqueued_through is the time through which the entry's ticks are
	// enqueued (its last tick's due time, recorded within SyncInterval,
	// or the time it was added or changed), from which a replica that
	// starts catches up.
	if _, err := pool.Exec(ctx, q.of(`ALTER TABLE {schema}.schedule_entries
		ADD COLUMN IF NOT EXISTS enqueued_through timestamptz`)); err != nil {
		return fmt.Errorf("river: migrate schema %q: %w", schema, err)
	}
	return nil
}

// migrateLockKey is the advisory lock that serialises migrations of the
// schema's scheduler tables.
func migrateLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("smokex.river.migrate:" + schema))
	return int64(h.Sum64())
}
