package cronspec

import (
	"hash/fnv"
	"time"

	cron "github.com/netresearch/go-cron"
)

// ForEntry parses spec as Parse does and returns the due times of the
// scheduler entry id on it, the one computation every scheduler uses. A
// cron spec's due times are its own. An "@every d" spec's are spread
// (EveryFor): had every entry of an interval the same due times, all
// their ticks would come due in the same instant and queue for the
// engine's concurrency, making most of them late.
func ForEntry(id, spec string) (cron.Schedule, error) {
	s, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	if cd, ok := s.(cron.ConstantDelaySchedule); ok {
		return EveryFor(id, cd.Delay), nil
	}
	return s, nil
}

// Every is the schedule of an entry on "@every Interval": its due times
// are the multiples of Interval since the zero time plus Offset, the same
// in every process whenever it computes them. It implements
// cron.ScheduleWithPrev.
type Every struct {
	// Interval is the time between two due times, positive.
	Interval time.Duration
	// Offset is where in each interval the due time falls, in [0, Interval).
	Offset time.Duration
}

var _ cron.ScheduleWithPrev = Every{}

// offsetStep is the step of an @every entry's offset: every due time of
// an @every entry falls on a tenth of a second, so that the schedulers
// wake at most ten times a second whatever the number of entries, and the
// entries due at the same tenth run together. Offsets a millisecond
// apart spread 1,000 plans over a thousand wake-ups each interval, and
// each check paid a wake-up of its own: serve's CPU per check, 1,000
// plans @every 10s, was 0.38-0.39 ms against 0.20-0.23 ms at this step,
// with the same lateness (bench/README.md, "Spreading @every ticks").
const offsetStep = 100 * time.Millisecond

// EveryFor is the schedule of the entry id on "@every interval": its
// Offset is derived from id alone (FNV-1a 64 of id, modulo the number of
// tenths of a second in the interval, in tenths of a second), so that it
// stays across restarts and processes while the entries of one interval
// spread over it.
func EveryFor(id string, interval time.Duration) Every {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id)) // a hash.Hash never fails to write
	var offset time.Duration
	if n := uint64(interval / offsetStep); n > 0 {
		offset = time.Duration(h.Sum64()%n) * offsetStep
	}
	return Every{Interval: interval, Offset: offset}
}

// Next returns the first due time after t.
func (e Every) Next(t time.Time) time.Time {
	return t.Add(-e.Offset).Truncate(e.Interval).Add(e.Interval + e.Offset)
}

// Prev returns the last due time before t.
func (e Every) Prev(t time.Time) time.Time {
	p := t.Add(-e.Offset).Truncate(e.Interval).Add(e.Offset)
	if !p.Before(t) {
		p = p.Add(-e.Interval)
	}
	return p
}
