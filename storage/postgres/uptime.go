package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/smokex/smokex/storage"
)

var _ storage.UptimeStore = (*Store)(nil)

// DailyUptime returns the rollups params selects, by plan ID then day,
// from the uptime_daily table that UpdateExecution writes.
func (s *Store) DailyUptime(ctx context.Context, params *storage.DailyUptimeParams) ([]*storage.DailyUptime, error) {
	var p storage.DailyUptimeParams
	if params != nil {
		p = *params
	}
	planIDs := storableIDs(p.PlanIDs)
	day := func(t time.Time) pgtype.Date {
		if t.IsZero() {
			return pgtype.Date{}
		}
		return pgtype.Date{Time: storage.UTCDay(t), Valid: true}
	}
	rows, err := s.pool.Query(ctx, s.sql(`SELECT plan_id, day, passed, degraded, failed, duration_us, timed
		FROM {schema}.uptime_daily
		WHERE ($1::text[] IS NULL OR plan_id = ANY($1::text[]))
			AND ($2::date IS NULL OR day >= $2) AND ($3::date IS NULL OR day < $3)
		ORDER BY plan_id, day`), planIDs, day(p.Since), day(p.Until))
	if err != nil {
		return nil, s.wrap(ctx, "daily uptime", nil, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*storage.DailyUptime, error) {
		var (
			d  storage.DailyUptime
			dt pgtype.Date
			us int64
		)
		if err := row.Scan(&d.PlanID, &dt, &d.Passed, &d.Degraded, &d.Failed, &us, &d.Timed); err != nil {
			return nil, err
		}
		d.Day = time.Date(dt.Time.Year(), dt.Time.Month(), dt.Time.Day(), 0, 0, 0, 0, time.UTC)
		d.Duration = time.Duration(us) * time.Microsecond
		return &d, nil
	})
	if err != nil {
		return nil, s.wrap(ctx, "daily uptime", nil, err)
	}
	if out == nil {
		out = []*storage.DailyUptime{}
	}
	return out, nil
}
