package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

var _ storage.AlertStore = (*Store)(nil)

// GetAlertState returns the plan's alert state: a zero state with PlanID
// set when none is stored, an error wrapping storage.ErrNotFound when no
// plan has the id.
func (s *Store) GetAlertState(ctx context.Context, planID string) (*storage.AlertState, error) {
	op := fmt.Sprintf("get alert state of %q", planID)
	if !storable(planID) {
		return nil, fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	var (
		st                                     storage.AlertState
		version                                pgtype.Int8
		failures, passes                       pgtype.Int4
		failing                                pgtype.Bool
		lastExec, last                         pgtype.Text
		failingSince, lastAlertedAt, updatedAt pgtype.Timestamptz
	)
	err := s.pool.QueryRow(ctx, s.sql(`
		SELECT p.id, a.version, a.consecutive_failures, a.consecutive_passes, a.failing, a.failing_since,
			a.last_alerted_at, a.last_execution_id, a.last_status, a.updated_at
		FROM {schema}.plans p LEFT JOIN {schema}.alert_state a ON a.plan_id = p.id
		WHERE p.id = $1`), planID,
	).Scan(&st.PlanID, &version, &failures, &passes, &failing, &failingSince,
		&lastAlertedAt, &lastExec, &last, &updatedAt)
	if err != nil {
		return nil, s.wrap(ctx, op, nil, err)
	}
	st.Version = version.Int64
	st.ConsecutiveFailures, st.ConsecutivePasses = int(failures.Int32), int(passes.Int32)
	st.Failing = failing.Bool
	st.FailingSince, st.LastAlertedAt, st.UpdatedAt = fromTS(failingSince), fromTS(lastAlertedAt), fromTS(updatedAt)
	st.LastExecutionID, st.LastStatus = lastExec.String, record.Status(last.String)
	return &st, nil
}

// SaveAlertState stores st when the stored state has version st.Version,
// in one statement, so that of two replicas saving on the same version one
// wins and the other gets an error wrapping storage.ErrConflict. The error
// wraps storage.ErrNotFound when no plan has st.PlanID.
func (s *Store) SaveAlertState(ctx context.Context, st *storage.AlertState) error {
	if st == nil {
		return errors.New("postgres: save alert state: state is nil")
	}
	op := fmt.Sprintf("save alert state of %q", st.PlanID)
	if st.PlanID == "" || !storable(st.PlanID) {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	for _, f := range []struct{ name, value string }{
		{"LastStatus", string(st.LastStatus)}, {"LastExecutionID", st.LastExecutionID},
	} {
		if err := checkText(f.name, f.value); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	tag, err := s.pool.Exec(ctx, s.sql(`
		INSERT INTO {schema}.alert_state AS a (plan_id, version, consecutive_failures, consecutive_passes, failing,
			failing_since, last_alerted_at, last_execution_id, last_status, updated_at)
		VALUES ($1, $2 + 1, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (plan_id) DO UPDATE SET
			version = excluded.version,
			consecutive_failures = excluded.consecutive_failures,
			consecutive_passes = excluded.consecutive_passes,
			failing = excluded.failing,
			failing_since = excluded.failing_since,
			last_alerted_at = excluded.last_alerted_at,
			last_execution_id = excluded.last_execution_id,
			last_status = excluded.last_status,
			updated_at = excluded.updated_at
		WHERE a.version = $2`),
		st.PlanID, st.Version, st.ConsecutiveFailures, st.ConsecutivePasses, st.Failing,
		ts(st.FailingSince), ts(st.LastAlertedAt), st.LastExecutionID, string(st.LastStatus), ts(st.UpdatedAt))
	if err != nil {
		return s.wrap(ctx, op, storage.ErrNotFound, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s: version %d is not the stored one: %w", op, st.Version, storage.ErrConflict)
	}
	return nil
}
