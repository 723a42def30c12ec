//go:build !slim

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// Defaults of the serve flags that are not smokex.Config's.
const (
	defaultWatchInterval   = 10 * time.Second
	defaultShutdownTimeout = 30 * time.Second
)

// serveFlags are the flags of smokex serve. Those that configure the engine
// map one to one onto smokex.Config (see config).
type serveFlags struct {
	addr            string
	db              dbFlags
	noMigrate       bool
	concurrency     int
	vars            varsFlag
	secrets         namesFlag
	env             bool
	timeout         time.Duration
	retention       time.Duration
	maxLateness     time.Duration
	keepLast        int
	watchInterval   time.Duration
	logLevel        slog.Level
	shutdownTimeout time.Duration
	maxConns        int
	admin           adminFlags
	alerts          alertFlags
	metrics         metricsFlags
	sel             selectFlags
	sched           schedulerFlags
	sync            syncFlags
}

func serveCommand() command {
	return command{
		name:    "serve",
		summary: "Run the plans on their schedules, store the results and log them, until stopped.",
		usage:   "serve [flags] [PATH...]",
		more: `A PATH is a plan file (*.yaml or *.yml) or a directory of them. The paths are
looked at every --watch-interval, and read again when a file's size or
modification time changed: added, changed and removed files are picked up;
a file that stops parsing is logged and its plan kept as it was.
--watch-interval 0 reads them once, at start.
Plans from a PATH are read-only in the API and the dashboard. With no PATH,
plans live in the store: --allow-edit lets the API and the dashboard create,
change and delete them.
Every failed step and execution is logged to stderr as a warning, and with
--log-level debug every passed one too. SIGINT or SIGTERM
stops scheduling and waits up to --shutdown-timeout for the executions in
flight, then cancels them; a second signal ends the process at once.

Without --database-url, results are kept in memory; with it, in PostgreSQL,
where they outlive the process, and the schedules run through River
(--scheduler river): several serve processes on one database share the
ticks, each run once by one of them (give them the same PATHs, or none);
--scheduler local runs every schedule in this process. When the flag is not given, the URL is read
from SMOKEX_DATABASE_URL, which keeps a password out of the command line. Unlike run, plans do not see the environment
unless --env is given, and read only the secrets named by --secret.

Requests are answered only when their Host is an IP address, localhost (or
a name under .localhost), the host of --addr or --base-url, or a name given
to --allowed-hosts; others get 403, which shuts out DNS rebinding.

Inbound connections time out (header 10s, request 30s, answer 60s, idle
60s) and are capped by --max-connections, which keeps file descriptors for
the checks: beyond it the longest idle connection is closed, or, when every
one has a request in progress, the new one is answered 503.

Exit codes: 0 stopped by a signal (also when executions still running at
--shutdown-timeout were canceled), 1 the engine failed to start or to stop,
2 bad usage or a database that cannot be reached.

With --sync SOURCE instead of PATHs, the plans are the YAML files of a git
repository: git+https://host/repo.git#ref:path (also git+ssh:// and
git+file://; the ref defaults to the default branch, the path to .smokex),
fetched every --sync-interval and at once on POST /api/sync. A file that
does not parse keeps its plan's last good version; a fetch that fails
changes nothing; a revision with no plan file is refused unless
--sync-allow-empty. SMOKEX_GIT_TOKEN or SMOKEX_GIT_SSH_KEY authenticate;
with SMOKEX_SYNC_WEBHOOK_SECRET, POST /api/sync must carry GitHub's
X-Hub-Signature-256 or GitLab's X-Gitlab-Token. GET /api/sync shows the last
sync.

Examples:

  smokex serve plans/
  SMOKEX_GIT_TOKEN=... smokex serve --sync 'git+https://git.example.com/acme/api.git#main:.smokex'
  API_TOKEN=... smokex serve --secret API_TOKEN --var base=https://api.example.com plans/
  smokex serve --database-url postgres://smokex@db.internal:5432/smokex plans/
  SMOKEX_DATABASE_URL=postgres://smokex:PASSWORD@db.internal:5432/smokex smokex serve plans/
`,
		flags: func(fs *flag.FlagSet) func(context.Context, *app, []string) int {
			f := newServeFlags(fs)
			return func(ctx context.Context, a *app, paths []string) int {
				return a.serve(ctx, f, paths)
			}
		},
	}
}

// newServeFlags defines the flags of serve on fs.
func newServeFlags(fs *flag.FlagSet) *serveFlags {
	f := &serveFlags{vars: varsFlag{values: map[string]string{}}}
	fs.StringVar(&f.addr, "addr", defaultAddr, "serve the dashboard, the API, /status, /events, the badges and /metrics on `host:port` (empty: none)")
	f.db.define(fs, "keep plans and results in the PostgreSQL database at `URL`; empty keeps them in memory")
	f.defineRunFlags(fs)
	fs.DurationVar(&f.retention, "retention", 0, fmt.Sprintf("delete executions finished longer ago than `duration` (default %dh)", int(smokex.DefaultRetentionMaxAge.Hours())))
	fs.IntVar(&f.keepLast, "keep-last", 0, "also keep only the newest `N` finished executions of each plan (0: no limit)")
	fs.DurationVar(&f.watchInterval, "watch-interval", defaultWatchInterval, "look for changed files in the paths every `duration`; 0 reads them once, at start")
	fs.IntVar(&f.maxConns, "max-connections", 0, fmt.Sprintf("hold at most `N` inbound connections on --addr, closing the longest idle beyond (default %d, or less when the open-file limit, less the files kept for the checks, is lower)", defaultMaxConnections))
	f.admin.define(fs)
	f.alerts.define(fs)
	f.metrics.define(fs)
	f.sel.define(fs)
	f.sched.define(fs)
	f.sync.define(fs)
	return f
}

// defineRunFlags defines the flags of how the plans run, which serve and
// agent share.
func (f *serveFlags) defineRunFlags(fs *flag.FlagSet) {
	fs.BoolVar(&f.noMigrate, "no-migrate", false, "with a database: do not create or upgrade the tables on start")
	fs.IntVar(&f.concurrency, "concurrency", 0, fmt.Sprintf("run up to `N` executions at once, across plans (default %d)", smokex.DefaultConcurrency))
	fs.Var(&f.vars, "var", "give every plan the variable `NAME=VALUE` (repeatable; values are strings)")
	fs.Var(&f.secrets, "secret", "let plans that declare the secret `NAME` read it from the environment (repeatable)")
	fs.BoolVar(&f.env, "env", false, "let plans read any environment variable, as run does")
	timeoutHelp := "per-step timeout of steps whose plan sets none, as a `duration` such as 2s (default 5s)"
	fs.DurationVar(&f.timeout, "timeout", 0, timeoutHelp)
	fs.DurationVar(&f.timeout, "t", 0, timeoutHelp)
	fs.DurationVar(&f.maxLateness, "max-lateness", smokex.DefaultMaxLateness, "skip, and record as skipped, a scheduled run that cannot start within `duration` of its due time (0: within its plan's interval; a shorter interval wins)")
	fs.TextVar(&f.logLevel, "log-level", slog.LevelInfo, "log from `level` up: debug (every finished step and execution), info, warn (failed ones only) or error")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", defaultShutdownTimeout, "on a signal, wait up to `duration` for the executions in flight")
}

// namesFlag collects a repeated flag whose values are names.
type namesFlag []string

func (n *namesFlag) String() string {
	if n == nil {
		return ""
	}
	return strings.Join(*n, ",")
}

func (n *namesFlag) Set(s string) error {
	if s == "" || strings.ContainsAny(s, "= \t") {
		return fmt.Errorf("%q is not a variable name", s)
	}
	if !slices.Contains(*n, s) {
		*n = append(*n, s)
	}
	return nil
}

// check reports the first flag with a value that cannot work.
func (f *serveFlags) check() error {
	switch {
	case f.concurrency < 0:
		return fmt.Errorf("--concurrency must not be negative, not %d", f.concurrency)
	case f.timeout < 0:
		return fmt.Errorf("--timeout must not be negative, not %s", f.timeout)
	case f.retention < 0:
		return fmt.Errorf("--retention must not be negative, not %s", f.retention)
	case f.maxLateness < 0:
		return fmt.Errorf("--max-lateness must not be negative, not %s", f.maxLateness)
	case f.keepLast < 0:
		return fmt.Errorf("--keep-last must not be negative, not %d", f.keepLast)
	case f.watchInterval < 0:
		return fmt.Errorf("--watch-interval must not be negative, not %s", f.watchInterval)
	case f.shutdownTimeout <= 0:
		return fmt.Errorf("--shutdown-timeout must be positive, not %s", f.shutdownTimeout)
	case f.noMigrate && f.db.url == "":
		return errors.New("--no-migrate needs --database-url or " + databaseURLEnv)
	}
	if err := f.admin.check(); err != nil {
		return err
	}
	if err := f.metrics.check(); err != nil {
		return err
	}
	if err := f.sel.check(); err != nil {
		return err
	}
	if err := f.sched.check(f.db.url != ""); err != nil {
		return err
	}
	return f.alerts.check()
}

// config is the engine's configuration: one field per flag.
func (f *serveFlags) config(a *app, store storage.Store, log *slog.Logger) smokex.Config {
	cfg := smokex.Config{
		Store:             store,
		Exec:              exec.Config{Client: a.client, DefaultTimeout: f.timeout},
		Concurrency:       f.concurrency,
		RetentionMaxAge:   f.retention,
		RetentionKeepLast: f.keepLast,
		MaxLateness:       f.maxLateness,
		Logger:            log,
	}
	if len(f.vars.values) > 0 {
		cfg.Vars = make(map[string]any, len(f.vars.values))
		for name, v := range f.vars.values {
			cfg.Vars[name] = v
		}
	}
	if len(f.secrets) > 0 {
		// The app's environment rather than the process's (EnvSecrets), so
		// that tests give their own.
		cfg.Secrets = smokex.LookupSecrets(a.lookupEnv, f.secrets...)
	}
	if f.env {
		cfg.LookupEnv = a.lookupEnv
	}
	cfg.ParseOpts = f.sel.parseOpts()
	if f.sel.active() {
		cfg.SyncFilter = f.sel.keep
	}
	return cfg
}

// checkPaths reports the first path serve cannot follow.
func checkPaths(paths []string) error {
	for _, p := range paths {
		if p == "-" {
			return errors.New("serve reads plans from files, not from stdin")
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if st.IsDir() {
			continue
		}
		if !st.Mode().IsRegular() {
			// ParseFile refuses it, saying what it is, without opening it.
			_, err := plan.ParseFile(p, nil)
			return err
		}
		if ext := strings.ToLower(filepath.Ext(p)); ext != ".yaml" && ext != ".yml" {
			return fmt.Errorf("%s: a plan file must end in .yaml or .yml", p)
		}
	}
	return nil
}

// serve runs the engine until ctx ends, then stops it.
func (a *app) serve(ctx context.Context, f *serveFlags, paths []string) int {
	f.db.readEnv(a.lookupEnv)
	f.sched.readEnv(a.lookupEnv)
	f.admin.readEnv(a.lookupEnv)
	f.admin.storePlans = len(paths) == 0 && f.sync.source == ""
	if err := f.check(); err != nil {
		return a.usageError("serve", err.Error())
	}
	if err := f.sync.check(paths); err != nil {
		return a.usageError("serve", err.Error())
	}
	maxConns, err := maxConnections(f.maxConns, f.concurrency, openFileLimit())
	if err != nil {
		return a.usageError("serve", err.Error())
	}
	if err := checkPaths(paths); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(a.stderr, "smokex serve: %v\n", err)
			return exitUsage
		}
		return a.usageError("serve", err.Error())
	}
	log := f.newServeLog(a.stderr, a.lookupEnv)

	var store storage.Store // nil: the engine's memory store
	storeAttr := slog.String("store", "memory")
	if f.db.url != "" {
		pool, pg, code := a.openPostgres(ctx, "serve", &f.db)
		if code != exitOK {
			return code
		}
		defer pool.Close()
		if !f.noMigrate {
			if err := pg.Migrate(ctx); err != nil {
				log.Error("smokex serve: migrating the database", "error", err)
				return exitFailed
			}
		}
		if err := f.sched.migrate(ctx, pool, pg.Schema(), f.noMigrate); err != nil {
			log.Error("smokex serve: migrating the database", "error", err)
			return exitFailed
		}
		store = pg
		storeAttr = slog.String("store", "postgres")
		log.Info("smokex serve: using PostgreSQL", "schema", pg.Schema(), "migrated", !f.noMigrate)
	}

	cfg := f.config(a, store, log)
	f.sched.wire(&cfg, log)
	why := ""
	if f.admin.baseURL == "" && f.addr != "" {
		// Links in alerts, the dashboard's address and the Host check
		// take the --addr URL, as the help says.
		f.admin.baseURL, why = addrURL(f.addr)
	}
	if f.sched.agent {
		// An agent alerts on nothing and prunes nothing: the serve
		// processes do.
		cfg.RetentionInterval = -1
	} else if cfg.Alerts, err = f.alerts.policy(a.lookupEnv, f.admin.baseURL); err != nil {
		return a.usageError("serve", err.Error())
	}
	if cfg.Alerts != nil && f.admin.baseURL == "" && why != "" {
		log.Warn("smokex serve: alerts will have no links to the dashboard: " + why + "; give --base-url, the address users reach it at")
	}
	if code := f.metrics.wire(ctx, a, &cfg, log, f.shutdownTimeout); code != exitOK {
		return code
	}
	defer f.metrics.stopWithin(ctx, log, f.shutdownTimeout)
	eng, err := smokex.New(cfg)
	if err != nil {
		return a.usageError("serve", err.Error())
	}
	sub := eng.Subscribe(0)
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		logEvents(log, sub)
	}()
	// stop stops the engine within the shutdown timeout, which also ends
	// logEvents, and returns whether it stopped cleanly.
	stop := func() bool {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.shutdownTimeout)
		defer cancel()
		err := eng.Stop(stopCtx)
		<-logged
		if n := sub.Dropped(); n > 0 {
			log.Warn("smokex serve: events were not logged: the log could not keep up", "dropped", n)
		}
		switch {
		case onlyRunsCanceled(err):
			// A stop that was asked for is a clean one: the runs it cut
			// short are stored as canceled.
			log.Warn("smokex serve: the executions still running at the shutdown timeout were canceled", "shutdown_timeout", f.shutdownTimeout)
		case err != nil:
			log.Error("smokex serve: the engine did not stop cleanly", "error", err)
			return false
		}
		return true
	}

	var sy *syncer
	if f.sync.source != "" {
		if sy, err = newSyncer(eng, &f.sync, a.lookupEnv, log); err != nil {
			stop()
			return a.usageError("serve", err.Error())
		}
		// The first sync before Start, as a watched folder's: a failure is
		// logged and shown at GET /api/sync, and the next sync tries again.
		sy.syncOnce(ctx)
	}
	if len(paths) == 0 {
		// The plans live in the store or come from --sync; Start loads
		// those of the store.
	} else if err := f.loadPaths(ctx, eng, paths); err != nil {
		if list := plan.ErrorList(nil); !errors.As(err, &list) {
			stop()
			log.Error("smokex serve: loading plans", "error", err)
			return exitFailed
		}
		// A file that does not parse does not stop the others: it is
		// watched until it is fixed, and shown on the dashboard, in
		// /api/plans and in /status meanwhile.
		a.printLoadError(err)
		log.Error("smokex serve: some plan files do not load; the other plans run, and the dashboard shows the errors", "files", len(eng.LoadErrors()))
	}
	a.warnSecrets(log, eng.Plans(), f.secrets)
	if err := eng.Start(ctx); err != nil {
		log.Error("smokex serve: starting", "error", err)
		stop()
		return exitFailed
	}
	if err := f.admin.checkStatusPages(eng.Plans()); err != nil {
		stop()
		return a.usageError("serve", err.Error())
	}
	log.Info("smokex serve: started", storeAttr, "plans", len(eng.Plans()), "paths", paths)
	if entries, err := eng.Entries(ctx); err == nil {
		for _, e := range entries {
			log.Info("smokex serve: plan scheduled", "plan", e.ID, "schedule", e.Spec, "next", e.Next.Format(time.RFC3339))
		}
	}

	if sy != nil {
		f.admin.sync = sy.syncWait
	}
	mux := f.routes(eng)
	if sy != nil {
		synced := make(chan struct{})
		syncCtx, cancelSync := context.WithCancel(ctx)
		go func() {
			defer close(synced)
			sy.run(syncCtx)
		}()
		defer func() {
			cancelSync()
			<-synced
		}()
	}
	srv, err := listen(f.addr, f.admin.withHostCheck(f.addr, sy.webhook(f.admin.withAuth(mux, log), mux)), log, defaultListenConfig(maxConns))
	if err != nil {
		log.Error("smokex serve: " + err.Error())
		stop()
		return exitFailed
	}
	if srv != nil {
		log.Info("smokex serve: listening", "url", srv.url, "max_connections", maxConns)
		f.admin.printDashboard(a.stderr, srv.url, len(eng.Plans()))
	}

	<-ctx.Done()
	log.Info("smokex serve: stopping", "shutdown_timeout", f.shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.shutdownTimeout)
	defer cancel()
	if err := srv.shutdown(shutdownCtx); err != nil {
		log.Warn("smokex serve: closing the listener", "error", err)
	}
	if !stop() {
		return exitFailed
	}
	log.Info("smokex serve: stopped")
	return exitOK
}

// warnSecrets warns about the secrets that plans declare and cannot read:
// their runs will fail until the secret is allowed and set.
func (a *app) warnSecrets(log *slog.Logger, plans []*plan.Plan, allowed namesFlag) {
	for _, p := range plans {
		for _, name := range p.Secrets {
			switch _, set := a.lookupEnv(name); {
			case !slices.Contains(allowed, name):
				log.Warn("smokex serve: the plan declares a secret that --secret does not allow; its runs will fail", "plan", p.ID, "secret", name)
			case !set:
				log.Warn("smokex serve: the plan declares a secret that is not set in the environment; its runs will fail", "plan", p.ID, "secret", name)
			}
		}
	}
}

// loadPaths syncs the plans of the paths and, unless --watch-interval is
// 0, watches them for changes.
func (f *serveFlags) loadPaths(ctx context.Context, eng *smokex.Engine, paths []string) error {
	if f.watchInterval == 0 {
		_, err := eng.SyncFS(ctx, newPlanFS(paths))
		return err
	}
	return eng.WatchFS(ctx, newPlanFS(paths), f.watchInterval)
}

// logEvents logs every finished step and execution of sub until it closes:
// at debug level when it passed, as info when degraded, as a warning
// otherwise, so that a monitor
// of many plans logs what needs looking at (--log-level debug logs all).
func logEvents(log *slog.Logger, sub *smokex.Subscription) {
	ctx := context.Background()
	for ev := range sub.C() {
		x := ev.Execution
		switch ev.Type {
		case smokex.EventStepFinished:
			level := slog.LevelDebug
			if !ev.Step.OK && !ev.Step.Skipped {
				level = slog.LevelWarn
			}
			if !log.Enabled(ctx, level) {
				continue
			}
			log.LogAttrs(ctx, level, "step finished", append(executionIDs(x), stepAttrs(ev.Step)...)...)
		case smokex.EventExecutionFinished:
			level := slog.LevelWarn
			switch {
			case x.Status == record.StatusPassed:
				level = slog.LevelDebug
			case x.Status.Up(): // degraded
				level = slog.LevelInfo
			}
			if !log.Enabled(ctx, level) {
				continue
			}
			log.LogAttrs(ctx, level, "execution finished", append(executionIDs(x), finishedAttrs(x)...)...)
		}
	}
}

// executionIDs names the plan and the execution of an event.
func executionIDs(x *record.Execution) []slog.Attr {
	return []slog.Attr{slog.String("plan", x.PlanID), slog.String("execution", x.ID)}
}

// stepAttrs describes a finished step.
func stepAttrs(r *record.StepResult) []slog.Attr {
	attrs := []slog.Attr{slog.Int("step", r.Index)}
	if r.Name != "" {
		attrs = append(attrs, slog.String("name", r.Name))
	}
	attrs = append(attrs, slog.String("method", r.Method), slog.String("url", r.URL))
	if r.Response != nil {
		attrs = append(attrs, slog.Int("status", r.Response.StatusCode))
	}
	attrs = append(attrs, slog.Duration("duration", r.Total()), slog.Bool("ok", r.OK))
	if r.Skipped {
		attrs = append(attrs, slog.Bool("skipped", true))
	}
	if r.Attempts > 1 {
		attrs = append(attrs, slog.Int("attempts", r.Attempts))
	}
	for _, fl := range r.Failures {
		attrs = append(attrs, slog.String("failure", fl.String()))
	}
	if r.Error != nil {
		attrs = append(attrs, slog.String("error", r.Error.Error()))
	}
	return attrs
}

// finishedAttrs describes a finished execution.
func finishedAttrs(x *record.Execution) []slog.Attr {
	failed := 0
	for i := range x.Steps {
		if !x.Steps[i].OK && !x.Steps[i].Skipped {
			failed++
		}
	}
	attrs := []slog.Attr{
		slog.String("status", string(x.Status)),
	}
	if x.StopReason != "" {
		attrs = append(attrs, slog.String("stop_reason", string(x.StopReason)))
	}
	attrs = append(attrs,
		slog.String("trigger", string(x.Trigger)),
		slog.Duration("duration", x.Duration()),
		slog.Int("steps", len(x.Steps)),
		slog.Int("failed", failed),
	)
	if x.Error != nil {
		attrs = append(attrs, slog.String("error", x.Error.Error()))
	}
	return attrs
}

// onlyRunsCanceled tells whether err says only that Stop canceled the runs
// in flight.
func onlyRunsCanceled(err error) bool {
	if err == nil {
		return false
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok && !errors.Is(err, smokex.ErrRunsCanceled) {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		if !errors.Is(e, smokex.ErrRunsCanceled) {
			return false
		}
	}
	return true
}
