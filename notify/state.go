package notify

import (
	"context"
	"fmt"
	"sync"

	"github.com/smokex/smokex/record"
)

// StateStore keeps the policy's state per plan: it is storage.AlertStore,
// which the memory and PostgreSQL stores implement, declared here so that
// notify needs only the record package. GetAlertState returns the plan's
// state, a zero one with PlanID set for a plan never alerted on;
// SaveAlertState stores s when the stored state has version s.Version,
// and returns an error wrapping record.ErrConflict when it has another.
type StateStore interface {
	GetAlertState(ctx context.Context, planID string) (*record.AlertState, error)
	SaveAlertState(ctx context.Context, s *record.AlertState) error
}

// memoryState is the policy's state when it has no store: this process
// only, every plan known.
type memoryState struct {
	mu     sync.Mutex
	states map[string]record.AlertState
}

func newMemoryState() *memoryState {
	return &memoryState{states: map[string]record.AlertState{}}
}

func (m *memoryState) GetAlertState(ctx context.Context, planID string) (*record.AlertState, error) {
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

func (m *memoryState) SaveAlertState(ctx context.Context, s *record.AlertState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.states[s.PlanID]; cur.Version != s.Version {
		return fmt.Errorf("notify: alert state of %q changed: %w", s.PlanID, record.ErrConflict)
	}
	c := *s
	c.Version++
	m.states[s.PlanID] = c
	return nil
}
