package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/smokex/smokex/internal/alertbox"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

var (
	_ storage.AlertStore          = (*Store)(nil)
	_ storage.AlertOutbox         = (*Store)(nil)
	_ storage.DependentAlertStore = (*Store)(nil)
)

// nonNil returns s, or an empty slice for nil, for a column that is an
// array NOT NULL.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// alertColumns are the columns of alert_state that scanAlert reads, with
// the plan's id first.
const alertColumns = `a.version, a.consecutive_failures, a.consecutive_passes, a.failing, a.failing_since,
	a.last_alerted_at, a.last_execution_id, a.last_status, a.updated_at,
	a.depends_on, a.held, a.recent_flaky, a.flaky_alerted, a.failing_locations, a.passing_locations`

// scanAlert reads a row of the plan's id and alertColumns, which are null
// for a plan with no stored state.
func scanAlert(row pgx.Row) (*storage.AlertState, error) {
	var (
		st                                     storage.AlertState
		version                                pgtype.Int8
		failures, passes                       pgtype.Int4
		failing, held, flakyAlerted            pgtype.Bool
		lastExec, last                         pgtype.Text
		failingSince, lastAlertedAt, updatedAt pgtype.Timestamptz
	)
	err := row.Scan(&st.PlanID, &version, &failures, &passes, &failing, &failingSince,
		&lastAlertedAt, &lastExec, &last, &updatedAt, &st.DependsOn, &held, &st.RecentFlaky, &flakyAlerted,
		&st.FailingLocations, &st.PassingLocations)
	if err != nil {
		return nil, err
	}
	st.Version = version.Int64
	st.ConsecutiveFailures, st.ConsecutivePasses = int(failures.Int32), int(passes.Int32)
	st.Failing, st.Held, st.FlakyAlerted = failing.Bool, held.Bool, flakyAlerted.Bool
	st.FailingSince, st.LastAlertedAt, st.UpdatedAt = fromTS(failingSince), fromTS(lastAlertedAt), fromTS(updatedAt)
	st.LastExecutionID, st.LastStatus = lastExec.String, record.Status(last.String)
	if len(st.DependsOn) == 0 {
		st.DependsOn = nil
	}
	if len(st.RecentFlaky) == 0 {
		st.RecentFlaky = nil
	}
	if len(st.FailingLocations) == 0 {
		st.FailingLocations = nil
	}
	if len(st.PassingLocations) == 0 {
		st.PassingLocations = nil
	}
	return &st, nil
}

// GetAlertState returns the plan's alert state: a zero state with PlanID
// set when none is stored, an error wrapping storage.ErrNotFound when no
// plan has the id.
func (s *Store) GetAlertState(ctx context.Context, planID string) (*storage.AlertState, error) {
	op := fmt.Sprintf("get alert state of %q", planID)
	if !storable(planID) {
		return nil, fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	st, err := scanAlert(s.pool.QueryRow(ctx, s.sql(`
		SELECT p.id, `+alertColumns+`
		FROM {schema}.plans p LEFT JOIN {schema}.alert_state a ON a.plan_id = p.id
		WHERE p.id = $1`), planID))
	if err != nil {
		return nil, s.wrap(ctx, op, nil, err)
	}
	return st, nil
}

// DependentAlertStates returns the stored alert states whose DependsOn
// holds planID, ordered by plan ID, found through the GIN index on
// depends_on.
func (s *Store) DependentAlertStates(ctx context.Context, planID string) ([]*storage.AlertState, error) {
	op := fmt.Sprintf("get the alert states depending on %q", planID)
	if !storable(planID) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, s.sql(`
		SELECT a.plan_id, `+alertColumns+`
		FROM {schema}.alert_state a
		WHERE a.depends_on @> ARRAY[$1::text COLLATE "C"]
		ORDER BY a.plan_id`), planID)
	if err != nil {
		return nil, s.wrap(ctx, op, nil, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*storage.AlertState, error) { return scanAlert(row) })
	if err != nil {
		return nil, s.wrap(ctx, op, nil, err)
	}
	return out, nil
}

// SaveAlertState stores st when the stored state has version st.Version,
// in one statement, so that of two replicas saving on the same version one
// wins and the other gets an error wrapping storage.ErrConflict. The error
// wraps storage.ErrNotFound when no plan has st.PlanID.
func (s *Store) SaveAlertState(ctx context.Context, st *storage.AlertState) error {
	return s.SaveAlertStateOwing(ctx, st, nil)
}

// SaveAlertStateOwing saves st as SaveAlertState does and inserts the
// deliveries owed, in one transaction: both or neither.
func (s *Store) SaveAlertStateOwing(ctx context.Context, st *storage.AlertState, owed []*storage.AlertDelivery) error {
	if st == nil {
		return errors.New("postgres: save alert state: state is nil")
	}
	op := fmt.Sprintf("save alert state of %q", st.PlanID)
	if st.PlanID == "" || !storable(st.PlanID) {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	texts := []struct{ name, value string }{
		{"LastStatus", string(st.LastStatus)}, {"LastExecutionID", st.LastExecutionID},
	}
	for i, d := range st.DependsOn {
		texts = append(texts, struct{ name, value string }{fmt.Sprintf("DependsOn[%d]", i), d})
	}
	for _, f := range texts {
		if err := checkText(f.name, f.value); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	if err := alertbox.Check(owed); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	for i, d := range owed {
		for _, f := range []struct{ name, value string }{{"ID", d.ID}, {"PlanID", d.PlanID}, {"Target", d.Target}} {
			if err := checkText(fmt.Sprintf("owed[%d].%s", i, f.name), f.value); err != nil {
				return fmt.Errorf("postgres: %s: %w", op, err)
			}
		}
	}
	saved := true
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, s.sql(`
			INSERT INTO {schema}.alert_state AS a (plan_id, version, consecutive_failures, consecutive_passes, failing,
				failing_since, last_alerted_at, last_execution_id, last_status, updated_at,
				depends_on, held, recent_flaky, flaky_alerted, failing_locations, passing_locations)
			VALUES ($1, $2 + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT (plan_id) DO UPDATE SET
				version = excluded.version,
				consecutive_failures = excluded.consecutive_failures,
				consecutive_passes = excluded.consecutive_passes,
				failing = excluded.failing,
				failing_since = excluded.failing_since,
				last_alerted_at = excluded.last_alerted_at,
				last_execution_id = excluded.last_execution_id,
				last_status = excluded.last_status,
				updated_at = excluded.updated_at,
				depends_on = excluded.depends_on,
				held = excluded.held,
				recent_flaky = excluded.recent_flaky,
				flaky_alerted = excluded.flaky_alerted,
				failing_locations = excluded.failing_locations,
				passing_locations = excluded.passing_locations
			WHERE a.version = $2`),
			st.PlanID, st.Version, st.ConsecutiveFailures, st.ConsecutivePasses, st.Failing,
			ts(st.FailingSince), ts(st.LastAlertedAt), st.LastExecutionID, string(st.LastStatus), ts(st.UpdatedAt),
			nonNil(st.DependsOn), st.Held, nonNil(st.RecentFlaky), st.FlakyAlerted,
			nonNil(st.FailingLocations), nonNil(st.PassingLocations))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			saved = false
			return nil
		}
		for _, d := range owed {
			if _, err := tx.Exec(ctx, s.sql(`
				INSERT INTO {schema}.alert_deliveries (id, plan_id, target, event, attempts, not_before)
				VALUES ($1, $2, $3, $4, $5, $6)`),
				d.ID, d.PlanID, d.Target, d.Event, d.Attempts, ts(d.NotBefore)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.wrap(ctx, op, storage.ErrNotFound, err)
	}
	if !saved {
		return fmt.Errorf("postgres: %s: version %d is not the stored one: %w", op, st.Version, storage.ErrConflict)
	}
	return nil
}

// ClaimAlertDelivery leases the oldest delivery owed to target that no
// unexpired lease holds, when it is due, in one statement: the row is
// locked FOR UPDATE SKIP LOCKED, so that two replicas claiming at once
// take different rows, or one of them none. Leases and due times are
// compared with the database's clock.
func (s *Store) ClaimAlertDelivery(ctx context.Context, target string, lease time.Duration) (*storage.AlertDelivery, error) {
	if err := alertbox.CheckLease(target, lease); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	op := fmt.Sprintf("claim an alert delivery to %q", target)
	if !storable(target) {
		return nil, nil
	}
	var (
		d                            storage.AlertDelivery
		notBefore, created, leasedTo pgtype.Timestamptz
	)
	err := s.pool.QueryRow(ctx, s.sql(`
		WITH oldest AS (
			SELECT seq, not_before FROM {schema}.alert_deliveries
			WHERE target = $1 AND (leased_until IS NULL OR leased_until <= now())
			ORDER BY seq LIMIT 1
			FOR UPDATE SKIP LOCKED
		)
		UPDATE {schema}.alert_deliveries d
		SET lease = $2, leased_until = now() + make_interval(secs => $3)
		FROM oldest
		WHERE d.seq = oldest.seq AND (oldest.not_before IS NULL OR oldest.not_before <= now())
		RETURNING d.id, d.plan_id, d.target, d.event, d.attempts, d.not_before, d.created_at, d.lease, d.leased_until`),
		target, alertbox.NewLease(), lease.Seconds(),
	).Scan(&d.ID, &d.PlanID, &d.Target, &d.Event, &d.Attempts, &notBefore, &created, &d.Lease, &leasedTo)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.wrap(ctx, op, nil, err)
	}
	d.NotBefore, d.CreatedAt, d.LeasedUntil = fromTS(notBefore), fromTS(created), fromTS(leasedTo)
	return &d, nil
}

// RetryAlertDelivery writes d's attempts, due time and lease while d's
// lease holds it; a zero LeasedUntil releases it.
func (s *Store) RetryAlertDelivery(ctx context.Context, d *storage.AlertDelivery) error {
	if d == nil {
		return errors.New("postgres: retry alert delivery: delivery is nil")
	}
	op := fmt.Sprintf("retry alert delivery %q", d.ID)
	return s.held(ctx, op, d, `
		UPDATE {schema}.alert_deliveries
		SET attempts = $3, not_before = $4, leased_until = $5, lease = CASE WHEN $5::timestamptz IS NULL THEN NULL ELSE lease END
		WHERE id = $1 AND lease = $2`, d.Attempts, ts(d.NotBefore), ts(d.LeasedUntil))
}

// CompleteAlertDelivery deletes d while d's lease holds it.
func (s *Store) CompleteAlertDelivery(ctx context.Context, d *storage.AlertDelivery) error {
	if d == nil {
		return errors.New("postgres: complete alert delivery: delivery is nil")
	}
	op := fmt.Sprintf("complete alert delivery %q", d.ID)
	return s.held(ctx, op, d, `DELETE FROM {schema}.alert_deliveries WHERE id = $1 AND lease = $2`)
}

// held runs query, whose $1 and $2 are d's ID and lease, and returns an
// error wrapping storage.ErrConflict when it touched no row: the lease is
// lost.
func (s *Store) held(ctx context.Context, op string, d *storage.AlertDelivery, query string, args ...any) error {
	if d.Lease == "" || !storable(d.ID) || !storable(d.Lease) {
		return fmt.Errorf("postgres: %s: not held by lease %q: %w", op, d.Lease, storage.ErrConflict)
	}
	tag, err := s.pool.Exec(ctx, s.sql(query), append([]any{d.ID, d.Lease}, args...)...)
	if err != nil {
		return s.wrap(ctx, op, nil, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s: not held by lease %q: %w", op, d.Lease, storage.ErrConflict)
	}
	return nil
}
