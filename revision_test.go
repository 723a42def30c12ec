package smokex_test

import (
	"context"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// TestTickReadsItsPlanOnlyWhenItChanged: on a store that guards a create
// by the plan's revision (storage.RevisionCreator), a tick reads its plan
// from the store the first time, and then only when the store says the
// plan changed: a plan changed by another engine within a minute of
// its revision's last confirmation (ticks handed over at once, here)
// runs in its new form at the tick after next (the next, written once
// when it ends, runs the plan held and finds the change in its write;
// TestHeldPlanReadAgainOnceConfirmedAMinuteAgo has the plan confirmed
// longer ago, read again first), with its new name stored; a plan saved again unchanged is not read again; a plan removed
// is not stored.
func TestTickReadsItsPlanOnlyWhenItChanged(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	store := &smokex.PlanReads{Store: memory.New(memory.Config{})}
	ctx := t.Context()
	sk := &skips{}
	a, _ := newSharedEngine(t, store.Store, true)
	v1 := `{name: first, schedule: "@hourly", steps: [{get: {url: "` + srv.URL + `/one"}}]}`
	require.NoError(t, a.AddPlan(ctx, mustParse(t, v1)))
	b, tb := newSharedEngine(t, store, true, sk)
	_, err := b.Plan("first")
	require.NoError(t, err, "b loaded the plan on Start")

	due := time.Now().UTC().Truncate(time.Hour) // in time: within the hourly interval
	tick := func(n int, wantURL, wantName string) {
		t.Helper()
		tb.Tick("first", due.Add(time.Duration(n)*time.Hour))
		runs := scheduledRuns(t, store, "first")
		require.NotEmpty(t, runs)
		got, err := store.GetExecution(ctx, runs[0].ID)
		require.NoError(t, err)
		require.True(t, due.Add(time.Duration(n)*time.Hour).Equal(got.ScheduledAt), "tick %d ran", n)
		require.Equal(t, record.StatusPassed, got.Status)
		require.Contains(t, got.Steps[0].URL, wantURL, "tick %d", n)
		require.Equal(t, wantName, got.PlanName, "tick %d", n)
	}
	reads := store.Reads.Load()
	tick(0, "/one", "first")
	require.Equal(t, reads+1, store.Reads.Load(), "the first tick reads the plan")
	tick(1, "/one", "first")
	tick(2, "/one", "first")
	require.Equal(t, reads+1, store.Reads.Load(), "later ticks do not")

	v2 := `{name: second, schedule: "@hourly", steps: [{get: {url: "` + srv.URL + `/two"}}]}`
	p2 := mustParse(t, v2)
	p2.ID = "first"
	require.NoError(t, a.AddPlan(ctx, p2))
	tick(3, "/one", "first")
	require.Equal(t, reads+1, store.Reads.Load(), "within a minute of its revision's confirmation, the tick written once when it ends runs the plan it holds")
	tick(4, "/two", "second")
	require.Equal(t, reads+2, store.Reads.Load(), "a changed plan is read again")
	require.NoError(t, a.AddPlan(ctx, p2))
	tick(5, "/two", "second")
	require.Equal(t, reads+2, store.Reads.Load(), "a plan saved again unchanged is not")

	require.NoError(t, a.RemovePlan(ctx, "first"))
	tb.Tick("first", due.Add(6*time.Hour))
	require.Equal(t, []record.SkipReason{record.SkipUnknownPlan}, sk.seen(), "a plan removed elsewhere")
}

// changedAfterCreate is a memory store whose first guarded create is
// stored, then sees its plan changed by another process, and then loses
// its reply, as a dropped connection does.
type changedAfterCreate struct {
	*memory.Store
	once   sync.Once
	change func()
}

// lostAfter returns err, or errDropped after change when it is the first
// create that succeeded.
func (s *changedAfterCreate) lostAfter(err error) error {
	if err != nil {
		return err
	}
	s.once.Do(func() {
		s.change()
		err = errDropped
	})
	return err
}

func (s *changedAfterCreate) CreateExecutionIfRevision(ctx context.Context, x *record.Execution, revision int64) error {
	return s.lostAfter(s.Store.CreateExecutionIfRevision(ctx, x, revision))
}

func (s *changedAfterCreate) CreateExecutionExclusiveIfRevision(ctx context.Context, x *record.Execution, revision int64, since time.Time) error {
	return s.lostAfter(s.Store.CreateExecutionExclusiveIfRevision(ctx, x, revision, since))
}

// TestTickCreatedBeforeItsPlanChangedReplyLost: a tick's create that was
// stored, its reply lost, and whose plan another process changed before
// the create is tried again (which the store then refuses as of a plan
// changed), is the tick's execution: it runs, the plan it was created
// with, and the tick is neither created twice nor left in flight.
func TestTickCreatedBeforeItsPlanChangedReplyLost(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	ctx := t.Context()
	v1 := `{name: first, schedule: "@hourly", steps: [{get: {url: "` + srv.URL + `/one"}}]}`
	v2 := `{name: first, schedule: "@hourly", steps: [{get: {url: "` + srv.URL + `/two"}}]}`
	for name, overlap := range map[string]smokex.OverlapPolicy{"skip": smokex.OverlapSkip, "allow": smokex.OverlapAllow} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := &changedAfterCreate{Store: memory.New(memory.Config{})}
			store.change = func() {
				require.NoError(t, store.Store.SavePlan(ctx, &storage.Plan{ID: "first", Name: "first", Schedule: "@hourly", Source: []byte(v2)}))
			}
			sk := &skips{}
			eng, tb := newHandTicked(t, smokex.Config{Store: store, Overlap: overlap, Hooks: []record.Hook{sk}, Logger: slog.New(slog.DiscardHandler)}, true)
			require.NoError(t, eng.AddPlan(ctx, mustParse(t, v1)))
			due := time.Now().UTC().Truncate(time.Hour) // in time: within the hourly interval
			tb.Tick("first", due)
			runs := scheduledRuns(t, store, "first")
			require.Len(t, runs, 1, "one execution for the tick")
			got, err := store.GetExecution(ctx, runs[0].ID)
			require.NoError(t, err)
			require.Equal(t, record.StatusPassed, got.Status)
			require.Contains(t, got.Steps[0].URL, "/one", "the plan it was created with")
			require.Empty(t, sk.seen(), "the tick is not skipped")
		})
	}
}

// memSource is a Source whose files and revision the test sets.
type memSource struct {
	mu    sync.Mutex
	files fstest.MapFS
	rev   record.Source
}

func (s *memSource) set(files fstest.MapFS, commit string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files, s.rev = files, record.Source{Commit: commit}
}

func (s *memSource) Fetch(context.Context) (fs.FS, record.Source, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files, s.rev, nil
}

// syncedMidRead is a memory store whose next plan read, once armed,
// first runs during: a change of the plans that lands while a tick reads
// its plan.
type syncedMidRead struct {
	*memory.Store
	during atomic.Pointer[func()]
}

func (s *syncedMidRead) GetPlan(ctx context.Context, id string) (*storage.Plan, error) {
	if f := s.during.Swap(nil); f != nil {
		(*f)()
	}
	return s.Store.GetPlan(ctx, id)
}

// TestTickReadDuringASync: a sync that loads a new version of a plan while
// a tick reads the plan from the store leaves the tick's read unkept: the
// next tick runs the plan the sync loaded, named by its source's commit,
// not a copy parsed from the store that names none.
func TestTickReadDuringASync(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	ctx := t.Context()
	plan := func(path string) fstest.MapFS {
		return fstest.MapFS{"p.yaml": {Data: []byte(`{name: p, schedule: "@hourly", steps: [{get: {url: "` + srv.URL + path + `"}}]}`)}}
	}
	store := &syncedMidRead{Store: memory.New(memory.Config{})}
	eng, tb := newHandTicked(t, smokex.Config{Store: store, Logger: slog.New(slog.DiscardHandler)}, true)
	src := &memSource{}
	src.set(plan("/one"), "c1")
	_, err := eng.Sync(ctx, src, nil)
	require.NoError(t, err)

	sync2 := func() {
		src.set(plan("/two"), "c2")
		_, err := eng.Sync(ctx, src, nil)
		require.NoError(t, err)
	}
	store.during.Store(&sync2)
	due := time.Now().UTC().Truncate(time.Hour) // in time: within the hourly interval
	tb.Tick("p", due)
	require.Nil(t, store.during.Load(), "the sync ran as the tick read its plan")
	tb.Tick("p", due.Add(time.Hour))
	runs := scheduledRuns(t, store, "p")
	require.Len(t, runs, 2)
	got, err := store.GetExecution(ctx, runs[0].ID)
	require.NoError(t, err)
	require.True(t, due.Add(time.Hour).Equal(got.ScheduledAt))
	require.Equal(t, record.StatusPassed, got.Status)
	require.Contains(t, got.Steps[0].URL, "/two")
	require.Equal(t, "c2", got.Source.Commit, "the plan the sync loaded")
}
