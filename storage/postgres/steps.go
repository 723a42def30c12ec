package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// stepRows encodes rs as rows of step_results, checking each.
func (s *Store) stepRows(executionID string, rs []*record.StepResult) ([][]any, error) {
	rows := make([][]any, len(rs))
	for i, r := range rs {
		if r == nil {
			return nil, fmt.Errorf("step result %d of %d is nil", i+1, len(rs))
		}
		if r.Index < 0 {
			return nil, fmt.Errorf("step result %d of %d: Index %d is negative", i+1, len(rs), r.Index)
		}
		doc, err := storedStep(r, s.maxBody)
		if err != nil {
			return nil, err
		}
		rows[i] = []any{executionID, int32(r.Index), doc}
	}
	return rows, nil
}

// AppendStep adds r to the execution. The error wraps storage.ErrNotFound
// when the execution does not exist and storage.ErrConflict when a result
// with r's Index is stored. Request and response bodies longer than
// Config.MaxStoredBodySize are stored cut.
//
// Concurrent calls are committed together (group commit): each queues its
// row, and the rows queued while the previous batch commits are written
// with one INSERT and one commit. A call returns once its row is committed,
// so a result is as durable as with an INSERT of its own; each call gets
// its own error. When ctx ends while the call waits, it returns an error
// wrapping ctx.Err() at once: a row that was still queued is not written,
// and one already sent is written as if the call had waited (as with a
// single INSERT whose context ends while the server commits).
// Either way a row is stored whole or not at all.
func (s *Store) AppendStep(ctx context.Context, executionID string, r *record.StepResult) error {
	if r == nil {
		return fmt.Errorf("postgres: append step to %q: step result is nil", executionID)
	}
	op := fmt.Sprintf("append step %d to %q", r.Index, executionID)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	rows, err := s.stepRows(executionID, []*record.StepResult{r})
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !storable(executionID) {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	return s.appendStep(ctx, stepKey{executionID, int32(r.Index)}, rows[0][2].([]byte), op)
}

// AppendSteps adds several step results to an execution in one COPY, for
// throughput: all are stored or none. Errors are those of AppendStep; two
// results with one Index conflict too. An empty rs does nothing.
func (s *Store) AppendSteps(ctx context.Context, executionID string, rs []*record.StepResult) error {
	op := fmt.Sprintf("append %d steps to %q", len(rs), executionID)
	rows, err := s.stepRows(executionID, rs)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if len(rows) == 0 {
		return nil
	}
	if !storable(executionID) {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	_, err = s.pool.CopyFrom(ctx, s.stepsTable(), stepColumns, pgx.CopyFromRows(rows))
	return s.wrap(ctx, op, storage.ErrNotFound, err)
}

var stepColumns = []string{"execution_id", "index", "data"}

func (s *Store) stepsTable() pgx.Identifier { return pgx.Identifier{s.schema, "step_results"} }

// SaveExecution stores a new execution together with its Steps in one
// transaction: a host that runs a plan to the end before storing it (a CLI
// run, an import) writes it whole or not at all. Errors are those of
// CreateExecution and AppendSteps.
func (s *Store) SaveExecution(ctx context.Context, e *record.Execution) error {
	op, insert, args, err := s.insertExecution("save", e)
	if err != nil {
		return err
	}
	rs := make([]*record.StepResult, len(e.Steps))
	for i := range e.Steps {
		rs[i] = &e.Steps[i]
	}
	rows, err := s.stepRows(e.ID, rs)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insert, args...); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		_, err := tx.CopyFrom(ctx, s.stepsTable(), stepColumns, pgx.CopyFromRows(rows))
		if err != nil {
			return fmt.Errorf("steps: %w", err)
		}
		return nil
	})
	return s.wrap(ctx, op, storage.ErrConflict, err)
}
