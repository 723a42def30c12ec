package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

const executionColumns = "id, plan_id, plan_name, trigger, status, created_at, started_at, finished_at, error, stop_reason, scheduled_at, trace_id, maintenance, source_commit, source_path, flaky, location"

// checkExecution validates what CreateExecution stores.
func checkExecution(e *record.Execution) error {
	if e == nil {
		return errors.New("execution is nil")
	}
	if e.ID == "" {
		return errors.New("execution ID is empty")
	}
	for _, f := range []struct{ name, value string }{
		{"ID", e.ID}, {"PlanID", e.PlanID}, {"PlanName", e.PlanName},
		{"Trigger", string(e.Trigger)}, {"Status", string(e.Status)},
		{"StopReason", string(e.StopReason)}, {"TraceID", e.TraceID}, {"Maintenance", e.Maintenance},
		{"Source.Commit", e.Source.Commit}, {"Source.Path", e.Source.Path},
	} {
		if err := checkText(f.name, f.value); err != nil {
			return fmt.Errorf("execution %q: %w", e.ID, err)
		}
	}
	return nil
}

func errorJSON(e *record.StepError) ([]byte, error) {
	if e == nil {
		return nil, nil
	}
	return marshalJSONB(e)
}

// insertGuard holds the conditions under which insertExecution's
// statement inserts an execution; the zero insertGuard has none.
type insertGuard struct {
	// revision, when set, is the revision the execution's plan must have
	// (storage.RevisionCreator).
	revision *int64
	// since, when set, makes the insert exclusive: it inserts nothing
	// while an execution of the plan in the execution's location created
	// at or after since is in flight (storage.ExclusiveCreator).
	since *time.Time
	// finished, when set, makes the insert CreateFinished's: the
	// execution's steps are inserted with it, and its Maintenance is its
	// plan's pause's when the pause ends after its finish.
	finished *stepColumns
}

// stepColumns are step results as the arrays of their step_results
// columns index and data (stepColumns), for an INSERT from unnest.
type stepColumns struct {
	index []int32
	data  [][]byte
}

// insertExecution checks e and returns the name of the operation verb on
// it, for errors, and the statement that inserts e under g with its
// arguments, which returns how many executions it inserted (0 or 1), the
// Maintenance stored (empty when none) and, when g has a revision or is
// finished, the plan's revision (NULL when there is no plan).
func (s *Store) insertExecution(verb string, e *record.Execution, g insertGuard) (op, insert string, args []any, err error) {
	if err := checkExecution(e); err != nil {
		return "", "", nil, fmt.Errorf("postgres: %s execution: %w", verb, err)
	}
	op = fmt.Sprintf("%s execution %q", verb, e.ID)
	errDoc, err := errorJSON(e.Error)
	if err != nil {
		return "", "", nil, fmt.Errorf("postgres: %s: error: %w", op, err)
	}
	created := e.CreatedAt
	if created.IsZero() {
		created = now()
	}
	args = []any{e.ID, e.PlanID, e.PlanName, string(e.Trigger), string(e.Status),
		created, ts(e.StartedAt), ts(e.FinishedAt), errDoc, string(e.StopReason), ts(e.ScheduledAt), e.TraceID, e.Maintenance,
		e.Source.Commit, e.Source.Path, e.Flaky, e.Location}
	var with, from, result, steps string
	var where []string
	if g.revision != nil || g.finished != nil {
		// The plan's row is locked (FOR SHARE) to read its revision: a
		// SavePlan or DeletePlan of it waits for the insert to commit,
		// or the insert for theirs, and then reads the row they left, so
		// that the check and the insert are one step.
		with = `plan AS (SELECT revision FROM {schema}.plans WHERE id = $2 FOR SHARE), `
		from = "FROM plan"
		result = ", (SELECT revision FROM plan)"
	}
	if g.revision != nil {
		args = append(args, *g.revision)
		where = append(where, fmt.Sprintf("plan.revision = $%d", len(args)))
	}
	maintenance := "$13::text"
	if g.finished != nil {
		maintenance = `coalesce((SELECT ` + pauseMaintenance + ` FROM {schema}.plan_pauses
				WHERE plan_id = $2 AND until > coalesce($8::timestamptz, now())), $13::text)`
		args = append(args, g.finished.index, g.finished.data)
		// The rows reference the execution inserted in the same
		// statement: their foreign key is checked at its end.
		steps = fmt.Sprintf(`, steps AS (
			INSERT INTO {schema}.step_results (execution_id, index, data)
			SELECT ins.id, u.index, u.data FROM ins, unnest($%d::int4[], $%d::jsonb[]) AS u(index, data)
		)`, len(args)-1, len(args))
	}
	if g.since != nil {
		args = append(args, []string{string(record.StatusCreated), string(record.StatusRunning)}, *g.since)
		where = append(where, fmt.Sprintf(`NOT EXISTS (SELECT 1 FROM {schema}.executions
				WHERE plan_id = $2 AND status = ANY($%d) AND created_at >= $%d AND location = $17)`, len(args)-1, len(args)))
	}
	cond := ""
	if len(where) > 0 {
		cond = "WHERE " + strings.Join(where, " AND ")
	}
	// A SELECT rather than VALUES, for the where clause: its parameters
	// are cast, as VALUES would take them from the columns.
	return op, s.sql(`WITH ` + with + `ins AS (
			INSERT INTO {schema}.executions (` + executionColumns + `)
			SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::timestamptz, $7::timestamptz, $8::timestamptz, $9::jsonb,
				$10::text, $11::timestamptz, $12::text, ` + maintenance + `, $14::text, $15::text, $16::boolean, $17::text
			` + from + ` ` + cond + `
			RETURNING id, plan_id, created_at, started_at, finished_at, status, maintenance
		), roll AS (` + rollUp("ins", "") + `)` + steps + `
		SELECT count(*), coalesce(min(maintenance), '')` + result + ` FROM ins`), args, nil
}

// rollUp is the statement that adds the executions of the CTE from (with
// the columns plan_id, created_at, started_at, finished_at, status and
// maintenance) that the rollups count, and the condition and, to their
// day's row of uptime_daily (storage.UptimeStore).
func rollUp(from, and string) string {
	return `INSERT INTO {schema}.uptime_daily AS u (plan_id, day, passed, degraded, failed, duration_us, timed)
		SELECT plan_id, (created_at AT TIME ZONE 'UTC')::date,
			(status = 'passed')::int, (status = 'degraded')::int, (status = 'failed')::int,
			coalesce((extract(epoch FROM finished_at - started_at) * 1000000)::bigint, 0),
			(started_at IS NOT NULL AND finished_at IS NOT NULL)::int
		FROM ` + from + `
		WHERE status IN ('passed', 'degraded', 'failed') AND maintenance = '' ` + and + `
		ON CONFLICT (plan_id, day) DO UPDATE SET
			passed = u.passed + excluded.passed, degraded = u.degraded + excluded.degraded,
			failed = u.failed + excluded.failed, duration_us = u.duration_us + excluded.duration_us,
			timed = u.timed + excluded.timed`
}

// CreateExecution stores e without its Steps. A zero CreatedAt is stored as
// the current time; e is not modified. The plan must exist and the ID be
// new, and a ScheduledAt new for the plan, or the error wraps
// storage.ErrConflict.
func (s *Store) CreateExecution(ctx context.Context, e *record.Execution) error {
	_, err := s.create(ctx, e, insertGuard{})
	return err
}

// CreateExecutionExclusive implements storage.ExclusiveCreator. In one
// transaction, sent in one round trip, it takes an advisory lock keyed on
// the plan, which serialises the creators of the plan's executions across
// every replica, and inserts e unless an execution of the plan in e's
// location, created at or after since, is in flight. The insert's
// snapshot is taken once the lock is held, so it sees the execution of a
// creator that held the lock before; the lock is released at commit, so a
// creator that comes next sees e.
func (s *Store) CreateExecutionExclusive(ctx context.Context, e *record.Execution, since time.Time) error {
	_, err := s.create(ctx, e, insertGuard{since: &since})
	return err
}

// CreateExecutionIfRevision implements storage.RevisionCreator: one
// statement reads the plan's revision, its row locked for the
// statement's transaction (FOR SHARE), and inserts e when it is the
// revision given.
func (s *Store) CreateExecutionIfRevision(ctx context.Context, e *record.Execution, revision int64) error {
	_, err := s.create(ctx, e, insertGuard{revision: &revision})
	return err
}

// CreateExecutionExclusiveIfRevision implements storage.RevisionCreator:
// as CreateExecutionExclusive, in one round trip, with the plan's
// revision checked in the insert's statement as CreateExecutionIfRevision
// checks it.
func (s *Store) CreateExecutionExclusiveIfRevision(ctx context.Context, e *record.Execution, revision int64, since time.Time) error {
	_, err := s.create(ctx, e, insertGuard{revision: &revision, since: &since})
	return err
}

// create inserts e under g, returns the Maintenance it stored and tells
// why it inserted nothing: the plan is gone (when g has a revision or is
// finished) or has another revision (when g has one), or it is busy
// (when g is exclusive). An exclusive insert of an execution in flight
// takes the plan's advisory lock first (CreateExecutionExclusive).
func (s *Store) create(ctx context.Context, e *record.Execution, g insertGuard) (string, error) {
	verb := "create"
	if g.finished != nil {
		verb = "create finished"
	}
	op, insert, args, err := s.insertExecution(verb, e, g)
	if err != nil {
		return "", err
	}
	var (
		inserted    int
		maintenance string
		revision    *int64
	)
	scan := func(row pgx.Row) error {
		if g.revision != nil || g.finished != nil {
			return row.Scan(&inserted, &maintenance, &revision)
		}
		return row.Scan(&inserted, &maintenance)
	}
	if g.since == nil || g.finished != nil {
		err = scan(s.pool.QueryRow(ctx, insert, args...))
	} else {
		// A batch is one implicit transaction: the lock is held until the
		// insert commits.
		b := &pgx.Batch{}
		b.Queue("SELECT pg_advisory_xact_lock($1)", planLockKey(s.schema, e.PlanID))
		b.Queue(insert, args...).QueryRow(scan)
		err = s.pool.SendBatch(ctx, b).Close()
	}
	if err != nil {
		return "", s.wrap(ctx, op, storage.ErrConflict, err)
	}
	switch {
	case inserted > 0:
		return maintenance, nil
	case (g.revision != nil || g.finished != nil) && revision == nil:
		return "", fmt.Errorf("postgres: %s: plan %q: %w", op, e.PlanID, storage.ErrNotFound)
	case g.revision != nil && *revision != *g.revision:
		return "", fmt.Errorf("postgres: %s: plan %q has revision %d, not %d: %w", op, e.PlanID, *revision, *g.revision, storage.ErrPlanChanged)
	}
	// Else only an exclusive insert inserts nothing.
	return "", fmt.Errorf("postgres: %s: plan %q: %w", op, e.PlanID, storage.ErrBusy)
}

// CreateFinished implements storage.FinishedCreator in one statement:
// its data-modifying CTEs read the plan's revision (its row locked FOR
// SHARE, as CreateExecutionIfRevision), insert e with the Maintenance of
// the plan's pause when it ends after e's finish (as FinishWithPause),
// add it to its day's rollup and insert steps, whose foreign key to the
// execution is checked at the statement's end. An exclusive g is checked
// in the statement's snapshot, without the plan's advisory lock that
// CreateExecutionExclusive takes: e, finished, holds no later create
// back, and an execution created in flight while the statement runs is
// missed as it would be by a statement that came first. It waits for its
// commit to reach the disk, as every finish.
func (s *Store) CreateFinished(ctx context.Context, e *record.Execution, steps []*record.StepResult, g storage.CreateGuard) (string, error) {
	if e != nil && !e.Status.Done() {
		return "", fmt.Errorf("postgres: create finished execution %q: status %q is not final", e.ID, e.Status)
	}
	ig := insertGuard{finished: &stepColumns{index: []int32{}, data: [][]byte{}}}
	if g.Revision != 0 {
		ig.revision = &g.Revision
	}
	if g.Exclusive {
		ig.since = &g.Since
	}
	if e != nil {
		cols, err := s.stepColumns(e.ID, steps)
		if err != nil {
			return "", fmt.Errorf("postgres: create finished execution %q: %w", e.ID, err)
		}
		ig.finished = cols
	}
	return s.create(ctx, e, ig)
}

// asyncCommit, sent first in a batch (one implicit transaction), makes the
// transaction commit without waiting for its write-ahead log to reach the
// disk: it is visible at once, and durable once the WAL writer flushes it
// (within wal_writer_delay, 200ms by default) or a later commit that waits
// does.
const asyncCommit = "SELECT set_config('synchronous_commit', 'off', true)"

// planLockKey is the advisory lock that serialises the exclusive creation
// of the plan's executions in schema.
func planLockKey(schema, planID string) int64 {
	h := fnv.New64a()
	h.Write([]byte("smokex.plan:" + schema + "\x00" + planID))
	return int64(h.Sum64())
}

// UpdateExecution writes e's status, stop reason, start, finish, error,
// trace, maintenance and flaky, or returns an
// error wrapping storage.ErrNotFound. Its other fields and its Steps are
// ignored. An update to a status that is not final (a run's start)
// commits without waiting for the WAL flush: see the package
// documentation, "Durability".
func (s *Store) UpdateExecution(ctx context.Context, e *record.Execution) error {
	return s.FinishExecution(ctx, e, nil)
}

// FinishExecution implements storage.ExecutionFinisher: it appends steps
// and updates e as AppendStep and UpdateExecution do, in one round trip
// and one transaction (a pgx batch). It waits for its commit to reach the
// disk, as AppendStep does, unless steps is empty and e's status is not
// final, as UpdateExecution does.
func (s *Store) FinishExecution(ctx context.Context, e *record.Execution, steps []*record.StepResult) error {
	_, err := s.finish(ctx, e, steps, false)
	return err
}

// FinishWithPause implements storage.PauseFinisher: FinishExecution whose
// update reads the plan's pause in its own statement and writes its
// Maintenance, the text storage.PauseMaintenance makes (pauseMaintenance),
// when the pause ends after the finish.
func (s *Store) FinishWithPause(ctx context.Context, e *record.Execution, steps []*record.StepResult) (string, error) {
	return s.finish(ctx, e, steps, true)
}

// pauseMaintenance is the SQL of storage.PauseMaintenance(until): the
// time in UTC, whole seconds, as to_char truncates them.
const pauseMaintenance = `'paused until ' || to_char(until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`

// finish appends steps and updates e, with the Maintenance of its plan's
// pause when paused says so and the pause ends after e's finish, and
// returns the Maintenance it stored.
func (s *Store) finish(ctx context.Context, e *record.Execution, steps []*record.StepResult, paused bool) (string, error) {
	switch {
	case e == nil:
		return "", errors.New("postgres: update execution: execution is nil")
	case !storable(e.ID):
		return "", fmt.Errorf("postgres: update execution %q: %w", e.ID, storage.ErrNotFound)
	}
	op := fmt.Sprintf("update execution %q", e.ID)
	if len(steps) > 0 {
		op = fmt.Sprintf("finish execution %q with %d steps", e.ID, len(steps))
	}
	if err := checkText("Status", string(e.Status)); err != nil {
		return "", fmt.Errorf("postgres: %s: %w", op, err)
	}
	if err := checkText("StopReason", string(e.StopReason)); err != nil {
		return "", fmt.Errorf("postgres: %s: %w", op, err)
	}
	if err := checkText("TraceID", e.TraceID); err != nil {
		return "", fmt.Errorf("postgres: %s: %w", op, err)
	}
	if err := checkText("Maintenance", e.Maintenance); err != nil {
		return "", fmt.Errorf("postgres: %s: %w", op, err)
	}
	errDoc, err := errorJSON(e.Error)
	if err != nil {
		return "", fmt.Errorf("postgres: %s: error: %w", op, err)
	}
	cols, err := s.stepColumns(e.ID, steps)
	if err != nil {
		return "", fmt.Errorf("postgres: %s: %w", op, err)
	}
	b := &pgx.Batch{}
	switch {
	case len(cols.index) > 0:
		// Queued first: a step of an execution that does not exist fails
		// the batch on its foreign key before the update runs.
		b.Queue(s.sql(insertStepsSQL), slices.Repeat([]string{e.ID}, len(cols.index)), cols.index, cols.data)
	case !e.Status.Done():
		// The start of a run: see the doc comment.
		b.Queue(asyncCommit)
	}
	// One statement: the row is locked to read its status before the
	// update, so that the day's rollup counts an execution once, when it
	// becomes final (storage.UptimeStore). With paused ($11), the plan's
	// pause is read in it too: the Maintenance the rollup sees is the one
	// stored.
	var (
		updated     int
		maintenance string
	)
	b.Queue(s.sql(`WITH old AS (
			SELECT id, status FROM {schema}.executions WHERE id = $1 FOR UPDATE
		), upd AS (
			UPDATE {schema}.executions e
			SET status = $2, started_at = $3, finished_at = $4, error = $5, stop_reason = $6, trace_id = $7, flaky = $9,
				maintenance = CASE WHEN $11 THEN coalesce((SELECT `+pauseMaintenance+` FROM {schema}.plan_pauses
					WHERE plan_id = e.plan_id AND until > coalesce($4, now())), $8) ELSE $8 END
			FROM old WHERE e.id = old.id
			RETURNING e.plan_id, e.created_at, e.started_at, e.finished_at, e.status, e.maintenance, old.status AS old_status
		), roll AS (`+rollUp("upd", "AND NOT old_status = ANY($10::text[])")+`)
		SELECT count(*), coalesce(min(maintenance), '') FROM upd`),
		e.ID, string(e.Status), ts(e.StartedAt), ts(e.FinishedAt), errDoc, string(e.StopReason), e.TraceID, e.Maintenance, e.Flaky, doneStatuses(), paused).QueryRow(func(row pgx.Row) error { return row.Scan(&updated, &maintenance) })
	err = s.pool.SendBatch(ctx, b).Close()
	if err != nil {
		return "", s.wrap(ctx, op, storage.ErrNotFound, err)
	}
	if updated == 0 {
		return "", fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	return maintenance, nil
}

// GetExecution returns the execution with its step results in index order,
// read in one statement, or an error wrapping storage.ErrNotFound.
func (s *Store) GetExecution(ctx context.Context, id string) (*record.Execution, error) {
	op := fmt.Sprintf("get execution %q", id)
	if !storable(id) {
		return nil, fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	rows, err := s.pool.Query(ctx, s.sql(`SELECT `+executionColumns+`,
			(SELECT jsonb_agg(data ORDER BY index) FROM {schema}.step_results WHERE execution_id = e.id)
		FROM {schema}.executions e WHERE id = $1`), id)
	if err != nil {
		return nil, s.wrap(ctx, op, nil, err)
	}
	e, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (*record.Execution, error) {
		var steps []byte
		e, err := scanExecution(row, &steps)
		if err != nil {
			return nil, err
		}
		e.Steps = []record.StepResult{}
		if steps != nil {
			if err := json.Unmarshal(steps, &e.Steps); err != nil {
				return nil, fmt.Errorf("steps: %w", err)
			}
		}
		return e, nil
	})
	if err != nil {
		return nil, s.wrap(ctx, op, nil, err)
	}
	return e, nil
}

// scanExecution scans the executionColumns, then extra.
func scanExecution(row pgx.CollectableRow, extra ...any) (*record.Execution, error) {
	e, err := scanNullableExecution(row, extra...)
	if err == nil && e == nil {
		err = errors.New("execution id is NULL")
	}
	return e, err
}

// scanNullableExecution scans the executionColumns, then extra, and returns
// nil when they are all NULL (an outer join that found no execution).
func scanNullableExecution(row pgx.CollectableRow, extra ...any) (*record.Execution, error) {
	var (
		id, planID, planName, trigger, status, stop, traceID, maint, commit, path, loc pgtype.Text
		created, started, finished, scheduled                                          pgtype.Timestamptz
		errDoc                                                                         []byte
		flaky                                                                          pgtype.Bool
	)
	dest := append([]any{&id, &planID, &planName, &trigger, &status, &created, &started, &finished, &errDoc, &stop, &scheduled, &traceID, &maint, &commit, &path, &flaky, &loc}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if !id.Valid {
		return nil, nil
	}
	e := &record.Execution{
		ID:          id.String,
		PlanID:      planID.String,
		PlanName:    planName.String,
		Trigger:     record.Trigger(trigger.String),
		Status:      record.Status(status.String),
		StopReason:  record.StopReason(stop.String),
		CreatedAt:   fromTS(created),
		StartedAt:   fromTS(started),
		FinishedAt:  fromTS(finished),
		ScheduledAt: fromTS(scheduled),
		TraceID:     traceID.String,
		Maintenance: maint.String,
		Source:      record.Source{Commit: commit.String, Path: path.String},
		Flaky:       flaky.Bool,
		Location:    loc.String,
	}
	if errDoc != nil {
		e.Error = new(record.StepError)
		if err := json.Unmarshal(errDoc, e.Error); err != nil {
			return nil, fmt.Errorf("execution %q: error: %w", e.ID, err)
		}
	}
	return e, nil
}

// cursor is the position after the last execution of a page.
type cursor struct {
	CreatedAt time.Time `json:"t"`
	ID        string    `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c) // a time and a string always encode
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.CreatedAt.IsZero() {
		return cursor{}, fmt.Errorf("invalid cursor %q: not one this store returned", s)
	}
	return c, nil
}

// ListExecutions returns executions newest first (by CreatedAt, then ID),
// without their step results, paged by keyset on (CreatedAt, ID).
func (s *Store) ListExecutions(ctx context.Context, params *storage.ListExecutionsParams) (*storage.ExecutionPage, error) {
	if params == nil {
		params = &storage.ListExecutionsParams{}
	}
	limit, err := count("list executions: Limit", params.Limit, storage.DefaultListLimit, storage.MaxListLimit)
	if err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if params.PlanID != "" {
		if !storable(params.PlanID) {
			return &storage.ExecutionPage{Executions: []*record.Execution{}}, nil
		}
		where = append(where, "plan_id = "+arg(params.PlanID))
	}
	if len(params.Statuses) > 0 {
		ss := make([]string, len(params.Statuses))
		for i, st := range params.Statuses {
			ss[i] = string(st)
		}
		where = append(where, "status = ANY("+arg(ss)+")")
	}
	if !params.Since.IsZero() {
		where = append(where, "created_at >= "+arg(params.Since))
	}
	if !params.Until.IsZero() {
		where = append(where, "created_at < "+arg(params.Until))
	}
	if params.Cursor != "" {
		c, err := decodeCursor(params.Cursor)
		if err != nil {
			return nil, fmt.Errorf("postgres: list executions: %w", err)
		}
		where = append(where, "(created_at, id) < ("+arg(c.CreatedAt)+", "+arg(c.ID)+")")
	}
	q := "SELECT " + executionColumns + " FROM {schema}.executions"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT " + arg(limit+1)
	rows, err := s.pool.Query(ctx, s.sql(q), args...)
	if err != nil {
		return nil, s.wrap(ctx, "list executions", nil, err)
	}
	es, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*record.Execution, error) {
		return scanExecution(row)
	})
	if err != nil {
		return nil, s.wrap(ctx, "list executions", nil, err)
	}
	page := &storage.ExecutionPage{Executions: es}
	if page.Executions == nil {
		page.Executions = []*record.Execution{}
	}
	if len(es) > limit {
		page.Executions = es[:limit]
		last := es[limit-1]
		page.NextCursor = cursor{CreatedAt: last.CreatedAt, ID: last.ID}.encode()
	}
	return page, nil
}
