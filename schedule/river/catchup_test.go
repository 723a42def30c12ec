package river_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	smokexriver "github.com/smokex/smokex/schedule/river"
)

// TestCatchUp: the ticks that fell due while no replica lived are
// enqueued by the next one to start. The entry's last enqueued tick is
// set five seconds back, and its jobs deleted, as if no replica had run
// since; a replica that starts then calls its Func for each of the
// five due times, once, whether the entry is added to it again before
// it starts (as the engine's Start does) or it reads it from the table.
func TestCatchUp(t *testing.T) {
	t.Parallel()
	for _, addFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("added before start %t", addFirst), func(t *testing.T) {
			t.Parallel()
			testCatchUp(t, addFirst)
		})
	}
}

func testCatchUp(t *testing.T, addFirst bool) {
	pool, schema := migratedSchema(t, 8)
	log := &tickLog{dues: map[string][]time.Time{}, tick: make(chan struct{}, 1)}
	newScheduler := func() *smokexriver.Scheduler {
		s, err := smokexriver.New(smokexriver.Config{Pool: pool, Schema: schema, Logger: slog.New(slog.DiscardHandler),
			Func: func(_ context.Context, id string, due time.Time) { log.add(id, due) }})
		require.NoError(t, err)
		return s
	}
	first := newScheduler()
	require.NoError(t, first.Add(t.Context(), "a", "@every 1s"))
	require.NoError(t, first.Start(t.Context()))
	log.waitFor(t, []string{"a"}, 1)
	require.NoError(t, first.Stop(t.Context()))

	q := func(sql string) string { return pgx.Identifier{schema}.Sanitize() + sql }
	// As if the last tick enqueued were a's due time of five seconds ago.
	every := cronspec.EveryFor("a", time.Second) // a's due times, "@every 1s"
	var through time.Time
	require.NoError(t, pool.QueryRow(t.Context(), `UPDATE `+q(`.schedule_entries`)+`
		SET enqueued_through = $1 RETURNING enqueued_through`, every.Prev(time.Now().Add(-5*time.Second)).UTC()).Scan(&through))
	_, err := pool.Exec(t.Context(), `DELETE FROM `+q(`.river_job`))
	require.NoError(t, err)
	log.mu.Lock()
	log.dues = map[string][]time.Time{}
	log.mu.Unlock()

	second := newScheduler()
	if addFirst {
		require.NoError(t, second.Add(t.Context(), "a", "@every 1s"))
	}
	require.NoError(t, second.Start(t.Context()))
	defer func() { require.NoError(t, second.Stop(context.Background())) }()
	log.waitFor(t, []string{"a"}, 5)
	log.mu.Lock()
	defer log.mu.Unlock()
	seen := map[time.Time]int{}
	for _, d := range log.dues["a"] {
		seen[d.UTC()]++
	}
	for due, i := every.Next(through).UTC(), 1; i <= 5; due, i = every.Next(due).UTC(), i+1 {
		require.Equal(t, 1, seen[due], "the tick due %s, which no replica enqueued", due.Format(time.StampMilli))
	}
}

// TestEnqueuedThrough: an entry added records the time of its addition as
// the time through which its ticks are enqueued, so that a replica that
// starts after the one that added it died, before that one recorded a
// tick, enqueues every tick since the addition; a scheduler records the
// due time of a tick it enqueued at a sync while it runs, and at Stop its
// last enqueued tick, due no earlier than the last that ran.
func TestEnqueuedThrough(t *testing.T) {
	t.Parallel()
	pool, schema := migratedSchema(t, 8)
	log := &tickLog{dues: map[string][]time.Time{}, tick: make(chan struct{}, 1)}
	s, err := smokexriver.New(smokexriver.Config{Pool: pool, Schema: schema, Logger: slog.New(slog.DiscardHandler),
		Func: func(_ context.Context, id string, due time.Time) { log.add(id, due) }})
	require.NoError(t, err)
	read := func() (at *time.Time, err error) {
		err = pool.QueryRow(t.Context(), `SELECT enqueued_through FROM `+pgx.Identifier{schema}.Sanitize()+
			`.schedule_entries WHERE id = 'a'`).Scan(&at)
		return at, err
	}
	through := func() *time.Time {
		at, err := read()
		require.NoError(t, err)
		return at
	}
	var before, after time.Time
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT now()`).Scan(&before))
	require.NoError(t, s.Add(t.Context(), "a", "@every 1s"))
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT now()`).Scan(&after))
	added := through()
	require.NotNil(t, added, "enqueued_through of an entry just added")
	require.False(t, added.Before(before) || added.After(after), "enqueued_through %s of an entry added between %s and %s", added, before, after)

	require.NoError(t, s.Start(t.Context()))
	log.waitFor(t, []string{"a"}, 2)
	log.mu.Lock()
	ran := log.dues["a"][0]
	log.mu.Unlock()
	require.Eventually(t, func() bool { at, err := read(); return err == nil && at != nil && !at.Before(ran) }, time.Minute, 50*time.Millisecond,
		"enqueued_through not recorded by the sync while the scheduler runs, through a tick run, due %s", ran)
	require.NoError(t, s.Stop(t.Context()))
	log.mu.Lock()
	last := slices.MaxFunc(log.dues["a"], time.Time.Compare)
	log.mu.Unlock()
	stopped := through()
	require.NotNil(t, stopped)
	require.False(t, stopped.Before(last), "enqueued_through %s at stop, before the last tick run, due %s", stopped, last)
	every := cronspec.EveryFor("a", time.Second)
	require.True(t, every.Next(stopped.Add(-time.Millisecond)).Equal(*stopped), "enqueued_through %s at stop is a due time of a", stopped)
}

// TestCatchUpRecordsEachTickAndRunsTheLatest: a replica that starts after
// five minutes without one, on a plan @every 1m, enqueues the ticks due
// meanwhile, and they reach its engine together. Each of the four past
// the plan's interval is recorded as skipped as late, and the latest,
// still in time, runs: under the default overlap policy none of them
// holds the plan while the others come, and none is skipped for overlap.
func TestCatchUpRecordsEachTickAndRunsTheLatest(t *testing.T) {
	c := newCluster(t, 0)
	ctx := t.Context()
	// A plan whose latest due time is recent, so that its tick is still
	// in time (within the plan's interval) when the replica runs it.
	now := time.Now()
	var (
		id    string
		every cronspec.Every
	)
	for i := 0; id == ""; i++ {
		every = cronspec.EveryFor(fmt.Sprintf("catchup%d", i), time.Minute)
		if now.Sub(every.Prev(now)) < 20*time.Second {
			id = fmt.Sprintf("catchup%d", i)
		}
	}
	latest := every.Prev(now).UTC()
	// The plan is stored and scheduled by a replica that never starts.
	gone := c.replicaStopped("gone", replicaOpts{})
	p, err := plan.Parse([]byte(`{name: `+id+`, schedule: "@every 1m", steps: [{get: {url: "${base}/`+id+`"}}]}`), nil)
	require.NoError(t, err)
	require.NoError(t, gone.engine.AddPlan(ctx, p))
	// As if the last tick enqueued were due five minutes before the
	// latest, and no replica had run since.
	tag, err := c.admin.Exec(ctx, `UPDATE `+pgx.Identifier{c.schema, "schedule_entries"}.Sanitize()+`
		SET enqueued_through = $1 WHERE id = $2`, latest.Add(-5*time.Minute), id)
	require.NoError(t, err)
	require.Equal(t, int64(1), tag.RowsAffected())

	r := c.replicaStopped("restarted", replicaOpts{})
	sub := r.engine.Subscribe(64)
	defer sub.Close()
	require.NoError(t, r.engine.Start(ctx))
	finished := map[time.Time]record.Status{}
	deadline := time.After(time.Minute)
	for len(finished) < 5 {
		select {
		case ev := <-sub.C():
			if x := ev.Execution; ev.Type == smokex.EventExecutionFinished && x.PlanID == id && !x.ScheduledAt.After(latest) {
				finished[x.ScheduledAt.UTC()] = x.Status
			}
		case <-deadline:
			require.FailNow(t, "not every tick caught up finished within a minute", "finished: %v", finished)
		}
	}
	stopAll(t, []*replica{r})

	got := map[time.Time]tick{}
	for _, k := range c.ticks(ctx) {
		if k.plan == id {
			got[k.due.UTC()] = k
		}
	}
	for due, i := latest.Add(-4*time.Minute), 0; i < 4; due, i = due.Add(time.Minute), i+1 {
		k, ok := got[due]
		require.True(t, ok, "the tick due %s has no execution", due)
		require.Equal(t, 1, k.runsOfTheTick)
		require.Equal(t, record.StatusCanceled, k.status, "the tick due %s", due)
		require.Equal(t, record.StopSkipped, k.stopReason, "the tick due %s", due)
	}
	k, ok := got[latest]
	require.True(t, ok, "the latest tick, due %s, has no execution", latest)
	require.Equal(t, record.StatusPassed, k.status, "the latest tick, due %s", latest)
	require.Zero(t, r.skips(record.SkipOverlap), "ticks skipped for overlap")
	require.Equal(t, 4, r.skips(record.SkipLate))
}
