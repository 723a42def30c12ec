package memory

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/smokex/smokex/internal/alertbox"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// DefaultMaxExecutionsPerPlan is how many executions the store keeps per
// plan when Config.MaxExecutionsPerPlan is not set.
const DefaultMaxExecutionsPerPlan = 1000

// DefaultMaxBytes is the store's budget for executions and step results
// when Config.MaxBytes is not set: 64 MiB.
const DefaultMaxBytes = 64 << 20

// Config configures a Store. The zero Config is ready to use.
type Config struct {
	// MaxExecutionsPerPlan bounds how many executions the store keeps per
	// plan. When a new execution takes a plan over it, the plan's oldest
	// finished executions are dropped, with their step results; created and
	// running ones are never dropped, so a plan with more of those than the
	// bound holds more until they finish. Defaults to
	// DefaultMaxExecutionsPerPlan when zero or negative.
	MaxExecutionsPerPlan int
	// MaxBytes bounds the memory of the executions and step results the
	// whole store holds, as estimated from their fields (strings, headers,
	// bodies, failures, captures). When a new execution or step takes the
	// store over it, the finished executions that finished first, of any
	// plan, are dropped with their steps until it is back under; created
	// and running ones are never dropped. A request that the runs of a
	// step share (shareHeaders) counts once, until the last step that
	// holds it goes. One of serve's checks (no bodies kept: a step that
	// passed without debug) and its execution count about 1.2 KiB
	// together, so the default keeps about 54,000 one-step executions in
	// all. Defaults to DefaultMaxBytes when zero or negative.
	MaxBytes int
	// Now returns the current time, which the store uses for plans'
	// CreatedAt and UpdatedAt and for executions created without a
	// CreatedAt. Defaults to time.Now. The store keeps it to microseconds,
	// as a SQL database would.
	Now func() time.Time
}

// Store is an in-memory storage.Store. It is safe for concurrent use. The
// zero Store is not usable; call New.
type Store struct {
	maxPerPlan int
	maxBytes   int
	now        func() time.Time

	mu    sync.RWMutex
	plans map[string]*planRecord
	// revisions is the last plan revision given (storage.Plan.Revision):
	// one counter for every plan, so that no ID is given a revision twice.
	revisions int64
	execs     map[string]*execRecord
	// bytes is the estimated size of every stored execution and step,
	// each stored request counted once however many steps share it.
	bytes int
	// requests counts the stored steps that hold each stored request
	// (shareHeaders); a request leaves it, and the budget, with the last.
	requests map[*record.Request]int
	// finished holds the finished executions in the order they finished,
	// the first to drop when over maxBytes; dead counts the ones in it
	// already dropped otherwise, which leave it when met or on compaction.
	finished []*execRecord
	dead     int

	outbox alertbox.Box
	sync   syncBox
	// incidents are the stored incidents by ID; nil until the first.
	incidents map[string]*storage.Incident
	// heartbeats are the processes' heartbeats and the locations' states.
	heartbeats heartbeatBox
}

var (
	_ storage.Store               = (*Store)(nil)
	_ storage.AlertStore          = (*Store)(nil)
	_ storage.AlertOutbox         = (*Store)(nil)
	_ storage.DependentAlertStore = (*Store)(nil)
	_ storage.ExecutionFinisher   = (*Store)(nil)
	_ storage.RevisionCreator     = (*Store)(nil)
)

// planRecord is a stored plan with its executions and alert state.
type planRecord struct {
	plan  storage.Plan
	alert storage.AlertState
	// execs are the plan's executions sorted by (CreatedAt, ID), oldest
	// first.
	execs []*execRecord
	// done counts the finished executions (Status.Done) in execs.
	done int
	// scheduled holds the ScheduledAt (in Unix microseconds) and Location
	// of the stored executions that have one; nil until the first.
	scheduled map[scheduled]struct{}
	// headers are the headers last stored for each step, by index, which
	// the next ones share (shareHeaders); nil until the first.
	headers map[int]*stepHeaders
	// pausedUntil is when the plan's pause ends (storage.PauseStore), zero
	// when it has none.
	pausedUntil time.Time
	// uptime holds the plan's daily rollups by the Unix time of their day;
	// nil until the first.
	uptime map[int64]*storage.DailyUptime
}

// scheduled is the key of a tick's execution in planRecord.scheduled:
// its due time in microseconds, which stores keep, and its location.
type scheduled struct {
	due      int64
	location string
}

// scheduledKey is the key of e's tick.
func scheduledKey(e *record.Execution) scheduled {
	return scheduled{due: e.ScheduledAt.UnixMicro(), location: e.Location}
}

// forget drops r from the plan's index of due times.
func (p *planRecord) forget(r *execRecord) {
	if !r.exec.ScheduledAt.IsZero() {
		delete(p.scheduled, scheduledKey(&r.exec))
	}
}

// stepHeaders are the last stored request and headers of one step of a
// plan.
type stepHeaders struct {
	request, response map[string][]string
	// req is the last stored request, which the next one shares when it
	// is the same.
	req *record.Request
}

// shareHeaders makes the headers of c, a step about to be stored (the
// store's own copy), share what they have in common with the headers last
// stored for the same step of the plan: a check's request headers are the
// same at every run and its response's all but a few (Date), and a copy of
// each for every execution was a quarter of a busy store's heap. The
// request itself, the same at every run of a check, is shared whole, and
// so is its URL string with the step's; the byte budget counts it once
// (Store.hold). Stored headers and requests are never written to, and are
// copied on the way out.
func (p *planRecord) shareHeaders(c *record.StepResult) {
	if c.Request == nil && c.Response == nil {
		return
	}
	if p.headers == nil {
		p.headers = make(map[int]*stepHeaders)
	}
	last := p.headers[c.Index]
	if last == nil {
		last = &stepHeaders{}
		p.headers[c.Index] = last
	}
	if req := c.Request; req != nil {
		var same bool
		req.Headers, same = sharedHeaders(req.Headers, &last.request)
		if prev := last.req; same && prev != nil && prev.Method == req.Method && prev.URL == req.URL && prev.Body == req.Body {
			c.Request = prev
		} else {
			last.req = req
		}
		if c.URL == c.Request.URL {
			c.URL = c.Request.URL
		}
	}
	if c.Response != nil {
		c.Response.Headers, _ = sharedHeaders(c.Response.Headers, &last.response)
	}
}

// sharedHeaders returns *last when h holds the same values (and same
// true), or else h with the value slices of *last that hold the same
// values as its own, and makes it *last. Nil headers are the same as
// nil ones, and become *last too: *last is always the headers of the
// request shareHeaders keeps, which the next one may share whole.
func sharedHeaders(h map[string][]string, last *map[string][]string) (_ map[string][]string, same bool) {
	if h == nil {
		same = *last == nil
		*last = nil
		return nil, same
	}
	prev := *last
	same = prev != nil && len(h) == len(prev)
	for k, v := range h {
		if pv, ok := prev[k]; ok && slices.Equal(pv, v) {
			h[k] = pv
		} else {
			same = false
		}
	}
	if same {
		return prev, true
	}
	*last = h
	return h, false
}

// execRecord is a stored execution; exec.Steps is always nil, the steps
// are in steps, sorted by Index.
type execRecord struct {
	exec  record.Execution
	steps []record.StepResult
	// size is the estimated bytes of exec and steps (sizeOfExecution,
	// sizeOfStep), without the requests of the steps, which the store
	// counts apart (Store.requests).
	size int
	// queued tells whether the record is in Store.finished, dropped
	// whether it left the store.
	queued, dropped bool
}

// New returns an empty store configured by cfg.
func New(cfg Config) *Store {
	s := &Store{
		maxPerPlan: cfg.MaxExecutionsPerPlan,
		maxBytes:   cfg.MaxBytes,
		now:        cfg.Now,
		plans:      make(map[string]*planRecord),
		execs:      make(map[string]*execRecord),
		requests:   make(map[*record.Request]int),
	}
	if s.maxPerPlan <= 0 {
		s.maxPerPlan = DefaultMaxExecutionsPerPlan
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultMaxBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// errorf returns an error with the package's prefix.
func errorf(format string, args ...any) error {
	return fmt.Errorf("memory: "+format, args...)
}

// check returns an error wrapping ctx.Err() when ctx is done.
func check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return errorf("%w", err)
	}
	return nil
}

// currentTime returns the clock's time in UTC, to microseconds.
func (s *Store) currentTime() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// SavePlan inserts p or replaces the plan with its ID. A plan saved first,
// or saved with a change, is given the next revision of the store's.
func (s *Store) SavePlan(ctx context.Context, p *storage.Plan) error {
	if err := check(ctx); err != nil {
		return err
	}
	if p == nil {
		return errorf("save plan: nil plan")
	}
	if p.ID == "" {
		return errorf("save plan: empty ID")
	}
	c := copyPlan(p)
	now := s.currentTime()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.plans[p.ID]
	if !ok {
		s.revisions++
		c.CreatedAt, c.UpdatedAt, c.Revision = now, now, s.revisions
		s.plans[p.ID] = &planRecord{plan: *c, alert: storage.AlertState{PlanID: p.ID}}
		return nil
	}
	c.CreatedAt = rec.plan.CreatedAt
	c.UpdatedAt = now
	if c.UpdatedAt.Before(c.CreatedAt) {
		c.UpdatedAt = c.CreatedAt
	}
	c.Revision = rec.plan.Revision
	if !samePlan(c, &rec.plan) {
		s.revisions++
		c.Revision = s.revisions
	}
	rec.plan = *c
	return nil
}

// samePlan reports whether a and b hold the same plan: every field but
// the times and the revision the store sets.
func samePlan(a, b *storage.Plan) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Description == b.Description && a.Schedule == b.Schedule &&
		maps.Equal(a.Labels, b.Labels) && bytes.Equal(a.Source, b.Source) && maps.EqualFunc(a.Files, b.Files, bytes.Equal)
}

// GetPlan returns the plan with the id, storage.ErrNotFound when there is
// none.
func (s *Store) GetPlan(ctx context.Context, id string) (*storage.Plan, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.plans[id]
	if !ok {
		return nil, errorf("plan %q: %w", id, storage.ErrNotFound)
	}
	return copyPlan(&rec.plan), nil
}

// ListPlans returns the plans that carry every label of params.Labels,
// ordered by ID.
func (s *Store) ListPlans(ctx context.Context, params *storage.ListPlansParams) ([]*storage.Plan, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	var labels map[string]string
	if params != nil {
		labels = params.Labels
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []*storage.Plan{}
	for _, rec := range s.plans {
		if hasLabels(rec.plan.Labels, labels) {
			out = append(out, copyPlan(&rec.plan))
		}
	}
	slices.SortFunc(out, func(a, b *storage.Plan) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// hasLabels reports whether have carries every label of want.
func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// DeletePlan removes the plan with its executions and alert state.
func (s *Store) DeletePlan(ctx context.Context, id string) error {
	if err := check(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.plans[id]
	if !ok {
		return errorf("plan %q: %w", id, storage.ErrNotFound)
	}
	for _, e := range rec.execs {
		s.forget(e)
	}
	delete(s.plans, id)
	return nil
}

// GetAlertState returns the plan's alert state, zero with PlanID set when
// none was saved.
func (s *Store) GetAlertState(ctx context.Context, planID string) (*storage.AlertState, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.plans[planID]
	if !ok {
		return nil, errorf("plan %q: %w", planID, storage.ErrNotFound)
	}
	return rec.alert.Clone(), nil
}

// DependentAlertStates returns the stored alert states whose DependsOn
// holds planID, ordered by plan ID.
func (s *Store) DependentAlertStates(ctx context.Context, planID string) ([]*storage.AlertState, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*storage.AlertState
	for _, rec := range s.plans {
		if slices.Contains(rec.alert.DependsOn, planID) {
			out = append(out, rec.alert.Clone())
		}
	}
	slices.SortFunc(out, func(a, b *storage.AlertState) int { return cmp.Compare(a.PlanID, b.PlanID) })
	return out, nil
}

// SaveAlertState replaces the plan's alert state when its stored version
// is a.Version, ErrConflict otherwise.
func (s *Store) SaveAlertState(ctx context.Context, a *storage.AlertState) error {
	return s.SaveAlertStateOwing(ctx, a, nil)
}

// SaveAlertStateOwing saves a as SaveAlertState does and, under the same
// lock, puts the deliveries owed in the store's outbox.
func (s *Store) SaveAlertStateOwing(ctx context.Context, a *storage.AlertState, owed []*storage.AlertDelivery) error {
	if err := check(ctx); err != nil {
		return err
	}
	if a == nil {
		return errorf("save alert state: nil state")
	}
	if err := alertbox.Check(owed); err != nil {
		return errorf("save alert state of %q: %w", a.PlanID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.plans[a.PlanID]
	if !ok {
		return errorf("plan %q: %w", a.PlanID, storage.ErrNotFound)
	}
	if rec.alert.Version != a.Version {
		return errorf("alert state of %q: version %d, stored %d: %w", a.PlanID, a.Version, rec.alert.Version, storage.ErrConflict)
	}
	if err := s.outbox.Admit(owed); err != nil {
		return errorf("save alert state of %q: %w", a.PlanID, err)
	}
	rec.alert = *a.Clone()
	rec.alert.Version++
	s.outbox.Add(s.currentTime(), owed)
	return nil
}

// ClaimAlertDelivery leases the oldest delivery owed to target, when it
// is due. Leases and due times are on the real clock (time.Now), not
// Config.Now.
func (s *Store) ClaimAlertDelivery(ctx context.Context, target string, lease time.Duration) (*storage.AlertDelivery, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	if err := alertbox.CheckLease(target, lease); err != nil {
		return nil, errorf("%w", err)
	}
	return s.outbox.Claim(time.Now(), target, lease), nil
}

// RetryAlertDelivery records d's attempts, due time and lease while d's
// lease holds it.
func (s *Store) RetryAlertDelivery(ctx context.Context, d *storage.AlertDelivery) error {
	if err := check(ctx); err != nil {
		return err
	}
	if err := s.outbox.Retry(d); err != nil {
		return errorf("retry alert delivery: %w", err)
	}
	return nil
}

// CompleteAlertDelivery deletes d while d's lease holds it.
func (s *Store) CompleteAlertDelivery(ctx context.Context, d *storage.AlertDelivery) error {
	if err := check(ctx); err != nil {
		return err
	}
	if err := s.outbox.Complete(d); err != nil {
		return errorf("complete alert delivery: %w", err)
	}
	return nil
}

// errNegative reports a negative parameter.
func errNegative(name string, v int) error {
	return errorf("%s is %d, must not be negative", name, v)
}
