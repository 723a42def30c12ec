package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/smokex/smokex/storage"
)

var _ storage.FinishedCreator = (*Store)(nil)

// PausePlan pauses the plan until until, in one row of plan_pauses; a
// zero until deletes the row.
func (s *Store) PausePlan(ctx context.Context, planID string, until time.Time) error {
	op := fmt.Sprintf("pause plan %q", planID)
	if !storable(planID) {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	if until.IsZero() {
		// The plan must exist, as it must to be paused.
		var found bool
		err := s.pool.QueryRow(ctx, s.sql(`
			WITH d AS (DELETE FROM {schema}.plan_pauses WHERE plan_id = $1)
			SELECT true FROM {schema}.plans WHERE id = $1`), planID).Scan(&found)
		return s.wrap(ctx, op, nil, err)
	}
	_, err := s.pool.Exec(ctx, s.sql(`
		INSERT INTO {schema}.plan_pauses (plan_id, until) VALUES ($1, $2)
		ON CONFLICT (plan_id) DO UPDATE SET until = EXCLUDED.until`), planID, until)
	return s.wrap(ctx, op, storage.ErrNotFound, err)
}

// PlanPause returns when the plan's pause ends, zero when it has none.
func (s *Store) PlanPause(ctx context.Context, planID string) (time.Time, error) {
	op := fmt.Sprintf("get pause of %q", planID)
	if !storable(planID) {
		return time.Time{}, fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	var until pgtype.Timestamptz
	err := s.pool.QueryRow(ctx, s.sql(`
		SELECT u.until FROM {schema}.plans p LEFT JOIN {schema}.plan_pauses u ON u.plan_id = p.id
		WHERE p.id = $1`), planID).Scan(&until)
	if err != nil {
		return time.Time{}, s.wrap(ctx, op, nil, err)
	}
	return fromTS(until), nil
}

// PlanPauses reads every row of plan_pauses.
func (s *Store) PlanPauses(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.pool.Query(ctx, s.sql(`SELECT plan_id, until FROM {schema}.plan_pauses`))
	if err != nil {
		return nil, s.wrap(ctx, "list pauses", nil, err)
	}
	out := map[string]time.Time{}
	var (
		id    string
		until time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &until}, func() error {
		out[id] = until.UTC()
		return nil
	})
	if err != nil {
		return nil, s.wrap(ctx, "list pauses", nil, err)
	}
	return out, nil
}
