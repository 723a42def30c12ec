package smokex

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// Engine runs plans on demand and on their schedules, stores every
// execution, and publishes what happens. Create it with New; it is safe for
// concurrent use.
type Engine struct {
	cfg    Config
	store  storage.Store
	runner *exec.Runner
	sched  schedule.Scheduler
	hub    *hub
	hooks  hookSet
	alerts *notify.Policy
	sem    chan struct{}

	// runCtx is the parent of every run; cancelRuns cancels them all when
	// Stop's context ends.
	runCtx     context.Context
	cancelRuns context.CancelFunc
	runs       sync.WaitGroup

	// planMu serializes the changes to plans (AddPlan, RemovePlan, SyncFS,
	// the loading on Start), each of which spans the store, the plans map
	// and the scheduler, so that they agree once it is released.
	planMu sync.Mutex

	mu    sync.Mutex
	plans map[string]*loadedPlan
	// stored holds what runs read of plans from the store: their
	// revisions, and the plans parsed for ticks of plans this engine has
	// not loaded or whose stored source changed (resolvePlan).
	stored   map[string]*storedPlan
	running  map[string]int  // plan id -> executions in flight
	inflight map[string]*job // execution id -> run
	// recovering holds, while Start recovers, the executions this engine
	// had in flight at any moment since recovery began, so that recovery
	// never takes one of them, running or finished since, for a dead
	// process's. Nil outside recovery.
	recovering map[string]struct{}
	started    bool
	closed     bool
	stopOnce   sync.Once
	stopErr    error
	// life ends when Stop begins; background loops watch it.
	life    context.Context
	endLife context.CancelFunc
	bg      sync.WaitGroup
	// budgets takes the plans with an slo whose executions finished to
	// the loop that measures their error budgets; nil without an
	// ErrorBudgetHook.
	budgets chan *record.PlanRef

	skippedTicks atomic.Uint64
	// lateness is how late this process started its latest tick, in
	// nanoseconds, for its heartbeat.
	lateness atomic.Int64

	// canceledAtStop is set, under mu, when an execution ends canceled
	// while the engine stops: at Stop's deadline the engine or the
	// scheduler (whichever sees the deadline first) cancels the runs.
	canceledAtStop bool
	// plansVersion grows with every change to plans, under mu.
	plansVersion atomic.Uint64
	// loadErrors are the files the last sync could not load, by file,
	// under mu.
	loadErrors []LoadError
	// syncMu makes this engine's Syncs one at a time; syncState is the
	// last one's state when the store is not a storage.SyncStore, under
	// mu.
	syncMu    sync.Mutex
	syncState *record.SyncState
}

// New builds an engine from cfg. It does not start scheduling: call Start.
func New(cfg Config) (*Engine, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:      cfg,
		store:    cfg.Store,
		hub:      newHub(),
		sem:      make(chan struct{}, cfg.Concurrency),
		plans:    map[string]*loadedPlan{},
		running:  map[string]int{},
		inflight: map[string]*job{},
		stored:   map[string]*storedPlan{},
	}
	if e.store == nil {
		e.store = memory.New(memory.Config{})
	}
	var hooks []record.Hook
	if e.alerts, hooks, err = newAlerts(cfg, e.store); err != nil {
		return nil, err
	}
	if e.hooks, err = newHookSet(hooks); err != nil {
		return nil, err
	}
	execCfg := cfg.Exec
	if execCfg.Logger == nil {
		execCfg.Logger = cfg.Logger
	}
	if wrap := e.hooks.wrapTransport(); wrap != nil {
		// The hooks' wrappers go around the host's own.
		if own := execCfg.WrapTransport; own != nil {
			execCfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return wrap(own(rt)) }
		} else {
			execCfg.WrapTransport = wrap
		}
	}
	e.runner = exec.New(execCfg)
	newScheduler := cfg.NewScheduler
	if newScheduler == nil {
		newScheduler = func(fn schedule.Func) (schedule.Scheduler, error) {
			return schedule.NewCron(schedule.CronConfig{Func: fn, Logger: cfg.Logger})
		}
	}
	e.sched, err = newScheduler(e.tick)
	if err != nil {
		return nil, fmt.Errorf("smokex: building the scheduler: %w", err)
	}
	e.runCtx, e.cancelRuns = context.WithCancel(context.Background())
	e.life, e.endLife = context.WithCancel(context.Background())
	if len(e.hooks.budgets) > 0 {
		e.budgets = make(chan *record.PlanRef, budgetQueue)
	}
	return e, nil
}

// Store returns the engine's store, for hosts that read results directly.
func (e *Engine) Store() storage.Store { return e.store }

// SkippedTicks counts scheduled ticks not run because the plan's previous
// execution was still running.
func (e *Engine) SkippedTicks() uint64 { return e.skippedTicks.Load() }

// Subscribe returns a subscription to every event of every execution. A
// buffer of 0 means Config.SubscriberBuffer. Close it when done.
func (e *Engine) Subscribe(buffer int) *Subscription {
	if buffer <= 0 {
		buffer = e.cfg.SubscriberBuffer
	}
	return e.hub.subscribe(buffer)
}

// Entries lists the scheduled plans with their next run times, sorted by
// plan ID.
func (e *Engine) Entries(ctx context.Context) ([]schedule.Entry, error) {
	entries, err := e.sched.Entries(ctx)
	if err != nil {
		return nil, fmt.Errorf("smokex: listing scheduled plans: %w", schedErr(err))
	}
	return entries, nil
}
