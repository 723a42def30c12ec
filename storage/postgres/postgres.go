package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smokex/smokex/storage"
)

// Defaults of Config.
const (
	// DefaultSchema is the schema the tables live in when Config.Schema is
	// empty.
	DefaultSchema = "smokex"
	// DefaultMaxStoredBodySize is how many bytes of a request or response
	// body are stored when Config.MaxStoredBodySize is zero.
	DefaultMaxStoredBodySize = 64 << 10
)

// ErrConnLost is wrapped by errors caused by a database connection that
// broke during a call or could not be made. Check with errors.Is. It is
// also storage.ErrUnavailable: errors.Is(err, storage.ErrUnavailable)
// holds for every error that wraps it.
var ErrConnLost error = connLostError{}

type connLostError struct{}

func (connLostError) Error() string { return "postgres: connection to the database lost" }

// Is makes the error storage.ErrUnavailable too.
func (connLostError) Is(target error) bool { return target == storage.ErrUnavailable }

// Config configures a Store. The zero value is usable.
type Config struct {
	// Schema is the schema that holds the tables. It must be a lowercase SQL
	// identifier: a letter or underscore, then letters, digits or
	// underscores, 63 bytes at most. Defaults to DefaultSchema.
	Schema string
	// MaxStoredBodySize is how many bytes of each request and response body
	// a step result keeps when stored; longer bodies are cut at a UTF-8
	// boundary at or below it (Response.Size still tells the full size).
	// Defaults to DefaultMaxStoredBodySize; negative is an error.
	MaxStoredBodySize int
}

var identRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`) })

// Validate reports the first invalid field, by name.
func (c Config) Validate() error {
	if c.Schema != "" && !identRE().MatchString(c.Schema) {
		return fmt.Errorf("postgres: Config.Schema %q: want a lowercase identifier (a-z, 0-9, _; not starting with a digit; at most 63 bytes)", c.Schema)
	}
	if strings.HasPrefix(c.Schema, "pg_") {
		return fmt.Errorf("postgres: Config.Schema %q: the pg_ prefix is reserved by PostgreSQL", c.Schema)
	}
	if c.MaxStoredBodySize < 0 {
		return fmt.Errorf("postgres: Config.MaxStoredBodySize %d: must not be negative", c.MaxStoredBodySize)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Schema == "" {
		c.Schema = DefaultSchema
	}
	if c.MaxStoredBodySize == 0 {
		c.MaxStoredBodySize = DefaultMaxStoredBodySize
	}
	return c
}

// Store is a storage.Store on PostgreSQL. It is safe for concurrent use.
// Create it with New and call Migrate before using it.
type Store struct {
	pool    *pgxpool.Pool
	schema  string // validated, unquoted
	quoted  string // pgx.Identifier-quoted schema
	maxBody int
	steps   stepBatcher // group commit of AppendStep
}

var (
	_ storage.Store             = (*Store)(nil)
	_ storage.ExclusiveCreator  = (*Store)(nil)
	_ storage.ExecutionFinisher = (*Store)(nil)
	_ storage.RevisionCreator   = (*Store)(nil)
)

// New returns a Store that uses pool, which the caller keeps owning (and
// closes). It does no I/O: call Migrate to create the tables.
func New(pool *pgxpool.Pool, cfg Config) (*Store, error) {
	if pool == nil {
		return nil, errors.New("postgres: New: pool is nil")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Store{
		pool:    pool,
		schema:  cfg.Schema,
		quoted:  pgx.Identifier{cfg.Schema}.Sanitize(),
		maxBody: cfg.MaxStoredBodySize,
	}, nil
}

// Schema returns the schema the store's tables live in.
func (s *Store) Schema() string { return s.schema }

// sql returns query with every "{schema}" replaced by the quoted schema.
// The schema is validated in New, so this adds no injection surface; values
// are always passed as parameters.
func (s *Store) sql(query string) string {
	return strings.ReplaceAll(query, "{schema}", s.quoted)
}

// queryOne runs a query that answers one row and scans it; no row is
// storage.ErrNotFound, and any error is wrapped as wrap does with op.
func queryOne[T any](ctx context.Context, s *Store, op string, scan pgx.RowToFunc[T], query string, args ...any) (T, error) {
	var zero T
	rows, err := s.pool.Query(ctx, s.sql(query), args...)
	if err != nil {
		return zero, s.wrap(ctx, op, nil, err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, scan)
	if err != nil {
		return zero, s.wrap(ctx, op, nil, err)
	}
	return v, nil
}

// wrap turns err from pgx into an error of this package: op tells what
// failed; onFK is the sentinel a foreign-key violation maps to for this
// operation, following the storage.Store contract (nil: ErrConflict).
func (s *Store) wrap(ctx context.Context, op string, onFK, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return fmt.Errorf("postgres: %s: %w (%s)", op, storage.ErrConflict, pgErr.Message)
		case "23503": // foreign_key_violation
			if onFK == nil {
				onFK = storage.ErrConflict
			}
			return fmt.Errorf("postgres: %s: %w (%s)", op, onFK, pgErr.Detail)
		case "42P01", "42703": // undefined_table, undefined_column
			return fmt.Errorf("postgres: %s: %w (has Migrate run on schema %q?)", op, err, s.schema)
		}
		// The server ended the connection: a connection exception (class
		// 08), or a restart, failover or pg_terminate_backend (57P01
		// admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now).
		if strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P0") {
			return fmt.Errorf("%w during %s: %w", ErrConnLost, op, err)
		}
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if ctx.Err() == nil && connLost(err) {
		return fmt.Errorf("%w during %s: %w", ErrConnLost, op, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// connLost reports whether err comes from a broken or failed connection
// rather than from the server or the caller.
func connLost(err error) bool {
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	switch {
	case errors.As(err, &connectErr),
		errors.As(err, &netErr),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNREFUSED):
		return true
	}
	// pgconn reports a connection it closed after a failure as "conn closed".
	return strings.Contains(err.Error(), "conn closed")
}
