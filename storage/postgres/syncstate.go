package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/smokex/smokex/storage"
)

var _ storage.SyncStore = (*Store)(nil)

// GetSyncState returns the saved sync state, or an error wrapping
// storage.ErrNotFound.
func (s *Store) GetSyncState(ctx context.Context) (*storage.SyncState, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, s.sql("SELECT state FROM {schema}.sync_state")).Scan(&b)
	if err != nil {
		return nil, s.wrap(ctx, "get sync state", nil, err)
	}
	var st storage.SyncState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("postgres: get sync state: %w", err)
	}
	return &st, nil
}

// SaveSyncState replaces the saved sync state with st.
func (s *Store) SaveSyncState(ctx context.Context, st *storage.SyncState) error {
	if st == nil {
		return errors.New("postgres: save sync state: state is nil")
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("postgres: save sync state: %w", err)
	}
	_, err = s.pool.Exec(ctx, s.sql(`
		INSERT INTO {schema}.sync_state (state, updated_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`), b, now())
	return s.wrap(ctx, "save sync state", nil, err)
}
