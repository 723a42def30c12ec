package smokex

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// storeTimeout bounds a store write made on behalf of a run, which must
// happen even when the run itself was canceled.
const storeTimeout = 10 * time.Second

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
	// stored caches the plans parsed from the store for ticks of plans
	// this engine has not loaded, or whose stored source changed.
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

	skippedTicks atomic.Uint64

	// canceledAtStop is set, under mu, when an execution ends canceled
	// while the engine stops: at Stop's deadline the engine or the
	// scheduler (whichever sees the deadline first) cancels the runs.
	canceledAtStop bool
	// plansVersion grows with every change to plans, under mu.
	plansVersion atomic.Uint64
}

// loadedPlan is a parsed plan with where it came from.
type loadedPlan struct {
	plan *plan.Plan
	// ref is what hooks see of the plan.
	ref *record.PlanRef
	// synced is true for plans that SyncFS manages: a later sync removes
	// them when their file is gone.
	synced bool
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

// AddPlan stores p, replacing the plan with its ID, and schedules it when it
// has a schedule (or unschedules it when it no longer has one).
func (e *Engine) AddPlan(ctx context.Context, p *plan.Plan) error {
	e.planMu.Lock()
	defer e.planMu.Unlock()
	return e.addPlan(ctx, p, false)
}

// addPlan adds p; the caller holds planMu.

func (e *Engine) addPlan(ctx context.Context, p *plan.Plan, synced bool) error {
	if p == nil || p.ID == "" {
		return errors.New("smokex: AddPlan needs a parsed plan with an ID")
	}
	if err := e.checkOpen(); err != nil {
		return err
	}
	err := e.store.SavePlan(ctx, &storage.Plan{
		ID:          p.ID,
		Name:        p.Name,
		Description: p.Description,
		Schedule:    p.Schedule,
		Labels:      maps.Clone(p.Labels),
		Source:      p.Source,
	})
	if err != nil {
		return fmt.Errorf("smokex: saving plan %s: %w", p.ID, err)
	}
	e.mu.Lock()
	e.plans[p.ID] = &loadedPlan{plan: p, ref: planRef(p), synced: synced}
	e.plansVersion.Add(1)
	e.mu.Unlock()
	return e.applySchedule(ctx, p)
}

func (e *Engine) applySchedule(ctx context.Context, p *plan.Plan) error {
	if p.Schedule == "" {
		if err := e.sched.Remove(ctx, p.ID); err != nil {
			return fmt.Errorf("smokex: unscheduling plan %s: %w", p.ID, schedErr(err))
		}
		return nil
	}
	if err := e.sched.Add(ctx, p.ID, p.Schedule); err != nil {
		return fmt.Errorf("smokex: scheduling plan %s: %w", p.ID, schedErr(err))
	}
	return nil
}

// RemovePlan deletes the plan with its executions and unschedules it. Its
// executions in flight are canceled.
func (e *Engine) RemovePlan(ctx context.Context, id string) error {
	e.planMu.Lock()
	defer e.planMu.Unlock()
	return e.removePlan(ctx, id)
}

// removePlan removes the plan id; the caller holds planMu.
func (e *Engine) removePlan(ctx context.Context, id string) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	if err := e.sched.Remove(ctx, id); err != nil {
		return fmt.Errorf("smokex: unscheduling plan %s: %w", id, schedErr(err))
	}
	e.mu.Lock()
	_, known := e.plans[id]
	delete(e.plans, id)
	e.plansVersion.Add(1)
	// The plan's runs would go on against a plan and executions that are
	// gone, and hold back a plan added again under the same ID.
	for _, j := range e.inflight {
		if j.plan.ID == id {
			j.cancel()
		}
	}
	e.mu.Unlock()
	err := e.store.DeletePlan(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		if known {
			return nil
		}
		return fmt.Errorf("%w: %s", ErrPlanNotFound, id)
	}
	return err
}

// planRef is what hooks and subscribers see of p.
func planRef(p *plan.Plan) *record.PlanRef {
	return &record.PlanRef{ID: p.ID, Name: p.Name, Labels: maps.Clone(p.Labels)}
}

// Plan returns the loaded plan with the id.
func (e *Engine) Plan(id string) (*plan.Plan, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	lp, ok := e.plans[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrPlanNotFound, id)
	}
	return lp.plan, nil
}

// PlanSynced reports whether the plan with the id was loaded by SyncFS or
// WatchFS: its file is where it comes from, and a change made with AddPlan
// or RemovePlan would be undone by the next sync. False for an unknown id.
func (e *Engine) PlanSynced(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	lp, ok := e.plans[id]
	return ok && lp.synced
}

// PlansVersion counts the changes to the loaded plans: it grows whenever
// a plan is added, replaced or removed, so that a reader that keeps what
// Plans returned can tell cheaply whether it is still current.
func (e *Engine) PlansVersion() uint64 { return e.plansVersion.Load() }

// Plans returns the loaded plans ordered by ID.
func (e *Engine) Plans() []*plan.Plan {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*plan.Plan, 0, len(e.plans))
	for _, lp := range e.plans {
		out = append(out, lp.plan)
	}
	slices.SortFunc(out, func(a, b *plan.Plan) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// schedErr is err from the scheduler, ErrClosed when the scheduler is
// stopped: a call that passed checkOpen as Stop began ends like one made
// after it.
func schedErr(err error) error {
	if errors.Is(err, schedule.ErrClosed) {
		return ErrClosed
	}
	return err
}

// goBackground runs fn in a background goroutine that Stop waits for, or
// returns ErrClosed once Stop has begun, whose wait it would escape.
func (e *Engine) goBackground(fn func()) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		fn()
	}()
	return nil
}

func (e *Engine) checkOpen() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	return nil
}

// newExecutionID returns a time-ordered id.
func newExecutionID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}
