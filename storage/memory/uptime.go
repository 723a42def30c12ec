package memory

import (
	"cmp"
	"context"
	"slices"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

var _ storage.UptimeStore = (*Store)(nil)

// countUptime adds e, which has just become final, to its plan's rollup
// of its day, when the rollups count it, and drops the plan's rollups
// older than storage.MinUptimeDays before the newest. The caller holds
// s.mu.
func (p *planRecord) countUptime(e *record.Execution) {
	var add storage.DailyUptime
	switch {
	case e.Maintenance != "":
		return
	case e.Status == record.StatusPassed:
		add.Passed = 1
	case e.Status == record.StatusDegraded:
		add.Degraded = 1
	case e.Status == record.StatusFailed:
		add.Failed = 1
	default:
		return
	}
	if !e.StartedAt.IsZero() && !e.FinishedAt.IsZero() {
		add.Duration, add.Timed = e.FinishedAt.Sub(e.StartedAt), 1
	}
	day := storage.UTCDay(e.CreatedAt)
	if p.uptime == nil {
		p.uptime = make(map[int64]*storage.DailyUptime)
	}
	key := day.Unix()
	d, ok := p.uptime[key]
	if !ok {
		d = &storage.DailyUptime{PlanID: e.PlanID, Day: day}
		p.uptime[key] = d
		oldest := day.AddDate(0, 0, -storage.MinUptimeDays).Unix()
		for k := range p.uptime {
			if k < oldest {
				delete(p.uptime, k)
			}
		}
	}
	d.Add(&add)
}

// DailyUptime returns the rollups params selects, by plan ID then day.
func (s *Store) DailyUptime(ctx context.Context, params *storage.DailyUptimeParams) ([]*storage.DailyUptime, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	var p storage.DailyUptimeParams
	if params != nil {
		p = *params
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []*storage.DailyUptime{}
	for id, rec := range s.plans {
		if p.PlanIDs != nil && !slices.Contains(p.PlanIDs, id) {
			continue
		}
		for _, d := range rec.uptime {
			if !p.Since.IsZero() && d.Day.Before(storage.UTCDay(p.Since)) ||
				!p.Until.IsZero() && !d.Day.Before(storage.UTCDay(p.Until)) {
				continue
			}
			c := *d
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *storage.DailyUptime) int {
		return cmp.Or(cmp.Compare(a.PlanID, b.PlanID), a.Day.Compare(b.Day))
	})
	return out, nil
}
