package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/slo"
)

// Defaults of PolicyConfig.
const (
	// DefaultQueueSize is how many finished executions wait for the
	// policy before more are dropped.
	DefaultQueueSize = 1024
	// DefaultMaxAttempts is how many times an alert is tried on a target.
	DefaultMaxAttempts = 5
	// DefaultMinBackoff is the wait before the first retry; each retry
	// doubles it up to DefaultMaxBackoff.
	DefaultMinBackoff = time.Second
	// DefaultMaxBackoff caps the wait between retries, Retry-After
	// included.
	DefaultMaxBackoff = time.Minute
	// DefaultAttemptTimeout bounds one delivery attempt.
	DefaultAttemptTimeout = 10 * time.Second
	// DefaultStoreTimeout bounds one read or write of alert state.
	DefaultStoreTimeout = 5 * time.Second
	// DefaultLease is how long a delivery stays claimed by a process that
	// says nothing more of it (see PolicyConfig.Lease).
	DefaultLease = 15 * time.Second
	// DefaultPollInterval is how often a target's delivery looks in the
	// store for alerts it was not told of.
	DefaultPollInterval = time.Second
)

// PolicyConfig configures a Policy. Only Targets is needed.
type PolicyConfig struct {
	// Targets are the notifiers with the plans they hear about.
	Targets []Target
	// Rules apply to every plan without an entry in Plans.
	Rules Rules
	// Plans overrides Rules per plan ID: a plan's entry replaces Rules as
	// a whole (copy Rules and change what differs).
	Plans map[string]Rules
	// Maintenance windows, global or per plan.
	Maintenance []Window
	// Store keeps the state of each plan (its failures in a row, whether
	// it is failing) so that it survives restarts and is shared by
	// replicas. When it is an Outbox too (the memory and PostgreSQL stores
	// are), the alerts owed are written with the state that decided them
	// and delivered from it: at least once after the transition is saved,
	// whatever becomes of this process, and once among replicas. Defaults
	// to memory of this process only, alerts owed included. smokex.Config's
	// Alerts uses the engine's store when it is one.
	Store StateStore
	// BaseURL is where the admin pages are served; events link to them
	// (see LinksFor). Empty: no links.
	BaseURL string
	// ExcerptSize bounds each body an event carries. Defaults to
	// DefaultExcerptSize; negative keeps none.
	ExcerptSize int
	// QueueSize bounds the finished executions waiting to be decided on.
	// Defaults to DefaultQueueSize. A full queue drops what comes, with a
	// log line and a count (Stats, NotificationSent). Alerts decided wait
	// in the store; in memory, 16 MiB of them at most, past which a
	// transition is not saved (logged and counted in StateErrors).
	QueueSize int
	// MaxAttempts is how many times an alert is tried on a target before
	// it is given up, logged and counted. Defaults to DefaultMaxAttempts.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait between attempts: it starts
	// at MinBackoff and doubles, capped at MaxBackoff; a receiver's
	// Retry-After replaces it, capped the same. Default to
	// DefaultMinBackoff and DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// AttemptTimeout bounds one attempt. Defaults to DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// StoreTimeout bounds one read or write of state. Defaults to
	// DefaultStoreTimeout.
	StoreTimeout time.Duration
	// Lease is how long an alert claimed for delivery stays this
	// process's with no word from it: each attempt renews the claim for
	// AttemptTimeout plus Lease, each wait for a retry for the wait plus
	// Lease. A process that dies holds its alerts that long, then another
	// (or the same, started again) delivers them. Defaults to
	// DefaultLease.
	Lease time.Duration
	// PollInterval is how often each target's delivery looks in the store
	// for alerts it was not told of: decided by other replicas, or held by
	// a process that died. The alerts this policy decides are delivered at
	// once. Defaults to DefaultPollInterval.
	PollInterval time.Duration
	// Sent are told of every notification's outcome: delivered, failed
	// after its attempts, dropped on a full queue, deferred at Stop (for
	// metrics).
	Sent []record.NotificationSentHook
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

// Stats counts what a Policy did since it was made.
type Stats struct {
	// Decided counts the alerts the policy decided to send, one per
	// transition (before routing to targets).
	Decided int64
	// Suppressed counts executions ignored in a maintenance window.
	Suppressed int64
	// Sent, Failed and Dropped count notifications (one per target):
	// delivered, given up after their attempts, dropped on a full queue
	// (or after Stop).
	Sent, Failed, Dropped int64
	// Deferred counts notifications left owed in the store at Stop, for
	// the next start to deliver.
	Deferred int64
	// Retries counts attempts after the first.
	Retries int64
	// StateErrors counts executions whose state could not be read or
	// saved; no alert was decided for them.
	StateErrors int64
}

// Policy is the alert policy: a hook (smokex.Config.Hooks) that hears of
// every finished execution, decides from the plan's state and its rules
// whether the plan became failing, is still failing (a reminder),
// recovered or passed, and owes an alert to each target that routes the
// plan, delivering in the background with retries.
//
// ExecutionFinished never blocks: it queues the execution for the
// policy's own goroutine, which reads the plan's state and saves the next
// one with the alerts owed, in one write (compare-and-swap, so that
// replicas on one store decide one alert). Each target has a delivery of
// its own, which claims the target's alerts from the store one at a time,
// oldest first, and tries each until it is delivered or given up: a slow
// or hanging target delays only its own alerts. Start and Stop are the
// engine's: Stop decides what is queued and delivers what is owed within
// its context, then leaves what is left owed in the store.
type Policy struct {
	record.HookDefaults
	cfg     PolicyConfig
	windows []Window
	log     *slog.Logger
	outbox  Outbox

	decide chan finished
	// wake has a channel per target, told when an alert is owed to it.
	wake map[string]chan struct{}
	// draining is closed when the decisions are done at Stop: the
	// deliveries end once nothing is owed.
	draining chan struct{}

	mu      sync.Mutex
	state   int // 0 new, 1 started, 2 stopped
	ctx     context.Context
	cancel  context.CancelFunc
	decided sync.WaitGroup // the deciding goroutine
	workers sync.WaitGroup // a delivery per target
	closeMu sync.RWMutex   // held to send on decide
	closed  bool

	pending atomic.Int64

	// lastMu guards last: the latest finished execution of each plan with
	// an slo, which a burn-rate alert carries.
	lastMu sync.Mutex
	last   map[string]*record.Execution
	// burning holds the plans whose burn-rate alert was sent and whose
	// rule still holds; the deciding goroutine's alone. It is this
	// process's memory: after a restart a rule that still holds alerts
	// once more.
	burning map[string]bool

	stats struct {
		decided, suppressed, sent, failed, dropped, deferred, retries, stateErrors atomic.Int64
	}
}

var (
	_ record.ExecutionFinishedHook = (*Policy)(nil)
	_ record.MaintenanceHook       = (*Policy)(nil)
	_ record.Service               = (*Policy)(nil)
	_ record.ErrorBudgetHook       = (*Policy)(nil)
)

// finished is what the policy decides on: a finished execution, or with
// budget the error budget measured after it.
type finished struct {
	plan   *record.PlanRef
	exec   *record.Execution
	budget *record.ErrorBudget
}

// ErrClosed is returned by Start after Stop.
var ErrClosed = errors.New("notify: policy is stopped")

// NewPolicy checks cfg and returns a policy ready to Start.
func NewPolicy(cfg PolicyConfig) (*Policy, error) {
	seen := map[string]bool{}
	for i, t := range cfg.Targets {
		switch {
		case t.Name == "":
			return nil, fmt.Errorf("notify: PolicyConfig.Targets[%d].Name is required", i)
		case seen[t.Name]:
			return nil, fmt.Errorf("notify: PolicyConfig.Targets[%d].Name %q is used twice", i, t.Name)
		case t.Notifier == nil:
			return nil, fmt.Errorf("notify: PolicyConfig.Targets[%d] (%s) has no Notifier", i, t.Name)
		}
		seen[t.Name] = true
	}
	if err := cfg.Rules.Validate(); err != nil {
		return nil, fmt.Errorf("notify: PolicyConfig.Rules.%w", err)
	}
	for id, r := range cfg.Plans {
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("notify: PolicyConfig.Plans[%q].%w", id, err)
		}
	}
	for name, v := range map[string]int{"QueueSize": cfg.QueueSize, "MaxAttempts": cfg.MaxAttempts} {
		if v < 0 {
			return nil, fmt.Errorf("notify: PolicyConfig.%s must not be negative, got %d", name, v)
		}
	}
	for name, v := range map[string]time.Duration{"MinBackoff": cfg.MinBackoff, "MaxBackoff": cfg.MaxBackoff, "AttemptTimeout": cfg.AttemptTimeout, "StoreTimeout": cfg.StoreTimeout, "Lease": cfg.Lease, "PollInterval": cfg.PollInterval} {
		if v < 0 {
			return nil, fmt.Errorf("notify: PolicyConfig.%s must not be negative, got %s", name, v)
		}
	}
	p := &Policy{cfg: cfg, last: map[string]*record.Execution{}, burning: map[string]bool{}}
	for _, w := range cfg.Maintenance {
		w = w.clone()
		if err := w.compile(); err != nil {
			return nil, fmt.Errorf("notify: PolicyConfig.Maintenance: %w", err)
		}
		p.windows = append(p.windows, w)
	}
	c := &p.cfg
	c.Targets = append([]Target(nil), cfg.Targets...)
	if c.Store == nil {
		c.Store = newMemoryState()
	}
	p.outbox = outboxOf(c.Store)
	if c.QueueSize == 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	if c.AttemptTimeout == 0 {
		c.AttemptTimeout = DefaultAttemptTimeout
	}
	if c.StoreTimeout == 0 {
		c.StoreTimeout = DefaultStoreTimeout
	}
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	p.log = c.Logger
	if p.log == nil {
		p.log = slog.Default()
	}
	p.decide = make(chan finished, c.QueueSize)
	p.wake = make(map[string]chan struct{}, len(c.Targets))
	for _, t := range c.Targets {
		p.wake[t.Name] = make(chan struct{}, 1)
	}
	p.draining = make(chan struct{})
	return p, nil
}

// Start starts the policy's goroutines. It returns at once; calling it
// again does nothing; after Stop it returns ErrClosed.
func (p *Policy) Start(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.state {
	case 1:
		return nil
	case 2:
		return ErrClosed
	}
	p.state = 1
	// The goroutines outlive Start's context: Stop ends them.
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.decided.Go(p.decideLoop)
	for i := range p.cfg.Targets {
		t := &p.cfg.Targets[i]
		p.workers.Go(func() { p.deliverLoop(t) })
	}
	return nil
}

// Stop lets the policy decide on the executions queued and deliver the
// alerts owed, retries included, until ctx is done; then it cancels what
// is in flight, leaves what is not delivered owed in the store for the
// next start (logged and counted as deferred), and returns ctx.Err(). It
// is idempotent; the goroutines are gone when it returns.
func (p *Policy) Stop(ctx context.Context) error {
	p.mu.Lock()
	if p.state != 1 {
		p.state = 2
		p.mu.Unlock()
		return nil
	}
	p.state = 2
	p.mu.Unlock()

	p.closeMu.Lock()
	p.closed = true
	close(p.decide)
	p.closeMu.Unlock()

	drained := make(chan struct{})
	go func() {
		p.decided.Wait()
		close(p.draining)
		p.workers.Wait()
		close(drained)
	}()
	select {
	case <-drained:
		p.cancel()
		return nil
	case <-ctx.Done():
	}
	p.cancel() // attempts and waits for retries end now
	<-drained
	return ctx.Err()
}

// Pending returns how many finished executions wait to be decided on,
// the one being decided included.
func (p *Policy) Pending() int { return int(p.pending.Load()) }

// Stats returns the counts so far.
func (p *Policy) Stats() Stats {
	s := &p.stats
	return Stats{
		Decided: s.decided.Load(), Suppressed: s.suppressed.Load(),
		Sent: s.sent.Load(), Failed: s.failed.Load(), Dropped: s.dropped.Load(), Deferred: s.deferred.Load(),
		Retries: s.retries.Load(), StateErrors: s.stateErrors.Load(),
	}
}

// ExecutionFinished queues the execution for the policy; it never blocks.
// An execution that comes when the queue is full, or after Stop, is
// dropped with a log line and counted.
func (p *Policy) ExecutionFinished(_ context.Context, plan *record.PlanRef, x *record.Execution) {
	if plan == nil || x == nil {
		return
	}
	if plan.SLO != nil && x.Status.Done() {
		p.lastMu.Lock()
		p.last[plan.ID] = x
		p.lastMu.Unlock()
	}
	p.enqueue(finished{plan: plan, exec: x})
}

// ErrorBudget queues the plan's error budget for the burn-rate rule when
// the plan's rules ask for it (Rules.BurnRateAlerts); it never blocks.
func (p *Policy) ErrorBudget(_ context.Context, plan *record.PlanRef, b *record.ErrorBudget) {
	if plan == nil || b == nil || !p.rules(plan.ID).BurnRateAlerts {
		return
	}
	p.lastMu.Lock()
	x := p.last[plan.ID]
	p.lastMu.Unlock()
	if x == nil {
		return
	}
	p.enqueue(finished{plan: plan, exec: x, budget: b})
}

// enqueue hands f to the deciding goroutine, or drops it with a log line
// and a count when the queue is full or the policy stopped.
func (p *Policy) enqueue(f finished) {
	plan, x := f.plan, f.exec
	p.closeMu.RLock()
	defer p.closeMu.RUnlock()
	if p.closed {
		p.stats.dropped.Add(1)
		p.log.Warn("notify: execution finished after the policy stopped; not considered for alerts",
			"plan", plan.ID, "execution", x.ID)
		return
	}
	p.pending.Add(1)
	select {
	case p.decide <- f:
	default:
		p.pending.Add(-1)
		p.stats.dropped.Add(1)
		p.log.Error("notify: the alert policy's queue is full; execution dropped, no alert decided for it",
			"plan", plan.ID, "execution", x.ID, "queue", cap(p.decide))
		p.sent(nil, &Event{Plan: *plan, Execution: x}, record.NotificationDropped, 0, errors.New("queue full"))
	}
}

func (p *Policy) decideLoop() {
	for f := range p.decide {
		p.handle(f)
		p.pending.Add(-1)
	}
}

// locations applies the quorum of a plan with locations: from the
// outcomes of its locations' latest executions in cur, with x's in its
// location, it returns the failing and passing locations and sets bad to
// whether enough fail. For a plan without locations, or an execution
// without one, it changes nothing and returns cur's lists.
func (p *Policy) locations(f finished, cur *record.AlertState, bad *bool) (failing, passing []string) {
	x := f.exec
	if len(f.plan.Locations) == 0 || x.Location == "" {
		return cur.FailingLocations, cur.PassingLocations
	}
	outcome := map[string]bool{}
	for _, loc := range cur.FailingLocations {
		outcome[loc] = true
	}
	for _, loc := range cur.PassingLocations {
		outcome[loc] = false
	}
	outcome[x.Location] = *bad
	failing, passing, *bad = f.plan.LocationQuorum(outcome, p.MinFailingLocations(f.plan))
	return failing, passing
}

// MinFailingLocations is how many of the plan's locations must fail for
// it to be failing: its alerts.min_failing_locations, or its rules'.
func (p *Policy) MinFailingLocations(plan *record.PlanRef) int {
	if plan.MinFailingLocations > 0 {
		return plan.MinFailingLocations
	}
	return p.rules(plan.ID).MinFailingLocations
}

// rules returns the rules of the plan.
func (p *Policy) rules(planID string) Rules {
	if r, ok := p.cfg.Plans[planID]; ok {
		return r.withDefaults()
	}
	return p.cfg.Rules.withDefaults()
}

// window returns the maintenance window that holds for the plan at t.
func (p *Policy) window(plan *record.PlanRef, t time.Time) *Window {
	for i := range p.windows {
		if w := &p.windows[i]; w.covers(plan) && w.Holds(t) {
			return w
		}
	}
	return nil
}

// InMaintenance reports whether a maintenance window holds for the plan at
// t, and its name.
func (p *Policy) InMaintenance(plan *record.PlanRef, t time.Time) (string, bool) {
	if w := p.window(plan, t); w != nil {
		return w.Name, true
	}
	return "", false
}

// Maintenance tells the engine which maintenance window holds for the
// plan when x finished (now, when it has no finish), so that the
// execution is stored marked with it.
func (p *Policy) Maintenance(_ context.Context, plan *record.PlanRef, x *record.Execution) (string, bool) {
	at := x.FinishedAt
	if at.IsZero() {
		at = p.cfg.Now()
	}
	return p.InMaintenance(plan, at)
}

// handle decides on one finished execution.
func (p *Policy) handle(f finished) {
	if f.budget != nil {
		p.handleBurn(f)
		return
	}
	x := f.exec
	if !counts(x) {
		return
	}
	now := p.cfg.Now()
	at := x.FinishedAt
	if at.IsZero() {
		at = now
	}
	window := x.Maintenance // marked by the engine, from this or another policy
	if w := p.window(f.plan, at); w != nil && window == "" {
		window = w.Name
		if window == "" {
			window = "(unnamed)"
		}
	}
	if window != "" {
		p.stats.suppressed.Add(1)
		p.log.Info("notify: execution in a maintenance window; no alert", "plan", f.plan.ID,
			"execution", x.ID, "status", x.Status, "window", window)
		return
	}
	r := p.rules(f.plan.ID)
	var (
		t         Transition
		e         *Event
		targets   []*Target
		cur, next *record.AlertState
	)
	saved := p.retryState(f, func() (bool, string, error) {
		var err error
		cur, err = p.loadState(f.plan.ID)
		if err != nil {
			return false, "read", err
		}
		if cur.LastExecutionID == x.ID {
			return false, "", nil // told twice
		}
		var st record.AlertState
		bad := failed(x)
		failing, passing := p.locations(f, cur, &bad)
		st, t = step(*cur, x, bad, r, now)
		st.FailingLocations, st.PassingLocations = failing, passing
		next = &st
		next.DependsOn = slices.Clone(f.plan.DependsOn)
		if t, err = p.holdBack(f, cur, next, t); err != nil {
			return false, "read", err
		}
		var dependents []string
		if t.Bad() {
			if dependents, err = p.failingDependents(f.plan.ID); err != nil {
				return false, "read", err
			}
		}
		if t != "" {
			next.LastAlertedAt = now
		}
		var owed []*record.AlertDelivery
		e, targets = nil, nil
		if t != "" {
			e = p.event(f, t, now, cur, next)
			e.FailingDependents = dependents
			if len(f.plan.Locations) > 0 {
				e.FailingLocations, e.PassingLocations = failing, passing
			}
			targets = p.route(e)
			if owed, err = owe(e, targets); err != nil {
				return false, "save", err
			}
		}
		return true, "save", p.saveState(next, owed)
	})
	if !saved {
		return
	}
	p.recordIncident(f, t, cur, next)
	if t == "" {
		return
	}
	p.stats.decided.Add(1)
	if len(targets) == 0 {
		p.log.Warn("notify: no target hears about the plan; alert not sent",
			"plan", e.Plan.ID, "execution", e.executionID(), "transition", e.Transition)
	}
	for _, t := range targets {
		select {
		case p.wake[t.Name] <- struct{}{}:
		default: // told already
		}
	}
}

// IncidentStore is the part of storage.IncidentStore with which the
// policy records automatic incidents, when its store has it (the memory
// and PostgreSQL stores do).
type IncidentStore interface {
	CreateIncident(ctx context.Context, in *record.Incident) error
	AddIncidentUpdate(ctx context.Context, id string, u *record.IncidentUpdate) (*record.Incident, error)
}

// AutoIncidentID is the ID of the automatic incident of the plan declared
// failing at since: the same in every replica, so that one incident is
// recorded however many decide the transition.
func AutoIncidentID(planID string, since time.Time) string {
	return "auto-" + planID + "-" + strconv.FormatInt(since.UnixMilli(), 10)
}

// recordIncident records the automatic incident of a plan's transition,
// when the store keeps incidents: a failing alert opens one (the plan's
// name, when it was declared failing, and the execution that made it so,
// kept for the team), and the recovery that follows resolves it. A
// transition held back (maintenance, a dependency) records nothing.
func (p *Policy) recordIncident(f finished, t Transition, cur, next *record.AlertState) {
	is, ok := p.cfg.Store.(IncidentStore)
	if !ok || cur == nil || next == nil {
		return
	}
	name := f.plan.Name
	if name == "" {
		name = f.plan.ID
	}
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.StoreTimeout)
	defer cancel()
	switch {
	case t == TransitionFailing:
		since := next.FailingSince
		in := &record.Incident{ID: AutoIncidentID(f.plan.ID, since), Title: name + " is failing", Automatic: true,
			Status: record.IncidentInvestigating, Plans: []string{f.plan.ID}, StartedAt: since, FirstFailure: f.exec.ID,
			Updates: []record.IncidentUpdate{{Status: record.IncidentInvestigating, Message: name + " is failing.", At: since}}}
		if err := is.CreateIncident(ctx, in); err != nil && !errors.Is(err, record.ErrConflict) {
			p.log.Error("notify: recording the incident", "plan", f.plan.ID, "execution", f.exec.ID, "err", err)
		}
	case cur.Failing && !next.Failing:
		at := f.exec.FinishedAt
		if at.IsZero() {
			at = next.UpdatedAt
		}
		id := AutoIncidentID(f.plan.ID, cur.FailingSince)
		if _, err := is.AddIncidentUpdate(ctx, id, &record.IncidentUpdate{Status: record.IncidentResolved, Message: name + " recovered.", At: at}); err != nil {
			// Its failing alert was held back, or came before incidents
			// were recorded.
			p.log.Info("notify: no incident resolved with the recovery", "plan", f.plan.ID, "incident", id, "err", err)
		}
	}
}

// event builds the alert of transition t from the state before (prev)
// and after (next).
func (p *Policy) event(f finished, t Transition, now time.Time, prev, next *record.AlertState) *Event {
	e := NewEvent(t, f.plan, f.exec, p.cfg.ExcerptSize)
	e.Time = now
	e.ConsecutiveFailures, e.ConsecutivePasses = next.ConsecutiveFailures, next.ConsecutivePasses
	e.FailingSince = next.FailingSince
	if t == TransitionRecovered {
		e.FailingSince = prev.FailingSince
	}
	e.Links = LinksFor(p.cfg.BaseURL, f.plan.ID, f.exec.ID)
	if t == TransitionFlaky {
		fa := p.rules(f.plan.ID).FlakyAfter
		e.FlakyRuns, e.FlakyOf = fa.count(next.RecentFlaky), fa.Of
	}
	return e
}

// maxStateTries bounds how often the policy reads a plan's alert state
// and decides again because another process saved it in between.
const maxStateTries = 20

// retryState runs attempt, which reads the plan's alert state, decides
// and saves, again while its save fails with record.ErrConflict (another
// process saved in between), up to maxStateTries more times. attempt
// reports whether it saved, or the step that failed ("read", "save") with
// its error, which goes to stateError. retryState reports whether the
// state was saved.
func (p *Policy) retryState(f finished, attempt func() (saved bool, op string, err error)) bool {
	for try := 0; ; try++ {
		saved, op, err := attempt()
		switch {
		case err == nil:
			return saved
		case op == "save" && errors.Is(err, record.ErrConflict) && try < maxStateTries:
		default:
			p.stateError(f, op, err)
			return false
		}
	}
}

func (p *Policy) stateError(f finished, op string, err error) {
	p.stats.stateErrors.Add(1)
	p.log.Error("notify: alert state could not be "+op+"; no alert decided for the execution",
		"plan", f.plan.ID, "execution", f.exec.ID, "err", err)
}

func (p *Policy) loadState(planID string) (*record.AlertState, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.StoreTimeout)
	defer cancel()
	return p.cfg.Store.GetAlertState(ctx, planID)
}

func (p *Policy) saveState(s *record.AlertState, owed []*record.AlertDelivery) error {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.StoreTimeout)
	defer cancel()
	return p.outbox.SaveAlertStateOwing(ctx, s, owed)
}

// counts reports whether x tells of the target's health: a passed or
// failed execution does, one canceled or interrupted (its process died)
// does not.
func counts(x *record.Execution) bool {
	switch {
	case !x.Status.Done(), x.Status == record.StatusCanceled:
		return false
	case x.Error != nil && x.Error.Kind == record.ErrInterrupted:
		return false
	}
	return true
}

// failed reports whether x counts as a failure: it is not up (passed or
// degraded).
func failed(x *record.Execution) bool { return !x.Status.Up() }

// step returns the state after x and the transition to announce, empty
// for none.
func step(cur record.AlertState, x *record.Execution, bad bool, r Rules, now time.Time) (record.AlertState, Transition) {
	s := cur
	s.LastExecutionID, s.LastStatus, s.UpdatedAt = x.ID, x.Status, now
	s.RecentFlaky, s.FlakyAlerted = nil, false
	flakyDue := false
	if f := r.FlakyAfter; f.On() {
		s.RecentFlaky = append([]bool{x.Flaky}, cur.RecentFlaky[:min(len(cur.RecentFlaky), f.Of-1)]...)
		enough := f.count(s.RecentFlaky) >= f.Runs
		s.FlakyAlerted = cur.FlakyAlerted && enough
		flakyDue = enough && !s.FlakyAlerted
	}
	var t Transition
	if bad {
		s.ConsecutiveFailures++
		s.ConsecutivePasses = 0
		switch {
		case !s.Failing && s.ConsecutiveFailures >= r.AlertAfter:
			s.Failing, s.FailingSince = true, now
			t = TransitionFailing
		case s.Failing && r.Reminder > 0 && !now.Before(s.LastAlertedAt.Add(r.Reminder)):
			t = TransitionStillFailing
		}
	} else {
		s.ConsecutivePasses++
		s.ConsecutiveFailures = 0
		switch {
		case s.Failing && s.ConsecutivePasses >= r.RecoverAfter:
			s.Failing, s.FailingSince = false, time.Time{}
			if !r.NoRecoveryAlerts {
				t = TransitionRecovered
			}
		case !s.Failing && flakyDue:
			s.FlakyAlerted = true
			t = TransitionFlaky
		case !s.Failing && r.AlertOnDegraded && x.Status == record.StatusDegraded && cur.LastStatus != record.StatusDegraded:
			t = TransitionDegraded
		case !s.Failing && r.AlertOnSuccess:
			t = TransitionPassed
		}
	}
	return s, t
}

// holdBack applies the plan's dependencies to the transition t that its
// rules decided, from the stored state of each plan it depends on, so that
// replicas decide alike: while one of them is failing, the plan's failing
// alert (and its reminders) are held back, next.Held says so, and the
// alert is sent at the first failed execution that finds none of them
// failing; a plan whose failing alert was held recovers without an alert.
// When the plan turns failing, a dependency that has not reported since
// the plan's execution began holds it back too, once: the two may be
// failing together, and the dependency's alert, decided next, names it.
func (p *Policy) holdBack(f finished, cur, next *record.AlertState, t Transition) (Transition, error) {
	if !next.Failing {
		if cur.Held && t == TransitionRecovered {
			t = ""
		}
		next.Held = false
		return t, nil
	}
	switch {
	case t != TransitionFailing && !cur.Held:
		return t, nil // failing and announced: reminders go on
	case t != TransitionFailing && !failed(f.exec):
		next.Held = true // held, and passed, short of recovering
		return "", nil
	}
	by, why, err := p.heldBy(f, t == TransitionFailing)
	if err != nil {
		return "", err
	}
	if by != "" {
		if !cur.Held {
			p.log.Info("notify: failing alert held back: a plan it depends on "+why, "plan", f.plan.ID,
				"execution", f.exec.ID, "dependency", by)
		}
		next.Held = true
		return "", nil
	}
	next.Held = false
	return TransitionFailing, nil
}

// heldBy returns the first plan f's plan depends on that holds its failing
// alert back, with why: one whose stored state is failing or whose last
// execution failed, or, when fresh is set, one that has not reported since
// f's execution began. Empty when none does.
func (p *Policy) heldBy(f finished, fresh bool) (string, string, error) {
	for _, dep := range f.plan.DependsOn {
		ds, err := p.loadState(dep)
		if errors.Is(err, record.ErrNotFound) {
			continue // a plan that is gone fails nothing
		}
		if err != nil {
			return "", "", fmt.Errorf("state of dependency %s: %w", dep, err)
		}
		switch {
		case ds.Failing || ds.ConsecutiveFailures > 0:
			return dep, "is failing", nil
		case fresh && !f.exec.StartedAt.IsZero() && ds.UpdatedAt.Before(f.exec.StartedAt):
			return dep, "has not reported since the execution began", nil
		}
	}
	return "", "", nil
}

// failingDependents returns the IDs of the plans that depend on planID
// and fail, from their stored states, for its failing alert to name;
// none when the store cannot find them.
func (p *Policy) failingDependents(planID string) ([]string, error) {
	ds, ok := p.cfg.Store.(DependentStore)
	if !ok {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.StoreTimeout)
	defer cancel()
	states, err := ds.DependentAlertStates(ctx, planID)
	if err != nil {
		return nil, fmt.Errorf("states of the plans depending on it: %w", err)
	}
	var ids []string
	for _, st := range states {
		if st.Failing || st.ConsecutiveFailures > 0 {
			ids = append(ids, st.PlanID)
		}
	}
	return ids, nil
}

// route returns the targets that hear about the event's plan.
func (p *Policy) route(e *Event) []*Target {
	var matched []*Target
	labeled := false
	for i := range p.cfg.Targets {
		t := &p.cfg.Targets[i]
		if !t.Fallback && t.matches(e.Plan.Labels) {
			matched = append(matched, t)
			labeled = labeled || len(t.Labels) > 0
		}
	}
	if !labeled {
		for i := range p.cfg.Targets {
			if t := &p.cfg.Targets[i]; t.Fallback {
				matched = append(matched, t)
			}
		}
	}
	return matched
}

// deliverLoop delivers the alerts owed to t, claiming them from the store
// one after the other, oldest first, each with its retries: a target
// waiting to retry holds its own alerts back, and no other target's. It
// looks again when the policy owes t an alert, every PollInterval, and
// ends once nothing is owed after Stop decided what was queued, or when
// Stop's context ends.
func (p *Policy) deliverLoop(t *Target) {
	poll := time.NewTimer(p.cfg.PollInterval)
	defer poll.Stop()
	drain, draining := p.draining, false
	defer func() {
		if p.ctx.Err() != nil {
			p.log.Warn("notify: delivery stopped at the deadline; what is owed to the target stays in the store for the next start",
				"target", t.Name)
		}
	}()
	for p.ctx.Err() == nil {
		d, err := p.claim(t)
		switch {
		case err != nil:
			p.log.Warn("notify: alerts owed could not be claimed; trying again", "target", t.Name, "err", err)
		case d != nil:
			p.deliverOne(t, d)
			continue
		case draining:
			return
		}
		poll.Reset(p.cfg.PollInterval)
		select {
		case <-p.wake[t.Name]:
		case <-poll.C:
		case <-drain:
			draining = true
			drain = nil // not selected again
		case <-p.ctx.Done():
		}
	}
}

func (p *Policy) claim(t *Target) (*record.AlertDelivery, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.StoreTimeout)
	defer cancel()
	return p.outbox.ClaimAlertDelivery(ctx, t.Name, p.cfg.Lease)
}

// deliverOne tries d until it is delivered, fails for good, runs out of
// attempts, another process takes it, or the policy is stopped.
func (p *Policy) deliverOne(t *Target, d *record.AlertDelivery) {
	e := new(Event)
	if err := json.Unmarshal(d.Event, e); err != nil {
		p.stats.failed.Add(1)
		p.log.Error("notify: an alert owed cannot be read; given up", "target", t.Name, "plan", d.PlanID, "delivery", d.ID, "err", err)
		p.finish(t, d)
		return
	}
	for {
		if wait := time.Until(d.NotBefore); wait > 0 && !p.sleep(wait) {
			p.deferDelivery(t, d, e)
			return
		}
		if p.ctx.Err() != nil {
			p.deferDelivery(t, d, e)
			return
		}
		d.Attempts++
		d.LeasedUntil = time.Now().Add(p.cfg.AttemptTimeout + p.cfg.Lease)
		if !p.renew(t, d) {
			return
		}
		ctx, cancel := context.WithTimeout(p.ctx, p.cfg.AttemptTimeout)
		err := t.Notifier.Notify(ctx, e)
		cancel()
		if err == nil {
			p.stats.sent.Add(1)
			p.log.Info("notify: alert sent", "target", t.Name, "plan", e.Plan.ID,
				"execution", e.executionID(), "transition", e.Transition, "attempts", d.Attempts)
			p.finish(t, d)
			p.sent(t, e, record.NotificationDelivered, d.Attempts, nil)
			return
		}
		if p.ctx.Err() != nil {
			p.deferDelivery(t, d, e)
			return
		}
		wait, retry := p.backoff(d.Attempts, err)
		if !retry || d.Attempts >= p.cfg.MaxAttempts {
			p.stats.failed.Add(1)
			p.log.Error("notify: alert not delivered", "target", t.Name, "plan", e.Plan.ID,
				"execution", e.executionID(), "transition", e.Transition, "attempts", d.Attempts, "err", err)
			p.finish(t, d)
			p.sent(t, e, record.NotificationFailed, d.Attempts, err)
			return
		}
		p.stats.retries.Add(1)
		p.log.Warn("notify: alert delivery failed; retrying", "target", t.Name, "plan", e.Plan.ID,
			"execution", e.executionID(), "attempt", d.Attempts, "retry_in", wait, "err", err)
		d.NotBefore = time.Now().Add(wait)
		d.LeasedUntil = d.NotBefore.Add(p.cfg.Lease)
		if !p.renew(t, d) {
			return
		}
	}
}

// sleep waits d, and reports false when the policy is stopped first.
func (p *Policy) sleep(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-p.ctx.Done():
		return false
	}
}

// storeCtx bounds a write about a delivery; it outlives p.ctx, so that
// what Stop cancels is still written.
func (p *Policy) storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(p.ctx), p.cfg.StoreTimeout)
}

// renew writes d's attempts, due time and lease, and reports false when
// another process took d (its lease expired): that process delivers it.
// A store that cannot be reached does not stop the attempt.
func (p *Policy) renew(t *Target, d *record.AlertDelivery) bool {
	ctx, cancel := p.storeCtx()
	defer cancel()
	err := p.outbox.RetryAlertDelivery(ctx, d)
	if errors.Is(err, record.ErrConflict) {
		p.log.Warn("notify: another process took the alert, its claim here having expired; it delivers it",
			"target", t.Name, "plan", d.PlanID, "delivery", d.ID)
		return false
	}
	if err != nil {
		p.log.Warn("notify: the claim of an alert could not be renewed; delivering it anyway", "target", t.Name,
			"plan", d.PlanID, "delivery", d.ID, "err", err)
	}
	return true
}

// finish deletes d from the store, delivered or given up.
func (p *Policy) finish(t *Target, d *record.AlertDelivery) {
	ctx, cancel := p.storeCtx()
	defer cancel()
	if err := p.outbox.CompleteAlertDelivery(ctx, d); err != nil {
		p.log.Warn("notify: an alert delivered could not be marked so; it may be delivered again", "target", t.Name,
			"plan", d.PlanID, "delivery", d.ID, "err", err)
	}
}

// deferDelivery releases d at Stop, owed still, with its due time, for
// the next start.
func (p *Policy) deferDelivery(t *Target, d *record.AlertDelivery, e *Event) {
	d.LeasedUntil = time.Time{}
	ctx, cancel := p.storeCtx()
	defer cancel()
	err := p.outbox.RetryAlertDelivery(ctx, d)
	p.stats.deferred.Add(1)
	p.log.Warn("notify: alert deferred: the policy stopped before it was delivered; it stays owed in the store for the next start",
		"target", t.Name, "plan", e.Plan.ID, "execution", e.executionID(), "transition", e.Transition,
		"attempts", d.Attempts, "release_err", err)
	p.sent(t, e, record.NotificationDeferred, d.Attempts, errors.New("the policy stopped"))
}

// backoff returns the wait before attempt n+1 and whether err is worth a
// retry.
func (p *Policy) backoff(n int, err error) (time.Duration, bool) {
	if errors.Is(err, ErrPermanent) {
		return 0, false
	}
	wait := p.cfg.MinBackoff << min(n-1, 30)
	var se *StatusError
	if errors.As(err, &se) {
		if !se.Temporary() {
			return 0, false
		}
		if se.RetryAfter > 0 {
			wait = se.RetryAfter
		}
	}
	if wait > p.cfg.MaxBackoff || wait <= 0 {
		wait = p.cfg.MaxBackoff
	}
	return wait, true
}

// sent tells the Sent hooks of a notification's outcome.
func (p *Policy) sent(t *Target, e *Event, outcome record.NotificationOutcome, attempts int, err error) {
	if len(p.cfg.Sent) == 0 {
		return
	}
	n := &record.Notification{
		Transition: string(e.Transition),
		Outcome:    outcome,
		Attempts:   attempts,
	}
	if t != nil {
		n.Target = t.Name
		n.Provider = providerOf(t.Notifier)
	}
	if e.Execution != nil {
		n.ExecutionID = e.Execution.ID
	}
	if err != nil {
		n.Error = err.Error()
	}
	plan := e.Plan
	for _, h := range p.cfg.Sent {
		h.NotificationSent(p.ctx, &plan, n)
	}
}

// Provider is implemented by notifiers that name their kind ("slack",
// "webhook"); NotificationSent reports it, "custom" otherwise.
type Provider interface {
	Provider() string
}

func providerOf(n Notifier) string {
	if p, ok := n.(Provider); ok {
		return p.Provider()
	}
	return "custom"
}

// handleBurn applies the burn-rate rule to a measured error budget: the
// first time a rule holds, TransitionBurnRate is owed to the plan's
// targets, in the store with the plan's state as every alert is; once no
// rule holds, the next time one does alerts again. Nothing is sent while
// a maintenance window holds.
func (p *Policy) handleBurn(f finished) {
	id := f.plan.ID
	rule, firing := slo.Firing(f.budget)
	if !firing {
		delete(p.burning, id)
		return
	}
	if p.burning[id] {
		return
	}
	now := p.cfg.Now()
	if w := p.window(f.plan, now); w != nil {
		p.stats.suppressed.Add(1)
		p.log.Info("notify: error budget burning in a maintenance window; no alert", "plan", id, "rule", rule.Name, "window", w.Name)
		return
	}
	long, _ := f.budget.Rate(rule.Long)
	short, _ := f.budget.Rate(rule.Short)
	e := NewEvent(TransitionBurnRate, f.plan, f.exec, p.cfg.ExcerptSize)
	e.ID = f.exec.ID + ":" + string(TransitionBurnRate) + ":" + rule.Name
	e.Time = now
	e.BurnRate = &BurnRateAlert{Rule: rule, LongRate: long.Rate, ShortRate: short.Rate, Budget: f.budget}
	e.Links = LinksFor(p.cfg.BaseURL, id, f.exec.ID)
	targets := p.route(e)
	owed, err := owe(e, targets)
	if err != nil {
		p.stateError(f, "save", err)
		return
	}
	saved := p.retryState(f, func() (bool, string, error) {
		cur, err := p.loadState(id)
		if err != nil {
			return false, "read", err
		}
		cur.UpdatedAt = now
		return true, "save", p.saveState(cur, owed)
	})
	if !saved {
		return
	}
	p.burning[id] = true
	p.stats.decided.Add(1)
	if len(targets) == 0 {
		p.log.Warn("notify: no target hears about the plan; alert not sent", "plan", id, "transition", e.Transition)
	}
	for _, t := range targets {
		select {
		case p.wake[t.Name] <- struct{}{}:
		default: // told already
		}
	}
}
