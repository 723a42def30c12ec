package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smokex/smokex/storage"
)

var _ storage.HeartbeatStore = (*Store)(nil)

// SaveHeartbeat implements storage.HeartbeatStore: one row per process.
func (s *Store) SaveHeartbeat(ctx context.Context, hb *storage.Heartbeat) error {
	if hb == nil || hb.Process == "" {
		return fmt.Errorf("postgres: save heartbeat: no process")
	}
	op := fmt.Sprintf("save heartbeat of %q", hb.Process)
	for _, f := range []struct{ name, value string }{{"Process", hb.Process}, {"Location", hb.Location}} {
		if err := checkText(f.name, f.value); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	_, err := s.pool.Exec(ctx, s.sql(`
		INSERT INTO {schema}.heartbeats (process, location, started_at, seen_at, lateness_us) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (process) DO UPDATE SET location = excluded.location, started_at = excluded.started_at,
			seen_at = excluded.seen_at, lateness_us = excluded.lateness_us`),
		hb.Process, hb.Location, hb.StartedAt, hb.SeenAt, hb.Lateness.Microseconds())
	return s.wrap(ctx, op, nil, err)
}

// ListHeartbeats implements storage.HeartbeatStore.
func (s *Store) ListHeartbeats(ctx context.Context, since, deleteBefore time.Time) ([]*storage.Heartbeat, error) {
	const op = "list heartbeats"
	if !deleteBefore.IsZero() {
		if _, err := s.pool.Exec(ctx, s.sql(`DELETE FROM {schema}.heartbeats WHERE seen_at < $1`), deleteBefore); err != nil {
			return nil, s.wrap(ctx, op, nil, err)
		}
	}
	rows, err := s.pool.Query(ctx, s.sql(`SELECT process, location, started_at, seen_at, lateness_us
		FROM {schema}.heartbeats WHERE seen_at >= $1 ORDER BY location, process`), since)
	if err != nil {
		return nil, s.wrap(ctx, op, nil, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*storage.Heartbeat, error) {
		var hb storage.Heartbeat
		var late int64
		if err := row.Scan(&hb.Process, &hb.Location, &hb.StartedAt, &hb.SeenAt, &late); err != nil {
			return nil, err
		}
		hb.StartedAt, hb.SeenAt, hb.Lateness = hb.StartedAt.UTC(), hb.SeenAt.UTC(), time.Duration(late)*time.Microsecond
		return &hb, nil
	})
	return out, s.wrap(ctx, op, nil, err)
}

// SetLocationAvailable implements storage.HeartbeatStore: the row of the
// location changes only when it says otherwise, and the statement tells
// whether it did, so that of processes that set it at once one is told.
func (s *Store) SetLocationAvailable(ctx context.Context, location string, available bool, at time.Time) (bool, error) {
	op := fmt.Sprintf("set location %q available", location)
	if err := checkText("location", location); err != nil {
		return false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	tag, err := s.pool.Exec(ctx, s.sql(`
		INSERT INTO {schema}.location_state AS l (location, available, changed_at)
		SELECT $1, $2, $3 WHERE $2 = false OR EXISTS (SELECT 1 FROM {schema}.location_state WHERE location = $1)
		ON CONFLICT (location) DO UPDATE SET available = excluded.available, changed_at = excluded.changed_at
		WHERE l.available IS DISTINCT FROM excluded.available`), location, available, at)
	if err != nil {
		return false, s.wrap(ctx, op, nil, err)
	}
	return tag.RowsAffected() == 1, nil
}
