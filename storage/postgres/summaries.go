package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// doneStatuses are the final statuses (record.Status.Done).
func doneStatuses() []string {
	return []string{string(record.StatusPassed), string(record.StatusFailed), string(record.StatusCanceled), string(record.StatusDegraded)}
}

// summariesSQL is the statement of Summaries: $1 the plan IDs (NULL for
// all), $2 the final statuses, $3 the window, $4... each final status,
// counted in a column of its own.
func (s *Store) summariesSQL(done []string) string {
	var counts strings.Builder
	for i := range done {
		fmt.Fprintf(&counts, "count(*) FILTER (WHERE w.status = $%d), ", 4+i)
	}
	return s.sql(`
		SELECT l.id, l.plan_id, l.plan_name, l.trigger, l.status, l.created_at, l.started_at, l.finished_at, l.error, l.stop_reason, l.scheduled_at, l.trace_id, l.maintenance, l.source_commit, l.source_path, l.flaky, l.location,
			p.id, a.*
		FROM {schema}.plans p
		CROSS JOIN LATERAL (
			SELECT ` + counts.String() + `
				percentile_disc(0.5) WITHIN GROUP (ORDER BY w.dur),
				percentile_disc(0.95) WITHIN GROUP (ORDER BY w.dur)
			FROM (
				SELECT e.status, e.finished_at - e.started_at AS dur
				FROM {schema}.executions e
				WHERE e.plan_id = p.id AND e.status = ANY($2::text[]) AND e.maintenance = ''
				ORDER BY e.created_at DESC, e.id DESC
				LIMIT $3
			) w
		) a
		LEFT JOIN LATERAL (
			SELECT ` + executionColumns + ` FROM {schema}.executions e
			WHERE e.plan_id = p.id
			ORDER BY e.created_at DESC, e.id DESC
			LIMIT 1
		) l ON true
		WHERE $1::text[] IS NULL OR p.id = ANY($1::text[])
		ORDER BY p.id`)
}

// Summaries returns a summary per stored plan, ordered by plan ID, computed
// in one statement: each plan's window is read from the index on
// (plan_id, created_at, id), which covers status, start, finish and
// maintenance (left out of the window), and P50
// and P95 are percentile_disc of the window's durations.
func (s *Store) Summaries(ctx context.Context, params *storage.SummaryParams) ([]*storage.PlanSummary, error) {
	if params == nil {
		params = &storage.SummaryParams{}
	}
	window, err := count("summaries: Window", params.Window, storage.DefaultSummaryWindow, 0)
	if err != nil {
		return nil, err
	}
	planIDs := storableIDs(params.PlanIDs)
	done := doneStatuses()
	args := []any{planIDs, done, window}
	for _, st := range done {
		args = append(args, st)
	}
	rows, err := s.pool.Query(ctx, s.summariesSQL(done), args...)
	if err != nil {
		return nil, s.wrap(ctx, "summaries", nil, err)
	}
	sums, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*storage.PlanSummary, error) {
		var (
			sum      storage.PlanSummary
			counts   = make([]int, len(done))
			p50, p95 pgtype.Interval
		)
		dest := []any{&sum.PlanID}
		for i := range counts {
			dest = append(dest, &counts[i])
		}
		last, err := scanNullableExecution(row, append(dest, &p50, &p95)...)
		if err != nil {
			return nil, err
		}
		sum.Last = last
		for i, n := range counts {
			if n > 0 {
				if sum.Counts == nil {
					sum.Counts = map[record.Status]int{}
				}
				sum.Counts[record.Status(done[i])] = n
			}
		}
		sum.P50, sum.P95 = duration(p50), duration(p95)
		return &sum, nil
	})
	if err != nil {
		return nil, s.wrap(ctx, "summaries", nil, err)
	}
	return sums, nil
}

// duration converts an interval from subtracting two timestamps; NULL is
// zero.
func duration(iv pgtype.Interval) time.Duration {
	if !iv.Valid {
		return 0
	}
	const day = 24 * time.Hour
	return time.Duration(iv.Microseconds)*time.Microsecond + time.Duration(iv.Days)*day + time.Duration(iv.Months)*30*day
}

// Prune deletes finished executions (Status.Done) that params select, with
// their step results, in one statement, and returns how many it deleted.
// FinishedBefore alone walks the index on finished_at; KeepLast ranks each
// plan's finished executions with a window function. Created and running
// executions are never deleted. The executions are locked in ID order
// before they are deleted, the order in which AppendStep's batches lock
// them, so that the two cannot deadlock.
func (s *Store) Prune(ctx context.Context, params *storage.PruneParams) (int, error) {
	if params == nil {
		return 0, nil
	}
	if params.KeepLast < 0 {
		return 0, fmt.Errorf("postgres: prune: KeepLast %d: must not be negative", params.KeepLast)
	}
	var (
		query string
		args  = []any{doneStatuses()}
	)
	switch {
	case params.KeepLast == 0 && params.FinishedBefore.IsZero():
		return 0, nil
	case params.KeepLast == 0:
		query = `
			WITH doomed AS (
				SELECT id FROM {schema}.executions
				WHERE status = ANY($1::text[]) AND finished_at < $2
				ORDER BY id FOR UPDATE
			)
			DELETE FROM {schema}.executions WHERE id IN (SELECT id FROM doomed)`
		args = append(args, params.FinishedBefore)
	default:
		query = `
			WITH ranked AS (
				SELECT id, finished_at,
					row_number() OVER (PARTITION BY plan_id ORDER BY created_at DESC, id DESC) AS rn
				FROM {schema}.executions
				WHERE status = ANY($1::text[])
			)
			, doomed AS (
				SELECT id FROM {schema}.executions
				WHERE status = ANY($1::text[]) AND id IN (
					SELECT id FROM ranked
					WHERE rn > $2 OR finished_at < $3::timestamptz
				)
				ORDER BY id FOR UPDATE
			)
			DELETE FROM {schema}.executions WHERE id IN (SELECT id FROM doomed)`
		args = append(args, params.KeepLast, ts(params.FinishedBefore))
	}
	tag, err := s.pool.Exec(ctx, s.sql(query), args...)
	if err != nil {
		return 0, s.wrap(ctx, "prune", nil, err)
	}
	return int(tag.RowsAffected()), nil
}
