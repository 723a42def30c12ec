package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/smokex/smokex/storage"
)

var _ storage.HeartbeatStore = (*Store)(nil)

// heartbeatBox holds the heartbeats and the locations' states.
type heartbeatBox struct {
	mu        sync.Mutex
	beats     map[string]storage.Heartbeat
	locations map[string]storage.LocationState
}

// SaveHeartbeat implements storage.HeartbeatStore.
func (s *Store) SaveHeartbeat(ctx context.Context, hb *storage.Heartbeat) error {
	if err := check(ctx); err != nil {
		return err
	}
	if hb == nil || hb.Process == "" {
		return errorf("save heartbeat: no process")
	}
	b := &s.heartbeats
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.beats == nil {
		b.beats = map[string]storage.Heartbeat{}
	}
	b.beats[hb.Process] = *hb
	return nil
}

// ListHeartbeats implements storage.HeartbeatStore.
func (s *Store) ListHeartbeats(ctx context.Context, since, deleteBefore time.Time) ([]*storage.Heartbeat, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	b := &s.heartbeats
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*storage.Heartbeat
	for p, hb := range b.beats {
		if !deleteBefore.IsZero() && hb.SeenAt.Before(deleteBefore) {
			delete(b.beats, p)
			continue
		}
		if !hb.SeenAt.Before(since) {
			c := hb
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *storage.Heartbeat) int {
		return cmp.Or(cmp.Compare(a.Location, b.Location), cmp.Compare(a.Process, b.Process))
	})
	return out, nil
}

// SetLocationAvailable implements storage.HeartbeatStore.
func (s *Store) SetLocationAvailable(ctx context.Context, location string, available bool, at time.Time) (bool, error) {
	if err := check(ctx); err != nil {
		return false, err
	}
	b := &s.heartbeats
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, ok := b.locations[location]
	if !ok {
		cur.Available = true
	}
	if cur.Available == available {
		return false, nil
	}
	if b.locations == nil {
		b.locations = map[string]storage.LocationState{}
	}
	b.locations[location] = storage.LocationState{Location: location, Available: available, ChangedAt: at}
	return true, nil
}
