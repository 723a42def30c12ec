package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
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

// benchStep is a step result of typical size: headers and a 1 KiB body.
func benchStep(i int) *record.StepResult {
	return &record.StepResult{
		Index: i, Name: "get user", Method: "GET", URL: "https://api.example.test/users/42",
		StartedAt: time.Now(),
		Request:   &record.Request{Method: "GET", URL: "https://api.example.test/users/42", Headers: map[string][]string{"Accept": {"application/json"}}},
		Response: &record.Response{
			StatusCode: 200, Proto: "HTTP/1.1",
			Headers: map[string][]string{"Content-Type": {"application/json"}},
			Body:    strings.Repeat("x", 1024), Size: 1024,
		},
		Timings:  record.Timings{Connect: time.Millisecond, FirstByte: 20 * time.Millisecond, Total: 25 * time.Millisecond},
		Attempts: 1, OK: true,
	}
}

// benchRun returns a store with plan "p" and its running execution "e".
func benchRun(b *testing.B) (context.Context, *postgres.Store) {
	b.Helper()
	ctx := b.Context()
	st := newStore(b, postgrestest.Pool(b, 4), postgres.Config{})
	require.NoError(b, st.SavePlan(ctx, planFor("p")))
	require.NoError(b, st.CreateExecution(ctx, execFor("e", "p", time.Now(), record.StatusRunning)))
	return ctx, st
}

func reportSteps(b *testing.B, steps int) {
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkAppendStep stores step results one INSERT at a time, from one
// goroutine: the latency-bound case of one execution.
func BenchmarkAppendStep(b *testing.B) {
	ctx, st := benchRun(b)
	i := 0
	for b.Loop() {
		if err := st.AppendStep(ctx, "e", benchStep(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportSteps(b, i)
}

// BenchmarkAppendStepParallel stores step results one AppendStep call at
// a time from 16 and 64 goroutines on a pool of 8 connections, each
// goroutine writing an execution of its own, as concurrent executions do
// (the engine runs 16 at once by default). Concurrent calls are committed
// together.
func BenchmarkAppendStepParallel(b *testing.B) {
	for _, goroutines := range []int{16, 64} {
		b.Run(fmt.Sprintf("goroutines=%d", goroutines), func(b *testing.B) {
			ctx := b.Context()
			st := newStore(b, postgrestest.Pool(b, 8), postgres.Config{})
			require.NoError(b, st.SavePlan(ctx, planFor("p")))
			for g := range goroutines {
				require.NoError(b, st.CreateExecution(ctx, execFor(fmt.Sprintf("e-%d", g), "p", time.Now(), record.StatusRunning)))
			}
			var (
				next atomic.Int64
				wg   sync.WaitGroup
			)
			b.ResetTimer()
			for g := range goroutines {
				wg.Go(func() {
					id := fmt.Sprintf("e-%d", g)
					for i := 0; next.Add(1) <= int64(b.N); i++ {
						if err := st.AppendStep(ctx, id, benchStep(i)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			reportSteps(b, b.N)
		})
	}
}

// sqlRecorder is a pgx tracer that keeps the last query and its arguments,
// to EXPLAIN what the store really sends.
type sqlRecorder struct {
	mu   sync.Mutex
	sql  string
	args []any
}

func (r *sqlRecorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sql, r.args = data.SQL, data.Args
	return ctx
}

func (r *sqlRecorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *sqlRecorder) last() (string, []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sql, r.args
}

const (
	loadPlans      = 100
	loadExecutions = 100_000
)

// loadedStore returns a store holding loadPlans plans with loadExecutions
// executions among them, loaded with COPY, and the tracer of its pool.
func loadedStore(b *testing.B) (*postgres.Store, *pgxpool.Pool, *sqlRecorder) {
	b.Helper()
	ctx := b.Context()
	cfg, err := pgxpool.ParseConfig(postgrestest.URL(b))
	require.NoError(b, err)
	rec := &sqlRecorder{}
	cfg.ConnConfig.Tracer = rec
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(b, err)
	b.Cleanup(pool.Close)
	st := newStore(b, pool, postgres.Config{})

	for p := range loadPlans {
		require.NoError(b, st.SavePlan(ctx, planFor(fmt.Sprintf("plan-%03d", p))))
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	statuses := []record.Status{record.StatusPassed, record.StatusPassed, record.StatusPassed, record.StatusFailed, record.StatusCanceled}
	rows := make([][]any, loadExecutions)
	for i := range rows {
		created := base.Add(time.Duration(i) * time.Second)
		rows[i] = []any{
			fmt.Sprintf("exec-%07d", i), fmt.Sprintf("plan-%03d", i%loadPlans), "Plan", "schedule",
			string(statuses[i%len(statuses)]), created, created.Add(time.Millisecond),
			created.Add(time.Duration(50+i%200) * time.Millisecond),
		}
	}
	n, err := pool.CopyFrom(ctx, pgx.Identifier{st.Schema(), "executions"},
		[]string{"id", "plan_id", "plan_name", "trigger", "status", "created_at", "started_at", "finished_at"},
		pgx.CopyFromRows(rows))
	require.NoError(b, err)
	require.EqualValues(b, loadExecutions, n)
	// What autovacuum does to a table after a bulk load: statistics for the
	// planner and a visibility map for index-only scans.
	_, err = pool.Exec(ctx, "VACUUM ANALYZE "+pgx.Identifier{st.Schema(), "executions"}.Sanitize()+", "+pgx.Identifier{st.Schema(), "plans"}.Sanitize())
	require.NoError(b, err)
	return st, pool, rec
}

// explain logs the plan of the store's last query, run with EXPLAIN
// ANALYZE, and fails b unless the executions are read by an index.
func explain(b *testing.B, pool *pgxpool.Pool, rec *sqlRecorder, what string) {
	b.Helper()
	sql, args := rec.last()
	rows, err := pool.Query(b.Context(), "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	require.NoError(b, err)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(b, err)
	plan := strings.Join(lines, "\n")
	b.Logf("EXPLAIN ANALYZE, %s:\n%s", what, plan)
	require.Contains(b, plan, "Index Scan using executions_", what)
	require.NotContains(b, plan, "Seq Scan on executions", what)
}

// BenchmarkRunEnd ends one-step runs from 16 goroutines on a pool of 8
// connections, as the engine's 16 concurrency slots do: each goroutine
// creates a running execution, then stores its step result and its
// finish, "separate" with AppendStep then UpdateExecution (two round
// trips and commits, the step's grouped with other goroutines'),
// "together" with FinishExecution (one). The creation, the same in both,
// is in the time.
func BenchmarkRunEnd(b *testing.B) {
	for _, together := range []bool{false, true} {
		b.Run(fmt.Sprintf("together=%t", together), func(b *testing.B) {
			ctx := b.Context()
			st := newStore(b, postgrestest.Pool(b, 8), postgres.Config{})
			require.NoError(b, st.SavePlan(ctx, planFor("p")))
			var (
				next atomic.Int64
				wg   sync.WaitGroup
			)
			b.ResetTimer()
			for range 16 {
				wg.Go(func() {
					for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
						if err := runEnd(ctx, st, fmt.Sprintf("e-%d", n), together); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
		})
	}
}

// runEnd creates the running execution id and stores its one step and
// its finish, together or one after the other.
func runEnd(ctx context.Context, st *postgres.Store, id string, together bool) error {
	x := execFor(id, "p", time.Now(), record.StatusRunning)
	if err := st.CreateExecution(ctx, x); err != nil {
		return err
	}
	x.Status, x.StartedAt, x.FinishedAt = record.StatusPassed, x.CreatedAt, time.Now()
	if together {
		return st.FinishExecution(ctx, x, []*record.StepResult{benchStep(0)})
	}
	if err := st.AppendStep(ctx, id, benchStep(0)); err != nil {
		return err
	}
	return st.UpdateExecution(ctx, x)
}

// BenchmarkListLatest lists the latest 50 executions of one plan among
// 100,000 stored: the first page, and the second one by cursor.
func BenchmarkListLatest(b *testing.B) {
	st, pool, rec := loadedStore(b)
	ctx := b.Context()
	first := &storage.ListExecutionsParams{PlanID: "plan-042", Limit: 50}
	page, err := st.ListExecutions(ctx, first)
	require.NoError(b, err)
	require.Len(b, page.Executions, 50)
	explain(b, pool, rec, "latest 50 of one plan")
	second := &storage.ListExecutionsParams{PlanID: "plan-042", Limit: 50, Cursor: page.NextCursor}
	_, err = st.ListExecutions(ctx, second)
	require.NoError(b, err)
	explain(b, pool, rec, "next 50 of one plan, by cursor")
	_, err = st.ListExecutions(ctx, &storage.ListExecutionsParams{Limit: 50})
	require.NoError(b, err)
	explain(b, pool, rec, "latest 50 of all plans")

	for _, bm := range []struct {
		name   string
		params *storage.ListExecutionsParams
	}{
		{"Plan", first},
		{"PlanNextPage", second},
		{"AllPlans", &storage.ListExecutionsParams{Limit: 50}},
		{"Failed", &storage.ListExecutionsParams{Statuses: []record.Status{record.StatusFailed}, Limit: 50}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				page, err := st.ListExecutions(ctx, bm.params)
				if err != nil || len(page.Executions) != 50 {
					b.Fatal(err, len(page.Executions))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/list")
		})
	}
}

// BenchmarkSummaries summarises 100 plans over their latest 100 finished
// executions each, among 100,000 stored.
func BenchmarkSummaries(b *testing.B) {
	st, pool, rec := loadedStore(b)
	ctx := b.Context()
	sums, err := st.Summaries(ctx, nil)
	require.NoError(b, err)
	require.Len(b, sums, loadPlans)
	explain(b, pool, rec, "summaries of every plan")
	for b.Loop() {
		if _, err := st.Summaries(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}
