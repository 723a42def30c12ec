//go:build !slim

package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
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
	// location is --location, or SMOKEX_LOCATION; agent is set by the
	// agent command.
	location string
	agent    bool
	// locationTimeout is --location-timeout.
	locationTimeout time.Duration

	// Set by migrate, with a database.
	pool   *pgxpool.Pool
	schema string
}

func (s *schedulerFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&s.name, "scheduler", "", "run the schedules `river` (the default with a database: the serve processes on one database share the ticks, each run once) or local (in this process only; the default without one)")
	s.defineLocation(fs, "run the ticks of plans whose locations name this `location` (eu-west), besides those of plans without locations, and record it on every execution (default $"+locationEnv+")")
	fs.DurationVar(&s.locationTimeout, "location-timeout", smokex.DefaultLocationTimeout, "report a location that plans name unavailable (the API, the alert location_unavailable) once no process of it was seen for `duration`, and drop the ticks queued for it that long")
	fs.DurationVar(&s.jobTimeout, "river-job-timeout", defaultRiverJobTimeout, "with River: cancel a scheduled run after `duration`; a run whose process died holds its plan back this long, and is finished as interrupted once it has been running twice as long")
}

// processID names this process in River (river_leader, the list of
// processes by location): its location, host and pid.
func processID(location string) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s_%s_%d", cmp.Or(location, "none"), cmp.Or(host, "unknown"), os.Getpid())
}

// locationEnv is the variable --location defaults to.
const locationEnv = "SMOKEX_LOCATION"

// defineLocation adds --location to fs, with help.
func (s *schedulerFlags) defineLocation(fs *flag.FlagSet, help string) {
	fs.StringVar(&s.location, "location", "", help)
}

// readEnv takes the location from the environment when --location was
// not given.
func (s *schedulerFlags) readEnv(lookupEnv func(string) (string, bool)) {
	if s.location != "" {
		return
	}
	if v, ok := lookupEnv(locationEnv); ok {
		s.location = v
	}
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
	if s.locationTimeout < 0 {
		return fmt.Errorf("--location-timeout must not be negative, not %s", s.locationTimeout)
	}
	if s.location != "" {
		if err := plan.CheckLocation(s.location); err != nil {
			return fmt.Errorf("--location: %w", err)
		}
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
	cfg.Location = s.location
	cfg.ProcessID = processID(s.location)
	cfg.LocationTimeout = s.locationTimeout
	if s.name != schedulerRiver {
		return
	}
	cfg.NewScheduler = func(fn schedule.Func) (schedule.Scheduler, error) {
		return smokexriver.New(smokexriver.Config{
			Pool: s.pool, Schema: s.schema, Func: fn, JobTimeout: s.jobTimeout, Logger: log,
			Location: s.location, Agent: s.agent, ClientID: processID(s.location),
		})
	}
	// No run outlives the scheduler's job timeout: an execution in flight
	// for longer is a dead process's.
	cfg.StaleAfter = s.jobTimeout
	log.Info("smokex serve: scheduling through River; the serve processes on this database share the ticks", "schema", s.schema, "location", s.location, "agent", s.agent)
}
