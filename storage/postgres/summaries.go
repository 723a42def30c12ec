package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/storage"
)

// doneStatuses are the final statuses (exec.Status.Done).
func doneStatuses() []string {
	return []string{string(exec.StatusPassed), string(exec.StatusFailed), string(exec.StatusHalted), string(exec.StatusCanceled)}
}

// Summaries returns a summary per stored plan, ordered by plan ID, computed
// in one statement: each plan's window walks the (plan_id, created_at, id)
// index, and P50 and P95 are percentile_disc of the window's durations.
func (s *Store) Summaries(ctx context.Context, params *storage.SummaryParams) ([]*storage.PlanSummary, error) {
	if params == nil {
		params = &storage.SummaryParams{}
	}
	window, err := count("summaries: Window", params.Window, storage.DefaultSummaryWindow, 0)
	if err != nil {
		return nil, err
	}
	var planIDs []string
	if params.PlanIDs != nil {
		planIDs = make([]string, 0, len(params.PlanIDs))
		for _, id := range params.PlanIDs {
			if storable(id) {
				planIDs = append(planIDs, id)
			}
		}
	}
	rows, err := s.pool.Query(ctx, s.sql(`
		WITH p AS (
			SELECT id FROM {schema}.plans WHERE $1::text[] IS NULL OR id = ANY($1::text[])
		),
		win AS (
			SELECT p.id AS plan_id, w.status, w.dur
			FROM p CROSS JOIN LATERAL (
				SELECT e.status,
					CASE WHEN e.started_at IS NOT NULL AND e.finished_at IS NOT NULL
						THEN (extract(epoch FROM e.finished_at - e.started_at) * 1000000)::bigint
					END AS dur
				FROM {schema}.executions e
				WHERE e.plan_id = p.id AND e.status = ANY($2::text[])
				ORDER BY e.created_at DESC, e.id DESC
				LIMIT $3
			) w
		),
		counts AS (
			SELECT plan_id, jsonb_object_agg(status, n) AS counts
			FROM (SELECT plan_id, status, count(*) AS n FROM win GROUP BY plan_id, status) c
			GROUP BY plan_id
		),
		pct AS (
			SELECT plan_id,
				percentile_disc(0.5) WITHIN GROUP (ORDER BY dur) AS p50,
				percentile_disc(0.95) WITHIN GROUP (ORDER BY dur) AS p95
			FROM win WHERE dur IS NOT NULL
			GROUP BY plan_id
		)
		SELECT l.id, l.plan_id, l.plan_name, l.trigger, l.status, l.created_at, l.started_at, l.finished_at, l.error,
			p.id, c.counts, pct.p50, pct.p95
		FROM p
		LEFT JOIN counts c ON c.plan_id = p.id
		LEFT JOIN pct ON pct.plan_id = p.id
		LEFT JOIN LATERAL (
			SELECT `+executionColumns+` FROM {schema}.executions e
			WHERE e.plan_id = p.id
			ORDER BY e.created_at DESC, e.id DESC
			LIMIT 1
		) l ON true
		ORDER BY p.id`), planIDs, doneStatuses(), window)
	if err != nil {
		return nil, s.wrap(ctx, "summaries", nil, err)
	}
	sums, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*storage.PlanSummary, error) {
		var (
			sum      storage.PlanSummary
			counts   []byte
			p50, p95 pgtype.Int8
		)
		last, err := scanNullableExecution(row, &sum.PlanID, &counts, &p50, &p95)
		if err != nil {
			return nil, err
		}
		sum.Last = last
		if counts != nil {
			if err := json.Unmarshal(counts, &sum.Counts); err != nil {
				return nil, fmt.Errorf("plan %q: counts: %w", sum.PlanID, err)
			}
		}
		sum.P50 = time.Duration(p50.Int64) * time.Microsecond
		sum.P95 = time.Duration(p95.Int64) * time.Microsecond
		return &sum, nil
	})
	if err != nil {
		return nil, s.wrap(ctx, "summaries", nil, err)
	}
	return sums, nil
}

// Prune deletes finished executions (Status.Done) that params select, with
// their step results, in one statement, and returns how many it deleted.
// KeepLast ranks each plan's finished executions with a window function.
// Created and running executions are never deleted.
func (s *Store) Prune(ctx context.Context, params *storage.PruneParams) (int, error) {
	if params == nil {
		return 0, nil
	}
	if params.KeepLast < 0 {
		return 0, fmt.Errorf("postgres: prune: KeepLast %d: must not be negative", params.KeepLast)
	}
	if params.KeepLast == 0 && params.FinishedBefore.IsZero() {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, s.sql(`
		WITH ranked AS (
			SELECT id, finished_at,
				row_number() OVER (PARTITION BY plan_id ORDER BY created_at DESC, id DESC) AS rn
			FROM {schema}.executions
			WHERE status = ANY($1::text[])
		)
		DELETE FROM {schema}.executions
		WHERE status = ANY($1::text[]) AND id IN (
			SELECT id FROM ranked
			WHERE ($2::int > 0 AND rn > $2::int)
			   OR ($3::timestamptz IS NOT NULL AND finished_at < $3::timestamptz)
		)`), doneStatuses(), params.KeepLast, ts(params.FinishedBefore))
	if err != nil {
		return 0, s.wrap(ctx, "prune", nil, err)
	}
	return int(tag.RowsAffected()), nil
}
