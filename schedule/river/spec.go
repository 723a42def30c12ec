package river

import (
	"fmt"
	"strings"
	"time"

	cron "github.com/netresearch/go-cron"

	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/schedule"
)

// spec is a parsed entry spec whose due times every replica computes
// alike, from the spec alone: a cron spec's are its own, and an
// "@every d" spec's are the multiples of d since the zero time (for d
// that divides a day, the times of the day UTC that d divides). So a
// newly elected leader enqueues the very due times the previous one
// would have, and the uniqueness of a job per (id, due time) holds across
// leaders.
type spec struct {
	every time.Duration // for @every; 0 for a cron spec
	cron  cron.Schedule
	loc   *time.Location
}

func parseSpec(id, s string, loc *time.Location) (*spec, error) {
	sched, err := cronspec.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w %q for %q: %w", schedule.ErrInvalidSpec, s, id, err)
	}
	if d, ok := strings.CutPrefix(strings.TrimSpace(s), "@every "); ok {
		every, _ := time.ParseDuration(strings.TrimSpace(d)) // cronspec.Parse checked it
		return &spec{every: every}, nil
	}
	return &spec{cron: sched, loc: loc}, nil
}

// next is the first due time after t, in UTC; zero if none.
func (s *spec) next(t time.Time) time.Time {
	if s.every > 0 {
		return t.UTC().Truncate(s.every).Add(s.every)
	}
	n := s.cron.Next(t.In(s.loc))
	if n.IsZero() {
		return n
	}
	return n.UTC()
}

// prev is the last due time at or before t, zero if none is known.
func (s *spec) prev(t time.Time) time.Time {
	if s.every > 0 {
		return t.UTC().Truncate(s.every)
	}
	sp, ok := s.cron.(cron.ScheduleWithPrev)
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
