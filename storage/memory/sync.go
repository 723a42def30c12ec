package memory

import (
	"context"
	"errors"
	"sync"

	"github.com/smokex/smokex/storage"
)

var _ storage.SyncStore = (*Store)(nil)

// syncBox holds the sync state.
type syncBox struct {
	mu    sync.Mutex
	state *storage.SyncState
}

// GetSyncState returns a copy of the saved state, or an error wrapping
// storage.ErrNotFound.
func (s *Store) GetSyncState(ctx context.Context) (*storage.SyncState, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	s.sync.mu.Lock()
	defer s.sync.mu.Unlock()
	if s.sync.state == nil {
		return nil, errorf("sync state: %w", storage.ErrNotFound)
	}
	return s.sync.state.Clone(), nil
}

// SaveSyncState keeps a copy of st.
func (s *Store) SaveSyncState(ctx context.Context, st *storage.SyncState) error {
	if err := check(ctx); err != nil {
		return err
	}
	if st == nil {
		return errors.New("memory: save sync state: state is nil")
	}
	s.sync.mu.Lock()
	defer s.sync.mu.Unlock()
	s.sync.state = st.Clone()
	return nil
}
