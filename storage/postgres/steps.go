package postgres

import (
	"context"
	"fmt"

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

// stepColumns checks and encodes rs, step results of the execution
// executionID, as stepRows does, into the arrays of their columns; both
// are empty, not nil, when rs is.
func (s *Store) stepColumns(executionID string, rs []*record.StepResult) (*stepColumns, error) {
	rows, err := s.stepRows(executionID, rs)
	if err != nil {
		return nil, err
	}
	cols := &stepColumns{index: make([]int32, len(rows)), data: make([][]byte, len(rows))}
	for i, r := range rows {
		cols.index[i], cols.data[i] = r[1].(int32), r[2].([]byte)
	}
	return cols, nil
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
