package river_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	smokexriver "github.com/smokex/smokex/schedule/river"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// Settings of the replica tests: short timeouts, so that a dead replica's
// runs are rescued within the test.
const (
	testJobTimeout  = 2 * time.Second
	testRescueAfter = 3 * time.Second
)

// replica is one process of a host, as a test holds it: its own pool,
// store, River client and engine, on the one database.
type replica struct {
	name     string
	pool     *pgxpool.Pool
	engine   *smokex.Engine
	started  atomic.Int64
	finished atomic.Int64
	dead     atomic.Bool
	mu       sync.Mutex
	skipped  map[record.SkipReason]int
	overlaps
	// ranIn counts the executions it finished by location.
	ranIn map[string]int
	// wroteRunning gets a value each time it stores an execution as
	// running (runningWrites), when it has room.
	wroteRunning chan struct{}
}

// runningWrites is a replica's store, which tells the replica of each
// execution it creates as running: a tick written once, when it ends,
// is at its bound (smokex.Config.WriteRunningAfter).
type runningWrites struct {
	*postgres.Store
	r *replica
}

func (s runningWrites) CreateExecutionExclusiveIfRevision(ctx context.Context, x *record.Execution, revision int64, since time.Time) error {
	err := s.Store.CreateExecutionExclusiveIfRevision(ctx, x, revision, since)
	if err == nil && x.Status == record.StatusRunning {
		select {
		case s.r.wroteRunning <- struct{}{}:
		default:
		}
	}
	return err
}

// replicaHooks counts what an engine did.
type replicaHooks struct {
	record.HookDefaults
	r *replica
}

func (h replicaHooks) ExecutionStarted(context.Context, *record.PlanRef, *record.Execution) {
	h.r.started.Add(1)
}

func (h replicaHooks) ExecutionFinished(_ context.Context, _ *record.PlanRef, x *record.Execution) {
	h.r.finished.Add(1)
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	h.r.ranIn[x.Location]++
}

func (h replicaHooks) TickSkipped(_ context.Context, planID string, _ *record.PlanRef, due time.Time, reason record.SkipReason) {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	h.r.skipped[reason]++
	if reason == record.SkipOverlap {
		h.r.addOverlap(planID, due)
	}
}

// tickKey names the tick of planID due at due.
func tickKey(planID string, due time.Time) string {
	return planID + " " + due.UTC().Format("15:04:05.000")
}

// overlaps are the ticks a replica skipped for overlap (tickKey).
type overlaps struct {
	overlapMu sync.Mutex
	overlaps  map[string]bool
}

// addOverlap notes the tick of planID due at due as skipped for overlap.
func (o *overlaps) addOverlap(planID string, due time.Time) {
	o.overlapMu.Lock()
	defer o.overlapMu.Unlock()
	if o.overlaps == nil {
		o.overlaps = map[string]bool{}
	}
	o.overlaps[tickKey(planID, due)] = true
}

// skippedForOverlap reports whether the tick key was skipped for overlap.
func (o *overlaps) skippedForOverlap(key string) bool {
	o.overlapMu.Lock()
	defer o.overlapMu.Unlock()
	return o.overlaps[key]
}

// overlappedIn reports whether one of rs (replicas in process or child
// processes) skipped the tick key for overlap.
func overlappedIn[R interface{ skippedForOverlap(key string) bool }](rs []R) func(key string) bool {
	return func(key string) bool {
		for _, r := range rs {
			if r.skippedForOverlap(key) {
				return true
			}
		}
		return false
	}
}

func (r *replica) skips(reason record.SkipReason) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.skipped[reason]
}

// cluster is a schema that replicas share, and a target the plans hit.
type cluster struct {
	t      *testing.T
	url    string
	schema string
	admin  *pgxpool.Pool
	target *httptest.Server
	// alerts, when set, is every replica's alert policy.
	alerts *notify.PolicyConfig
	// heldMu guards held: the replica whose requests the target holds
	// until they are canceled, "" for none; holding hears of each.
	heldMu  sync.Mutex
	held    string
	holding chan struct{}
}

func newCluster(t *testing.T, delay time.Duration) *cluster {
	t.Helper()
	c := &cluster{t: t, url: postgrestest.URL(t), admin: postgrestest.Pool(t, 2), holding: make(chan struct{}, 1)}
	c.schema = postgrestest.Schema(t, c.admin)
	st, err := postgres.New(c.admin, postgres.Config{Schema: c.schema})
	require.NoError(t, err)
	require.NoError(t, st.Migrate(t.Context()))
	require.NoError(t, smokexriver.Migrate(t.Context(), c.admin, c.schema))
	c.target = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.heldMu.Lock()
		held := c.held != "" && strings.HasPrefix(r.URL.Path, "/"+c.held+"/")
		c.heldMu.Unlock()
		if held {
			select {
			case c.holding <- struct{}{}:
			default:
			}
			<-r.Context().Done()
			return
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(c.target.Close)
	return c
}

// replica starts a replica of the cluster.
func (c *cluster) replica(name string) *replica {
	return c.replicaWorkers(name, 0)
}

// replicaWorkers starts a replica that runs at most workers ticks at once
// (0: the default).
func (c *cluster) replicaWorkers(name string, workers int) *replica {
	c.t.Helper()
	return c.replicaWith(name, replicaOpts{workers: workers})
}

// replicaOpts are the settings of a replica that differ from the
// defaults.
type replicaOpts struct {
	// workers bounds the ticks it runs at once; 0: the default.
	workers int
	// location is its location; agent makes it an agent of it.
	location string
	agent    bool
}

// replicaWith starts a replica with opts.
func (c *cluster) replicaWith(name string, opts replicaOpts) *replica {
	c.t.Helper()
	r := c.replicaStopped(name, opts)
	require.NoError(c.t, r.engine.Start(c.t.Context()))
	return r
}

// replicaStopped is a replica whose engine is not started: it stores and
// schedules plans, and runs nothing.
func (c *cluster) replicaStopped(name string, opts replicaOpts) *replica {
	t := c.t
	t.Helper()
	cfg, err := pgxpool.ParseConfig(c.url)
	require.NoError(t, err)
	// River's leader holds several connections for its maintenance
	// services; 12 leave room for its producer and the engine. The
	// replica tests run one after the other, the database being shared.
	cfg.MaxConns = 12
	r := &replica{name: name, skipped: map[record.SkipReason]int{}, ranIn: map[string]int{}, wroteRunning: make(chan struct{}, 1)}
	// A dead replica's pool gives no connection: its process is gone.
	cfg.PrepareConn = func(context.Context, *pgx.Conn) (bool, error) {
		if r.dead.Load() {
			return false, errors.New("the replica is dead")
		}
		return true, nil
	}
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	require.NoError(t, err)
	r.pool = pool
	st, err := postgres.New(pool, postgres.Config{Schema: c.schema})
	require.NoError(t, err)
	eng, err := smokex.New(smokex.Config{
		Store:      runningWrites{Store: st, r: r},
		Location:   opts.location,
		StaleAfter: testJobTimeout,
		Vars:       map[string]any{"base": c.target.URL + "/" + name},
		Hooks:      []record.Hook{replicaHooks{r: r}},
		Alerts:     c.alerts,
		Logger:     warnLogger(name),
		NewScheduler: func(fn schedule.Func) (schedule.Scheduler, error) {
			return smokexriver.New(smokexriver.Config{
				Pool:        pool,
				Func:        fn,
				Schema:      c.schema,
				ClientID:    name,
				MaxWorkers:  opts.workers,
				Location:    opts.location,
				Agent:       opts.agent,
				JobTimeout:  testJobTimeout,
				RescueAfter: testRescueAfter,
				Logger:      warnLogger(name),
			})
		},
	})
	require.NoError(t, err)
	r.engine = eng
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = eng.Stop(ctx)
		pool.Close()
	})
	return r
}

// warnLogger logs warnings and errors to stderr, where a failed run shows
// them.
func warnLogger(name string) *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("replica", name)
}

// stopAll stops the replicas' engines gracefully.
func stopAll(t *testing.T, rs []*replica) {
	t.Helper()
	for _, r := range rs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		require.NoError(t, r.engine.Stop(ctx), r.name)
		cancel()
	}
}

// addPlans adds n plans @every 1s through r.
func (c *cluster) addPlans(r *replica, n int) []string {
	c.t.Helper()
	var ids []string
	for i := range n {
		id := fmt.Sprintf("p%02d", i)
		p, err := plan.Parse([]byte(`{name: `+id+`, schedule: "@every 1s", steps: [{get: {url: "${base}/`+id+`"}}]}`), nil)
		require.NoError(c.t, err)
		p.ID = id
		require.NoError(c.t, r.engine.AddPlan(c.t.Context(), p))
		ids = append(ids, id)
	}
	return ids
}

// leader returns the River leader's client ID, "" when there is none.
func (c *cluster) leader(ctx context.Context) string {
	var id string
	err := c.admin.QueryRow(ctx, `SELECT leader_id FROM `+pgx.Identifier{c.schema}.Sanitize()+`.river_leader WHERE expires_at > now()`).Scan(&id)
	if err != nil {
		return ""
	}
	return id
}

// waitTicking waits until every plan has run a tick.
func (c *cluster) waitTicking(plans []string) {
	c.t.Helper()
	require.Eventually(c.t, func() bool {
		seen := map[string]bool{}
		for _, k := range c.ticks(c.t.Context()) {
			seen[k.plan] = true
		}
		return len(seen) == len(plans)
	}, 30*time.Second, 100*time.Millisecond, "the plans do not tick")
}

// tick is an execution of a scheduled tick as the store holds it.
type tick struct {
	plan          string
	due, created  time.Time
	status        record.Status
	stopReason    record.StopReason
	runsOfTheTick int
}

// ticks reads every scheduled execution, with how many executions share
// its (plan, scheduled_at).
func (c *cluster) ticks(ctx context.Context) []tick {
	c.t.Helper()
	rows, err := c.admin.Query(ctx, `SELECT plan_id, scheduled_at, created_at, status, stop_reason,
			count(*) OVER (PARTITION BY plan_id, scheduled_at)
		FROM `+pgx.Identifier{c.schema}.Sanitize()+`.executions WHERE scheduled_at IS NOT NULL ORDER BY plan_id, scheduled_at`)
	require.NoError(c.t, err)
	var out []tick
	var k tick
	_, err = pgx.ForEachRow(rows, []any{&k.plan, &k.due, &k.created, &k.status, &k.stopReason, &k.runsOfTheTick}, func() error {
		out = append(out, k)
		return nil
	})
	require.NoError(c.t, err)
	return out
}

// requireEveryTickOnce checks that no tick of the plans from from to
// until (both exclusive of a second's slack) is missing but those
// overlapped says were skipped for overlap (the overlap policy, which the
// hooks hear of and the store does not keep), and that none ran twice.
// It returns how many were skipped for overlap.
func requireEveryTickOnce(t *testing.T, ticks []tick, plans []string, from, until time.Time, overlapped func(key string) bool) int {
	t.Helper()
	for _, k := range ticks {
		require.Equal(t, 1, k.runsOfTheTick, "plan %s due %s ran %d times", k.plan, k.due, k.runsOfTheTick)
	}
	missing, skipped := missingDues(ticks, plans, from, until, overlapped)
	require.Empty(t, missing, "ticks missed between %s and %s", from.Format("15:04:05.000"), until.Format("15:04:05.000"))
	return skipped
}

// missingDues returns the ticks of the plans due from from to until (both
// exclusive of a second's slack) that have no execution and that
// overlapped does not say were skipped for overlap (tickKey), and how
// many of them it does.
func missingDues(ticks []tick, plans []string, from, until time.Time, overlapped func(key string) bool) (missing []string, skipped int) {
	due := map[string]map[time.Time]bool{}
	for _, k := range ticks {
		if due[k.plan] == nil {
			due[k.plan] = map[time.Time]bool{}
		}
		due[k.plan][k.due.UTC()] = true
	}
	for _, id := range plans {
		every := cronspec.EveryFor(id, time.Second) // the plans' due times, "@every 1s"
		for at := every.Next(from.UTC().Add(time.Second)); at.Before(until.Add(-time.Second)); at = every.Next(at) {
			switch key := tickKey(id, at); {
			case due[id][at]:
			case overlapped(key):
				skipped++
			default:
				missing = append(missing, key)
			}
		}
	}
	return missing, skipped
}

// waitCaughtUp waits until no tick is missing from from to until but
// those overlapped says were skipped for overlap: on a loaded machine a
// tick is enqueued, then run or recorded as skipped as late, seconds
// after its due time, and only one never recorded is lost.
func (c *cluster) waitCaughtUp(plans []string, from, until time.Time, overlapped func(key string) bool) {
	c.t.Helper()
	var missing []string
	require.Eventually(c.t, func() bool {
		missing, _ = missingDues(c.ticks(c.t.Context()), plans, from, until, overlapped)
		return len(missing) == 0
	}, 2*time.Minute, 200*time.Millisecond, "ticks never recorded between %s and %s: %v", from.Format("15:04:05.000"), until.Format("15:04:05.000"), &missing)
}

// lateness returns p50 and p99 of the time from due to created.
func lateness(ticks []tick) (p50, p99 time.Duration) {
	var ds []time.Duration
	for _, k := range ticks {
		ds = append(ds, k.created.Sub(k.due))
	}
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	return ds[len(ds)*50/100], ds[min(len(ds)-1, len(ds)*99/100)]
}

// TestReplicasRunEachTickOnce: three engines, each with its own pool and
// River client on one database, share 20 plans @every 1s for 15s; every
// tick runs exactly once, on one of them, and no tick is missing but
// those the overlap policy skipped (a run that outlasts its interval on a
// loaded machine holds its plan), each named by the hooks.
func TestReplicasRunEachTickOnce(t *testing.T) {
	c := newCluster(t, 20*time.Millisecond)
	rs := []*replica{c.replica("replica-0"), c.replica("replica-1"), c.replica("replica-2")}
	plans := c.addPlans(rs[0], 20)
	// The window opens once the leader, elected and synced, ticks.
	c.waitTicking(plans)
	start := time.Now()
	c.waitTicksAfter(plans, start, 15)
	end := time.Now()
	c.waitCaughtUp(plans, start, end, overlappedIn(rs))
	stopAll(t, rs)
	ticks := c.ticks(t.Context())
	for _, r := range rs {
		r.mu.Lock()
		t.Logf("%s: %d run, skipped %v", r.name, r.finished.Load(), r.skipped)
		r.mu.Unlock()
	}
	overlaps := requireEveryTickOnce(t, ticks, plans, start, end, overlappedIn(rs))
	late := 0
	for _, k := range ticks {
		if k.stopReason == record.StopSkipped {
			// More than its interval late on a loaded machine: recorded,
			// not run late.
			late++
			continue
		}
		require.Equal(t, record.StatusPassed, k.status, "plan %s due %s", k.plan, k.due)
	}
	t.Logf("%d ticks skipped as late, %d skipped for overlap", late, overlaps)
	var total int64
	for _, r := range rs {
		require.Zero(t, r.skips(record.SkipDuplicate), "%s was handed a tick twice", r.name)
		require.Positive(t, r.finished.Load(), "%s ran nothing", r.name)
		total += r.finished.Load()
	}
	require.Equal(t, int64(len(ticks)), total, "executions run against executions stored")
	p50, p99 := lateness(ticks)
	t.Logf("%d ticks of %d plans in %s on 3 replicas (%d, %d, %d); lateness from due time to execution created: p50 %s, p99 %s",
		len(ticks), len(plans), end.Sub(start).Round(time.Second), rs[0].finished.Load(), rs[1].finished.Load(), rs[2].finished.Load(), p50, p99)
}

// TestReplicaStoppedHard: the leader of three replicas is stopped hard
// while runs are in flight (its pool closed, its engine stopped with a
// context already canceled, so nothing it had running is written). The
// other two go on enqueuing and running every tick, for enqueuing waits on
// no leader: no tick is missing from the kill on, and none runs twice; the
// runs the dead replica left in flight in the store (held past their
// bound, written as running) are rescued, once another replica leads,
// and finished as interrupted.
func TestReplicaStoppedHard(t *testing.T) {
	c := newCluster(t, 300*time.Millisecond)
	// Few workers each, so that every replica has runs in flight: a
	// replica fetches as many due ticks as it has free workers.
	rs := []*replica{c.replicaWorkers("replica-0", 5), c.replicaWorkers("replica-1", 5), c.replicaWorkers("replica-2", 5)}
	plans := c.addPlans(rs[0], 20)
	ctx := t.Context()
	c.waitTicking(plans)

	leaderID, dead, live := splitLeader(c, rs, func(r *replica) string { return r.name })
	// Kill it while it has runs in flight: the target holds its requests
	// until they are canceled, and it is killed once one is held.
	c.heldMu.Lock()
	c.held = dead.name
	c.heldMu.Unlock()
	select {
	case <-c.holding:
	case <-time.After(30 * time.Second):
		require.FailNow(t, "the leader runs nothing")
	}
	// A check in time is written once, when it ends, or as running at
	// its bound (smokex.Config.WriteRunningAfter): the held run is in the
	// store once the leader wrote a run as running and the store shows
	// one in flight (an earlier running write may have finished since).
	inFlight := 0
	for inFlight == 0 {
		select {
		case <-dead.wroteRunning:
		case <-time.After(30 * time.Second):
			require.FailNow(t, "the held run not written as running at its bound")
		}
		for _, k := range c.ticks(ctx) {
			if !k.status.Done() {
				inFlight++
			}
		}
	}
	killed := time.Now()
	dead.dead.Store(true)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	go func() { _ = dead.engine.Stop(canceled) }()
	go dead.pool.Close() // returns once River lets go of its connections

	// The dead replica's runs are rescued, once another replica leads,
	// and finished as interrupted.
	require.Eventually(t, func() bool {
		for _, k := range c.ticks(ctx) {
			if !k.status.Done() && k.created.Before(killed) {
				return false
			}
		}
		return true
	}, 90*time.Second, 200*time.Millisecond, "runs of the dead replica left in flight")
	failover := time.Since(killed)
	// Ticks go on: every plan has run 3 ticks since the rescue.
	c.waitTicksAfter(plans, time.Now(), 3)
	end := time.Now()
	c.waitCaughtUp(plans, killed, end, overlappedIn(live))
	stopAll(t, live)

	ticks := c.ticks(ctx)
	var interrupted int
	for _, k := range ticks {
		require.Equal(t, 1, k.runsOfTheTick)
		if k.stopReason == record.StopInterrupted {
			interrupted++
			require.True(t, k.created.Before(killed), "plan %s due %s interrupted, created after the kill", k.plan, k.due)
			require.Equal(t, record.StatusCanceled, k.status)
		}
	}
	// Each interrupted run was handed over again once, to a live replica,
	// which finished it rather than run it again. So was each run the
	// dead replica finished but could not mark done in River, which the
	// live replica found finished.
	handed := 0
	for _, r := range live {
		handed += r.skips(record.SkipDuplicate)
	}
	require.GreaterOrEqual(t, handed, interrupted, "ticks handed over again against interrupted runs")
	require.Positive(t, interrupted, "the dead replica had no run in flight")
	for _, r := range rs {
		r.mu.Lock()
		t.Logf("%s: %d run, skipped %v", r.name, r.finished.Load(), r.skipped)
		r.mu.Unlock()
	}
	// No tick is missing from the kill on; a tick may only be skipped
	// when the one before it still runs (the overlap policy), which the
	// hooks hear of.
	overlaps := requireEveryTickOnce(t, ticks, plans, killed, end, overlappedIn(live))
	p50, p99 := lateness(ticksAfter(ticks, killed))
	t.Logf("leader %s stopped hard with %d runs in flight in all; its runs rescued %s after the kill; %d runs interrupted and finished as such; %d ticks in all, none missing since the kill but %d skipped for overlap; lateness since the kill p50 %s, p99 %s",
		leaderID, inFlight, failover.Round(100*time.Millisecond), interrupted, len(ticks), overlaps, p50, p99)
}

// ticksAfter returns the ticks due after t.
func ticksAfter(ticks []tick, t time.Time) []tick {
	var out []tick
	for _, k := range ticks {
		if k.due.After(t) {
			out = append(out, k)
		}
	}
	return out
}

// splitLeader waits for River to have a leader among members, named by
// name, and returns its ID, the leader and the others.
func splitLeader[T any](c *cluster, members []T, name func(T) string) (leaderID string, leader T, others []T) {
	c.t.Helper()
	require.Eventually(c.t, func() bool { leaderID = c.leader(c.t.Context()); return leaderID != "" }, 40*time.Second, 50*time.Millisecond, "no leader")
	found := false
	for _, m := range members {
		if name(m) == leaderID {
			leader, found = m, true
		} else {
			others = append(others, m)
		}
	}
	require.True(c.t, found, "leader %q is none of the members", leaderID)
	return leaderID, leader, others
}

// waitTicksAfter waits until every plan has finished n ticks due after
// from.
func (c *cluster) waitTicksAfter(plans []string, from time.Time, n int) {
	c.t.Helper()
	require.Eventually(c.t, func() bool {
		done := map[string]int{}
		for _, k := range c.ticks(c.t.Context()) {
			if k.due.After(from) && k.status.Done() {
				done[k.plan]++
			}
		}
		for _, id := range plans {
			if done[id] < n {
				return false
			}
		}
		return true
	}, time.Minute, 100*time.Millisecond, "the plans stopped ticking")
}
