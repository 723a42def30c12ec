package memory

import (
	"context"
	"time"

	"github.com/smokex/smokex/storage"
)

var _ storage.FinishedCreator = (*Store)(nil)

// PausePlan pauses the plan until until; a zero until ends its pause.
func (s *Store) PausePlan(ctx context.Context, planID string, until time.Time) error {
	if err := check(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.plans[planID]
	if !ok {
		return errorf("pause plan %q: %w", planID, storage.ErrNotFound)
	}
	rec.pausedUntil = until.Truncate(time.Microsecond)
	return nil
}

// PlanPause returns when the plan's pause ends, zero when it has none.
func (s *Store) PlanPause(ctx context.Context, planID string) (time.Time, error) {
	if err := check(ctx); err != nil {
		return time.Time{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.plans[planID]
	if !ok {
		return time.Time{}, errorf("plan %q: %w", planID, storage.ErrNotFound)
	}
	return rec.pausedUntil, nil
}

// PlanPauses returns the pauses of every paused plan.
func (s *Store) PlanPauses(ctx context.Context) (map[string]time.Time, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[string]time.Time{}
	for id, rec := range s.plans {
		if !rec.pausedUntil.IsZero() {
			out[id] = rec.pausedUntil
		}
	}
	return out, nil
}
