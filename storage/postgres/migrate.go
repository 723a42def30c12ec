package postgres

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// migration is one embedded SQL file.
type migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.up\.sql$`) })

// loadMigrations reads the migrations in fsys in version order. Versions
// must start at 1 and have no gaps.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, path := range entries {
		base := path[len("migrations/"):]
		m := migrationName().FindStringSubmatch(base)
		if m == nil {
			return nil, fmt.Errorf("migration %s: name must look like 0001_name.up.sql", path)
		}
		v, _ := strconv.Atoi(m[1])
		body, err := fs.ReadFile(fsys, path)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{Version: v, Name: m[2], SQL: string(body)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %04d_%s: want version %d (versions start at 1, no gaps or duplicates)", m.Version, m.Name, i+1)
		}
	}
	return ms, nil
}

// advisoryKey is the advisory lock that serialises migrations of schema.
func advisoryKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("smokex.migrate:" + schema))
	return int64(h.Sum64())
}

// Migrate creates the schema and its tables, or upgrades them to the
// version this package embeds. It is idempotent; replicas that call it at
// the same time wait for each other on an advisory lock keyed on the
// schema, and the one that comes second finds nothing left to do. All
// pending migrations apply in one transaction: on error nothing changes.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", advisoryKey(s.schema)); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", s.schema).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			if _, err := tx.Exec(ctx, "CREATE SCHEMA "+s.quoted); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+s.quoted); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, s.sql(`CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, s.sql("SELECT version FROM {schema}.schema_migrations"))
		if err != nil {
			return err
		}
		applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			return err
		}
		for _, m := range ms {
			if slices.Contains(applied, m.Version) {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.Exec(ctx, s.sql("INSERT INTO {schema}.schema_migrations (version, name) VALUES ($1, $2)"), m.Version, m.Name); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
		}
		return nil
	})
	return s.wrap(ctx, "migrate", nil, err)
}

// syncKey is the advisory lock that lets one sync of plans into schema
// apply at a time.
func syncKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("smokex.sync:" + schema))
	return int64(h.Sum64())
}
