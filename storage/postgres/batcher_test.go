package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// storedNames returns the Name of every stored step result of the schema,
// by execution and index.
func storedNames(t *testing.T, pool *pgxpool.Pool, schema string) map[string]string {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		"SELECT execution_id || '/' || index, data->>'name' FROM "+pgx.Identifier{schema, "step_results"}.Sanitize())
	require.NoError(t, err)
	got := map[string]string{}
	for rows.Next() {
		var key, name string
		require.NoError(t, rows.Scan(&key, &name))
		got[key] = name
	}
	require.NoError(t, rows.Err())
	return got
}

// storeWithPlan returns a store with plan "p" and its pool.
func storeWithPlan(t *testing.T) (context.Context, *pgxpool.Pool, *postgres.Store) {
	t.Helper()
	pool := postgrestest.Pool(t, 4)
	st := newStore(t, pool, postgres.Config{})
	require.NoError(t, st.SavePlan(t.Context(), planFor("p")))
	return t.Context(), pool, st
}

// Concurrent appends are committed in batches, yet each caller gets the
// outcome of its own row: rows that conflict or name no execution fail
// alone, and every good row is stored once.
func TestAppendStepConcurrentMix(t *testing.T) {
	t.Parallel()
	ctx, pool, st := storeWithPlan(t)
	const execs, perExec = 8, 40
	for e := range execs {
		id := fmt.Sprintf("e%d", e)
		require.NoError(t, st.CreateExecution(ctx, execFor(id, "p", time.Now(), record.StatusRunning)))
		// Index 0 of every execution is stored already.
		require.NoError(t, st.AppendStep(ctx, id, &record.StepResult{Index: 0, Name: "stored"}))
	}

	type call struct {
		execID string
		index  int
		name   string
		want   error // nil, ErrConflict, ErrNotFound; racing pairs are checked apart
		race   bool  // one of two calls with one key: one wins
	}
	var calls []call
	for e := range execs {
		id := fmt.Sprintf("e%d", e)
		for i := 1; i < perExec; i++ {
			calls = append(calls, call{execID: id, index: i, name: fmt.Sprintf("good %s/%d", id, i)})
		}
		calls = append(calls,
			call{execID: id, index: 0, name: "duplicate", want: storage.ErrConflict},
			call{execID: "absent-" + id, index: 1, name: "unknown", want: storage.ErrNotFound},
			call{execID: id, index: perExec, name: "racer a", race: true},
			call{execID: id, index: perExec, name: "racer b", race: true},
		)
	}

	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range calls {
		wg.Go(func() {
			<-start
			errs[i] = st.AppendStep(ctx, c.execID, &record.StepResult{Index: c.index, Name: c.name})
		})
	}
	close(start)
	wg.Wait()

	want := map[string]string{}
	winners := map[string]string{}
	for i, c := range calls {
		key := fmt.Sprintf("%s/%d", c.execID, c.index)
		switch {
		case c.race:
			if errs[i] == nil {
				require.Empty(t, winners[key], "%s: one racer wins", key)
				winners[key] = c.name
			} else {
				require.ErrorIs(t, errs[i], storage.ErrConflict, key)
			}
		case c.want == nil:
			require.NoError(t, errs[i], key)
			want[key] = c.name
		default:
			require.ErrorIs(t, errs[i], c.want, key)
			require.ErrorContains(t, errs[i], fmt.Sprintf("append step %d to %q", c.index, c.execID), "the error names its own call")
		}
	}
	for e := range execs {
		id := fmt.Sprintf("e%d", e)
		key := fmt.Sprintf("%s/%d", id, perExec)
		require.NotEmpty(t, winners[key], "%s: one racer wins", key)
		want[key] = winners[key]
		want[id+"/0"] = "stored"
	}
	require.Equal(t, want, storedNames(t, pool, st.Schema()), "every good row once, the stored ones untouched")
}

// waitForLockedInsert waits until a backend waits for a lock while
// inserting into the schema's step_results.
func waitForLockedInsert(t *testing.T, pool *pgxpool.Pool, schema string) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, pool.QueryRow(context.Background(), `
			SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%step_results%'`, schema).Scan(&n))
		return n > 0
	}, 10*time.Second, 5*time.Millisecond)
}

// A caller whose context ends stops waiting at once. Its row is not written
// when it was still queued, and written as if the caller had waited when it
// was already sent.
func TestAppendStepCanceled(t *testing.T) {
	t.Parallel()
	ctx, pool, st := storeWithPlan(t)
	require.NoError(t, st.CreateExecution(ctx, execFor("e", "p", time.Now(), record.StatusRunning)))

	// Hold the inserts up with a lock on the table.
	blocker, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = blocker.Rollback(context.Background()) }()
	_, err = blocker.Exec(ctx, "LOCK TABLE "+pgx.Identifier{st.Schema(), "step_results"}.Sanitize()+" IN SHARE MODE")
	require.NoError(t, err)

	type result struct {
		index int
		err   error
		took  time.Duration
	}
	results := make(chan result, 3)
	appendStep := func(ctx context.Context, index int) {
		begin := time.Now()
		err := st.AppendStep(ctx, "e", &record.StepResult{Index: index})
		results <- result{index, err, time.Since(begin)}
	}

	// Step 0 is sent and waits for the lock; its caller gives up.
	sentCtx, cancelSent := context.WithCancel(ctx)
	go appendStep(sentCtx, 0)
	waitForLockedInsert(t, pool, st.Schema())
	// Steps 1 and 2 queue behind it; the caller of step 1 gives up.
	queuedCtx, cancelQueued := context.WithCancel(ctx)
	go appendStep(queuedCtx, 1)
	go appendStep(ctx, 2)
	time.Sleep(50 * time.Millisecond) // let them queue
	cancelSent()
	cancelQueued()
	for range 2 {
		r := <-results
		require.Contains(t, []int{0, 1}, r.index, "the callers that gave up return first")
		require.ErrorIs(t, r.err, context.Canceled, "step %d", r.index)
		require.Less(t, r.took, 5*time.Second, "step %d: returns when its context ends", r.index)
	}

	require.NoError(t, blocker.Rollback(ctx)) // release the lock
	r := <-results
	require.Equal(t, 2, r.index)
	require.NoError(t, r.err, "a caller that waits gets its outcome")

	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	var idx []int
	for _, s := range got.Steps {
		idx = append(idx, s.Index)
	}
	require.Equal(t, []int{0, 2}, idx, "step 0 was sent before its caller gave up, step 1 was not")

	// Giving up leaves nothing behind: the index of step 1 is free.
	require.NoError(t, st.AppendStep(ctx, "e", &record.StepResult{Index: 1}))
}

// A connection cut while a batch of appends is sent fails that batch's
// callers with ErrConnLost and stores none of its rows; the other callers
// succeed, and the failed ones succeed when they try again.
func TestConnectionCutDuringAppendStep(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	direct, st, directPool, px := proxiedStore(t)
	require.NoError(t, direct.SavePlan(ctx, planFor("p")))
	require.NoError(t, direct.CreateExecution(ctx, execFor("e", "p", time.Now(), record.StatusRunning)))
	_, err := st.GetPlan(ctx, "p")
	require.NoError(t, err, "through the proxy")

	steps := bigSteps(300) // about 300 KiB: cut after 64 KiB
	px.cutAfter(64 << 10)
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range steps {
		wg.Go(func() {
			<-start
			errs[i] = st.AppendStep(ctx, "e", &steps[i])
		})
	}
	close(start)
	wg.Wait()
	require.Equal(t, 1, px.cuts(), "the proxy cut the connection during the appends")

	stored := storedNames(t, directPool, direct.Schema())
	var failed []int
	for i, err := range errs {
		key := fmt.Sprintf("e/%d", i)
		if err != nil {
			require.ErrorIs(t, err, postgres.ErrConnLost, "step %d", i)
			require.NotErrorIs(t, err, storage.ErrConflict, "step %d", i)
			require.NotContains(t, stored, key, "step %d failed: not stored", i)
			failed = append(failed, i)
			continue
		}
		require.Equal(t, steps[i].Name, stored[key], "step %d succeeded: stored", i)
	}
	t.Logf("%d of %d appends failed with the cut", len(failed), len(steps))
	require.NotEmpty(t, failed, "the cut failed some appends")
	require.Len(t, stored, len(steps)-len(failed), "nothing stored but what succeeded")

	for _, i := range failed {
		require.NoError(t, st.AppendStep(ctx, "e", &steps[i]), "step %d again", i)
	}
	require.Equal(t, len(steps), countSteps(t, directPool, direct.Schema(), "e"))
}
