package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/smokex/smokex/storage"
)

var _ storage.IncidentStore = (*Store)(nil)

const incidentColumns = "id, title, automatic, status, plans, started_at, resolved_at, first_failure, updates, created_at"

// incidentUpdateJSON is an update as the updates column keeps it.
type incidentUpdateJSON struct {
	Status  storage.IncidentStatus `json:"status"`
	Message string                 `json:"message"`
	At      time.Time              `json:"at"`
}

func updatesJSON(us []storage.IncidentUpdate) ([]byte, error) {
	out := make([]incidentUpdateJSON, len(us))
	for i, u := range us {
		if err := checkText("Message", u.Message); err != nil {
			return nil, err
		}
		out[i] = incidentUpdateJSON{u.Status, u.Message, u.At.UTC().Truncate(time.Microsecond)}
	}
	return marshalJSONB(out)
}

// CreateIncident stores a new incident with its updates.
func (s *Store) CreateIncident(ctx context.Context, in *storage.Incident) error {
	switch {
	case in == nil:
		return errors.New("postgres: create incident: nil incident")
	case in.ID == "":
		return errors.New("postgres: create incident: empty ID")
	case !in.Status.Valid():
		return fmt.Errorf("postgres: create incident %q: status %q is not investigating, identified, monitoring or resolved", in.ID, in.Status)
	case in.StartedAt.IsZero():
		return fmt.Errorf("postgres: create incident %q: no StartedAt", in.ID)
	}
	op := fmt.Sprintf("create incident %q", in.ID)
	for _, f := range []struct{ name, value string }{{"ID", in.ID}, {"Title", in.Title}, {"FirstFailure", in.FirstFailure}} {
		if err := checkText(f.name, f.value); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	for _, id := range in.Plans {
		if err := checkText("Plans", id); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	now := time.Now()
	us := make([]storage.IncidentUpdate, len(in.Updates))
	for i, u := range in.Updates {
		if u.At.IsZero() {
			u.At = now
		}
		us[i] = u
	}
	doc, err := updatesJSON(us)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	created := in.CreatedAt
	if created.IsZero() {
		created = now
	}
	plans := in.Plans
	if plans == nil {
		plans = []string{}
	}
	_, err = s.pool.Exec(ctx, s.sql(`INSERT INTO {schema}.incidents (`+incidentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`),
		in.ID, in.Title, in.Automatic, string(in.Status), plans, in.StartedAt, ts(in.ResolvedAt), in.FirstFailure, doc, created)
	return s.wrap(ctx, op, storage.ErrConflict, err)
}

// AddIncidentUpdate appends u to the incident, in one statement.
func (s *Store) AddIncidentUpdate(ctx context.Context, id string, u *storage.IncidentUpdate) (*storage.Incident, error) {
	op := fmt.Sprintf("update incident %q", id)
	switch {
	case u == nil:
		return nil, fmt.Errorf("postgres: %s: nil update", op)
	case !u.Status.Valid():
		return nil, fmt.Errorf("postgres: %s: status %q is not investigating, identified, monitoring or resolved", op, u.Status)
	case !storable(id):
		return nil, fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	c := *u
	if c.At.IsZero() {
		c.At = time.Now()
	}
	doc, err := updatesJSON([]storage.IncidentUpdate{c})
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	return queryOne(ctx, s, op, scanIncident, `UPDATE {schema}.incidents
		SET updates = updates || $2::jsonb, status = $3,
			resolved_at = CASE WHEN $3 <> 'resolved' THEN NULL ELSE coalesce(resolved_at, $4) END
		WHERE id = $1
		RETURNING `+incidentColumns, id, doc, string(c.Status), c.At)
}

// GetIncident returns the incident with the id.
func (s *Store) GetIncident(ctx context.Context, id string) (*storage.Incident, error) {
	op := fmt.Sprintf("get incident %q", id)
	if !storable(id) {
		return nil, fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	return queryOne(ctx, s, op, scanIncident, `SELECT `+incidentColumns+` FROM {schema}.incidents WHERE id = $1`, id)
}

// ListIncidents returns the incidents params selects, newest first.
func (s *Store) ListIncidents(ctx context.Context, params *storage.ListIncidentsParams) ([]*storage.Incident, error) {
	var p storage.ListIncidentsParams
	if params != nil {
		p = *params
	}
	limit, err := count("list incidents: Limit", p.Limit, storage.DefaultListLimit, storage.MaxListLimit)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, s.sql(`SELECT `+incidentColumns+` FROM {schema}.incidents
		WHERE ($1::text[] IS NULL OR plans && $1::text[])
			AND ($2::timestamptz IS NULL OR resolved_at IS NULL OR resolved_at >= $2)
		ORDER BY started_at DESC, id DESC
		LIMIT $3`), storableIDs(p.PlanIDs), ts(p.Since), limit)
	if err != nil {
		return nil, s.wrap(ctx, "list incidents", nil, err)
	}
	out, err := pgx.CollectRows(rows, scanIncident)
	if err != nil {
		return nil, s.wrap(ctx, "list incidents", nil, err)
	}
	if out == nil {
		out = []*storage.Incident{}
	}
	return out, nil
}

// scanIncident reads a row of incidentColumns.
func scanIncident(row pgx.CollectableRow) (*storage.Incident, error) {
	var (
		in       storage.Incident
		status   string
		resolved pgtype.Timestamptz
		doc      []byte
	)
	if err := row.Scan(&in.ID, &in.Title, &in.Automatic, &status, &in.Plans, &in.StartedAt, &resolved, &in.FirstFailure, &doc, &in.CreatedAt); err != nil {
		return nil, err
	}
	in.Status = storage.IncidentStatus(status)
	if resolved.Valid {
		in.ResolvedAt = resolved.Time
	}
	var us []incidentUpdateJSON
	if err := json.Unmarshal(doc, &us); err != nil {
		return nil, fmt.Errorf("incident %q: updates: %w", in.ID, err)
	}
	for _, u := range us {
		in.Updates = append(in.Updates, storage.IncidentUpdate{Status: u.Status, Message: u.Message, At: u.At})
	}
	return &in, nil
}
