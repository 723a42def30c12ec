package memory

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/smokex/smokex/storage"
)

var _ storage.IncidentStore = (*Store)(nil)

// MaxIncidents is how many incidents the store keeps: past it, the oldest
// resolved ones go first.
const MaxIncidents = 10000

// copyIncident returns a deep copy of in.
func copyIncident(in *storage.Incident) *storage.Incident {
	c := *in
	c.Plans = slices.Clone(in.Plans)
	c.Updates = slices.Clone(in.Updates)
	return &c
}

// CreateIncident stores a new incident.
func (s *Store) CreateIncident(ctx context.Context, in *storage.Incident) error {
	if err := check(ctx); err != nil {
		return err
	}
	switch {
	case in == nil:
		return errorf("create incident: nil incident")
	case in.ID == "":
		return errorf("create incident: empty ID")
	case !in.Status.Valid():
		return errorf("create incident %q: status %q is not investigating, identified, monitoring or resolved", in.ID, in.Status)
	case in.StartedAt.IsZero():
		return errorf("create incident %q: no StartedAt", in.ID)
	}
	c := copyIncident(in)
	now := s.currentTime()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	for i := range c.Updates {
		if c.Updates[i].At.IsZero() {
			c.Updates[i].At = now
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.incidents == nil {
		s.incidents = map[string]*storage.Incident{}
	}
	if _, ok := s.incidents[c.ID]; ok {
		return errorf("create incident %q: exists: %w", c.ID, storage.ErrConflict)
	}
	s.incidents[c.ID] = c
	if len(s.incidents) > MaxIncidents {
		var oldest *storage.Incident
		for _, x := range s.incidents {
			if !x.ResolvedAt.IsZero() && (oldest == nil || x.StartedAt.Before(oldest.StartedAt)) {
				oldest = x
			}
		}
		if oldest != nil {
			delete(s.incidents, oldest.ID)
		}
	}
	return nil
}

// AddIncidentUpdate appends u to the incident and takes its status.
func (s *Store) AddIncidentUpdate(ctx context.Context, id string, u *storage.IncidentUpdate) (*storage.Incident, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	switch {
	case u == nil:
		return nil, errorf("incident %q: nil update", id)
	case !u.Status.Valid():
		return nil, errorf("incident %q: status %q is not investigating, identified, monitoring or resolved", id, u.Status)
	}
	c := *u
	if c.At.IsZero() {
		c.At = s.currentTime()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.incidents[id]
	if !ok {
		return nil, errorf("incident %q: %w", id, storage.ErrNotFound)
	}
	in.Updates = append(in.Updates, c)
	in.Status = c.Status
	switch {
	case c.Status != storage.IncidentResolved:
		in.ResolvedAt = time.Time{}
	case in.ResolvedAt.IsZero():
		in.ResolvedAt = c.At
	}
	return copyIncident(in), nil
}

// GetIncident returns the incident with the id.
func (s *Store) GetIncident(ctx context.Context, id string) (*storage.Incident, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	in, ok := s.incidents[id]
	if !ok {
		return nil, errorf("incident %q: %w", id, storage.ErrNotFound)
	}
	return copyIncident(in), nil
}

// ListIncidents returns the incidents params selects, newest first.
func (s *Store) ListIncidents(ctx context.Context, params *storage.ListIncidentsParams) ([]*storage.Incident, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	var p storage.ListIncidentsParams
	if params != nil {
		p = *params
	}
	if p.Limit < 0 {
		return nil, errorf("list incidents: negative limit %d", p.Limit)
	}
	limit := cmp.Or(min(p.Limit, storage.MaxListLimit), storage.DefaultListLimit)
	s.mu.RLock()
	out := []*storage.Incident{}
	for _, in := range s.incidents {
		if p.PlanIDs != nil && !slices.ContainsFunc(in.Plans, func(id string) bool { return slices.Contains(p.PlanIDs, id) }) {
			continue
		}
		if !p.Since.IsZero() && !in.ResolvedAt.IsZero() && in.ResolvedAt.Before(p.Since) {
			continue
		}
		out = append(out, copyIncident(in))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *storage.Incident) int {
		return cmp.Or(b.StartedAt.Compare(a.StartedAt), cmp.Compare(b.ID, a.ID))
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
