// Command embedded is a small host service that embeds smokex: it serves an
// API of its own, loads its smoke plans from an embed.FS, runs them on their
// schedules against itself with the memory store, and logs every result as
// it arrives. Its own mux also serves the smokex dashboard and API at
// /admin/smoke/, whose URL it prints, serves smokex's metrics at /metrics
// (curl it), and receives the alerts smokex sends
// at /hooks/smokex, a signed webhook that it verifies and logs: the
// checkout plan fails while the checkout warms up ("alert received ...
// transition=failing"), then recovers ("transition=recovered").
//
//	go run ./examples/embedded
//
// Stop it with Ctrl-C, or give -for 30s to stop on its own.
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
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/record"
)

//go:embed plans/*.yaml
var plansFS embed.FS

func main() {
	if err := run(context.Background(), os.Args[1:], slog.New(slog.NewTextHandler(os.Stderr, nil))); err != nil {
		fmt.Fprintln(os.Stderr, "embedded:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, log *slog.Logger) error {
	flags := flag.NewFlagSet("embedded", flag.ContinueOnError)
	addr := flags.String("addr", "127.0.0.1:0", "address of the service's own API")
	runFor := flags.Duration("for", 0, "stop after this long (0: run until interrupted)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	if *runFor > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *runFor)
		defer cancel()
	}

	// The host's own API.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/", newAPI())
	api := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = api.Serve(ln) }()
	defer api.Close()
	base := "http://" + ln.Addr().String()
	log.Info("service API listening", "url", base)

	// Alerts go to the service's own receiver.
	secret := newSecret()
	mux.Handle("POST "+alertsPath, alertReceiver(secret, log))
	alertCfg, err := alerts(base+alertsPath, secret, base+"/admin/smoke/")
	if err != nil {
		return err
	}

	// Metrics at /metrics, in the Prometheus format.
	metricsHook, stopMetrics, err := serveMetrics(mux)
	if err != nil {
		return err
	}
	defer stopMetrics(context.Background())
	log.Info("smokex metrics", "url", base+"/metrics")

	// smokex, embedded: the zero Config is the memory store and the
	// in-process scheduler; Alerts adds the alert policy, Hooks the
	// metrics.
	eng, err := smokex.New(smokex.Config{
		Vars:   map[string]any{"base": base},
		Logger: log,
		Alerts: alertCfg,
		Hooks:  []record.Hook{metricsHook},
	})
	if err != nil {
		return err
	}
	sub := eng.Subscribe(0)
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		logResults(sub, log)
	}()
	// Stopping the engine closes the subscription; the results it still
	// holds are logged before run returns, and the process exits.
	stopEngine := func() error {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := eng.Stop(stopCtx)
		<-logged
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return nil
	}

	// The smokex dashboard and API on the host's own mux, under a prefix.
	// A real service wraps it in its own authentication middleware.
	mux.Handle("/admin/smoke/", http.StripPrefix("/admin/smoke", admin.New(eng, &admin.Config{AllowRun: true})))

	if err := start(ctx, eng, log); err != nil {
		return errors.Join(err, stopEngine())
	}
	// Said once the plans are loaded, so that the page has them.
	log.Info("smokex dashboard", "url", base+"/admin/smoke/")
	<-ctx.Done()
	return stopEngine()
}

// start loads the embedded plans into eng and starts it.
func start(ctx context.Context, eng *smokex.Engine, log *slog.Logger) error {
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
	entries, err := eng.Entries(ctx)
	if err != nil {
		return err
	}
	for _, entry := range entries {
		log.Info("plan scheduled", "plan", entry.ID, "schedule", entry.Spec, "next", entry.Next.Format(time.TimeOnly))
	}
	return nil
}

// logResults logs each step and each finished execution as they arrive.
func logResults(sub *smokex.Subscription, log *slog.Logger) {
	for ev := range sub.C() {
		switch ev.Type {
		case smokex.EventStepFinished:
			attrs := []any{"plan", ev.Execution.PlanID, "step", ev.Step.Name, "ok", ev.Step.OK, "took", ev.Step.Total().Round(time.Microsecond)}
			if ev.Step.Response != nil {
				attrs = append(attrs, "status", ev.Step.Response.StatusCode)
			}
			for _, f := range ev.Step.Failures {
				attrs = append(attrs, "failure", f.String())
			}
			if ev.Step.Error != nil {
				attrs = append(attrs, "error", ev.Step.Error.Error())
			}
			log.Info("step", attrs...)
		case smokex.EventExecutionFinished:
			level := slog.LevelInfo
			if !ev.Execution.Status.Up() {
				level = slog.LevelWarn
			}
			log.Log(context.Background(), level, "execution finished", "plan", ev.Execution.PlanID,
				"status", ev.Execution.Status, "took", ev.Execution.Duration().Round(time.Microsecond))
		}
	}
}
