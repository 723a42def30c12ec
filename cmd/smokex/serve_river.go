package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/schedule"
	smokexriver "github.com/smokex/smokex/schedule/river"
)

// The values of --scheduler.
const (
	schedulerRiver = "river"
	schedulerLocal = "local"
)

// schedulerFlags is --scheduler: with a database, the schedules run
// through River by default, so that several serve processes on one
// database share the work; local keeps the in-process cron.
type schedulerFlags struct {
	name       string
	jobTimeout time.Duration

	// Set by migrate, with a database.
	pool   *pgxpool.Pool
	schema string
}

func (s *schedulerFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&s.name, "scheduler", "", "run the schedules `river` (the default with a database: the serve processes on one database share the ticks, each run once) or local (in this process only; the default without one)")
	fs.DurationVar(&s.jobTimeout, "river-job-timeout", defaultRiverJobTimeout, "with River: cancel a scheduled run after `duration`; a run whose process died holds its plan back this long, and is finished as interrupted once it has been running twice as long")
}

// defaultRiverJobTimeout is serve's River job timeout: longer than a smoke
// test takes, short enough that a process that dies holds its plans back
// briefly.
const defaultRiverJobTimeout = time.Minute

// check reports a --scheduler that cannot work; database tells whether a
// database URL was given.
func (s *schedulerFlags) check(database bool) error {
	switch s.name {
	case "":
		s.name = schedulerLocal
		if database {
			s.name = schedulerRiver
		}
	case schedulerLocal:
	case schedulerRiver:
		if !database {
			return fmt.Errorf("--scheduler river needs --database-url or %s", databaseURLEnv)
		}
	default:
		return fmt.Errorf("--scheduler is river or local, not %q", s.name)
	}
	if s.jobTimeout <= 0 {
		return fmt.Errorf("--river-job-timeout must be positive, not %s", s.jobTimeout)
	}
	return nil
}

// migrate remembers the database and, unless skip, creates or upgrades
// River's tables in the store's schema.
func (s *schedulerFlags) migrate(ctx context.Context, pool *pgxpool.Pool, schema string, skip bool) error {
	s.pool, s.schema = pool, schema
	if s.name != schedulerRiver || skip {
		return nil
	}
	return smokexriver.Migrate(ctx, pool, schema)
}

// wire sets the engine's scheduler.
func (s *schedulerFlags) wire(cfg *smokex.Config, log *slog.Logger) {
	if s.name != schedulerRiver {
		return
	}
	cfg.NewScheduler = func(fn schedule.Func) (schedule.Scheduler, error) {
		return smokexriver.New(smokexriver.Config{Pool: s.pool, Schema: s.schema, Func: fn, JobTimeout: s.jobTimeout, Logger: log})
	}
	// No run outlives the scheduler's job timeout: an execution in flight
	// for longer is a dead process's.
	cfg.StaleAfter = s.jobTimeout
	log.Info("smokex serve: scheduling through River; the serve processes on this database share the ticks", "schema", s.schema)
}
