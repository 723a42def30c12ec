package river

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/schedule"
)

// Defaults of Config.
const (
	// DefaultSchema is the schema of River's tables and the entries'.
	DefaultSchema = "smokex"
	// DefaultQueue is the River queue of the ticks.
	DefaultQueue = "smokex"
	// DefaultMaxWorkers is how many ticks a replica runs at once.
	DefaultMaxWorkers = 100
	// DefaultJobTimeout bounds a tick's run: its context is canceled then.
	DefaultJobTimeout = 5 * time.Minute
	// DefaultSyncInterval is how often a replica reads the entries that
	// other replicas added, changed or removed.
	DefaultSyncInterval = time.Second
	// DefaultFetchPollInterval is how often a replica looks for ticks come
	// due besides being told of new ones (River's notification of each
	// insert), River's default: a fallback for a notification lost, as
	// while River's listener reconnects. Each look is a statement and a
	// commit; at 100ms, serve made 7% more writes and 8% more reads per
	// check (1,000 plans @every 10s), the notifications fetching every
	// tick all the same.
	DefaultFetchPollInterval = time.Second
	// DefaultCatchUp is how far back a replica enqueues the ticks that no
	// replica enqueued.
	DefaultCatchUp = 10 * time.Minute
	// MaxCatchUpTicks is the most ticks of one entry that a replica
	// enqueues at once when catching up: the latest ones.
	MaxCatchUpTicks = 60
	// DefaultCompletedJobRetention is how long River keeps the job of a
	// tick that ran, when CatchUp is at most half of it.
	DefaultCompletedJobRetention = time.Hour
)

// Config configures a Scheduler. Pool and Func are required.
type Config struct {
	// Pool is the host's pool; the scheduler uses it and never closes it.
	Pool *pgxpool.Pool
	// Func is called on each tick, in whichever replica River hands the
	// tick's job to.
	Func schedule.Func
	// Schema holds River's tables and the table of entries; Migrate
	// creates them. It may be the store's schema; River allows 46 bytes
	// at most. Defaults to DefaultSchema.
	Schema string
	// Queue is the River queue the ticks go through. Defaults to
	// DefaultQueue.
	Queue string
	// MaxWorkers bounds the ticks this replica runs at once. Defaults to
	// DefaultMaxWorkers.
	MaxWorkers int
	// JobTimeout bounds a tick's Func call: its context is canceled after
	// it. A replica that dies mid-run leaves its job running; River
	// rescues it once it has been running for RescueAfter. Defaults to
	// DefaultJobTimeout.
	JobTimeout time.Duration
	// RescueAfter is how long a tick's job may run before River takes its
	// replica for dead and hands the tick to another. It must exceed
	// JobTimeout. Defaults to twice JobTimeout.
	RescueAfter time.Duration
	// SyncInterval is how often the replica reads the table of entries,
	// so that an entry added, changed or removed by another replica
	// ticks, or stops ticking, here within it. Defaults to
	// DefaultSyncInterval.
	SyncInterval time.Duration
	// FetchPollInterval is how often the replica looks for jobs that came
	// due without being told of them, which bounds the lateness of a tick
	// whose insert's notification did not reach it. Defaults to
	// DefaultFetchPollInterval.
	FetchPollInterval time.Duration
	// Location is this process's location ("eu-west"; a name
	// plan.CheckLocation accepts): it works the ticks of the entries
	// added with it (AddIn), from the River queue of that location,
	// Queue + "_" + Location, besides those of entries without locations
	// (unless Agent). The engine's smokex.Config.Location must be the
	// same. Defaults to none: the process works the ticks of entries
	// without locations only.
	Location string
	// Agent makes this process work the ticks of its Location and
	// nothing else: it enqueues no ticks, works none of the entries
	// without locations, and takes no part in River's leader election
	// (River's LeaderElectionDisabled), so that River's maintenance runs
	// on the other processes. It needs a Location. Defaults to false.
	Agent bool
	// TimeZone is the time zone of cron specs without a CRON_TZ= prefix;
	// every replica must use the same. Defaults to UTC.
	TimeZone *time.Location
	// CatchUp is how far back a replica that starts, or that finds its
	// enqueuing behind (a process paused, a database that refused it),
	// enqueues the ticks that came due while no replica enqueued them:
	// the ticks of each entry due within CatchUp since the last one any
	// replica enqueued, MaxCatchUpTicks at most. The engine runs such a
	// tick or, past its plan's interval, records it as skipped as late.
	// Defaults to DefaultCatchUp.
	CatchUp time.Duration
	// CompletedJobRetention is how long River keeps the job of a tick
	// that ran (River's CompletedJobRetentionPeriod). While it is kept,
	// enqueuing the same tick again is skipped as a duplicate; a replica
	// enqueues no tick due more than CatchUp ago, so a job kept longer
	// than CatchUp is enough, and past it the store's guard still refuses
	// a second execution of the tick. It must exceed CatchUp. River's own
	// default, a day, keeps 8.6 million jobs at 1,000 plans "@every 10s".
	// Defaults to DefaultCompletedJobRetention, or twice CatchUp when that
	// is longer.
	CompletedJobRetention time.Duration
	// ClientID names this replica's River client (it shows as the leader
	// in river_leader). Defaults to one River makes up.
	ClientID string
	// Logger receives the scheduler's and River's logs. Defaults to
	// slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Pool == nil:
		return c, errors.New("river: Config.Pool is required")
	case c.Func == nil:
		return c, errors.New("river: Config.Func is required")
	case c.MaxWorkers < 0:
		return c, fmt.Errorf("river: Config.MaxWorkers must not be negative, got %d", c.MaxWorkers)
	case c.JobTimeout < 0:
		return c, fmt.Errorf("river: Config.JobTimeout must not be negative, got %s", c.JobTimeout)
	case c.SyncInterval < 0:
		return c, fmt.Errorf("river: Config.SyncInterval must not be negative, got %s", c.SyncInterval)
	case c.FetchPollInterval < 0:
		return c, fmt.Errorf("river: Config.FetchPollInterval must not be negative, got %s", c.FetchPollInterval)
	}
	if c.Location != "" {
		if err := plan.CheckLocation(c.Location); err != nil {
			return c, fmt.Errorf("river: Config.Location: %w", err)
		}
	}
	if c.Agent && c.Location == "" {
		return c, errors.New("river: Config.Agent needs a Config.Location")
	}
	c.Schema = cmp.Or(c.Schema, DefaultSchema)
	if err := checkSchema(c.Schema); err != nil {
		return c, err
	}
	c.Queue = cmp.Or(c.Queue, DefaultQueue)
	c.MaxWorkers = cmp.Or(c.MaxWorkers, DefaultMaxWorkers)
	c.JobTimeout = cmp.Or(c.JobTimeout, DefaultJobTimeout)
	c.RescueAfter = cmp.Or(c.RescueAfter, 2*c.JobTimeout)
	if c.RescueAfter <= c.JobTimeout {
		return c, fmt.Errorf("river: Config.RescueAfter (%s) must exceed Config.JobTimeout (%s)", c.RescueAfter, c.JobTimeout)
	}
	c.SyncInterval = cmp.Or(c.SyncInterval, DefaultSyncInterval)
	c.FetchPollInterval = cmp.Or(c.FetchPollInterval, DefaultFetchPollInterval)
	if c.TimeZone == nil {
		c.TimeZone = time.UTC
	}
	if c.CatchUp < 0 {
		return c, fmt.Errorf("river: Config.CatchUp must not be negative, got %s", c.CatchUp)
	}
	c.CatchUp = cmp.Or(c.CatchUp, DefaultCatchUp)
	c.CompletedJobRetention = cmp.Or(c.CompletedJobRetention, max(DefaultCompletedJobRetention, 2*c.CatchUp))
	if c.CompletedJobRetention <= c.CatchUp {
		return c, fmt.Errorf("river: Config.CompletedJobRetention (%s) must exceed Config.CatchUp (%s)", c.CompletedJobRetention, c.CatchUp)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// Scheduler is a schedule.Scheduler whose ticks are River jobs: see the
// package documentation for what it guarantees. Create it with New.
type Scheduler struct {
	cfg    Config
	client *river.Client[pgx.Tx]
	sql    sqlText

	mu      sync.Mutex
	local   map[string]*localEntry // the entries as this replica last knew them
	due     dueHeap                // the entries of local that tick again, soonest first
	started bool
	closed  bool

	// calls counts the Func calls in flight; Stop waits for them.
	calls sync.WaitGroup
	// life ends with Stop; the sync and tick loops watch it.
	life    context.Context
	endLife context.CancelFunc
	bg      sync.WaitGroup
	// rewake tells the tick loop that an entry's next due time changed.
	rewake chan struct{}
	// enq inserts the ticks this replica enqueues, until Stop hands
	// enqStop its context, once the tick loop has stopped.
	enq     *enqueuer
	enqStop chan context.Context
	enqDone sync.WaitGroup
}

// localEntry is an entry as this replica schedules it.
type localEntry struct {
	id        string
	spec      string
	locations []string
	parsed    *spec
	// next is the due time of its next tick that this replica enqueues;
	// zero when the spec fires no more.
	next time.Time
	// index is the entry's place in Scheduler.due; -1 when it is not
	// there (next is zero).
	index int
}

var (
	_ schedule.Scheduler = (*Scheduler)(nil)
	_ schedule.Rescuer   = (*Scheduler)(nil)

	_ schedule.LocationScheduler = (*Scheduler)(nil)
)

// New returns a stopped Scheduler. It does no I/O: run Migrate first, once
// per deployment or at every start.
func New(cfg Config) (*Scheduler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Scheduler{cfg: cfg, sql: sqlText(cfg.Schema), local: map[string]*localEntry{}}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &tickWorker{s: s}); err != nil {
		return nil, fmt.Errorf("river: %w", err)
	}
	queues := map[string]river.QueueConfig{}
	if !cfg.Agent {
		queues[cfg.Queue] = river.QueueConfig{MaxWorkers: cfg.MaxWorkers}
	}
	if cfg.Location != "" {
		queues[queueOf(cfg.Queue, cfg.Location)] = river.QueueConfig{MaxWorkers: cfg.MaxWorkers}
	}
	s.client, err = river.NewClient(riverpgxv5.New(cfg.Pool), &river.Config{
		ID:                          cfg.ClientID,
		Schema:                      cfg.Schema,
		Queues:                      queues,
		LeaderElectionDisabled:      cfg.Agent,
		Workers:                     workers,
		JobTimeout:                  cfg.JobTimeout,
		RescueStuckJobsAfter:        cfg.RescueAfter,
		CompletedJobRetentionPeriod: cfg.CompletedJobRetention,
		FetchPollInterval:           cfg.FetchPollInterval,
		FetchCooldown:               min(cfg.FetchPollInterval, fetchCooldown),
		MaxAttempts:                 maxAttempts,
		RetryPolicy:                 retryAtOnce{},
		Logger:                      cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("river: %w", err)
	}
	s.enq = newEnqueuer(s.client, cfg.Pool, s.sql, cfg.Queue, cfg.Logger)
	s.rewake = make(chan struct{}, 1)
	s.enqStop = make(chan context.Context, 1)
	s.life, s.endLife = context.WithCancel(context.Background())
	return s, nil
}

// fetchCooldown is the least time between two of River's fetches of a
// queue (River's FetchCooldown, 100ms by default). A replica fetches when
// an insert's notification reaches it, and again as its workers free up;
// a notification that comes during the cooldown waits for its end, which
// with River's default made a tick wait 66ms (p50) between its insert and
// its fetch with 20 plans @every 2s. A fetch is one statement, so a short
// cooldown costs a statement per cooldown while ticks keep coming, and
// nothing while none does.
const fetchCooldown = 5 * time.Millisecond

// queueOf is the River queue of the ticks of location, queue itself for
// none.
func queueOf(queue, location string) string {
	if location == "" {
		return queue
	}
	return queue + "_" + location
}

// maxAttempts is a tick's attempts: the first, and the one River makes
// after rescuing a job whose replica died, which lets the engine finish
// the interrupted run rather than run the tick again.
const maxAttempts = 2

// retryAtOnce retries a rescued tick without waiting: its execution is
// left in flight until it does.
type retryAtOnce struct{}

func (retryAtOnce) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }

// RescuesTicks implements schedule.Rescuer: a tick whose replica died is
// handed to the Func again, in another replica, once River rescues it.
func (s *Scheduler) RescuesTicks() bool { return true }

// Client returns the scheduler's River client, for hosts that watch it
// (Subscribe) or insert jobs of their own through it.
func (s *Scheduler) Client() *river.Client[pgx.Tx] { return s.client }

// Add implements schedule.Scheduler.Add: AddIn with no location.
func (s *Scheduler) Add(ctx context.Context, id, specText string) error {
	return s.AddIn(ctx, id, specText, nil)
}

// AddIn implements schedule.LocationScheduler.AddIn. The entry is
// written to the table every replica reads, and scheduled in this
// replica at once. Each tick of an entry with locations is one job per
// location, in that location's queue, worked by the processes of that
// location (Config.Location).
func (s *Scheduler) AddIn(ctx context.Context, id, specText string, locations []string) error {
	if id == "" {
		return errors.New("river: add: empty id")
	}
	for _, loc := range locations {
		if err := plan.CheckLocation(loc); err != nil {
			return fmt.Errorf("river: add %q: %w", id, err)
		}
	}
	locations = slices.Sorted(slices.Values(locations))
	locations = slices.Compact(locations)
	parsed, err := parseSpec(id, specText, s.cfg.TimeZone)
	if err != nil {
		return err
	}
	if err := s.checkOpen(); err != nil {
		return err
	}
	// A spec that is the stored one changes nothing, not even updated_at,
	// from which Entries reckons Prev; it is read first, so that a start
	// that adds every plan again writes (and commits) nothing. Such an
	// entry catches up from its enqueued_through, as one that sync reads:
	// the engine adds its plans before it starts the scheduler, whose
	// first sync then finds them scheduled already.
	var storedSpec string
	var storedLocs []string
	var through *time.Time
	err = s.cfg.Pool.QueryRow(ctx, s.sql.of(`SELECT spec, locations, enqueued_through FROM {schema}.schedule_entries WHERE id = $1`), id).Scan(&storedSpec, &storedLocs, &through)
	if err == nil && storedSpec == specText && slices.Equal(storedLocs, nonNil(locations)) {
		var from time.Time
		if through != nil {
			from = *through
		}
		return s.apply(id, specText, locations, parsed, from)
	}
	// Its enqueued_through is the time of the change: its first tick is
	// after it, and a replica that starts once this one is gone, before
	// the last tick this one inserted is recorded, enqueues every tick
	// since.
	if _, err := s.cfg.Pool.Exec(ctx, s.sql.of(`INSERT INTO {schema}.schedule_entries (id, spec, locations, updated_at, enqueued_through)
		VALUES ($1, $2, $3, now(), now())
		ON CONFLICT (id) DO UPDATE SET spec = excluded.spec, locations = excluded.locations, updated_at = excluded.updated_at, enqueued_through = excluded.updated_at
		WHERE schedule_entries.spec IS DISTINCT FROM excluded.spec OR schedule_entries.locations IS DISTINCT FROM excluded.locations`), id, specText, nonNil(locations)); err != nil {
		return fmt.Errorf("river: add %q: %w", id, err)
	}
	return s.apply(id, specText, locations, parsed, time.Time{})
}

// nonNil is locations, empty rather than nil, for a NOT NULL column.
func nonNil(locations []string) []string {
	if locations == nil {
		return []string{}
	}
	return locations
}

// Remove implements schedule.Scheduler.Remove.
func (s *Scheduler) Remove(ctx context.Context, id string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if _, err := s.cfg.Pool.Exec(ctx, s.sql.of(`DELETE FROM {schema}.schedule_entries WHERE id = $1`), id); err != nil {
		return fmt.Errorf("river: remove %q: %w", id, err)
	}
	return s.apply(id, "", nil, nil, time.Time{})
}

// apply schedules id on spec in this replica, or unschedules it when
// parsed is nil. A new entry, or a changed spec, ticks next at the first
// due time after now, or, when through is the due time of the last tick
// any replica enqueued, at the first one after it within CatchUp.
func (s *Scheduler) apply(id, specText string, locations []string, parsed *spec, through time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return schedule.ErrClosed
	}
	old, ok := s.local[id]
	if ok && parsed != nil && old.spec == specText && slices.Equal(old.locations, locations) {
		return nil
	}
	if ok {
		delete(s.local, id)
		s.due.remove(old)
	}
	if parsed == nil {
		return nil
	}
	e := &localEntry{id: id, spec: specText, locations: locations, parsed: parsed, next: s.catchUp(parsed, through, time.Now()), index: -1}
	s.local[id] = e
	s.due.add(e)
	select {
	case s.rewake <- struct{}{}:
	default:
	}
	return nil
}

// catchUp is the first due time of sp to enqueue at now: the first after
// through, the last due time enqueued, within CatchUp before now; the
// first after now when through is zero. The tick loop enqueues
// MaxCatchUpTicks of them at most.
func (s *Scheduler) catchUp(sp *spec, through, now time.Time) time.Time {
	if through.IsZero() {
		return sp.next(now)
	}
	if from := now.Add(-s.cfg.CatchUp); through.Before(from) {
		through = from
	}
	return sp.next(through)
}

// known reports whether this replica schedules id; when it does not, the
// table is asked, for an entry added by a replica this one has not synced
// with yet.
func (s *Scheduler) known(ctx context.Context, id string) bool {
	s.mu.Lock()
	_, ok := s.local[id]
	s.mu.Unlock()
	if ok {
		return true
	}
	var exists bool
	err := s.cfg.Pool.QueryRow(ctx, s.sql.of(`SELECT EXISTS (SELECT 1 FROM {schema}.schedule_entries WHERE id = $1)`), id).Scan(&exists)
	return err != nil || exists // a tick is not dropped on a failed read
}

// Entries implements schedule.Scheduler.Entries from the table, so that it
// lists the entries of every replica. Next is computed from the spec; Prev
// is the last due time of the spec since the entry was added or its spec
// last changed.
func (s *Scheduler) Entries(ctx context.Context) ([]schedule.Entry, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.cfg.Pool.Query(ctx, s.sql.of(`SELECT id, spec, updated_at FROM {schema}.schedule_entries ORDER BY id COLLATE "C"`))
	if err != nil {
		return nil, fmt.Errorf("river: entries: %w", err)
	}
	type row struct {
		ID, Spec string
		Updated  time.Time
	}
	stored, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return nil, fmt.Errorf("river: entries: %w", err)
	}
	now := time.Now()
	out := make([]schedule.Entry, 0, len(stored))
	for _, r := range stored {
		e := schedule.Entry{ID: r.ID, Spec: r.Spec}
		if sp, err := parseSpec(r.ID, r.Spec, s.cfg.TimeZone); err == nil {
			e.Next = sp.next(now)
			if p := sp.prev(now); !p.IsZero() && !p.Before(r.Updated) {
				e.Prev = p
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// Start implements schedule.Scheduler.Start: it loads the entries, starts
// the River client, the loop that keeps the entries in step with the
// table and the loop that enqueues their ticks as they fall due. It returns an error
// wrapping ctx.Err() if ctx is done already.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return schedule.ErrClosed
	case s.started:
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("river: start: %w", err)
	}
	if err := s.sync(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return schedule.ErrClosed
	}
	// Ticks go on until Stop, whatever becomes of ctx.
	if err := s.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("river: start: %w", err)
	}
	s.started = true
	s.bg.Go(s.syncLoop)
	if !s.cfg.Agent {
		// An agent enqueues no tick: the other replicas enqueue its
		// location's (Config.Agent).
		s.bg.Go(s.tickLoop)
	}
	s.enqDone.Go(func() { s.enq.run(s.enqStop) })
	return nil
}

// sync brings this replica's entries in step with the table. In the
// same round trip, before it reads them, it records the due times of the
// entries' last ticks that this replica enqueued since the last sync
// (their enqueued_through), so that the tick loop's inserts carry no
// statement of ours.
func (s *Scheduler) sync(ctx context.Context) (err error) {
	var batch pgx.Batch
	ids, dues := s.enq.takeThrough()
	if ids != nil {
		batch.Queue(s.sql.of(throughUpdate), ids, dues)
		defer func() {
			if err != nil {
				s.enq.keepThrough(ids, dues)
			}
		}()
	}
	batch.Queue(s.sql.of(`SELECT id, spec, locations, enqueued_through FROM {schema}.schedule_entries`))
	results := s.cfg.Pool.SendBatch(ctx, &batch)
	defer results.Close()
	if ids != nil {
		if _, err := results.Exec(); err != nil {
			return fmt.Errorf("river: recording the last enqueued ticks: %w", err)
		}
	}
	rows, err := results.Query()
	if err != nil {
		return fmt.Errorf("river: reading entries: %w", err)
	}
	type row struct {
		spec      string
		locations []string
		through   time.Time
	}
	stored := map[string]row{}
	var id, specText string
	var locations []string
	var through *time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &specText, &locations, &through}, func() error {
		r := row{spec: specText, locations: slices.Clone(locations)}
		if len(r.locations) == 0 {
			r.locations = nil
		}
		if through != nil {
			r.through = *through
		}
		stored[id] = r
		return nil
	})
	if err != nil {
		return fmt.Errorf("river: reading entries: %w", err)
	}
	if err := results.Close(); err != nil {
		return fmt.Errorf("river: reading entries: %w", err)
	}
	s.mu.Lock()
	var gone []string
	for id := range s.local {
		if _, ok := stored[id]; !ok {
			gone = append(gone, id)
		}
	}
	s.mu.Unlock()
	for _, id := range gone {
		if err := s.apply(id, "", nil, nil, time.Time{}); err != nil {
			return err
		}
	}
	for id, r := range stored {
		parsed, err := parseSpec(id, r.spec, s.cfg.TimeZone)
		if err != nil {
			s.cfg.Logger.Error("river: a stored entry does not parse; it is not scheduled", "id", id, "error", err)
			continue
		}
		if err := s.apply(id, r.spec, r.locations, parsed, r.through); err != nil {
			return err
		}
	}
	return nil
}

// syncLoop syncs every SyncInterval until Stop.
func (s *Scheduler) syncLoop() {
	t := time.NewTicker(s.cfg.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-s.life.Done():
			return
		case <-t.C:
			if err := s.sync(s.life); err != nil && s.life.Err() == nil {
				s.cfg.Logger.Warn("river: syncing entries", "error", err)
			}
		}
	}
}

// Stop implements schedule.Scheduler.Stop. This replica stops fetching
// ticks and, if it leads, gives up leadership, so that another replica
// takes over at once; ticks it has not fetched stay queued for the others.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	first := !s.closed
	s.closed = true
	started := s.started
	s.mu.Unlock()
	if first {
		s.endLife()
		s.bg.Wait()
		if started {
			err := s.client.Stop(ctx)
			if err != nil {
				// Cancel what still runs, and wait for it in the background:
				// a later Stop waits for it.
				s.calls.Go(func() {
					hard, cancel := context.WithTimeout(context.Background(), s.cfg.JobTimeout)
					defer cancel()
					_ = s.client.StopAndCancel(hard)
				})
			}
			// The ticks this replica enqueued are inserted before Stop
			// returns (its tick loop stopped above), no later than the last
			// attempt's bound.
			s.enqStop <- ctx
			s.enqDone.Wait()
		}
	}
	done := make(chan struct{})
	go func() {
		s.calls.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("river: stop: callbacks still running: %w", ctx.Err())
	}
}

func (s *Scheduler) checkOpen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return schedule.ErrClosed
	}
	return nil
}

// tickArgs are a tick's job: the entry and the due time, which make it
// unique.
type tickArgs struct {
	ID  string    `json:"id"`
	Due time.Time `json:"due"`
	// Location is the location the tick runs in; empty for an entry
	// without locations.
	Location string `json:"location,omitempty"`
}

// compare orders ticks by due time, id, then location.
func (t tickArgs) compare(u tickArgs) int {
	return cmp.Or(t.Due.Compare(u.Due), cmp.Compare(t.ID, u.ID), cmp.Compare(t.Location, u.Location))
}

// Kind implements river.JobArgs.
func (tickArgs) Kind() string { return "smokex_tick" }

// tickWorker runs the ticks this replica fetches.
type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	s *Scheduler
}

// Work calls the Func with the tick. A Func that panics is logged; the job
// completes all the same, for a second attempt would be taken for a rescue.
func (w *tickWorker) Work(ctx context.Context, job *river.Job[tickArgs]) error {
	s := w.s
	args := job.Args
	if !s.known(ctx, args.ID) {
		s.cfg.Logger.Debug("river: tick of a removed entry", "id", args.ID, "due", args.Due)
		return nil
	}
	s.calls.Add(1)
	defer s.calls.Done()
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Logger.Error("river: callback panicked", "id", args.ID, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if job.Attempt > 1 {
		s.cfg.Logger.Warn("river: tick handed over again after its replica stopped", "id", args.ID, "due", args.Due, "attempt", job.Attempt)
	}
	if args.Location != "" {
		ctx = schedule.WithTickLocation(ctx, args.Location)
	}
	s.cfg.Func(ctx, args.ID, args.Due)
	return nil
}

var _ schedule.LocationQueues = (*Scheduler)(nil)

// QueuedTicks implements schedule.LocationQueues from River's jobs that are
// available and were never fetched. A job River rescued from a dead
// replica is available again, its due time long past, until a live
// replica fetches it; it was fetched once (attempt 1), so it does not
// count: it would make its location look unavailable, and be expired,
// while the location's live replicas are about to work it.
func (s *Scheduler) QueuedTicks(ctx context.Context) (map[string]schedule.Queued, error) {
	rows, err := s.cfg.Pool.Query(ctx, s.sql.of(`SELECT coalesce(args->>'location', ''), count(*), min((args->>'due')::timestamptz)
		FROM {schema}.river_job WHERE kind = $1 AND state = 'available' AND attempt = 0 GROUP BY 1`), tickArgs{}.Kind())
	if err != nil {
		return nil, fmt.Errorf("river: queued ticks: %w", err)
	}
	out := map[string]schedule.Queued{}
	var loc string
	var q schedule.Queued
	_, err = pgx.ForEachRow(rows, []any{&loc, &q.Ticks, &q.OldestDue}, func() error {
		q.OldestDue = q.OldestDue.UTC()
		out[loc] = q
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("river: queued ticks: %w", err)
	}
	return out, nil
}

// ExpireTicks implements schedule.LocationQueues: it deletes the ticks of
// location's queue that are available, were never fetched, and are due
// before dueBefore. A rescued job (fetched by a replica that died) stays:
// its second attempt finishes the dead replica's execution as
// interrupted, or records the tick as skipped as late, so that the tick
// is not lost.
func (s *Scheduler) ExpireTicks(ctx context.Context, location string, dueBefore time.Time) (int, error) {
	tag, err := s.cfg.Pool.Exec(ctx, s.sql.of(`DELETE FROM {schema}.river_job
		WHERE kind = $1 AND state = 'available' AND attempt = 0 AND queue = $2 AND (args->>'due')::timestamptz < $3`),
		tickArgs{}.Kind(), queueOf(s.cfg.Queue, location), dueBefore)
	if err != nil {
		return 0, fmt.Errorf("river: expiring the ticks of %q: %w", location, err)
	}
	return int(tag.RowsAffected()), nil
}
