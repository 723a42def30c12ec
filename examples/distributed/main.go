// Command distributed is a host service meant to run as several replicas
// that share one PostgreSQL database. Each replica serves its own API, and
// embeds smokex with the Postgres store and the River scheduler: the
// replicas share the ticks of the smoke plans, each tick run once by one of
// them, whichever replica loaded the plans. Each replica mounts the smokex
// dashboard at /admin/smoke/, which shows the runs of all of them.
//
// Two replicas on two ports, one database:
//
//	export DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	go run ./examples/distributed -addr 127.0.0.1:8081 &
//	go run ./examples/distributed -addr 127.0.0.1:8082 &
//
// Each logs "tick ran here" for the ticks it runs; together they log one per
// tick. Kill one (kill -9 %1): the other runs every tick on its own, none
// missing. Stop them with Ctrl-C, or give -for 30s.
//
// Replicas in two locations, each checking the health plan from its own
// (plans/regions.yaml runs each tick once in eu-west and once in us-east):
//
//	go run ./examples/distributed -addr 127.0.0.1:8081 -location eu-west &
//	go run ./examples/distributed -addr 127.0.0.1:8082 -location us-east &
//
// Each then logs the ticks of its location, and GET /admin/smoke/api/locations
// lists both with their processes.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	smokexriver "github.com/smokex/smokex/schedule/river"
	"github.com/smokex/smokex/storage/postgres"
)

//go:embed plans/*.yaml
var plansFS embed.FS

func main() {
	if err := run(context.Background(), os.Args[1:], slog.New(slog.NewTextHandler(os.Stderr, nil))); err != nil {
		fmt.Fprintln(os.Stderr, "distributed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, log *slog.Logger) error {
	flags := flag.NewFlagSet("distributed", flag.ContinueOnError)
	addr := flags.String("addr", "127.0.0.1:8081", "address of this replica's API and dashboard")
	schema := flags.String("schema", "smokex_distributed", "the PostgreSQL schema the replicas share")
	runFor := flags.Duration("for", 0, "stop after this long (0: run until interrupted)")
	location := flags.String("location", "", "this replica's location (eu-west, us-east): it runs the ticks of the plans that name it")
	if err := flags.Parse(args); err != nil {
		return err
	}
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return errors.New("set DATABASE_URL to the PostgreSQL database the replicas share")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *runFor > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *runFor)
		defer cancel()
	}

	// The host owns the pool; the store and the scheduler use it.
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	store, err := postgres.New(pool, postgres.Config{Schema: *schema})
	if err != nil {
		return err
	}
	// Both migrations at every start: replicas starting at once wait for
	// each other, and a migrated schema is left as it is.
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	if err := smokexriver.Migrate(ctx, pool, *schema); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	eng, err := smokex.New(smokex.Config{
		Store: store,
		NewScheduler: func(fn schedule.Func) (schedule.Scheduler, error) {
			return smokexriver.New(smokexriver.Config{Pool: pool, Schema: *schema, Func: fn, Logger: log, Location: *location})
		},
		Location: *location,
		// No run outlives the scheduler's job timeout: an execution in
		// flight for longer is that of a replica that died.
		StaleAfter: smokexriver.DefaultJobTimeout,
		// Each replica checks itself: a tick run here hits this replica.
		Vars:   map[string]any{"base": base},
		Hooks:  []record.Hook{tickLog{log: log, replica: base}},
		Logger: log,
	})
	if err != nil {
		return err
	}
	plans, err := fs.Sub(plansFS, "plans")
	if err != nil {
		return err
	}
	if _, err := eng.SyncFS(ctx, plans); err != nil {
		return err
	}
	if err := eng.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := eng.Stop(stopCtx); err != nil {
			log.Warn("stopping smokex", "error", err)
		}
	}()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /orders", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok": true, "orders": []}`)
	})
	mux.Handle("/admin/smoke/", http.StripPrefix("/admin/smoke", admin.New(eng, &admin.Config{AllowRun: true})))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	log.Info("replica listening", "url", base, "dashboard", base+"/admin/smoke/", "schema", *schema)

	<-ctx.Done()
	log.Info("replica stopping")
	return nil
}

// tickLog logs each scheduled execution this replica ran.
type tickLog struct {
	record.HookDefaults
	log     *slog.Logger
	replica string
}

func (h tickLog) ExecutionFinished(_ context.Context, p *record.PlanRef, x *record.Execution) {
	if x.Trigger != record.TriggerSchedule {
		return
	}
	h.log.Info("tick ran here", "replica", h.replica, "plan", p.ID, "location", x.Location, "scheduled_at", x.ScheduledAt.Format(time.TimeOnly),
		"status", x.Status, "late", x.CreatedAt.Sub(x.ScheduledAt).Round(time.Millisecond))
}
