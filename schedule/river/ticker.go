package river

import (
	"slices"
	"time"
)

// tickLoop enqueues the ticks of this replica's entries as they fall due,
// until Stop. Every replica does it for every entry: a tick's job is
// unique per (id, due time), so the first insert wins and the others are
// skipped as duplicates, and no tick waits on a leader. A due time this
// loop finds passed by more than one tick (the process was paused, or it
// starts after no replica enqueued for a while) is caught up: each missed
// tick is enqueued, MaxCatchUpTicks at most per entry, the latest.
func (s *Scheduler) tickLoop() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := s.enqueueDue(time.Now())
		timer.Reset(wait)
		select {
		case <-s.life.Done():
			return
		case <-s.rewake:
		case <-timer.C:
		}
	}
}

// idleWait is how long the tick loop sleeps when no entry ticks; a new
// entry wakes it.
const idleWait = time.Hour

// enqueueDue hands the ticks due at now to the enqueuer and returns how
// long until the next one.
func (s *Scheduler) enqueueDue(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	earliest := now.Add(idleWait)
	var ticks []tickArgs
	for id, e := range s.local {
		var due []time.Time
		for !e.next.IsZero() && !e.next.After(now) {
			if len(due) == MaxCatchUpTicks {
				due = append(due[:0], due[1:]...)
			}
			due = append(due, e.next)
			e.next = e.parsed.next(e.next)
		}
		for _, d := range due {
			if len(e.locations) == 0 {
				ticks = append(ticks, tickArgs{ID: id, Due: d})
			}
			for _, loc := range e.locations {
				ticks = append(ticks, tickArgs{ID: id, Due: d, Location: loc})
			}
		}
		if !e.next.IsZero() && e.next.Before(earliest) {
			earliest = e.next
		}
	}
	// Every replica inserts in the same order, so that their inserts of
	// the same unique jobs wait on each other without deadlocking.
	slices.SortFunc(ticks, tickArgs.compare)
	s.enq.add(ticks...)
	return earliest.Sub(now)
}
