package river

import (
	"fmt"
	"time"

	cron "github.com/netresearch/go-cron"

	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/schedule"
)

// spec is a parsed entry spec whose due times every replica computes
// alike, from the entry's id and spec alone (cronspec.ForEntry, as the
// in-process scheduler does): a cron spec's are its own, and an "@every d"
// spec's are the multiples of d since the zero time plus an offset in
// [0, d) derived from the id. So a newly elected leader enqueues the very
// due times the previous one would have, and the uniqueness of a job per
// (id, due time) holds across leaders.
type spec struct {
	sched cron.Schedule
	loc   *time.Location
}

func parseSpec(id, s string, loc *time.Location) (*spec, error) {
	sched, err := cronspec.ForEntry(id, s)
	if err != nil {
		return nil, fmt.Errorf("%w %q for %q: %w", schedule.ErrInvalidSpec, s, id, err)
	}
	return &spec{sched: sched, loc: loc}, nil
}

// next is the first due time after t, in UTC; zero if none.
func (s *spec) next(t time.Time) time.Time {
	n := s.sched.Next(t.In(s.loc))
	if n.IsZero() {
		return n
	}
	return n.UTC()
}

// prev is the last due time at or before t, zero if none is known.
func (s *spec) prev(t time.Time) time.Time {
	sp, ok := s.sched.(cron.ScheduleWithPrev)
	if !ok {
		return time.Time{}
	}
	p := sp.Prev(t.In(s.loc).Add(time.Second))
	if p.After(t) {
		p = sp.Prev(p)
	}
	if p.IsZero() {
		return p
	}
	return p.UTC()
}
