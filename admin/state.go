package admin

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// How old a snapshot may be. A snapshot younger than snapshotFresh, with
// no event since it was built, is served as it is. One that is older, or
// that an event made stale, is served while a new one is built in the
// background, at most one at a time and not more often than every
// snapshotMinAge; one older than snapshotStale is rebuilt before it is
// served. Under load, /status and /api/plans thus never wait for the store,
// and an idle handler never answers with old results.
const (
	snapshotMinAge = 100 * time.Millisecond
	snapshotFresh  = time.Second
	snapshotStale  = 3 * time.Second
	refreshTimeout = 10 * time.Second
)

// state keeps a snapshot of every plan with its summary, next run and
// latest finished execution: what /status, /api/plans and the overview
// show.
type state struct {
	eng *smokex.Engine
	log *slog.Logger

	cur        atomic.Pointer[snapshot]
	dirty      atomic.Bool
	refreshing atomic.Bool
	build      sync.Mutex // one build at a time

	mu sync.Mutex
	// done holds each plan's latest finished execution seen in events or
	// read from the store, without its steps, so that a plan whose newest execution runs
	// still shows the one before it.
	done map[string]*record.Execution
}

// snapshot is the state at one moment.
type snapshot struct {
	built time.Time
	// version is the engine's PlansVersion the snapshot was built from.
	version uint64
	plans   []*planState
	byID    map[string]*planState
	// loadErrors are the plan files that do not load (Engine.LoadErrors).
	loadErrors []smokex.LoadError
	// overview is what the overview shows besides, read when it asks.
	overview *overviewData

	// The answers of /api/plans and /status, encoded once per snapshot:
	// under load, many requests share one snapshot.
	plansOnce, statusOnce sync.Once
	plansBody, statusBody []byte
	statusCode            int
}

// planState is what a snapshot knows of one plan.
type planState struct {
	plan    *plan.Plan
	synced  bool
	summary *storage.PlanSummary // nil when the store has none
	next    time.Time
	// latest is the newest execution that passed or failed, nil when
	// none did: a canceled one says nothing of the target.
	latest *record.Execution
	// loadError is set while the plan's file does not load: the plan runs
	// as it was when it last did.
	loadError *smokex.LoadError
	// byLocation holds, for a plan with locations, the latest judged
	// execution of each location that has one; quorum is how many of
	// them failing make the plan down (record.PlanRef.LocationQuorum).
	byLocation map[string]*record.Execution
	quorum     int
}

// down applies the quorum of a plan with locations to the latest judged
// execution of each; ok is false for a plan without locations.
func (p *planState) down() (failing, passing []string, down, ok bool) {
	if len(p.plan.Locations) == 0 {
		return nil, nil, false, false
	}
	failed := make(map[string]bool, len(p.byLocation))
	for loc, x := range p.byLocation {
		failed[loc] = !x.Status.Up()
	}
	ref := record.PlanRef{ID: p.plan.ID, Locations: p.plan.Locations}
	failing, passing, down = ref.LocationQuorum(failed, p.quorum)
	return failing, passing, down, true
}

// passing reports whether the plan's latest judged execution passed or
// degraded (up), or none was judged yet; for a plan with locations,
// whether fewer of them failed their latest than its quorum.
func (p *planState) passing() bool {
	if _, _, down, ok := p.down(); ok {
		return !down
	}
	return p.latest == nil || p.latest.Status.Up()
}

// statusName is "passed", "degraded" or "failed" after the latest judged execution,
// "pending" when there is none; for a plan with locations, "failed"
// when its quorum of them failed.
func (p *planState) statusName() string {
	if p.latest == nil {
		return "pending"
	}
	if _, _, down, ok := p.down(); ok {
		switch {
		case down:
			return string(record.StatusFailed)
		case p.latest.Status == record.StatusFailed:
			// Failed in a location, short of the quorum.
			return string(record.StatusPassed)
		}
	}
	return string(p.latest.Status)
}

func newState(eng *smokex.Engine, log *slog.Logger) *state {
	return &state{eng: eng, log: log, done: map[string]*record.Execution{}}
}

// observe notes an event of the engine.
func (s *state) observe(ev *smokex.Event) {
	if ev.Type == smokex.EventExecutionFinished && isJudged(ev.Execution) {
		s.remember(ev.Execution.PlanID, ev.Execution)
	}
	s.dirty.Store(true)
}

// invalidate makes the next get build a new snapshot before it answers:
// after a change made through the handler, its answers show it.
func (s *state) invalidate() {
	s.build.Lock()
	s.cur.Store(nil)
	s.build.Unlock()
}

// newer reports whether a was created after b, as the store orders.
func newer(a, b *record.Execution) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// get returns a snapshot recent enough; fresh asks for one built after any
// event seen so far (the pages, which are not polled by machines).
func (s *state) get(ctx context.Context, fresh bool) (*snapshot, error) {
	snap := s.cur.Load()
	if snap != nil && snap.version != s.eng.PlansVersion() {
		// Plans came or went (SyncFS, AddPlan) without an event.
		snap = nil
	}
	if snap != nil {
		age := time.Since(snap.built)
		dirty := s.dirty.Load()
		switch {
		case age < snapshotMinAge && !(fresh && dirty):
			return snap, nil
		case age < snapshotFresh && !dirty:
			return snap, nil
		case age < snapshotStale && !fresh:
			s.refreshInBackground()
			return snap, nil
		}
	}
	s.build.Lock()
	defer s.build.Unlock()
	if cur := s.cur.Load(); cur != nil && cur != snap && cur.version == s.eng.PlansVersion() {
		return cur, nil // built while this call waited
	}
	return s.rebuild(ctx)
}

func (s *state) refreshInBackground() {
	if !s.refreshing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.refreshing.Store(false)
		if !s.build.TryLock() {
			return
		}
		defer s.build.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
		defer cancel()
		if _, err := s.rebuild(ctx); err != nil {
			s.log.Warn("smokex admin: refreshing the plans' state", "error", err)
		}
	}()
}

// rebuild builds and stores a new snapshot; the caller holds build.
func (s *state) rebuild(ctx context.Context) (*snapshot, error) {
	s.dirty.Store(false)
	built := time.Now()
	version := s.eng.PlansVersion()
	plans := s.eng.Plans()
	ids := make([]string, len(plans))
	for i, p := range plans {
		ids[i] = p.ID
	}
	sums, err := s.eng.Store().Summaries(ctx, &storage.SummaryParams{PlanIDs: ids})
	if err != nil {
		s.dirty.Store(true)
		return nil, err
	}
	entries, err := s.eng.Entries(ctx)
	if err != nil {
		s.dirty.Store(true)
		return nil, err
	}
	byPlan := make(map[string]*storage.PlanSummary, len(sums))
	for _, sum := range sums {
		byPlan[sum.PlanID] = sum
	}
	next := make(map[string]time.Time, len(entries))
	for _, e := range entries {
		next[e.ID] = e.Next
	}
	snap := &snapshot{built: built, version: version, plans: make([]*planState, 0, len(plans)), byID: make(map[string]*planState, len(plans)),
		loadErrors: s.eng.LoadErrors(), overview: &overviewData{ids: ids}}
	broken := make(map[string]*smokex.LoadError, len(snap.loadErrors))
	for i := range snap.loadErrors {
		if le := &snap.loadErrors[i]; le.PlanID != "" {
			broken[le.PlanID] = le
		}
	}
	for _, p := range plans {
		ps := &planState{plan: p, synced: s.eng.PlanSynced(p.ID), summary: byPlan[p.ID], next: next[p.ID], loadError: broken[p.ID]}
		ps.latest, err = s.latestDone(ctx, p.ID, ps.summary)
		if err == nil && len(p.Locations) > 0 && ps.latest != nil {
			ps.byLocation, err = s.latestByLocation(ctx, p)
			ps.quorum = p.Alerts.MinFailingLocations
			if pol := s.eng.Alerts(); pol != nil && ps.quorum == 0 {
				ps.quorum = pol.MinFailingLocations(&record.PlanRef{ID: p.ID})
			}
		}
		if err != nil {
			s.dirty.Store(true)
			return nil, err
		}
		snap.plans = append(snap.plans, ps)
		snap.byID[p.ID] = ps
	}
	s.cur.Store(snap)
	return snap, nil
}

// latestDone returns the plan's newest execution that passed or failed:
// the summary's last when it is one, else the one seen last in events,
// else the store's.
func (s *state) latestDone(ctx context.Context, planID string, sum *storage.PlanSummary) (*record.Execution, error) {
	s.mu.Lock()
	known := s.done[planID]
	s.mu.Unlock()
	if sum == nil || sum.Last == nil {
		return nil, nil
	}
	if isJudged(sum.Last) {
		if known == nil || newer(sum.Last, known) {
			s.remember(planID, sum.Last)
			return sum.Last, nil
		}
		return known, nil
	}
	if known != nil {
		return known, nil
	}
	if sum.Counts[record.StatusPassed]+sum.Counts[record.StatusDegraded]+sum.Counts[record.StatusFailed] == 0 && finished(sum) < storage.DefaultSummaryWindow {
		return nil, nil // the window holds every finished one, none judged
	}
	page, err := s.eng.Store().ListExecutions(ctx, &storage.ListExecutionsParams{
		PlanID:   planID,
		Statuses: judged,
		Limit:    1,
	})
	if err != nil {
		return nil, err
	}
	if len(page.Executions) == 0 {
		return nil, nil
	}
	s.remember(planID, page.Executions[0])
	return page.Executions[0], nil
}

// locationLookback is how many of a plan's newest judged executions
// latestByLocation reads, per location, to find each one's latest.
const locationLookback = 20

// latestByLocation returns the latest judged execution of each of the
// plan's locations among its newest ones; a location with none there is
// left out (it has not run of late).
func (s *state) latestByLocation(ctx context.Context, p *plan.Plan) (map[string]*record.Execution, error) {
	page, err := s.eng.Store().ListExecutions(ctx, &storage.ListExecutionsParams{
		PlanID:   p.ID,
		Statuses: judged,
		Limit:    locationLookback * len(p.Locations),
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]*record.Execution, len(p.Locations))
	for _, x := range page.Executions {
		if _, ok := out[x.Location]; !ok && x.Location != "" {
			out[x.Location] = x
		}
	}
	return out, nil
}

// remember keeps x as the plan's latest judged execution when it is newer
// than the one kept, without its step results: what the state reads of it
// is its status, and a plan's steps with their headers, kept for every
// plan, would double what the store holds of the latest run.
func (s *state) remember(planID string, x *record.Execution) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.done[planID]; old == nil || newer(x, old) {
		if len(x.Steps) > 0 {
			bare := *x
			bare.Steps = nil
			x = &bare
		}
		s.done[planID] = x
	}
}

// forget drops what the state knows of a removed plan.
func (s *state) forget(planID string) {
	s.mu.Lock()
	delete(s.done, planID)
	s.mu.Unlock()
	s.invalidate()
}

// finished counts the summary's finished executions.
func finished(sum *storage.PlanSummary) int {
	n := 0
	for st, c := range sum.Counts {
		if st.Done() {
			n += c
		}
	}
	return n
}

// doneStatuses are the final statuses.
var doneStatuses = []record.Status{record.StatusPassed, record.StatusDegraded, record.StatusFailed, record.StatusCanceled}

// judged are the statuses that say whether the target is healthy: a
// canceled execution (a restart, a deploy) says nothing, and /status looks
// past it.
var judged = []record.Status{record.StatusPassed, record.StatusDegraded, record.StatusFailed}

func isJudged(x *record.Execution) bool {
	return x.Status.Up() || x.Status == record.StatusFailed
}
