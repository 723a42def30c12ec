package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/smokex/smokex/internal/alertbox"
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

// DependentStore is a StateStore that finds the states of the plans that
// depend on a plan: storage.DependentAlertStore, which the memory and
// PostgreSQL stores implement, declared here so that notify needs only the
// record package. The policy finds it on PolicyConfig.Store by type
// assertion to name, in a plan's failing alert, the plans that depend on
// it and fail with it (Event.FailingDependents).
type DependentStore interface {
	StateStore
	DependentAlertStates(ctx context.Context, planID string) ([]*record.AlertState, error)
}

// Outbox is a StateStore that keeps the alerts owed to targets:
// storage.AlertOutbox, which the memory and PostgreSQL stores implement,
// declared here so that notify needs only the record package. The policy
// saves a plan's state with the alerts its transition owes in one write
// (SaveAlertStateOwing), and each target's delivery claims them one at a
// time (ClaimAlertDelivery, leased for a while), records a failed attempt
// or renews its claim (RetryAlertDelivery), and deletes them once
// delivered or given up (CompleteAlertDelivery). See storage.AlertOutbox
// for the contract.
type Outbox interface {
	StateStore
	SaveAlertStateOwing(ctx context.Context, s *record.AlertState, owed []*record.AlertDelivery) error
	ClaimAlertDelivery(ctx context.Context, target string, lease time.Duration) (*record.AlertDelivery, error)
	RetryAlertDelivery(ctx context.Context, d *record.AlertDelivery) error
	CompleteAlertDelivery(ctx context.Context, d *record.AlertDelivery) error
}

// outboxOf returns s when it is an Outbox, or s with the alerts owed kept
// in the memory of this process.
func outboxOf(s StateStore) Outbox {
	if o, ok := s.(Outbox); ok {
		return o
	}
	return &localOutbox{StateStore: s}
}

// localOutbox keeps the alerts owed in memory, beside a StateStore that
// keeps only the state: they are lost with the process.
type localOutbox struct {
	StateStore
	box alertbox.Box
}

func (l *localOutbox) SaveAlertStateOwing(ctx context.Context, s *record.AlertState, owed []*record.AlertDelivery) error {
	if err := alertbox.Check(owed); err != nil {
		return fmt.Errorf("notify: alert state of %q: %w", s.PlanID, err)
	}
	if err := l.box.Admit(owed); err != nil {
		return fmt.Errorf("notify: alert state of %q: %w", s.PlanID, err)
	}
	if err := l.SaveAlertState(ctx, s); err != nil {
		return err
	}
	l.box.Add(time.Now(), owed)
	return nil
}

func (l *localOutbox) ClaimAlertDelivery(ctx context.Context, target string, lease time.Duration) (*record.AlertDelivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := alertbox.CheckLease(target, lease); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	return l.box.Claim(time.Now(), target, lease), nil
}

func (l *localOutbox) RetryAlertDelivery(_ context.Context, d *record.AlertDelivery) error {
	return l.box.Retry(d)
}

func (l *localOutbox) CompleteAlertDelivery(_ context.Context, d *record.AlertDelivery) error {
	return l.box.Complete(d)
}

// owe returns the deliveries of e owed to targets, e encoded once.
func owe(e *Event, targets []*Target) ([]*record.AlertDelivery, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode the alert: %w", err)
	}
	owed := make([]*record.AlertDelivery, len(targets))
	for i, t := range targets {
		owed[i] = &record.AlertDelivery{ID: e.ID + "/" + t.Name, PlanID: e.Plan.ID, Target: t.Name, Event: b}
	}
	return owed, nil
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
	return s.Clone(), nil
}

func (m *memoryState) DependentAlertStates(ctx context.Context, planID string) ([]*record.AlertState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*record.AlertState
	for _, s := range m.states {
		if slices.Contains(s.DependsOn, planID) {
			out = append(out, s.Clone())
		}
	}
	slices.SortFunc(out, func(a, b *record.AlertState) int { return cmp.Compare(a.PlanID, b.PlanID) })
	return out, nil
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
	c := s.Clone()
	c.Version++
	m.states[s.PlanID] = *c
	return nil
}
