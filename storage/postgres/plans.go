package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smokex/smokex/storage"
)

// now is the time the store stamps on records, at the database's
// precision (microseconds) and in UTC.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

const planColumns = "id, name, description, schedule, labels, source, files, created_at, updated_at, revision"

// SavePlan inserts p or replaces the plan with its ID. The stored record's
// CreatedAt is set on insert and kept on update, its UpdatedAt set on every
// save; p is not modified. Its Revision is taken from the schema's
// sequence of revisions on insert, and again on an update that changes
// any other column than the times.
func (s *Store) SavePlan(ctx context.Context, p *storage.Plan) error {
	if p == nil {
		return errors.New("postgres: save plan: plan is nil")
	}
	if p.ID == "" {
		return errors.New("postgres: save plan: ID is empty")
	}
	for _, f := range []struct{ name, value string }{
		{"ID", p.ID}, {"Name", p.Name}, {"Description", p.Description}, {"Schedule", p.Schedule},
	} {
		if err := checkText(f.name, f.value); err != nil {
			return fmt.Errorf("postgres: save plan %q: %w", p.ID, err)
		}
	}
	labels := p.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	lb, err := marshalJSONB(labels)
	if err != nil {
		return fmt.Errorf("postgres: save plan %q: labels: %w", p.ID, err)
	}
	var files []byte
	if len(p.Files) > 0 {
		if files, err = json.Marshal(p.Files); err != nil {
			return fmt.Errorf("postgres: save plan %q: files: %w", p.ID, err)
		}
	}
	// The revision is the column's default on insert; an update that
	// changes the plan takes a new one in the table's trigger
	// (plan_revision).
	_, err = s.pool.Exec(ctx, s.sql(`
		INSERT INTO {schema}.plans (id, name, description, schedule, labels, source, files, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name,
			description = excluded.description,
			schedule = excluded.schedule,
			labels = excluded.labels,
			source = excluded.source,
			files = excluded.files,
			updated_at = excluded.updated_at`),
		p.ID, p.Name, p.Description, p.Schedule, lb, p.Source, files, now())
	return s.wrap(ctx, fmt.Sprintf("save plan %q", p.ID), nil, err)
}

// GetPlan returns the plan with id, or an error wrapping
// storage.ErrNotFound.
func (s *Store) GetPlan(ctx context.Context, id string) (*storage.Plan, error) {
	op := fmt.Sprintf("get plan %q", id)
	if !storable(id) {
		return nil, fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	return queryOne(ctx, s, op, scanPlan, "SELECT "+planColumns+" FROM {schema}.plans WHERE id = $1", id)
}

// ListPlans returns the plans ordered by ID (byte-wise), those carrying
// every label of params.Labels when set.
func (s *Store) ListPlans(ctx context.Context, params *storage.ListPlansParams) ([]*storage.Plan, error) {
	var labels []byte
	if params != nil && len(params.Labels) > 0 {
		var err error
		if labels, err = marshalJSONB(params.Labels); err != nil {
			return nil, fmt.Errorf("postgres: list plans: labels: %w", err)
		}
	}
	rows, err := s.pool.Query(ctx, s.sql(`
		SELECT `+planColumns+` FROM {schema}.plans
		WHERE $1::jsonb IS NULL OR labels @> $1::jsonb
		ORDER BY id`), labels)
	if err != nil {
		return nil, s.wrap(ctx, "list plans", nil, err)
	}
	ps, err := pgx.CollectRows(rows, scanPlan)
	if err != nil {
		return nil, s.wrap(ctx, "list plans", nil, err)
	}
	return ps, nil
}

// DeletePlan removes the plan with its executions, step results and alert
// state, or returns an error wrapping storage.ErrNotFound.
func (s *Store) DeletePlan(ctx context.Context, id string) error {
	op := fmt.Sprintf("delete plan %q", id)
	if !storable(id) {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	// The plan's row is locked first, so that no execution is created for
	// it meanwhile, then its executions in ID order, the order in which
	// AppendStep's batches lock them: locked in another order, a batch that
	// holds one execution and waits for another could deadlock with the
	// delete.
	var found bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, s.sql("SELECT FROM {schema}.plans WHERE id = $1 FOR UPDATE"), id)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		found = true
		if _, err := tx.Exec(ctx, s.sql("SELECT FROM {schema}.executions WHERE plan_id = $1 ORDER BY id FOR UPDATE"), id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, s.sql("DELETE FROM {schema}.plans WHERE id = $1"), id)
		return err
	})
	if err != nil {
		return s.wrap(ctx, op, nil, err)
	}
	if !found {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	return nil
}

func scanPlan(row pgx.CollectableRow) (*storage.Plan, error) {
	var (
		p      storage.Plan
		labels []byte
		files  []byte
	)
	if err := row.Scan(&p.ID, &p.Name, &p.Description, &p.Schedule, &labels, &p.Source, &files, &p.CreatedAt, &p.UpdatedAt, &p.Revision); err != nil {
		return nil, err
	}
	if files != nil {
		if err := json.Unmarshal(files, &p.Files); err != nil {
			return nil, fmt.Errorf("plan %q: files: %w", p.ID, err)
		}
	}
	if err := json.Unmarshal(labels, &p.Labels); err != nil {
		return nil, fmt.Errorf("plan %q: labels: %w", p.ID, err)
	}
	if len(p.Labels) == 0 {
		p.Labels = nil
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}
