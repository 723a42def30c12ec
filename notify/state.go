package notify

import (
	"context"
	"fmt"
	"sync"

	"github.com/smokex/smokex/storage"
)

// memoryState is the policy's state when it has no store: this process
// only, every plan known.
type memoryState struct {
	mu     sync.Mutex
	states map[string]storage.AlertState
}

func newMemoryState() *memoryState {
	return &memoryState{states: map[string]storage.AlertState{}}
}

func (m *memoryState) GetAlertState(ctx context.Context, planID string) (*storage.AlertState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.states[planID]
	if !ok {
		s.PlanID = planID
	}
	return &s, nil
}

func (m *memoryState) SaveAlertState(ctx context.Context, s *storage.AlertState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.states[s.PlanID]; cur.Version != s.Version {
		return fmt.Errorf("notify: alert state of %q changed: %w", s.PlanID, storage.ErrConflict)
	}
	c := *s
	c.Version++
	m.states[s.PlanID] = c
	return nil
}
