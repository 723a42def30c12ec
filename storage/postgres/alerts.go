package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// GetAlertState returns the plan's alert state: a zero state with PlanID
// set when none is stored, an error wrapping storage.ErrNotFound when no
// plan has the id.
func (s *Store) GetAlertState(ctx context.Context, planID string) (*storage.AlertState, error) {
	op := fmt.Sprintf("get alert state of %q", planID)
	if !storable(planID) {
		return nil, fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	var (
		st                       storage.AlertState
		failures                 pgtype.Int4
		last, lastAlerted        pgtype.Text
		lastAlertedAt, updatedAt pgtype.Timestamptz
	)
	err := s.pool.QueryRow(ctx, s.sql(`
		SELECT p.id, a.consecutive_failures, a.last_status, a.last_alerted_status, a.last_alerted_at, a.updated_at
		FROM {schema}.plans p LEFT JOIN {schema}.alert_state a ON a.plan_id = p.id
		WHERE p.id = $1`), planID,
	).Scan(&st.PlanID, &failures, &last, &lastAlerted, &lastAlertedAt, &updatedAt)
	if err != nil {
		return nil, s.wrap(ctx, op, nil, err)
	}
	st.ConsecutiveFailures = int(failures.Int32)
	st.LastStatus, st.LastAlertedStatus = record.Status(last.String), record.Status(lastAlerted.String)
	st.LastAlertedAt, st.UpdatedAt = fromTS(lastAlertedAt), fromTS(updatedAt)
	return &st, nil
}

// SaveAlertState stores st as given, replacing the plan's previous state.
// The error wraps storage.ErrNotFound when no plan has st.PlanID.
func (s *Store) SaveAlertState(ctx context.Context, st *storage.AlertState) error {
	if st == nil {
		return errors.New("postgres: save alert state: state is nil")
	}
	op := fmt.Sprintf("save alert state of %q", st.PlanID)
	if st.PlanID == "" || !storable(st.PlanID) {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	for _, f := range []struct{ name, value string }{
		{"LastStatus", string(st.LastStatus)}, {"LastAlertedStatus", string(st.LastAlertedStatus)},
	} {
		if err := checkText(f.name, f.value); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	_, err := s.pool.Exec(ctx, s.sql(`
		INSERT INTO {schema}.alert_state (plan_id, consecutive_failures, last_status, last_alerted_status, last_alerted_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (plan_id) DO UPDATE SET
			consecutive_failures = excluded.consecutive_failures,
			last_status = excluded.last_status,
			last_alerted_status = excluded.last_alerted_status,
			last_alerted_at = excluded.last_alerted_at,
			updated_at = excluded.updated_at`),
		st.PlanID, st.ConsecutiveFailures, string(st.LastStatus), string(st.LastAlertedStatus),
		ts(st.LastAlertedAt), ts(st.UpdatedAt))
	return s.wrap(ctx, op, storage.ErrNotFound, err)
}
