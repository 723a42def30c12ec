package river

import (
	"container/heap"
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
// long until the next one. It visits the entries due, not all of them.
func (s *Scheduler) enqueueDue(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ticks []tickArgs
	var due []time.Time
	for len(s.due) > 0 && !s.due[0].next.After(now) {
		e := s.due[0]
		due = due[:0]
		for !e.next.IsZero() && !e.next.After(now) {
			if len(due) == MaxCatchUpTicks {
				due = append(due[:0], due[1:]...)
			}
			due = append(due, e.next)
			e.next = e.parsed.next(e.next)
		}
		for _, d := range due {
			if len(e.locations) == 0 {
				ticks = append(ticks, tickArgs{ID: e.id, Due: d})
			}
			for _, loc := range e.locations {
				ticks = append(ticks, tickArgs{ID: e.id, Due: d, Location: loc})
			}
		}
		if e.next.IsZero() {
			heap.Pop(&s.due)
		} else {
			heap.Fix(&s.due, 0)
		}
	}
	// Every replica inserts in the same order, so that their inserts of
	// the same unique jobs wait on each other without deadlocking.
	slices.SortFunc(ticks, tickArgs.compare)
	s.enq.add(ticks...)
	if len(s.due) == 0 {
		return idleWait
	}
	return min(s.due[0].next.Sub(now), idleWait)
}

// dueHeap holds the entries that tick again, by their next due time, so
// that the tick loop finds those due without looking at the others (a
// thousand entries @every 10s come due ten at a time, ten times a
// second). It implements heap.Interface; use add and remove.
type dueHeap []*localEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].next.Before(h[j].next) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

// Push implements heap.Interface.
func (h *dueHeap) Push(x any) {
	e := x.(*localEntry)
	e.index = len(*h)
	*h = append(*h, e)
}

// Pop implements heap.Interface.
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.index = -1
	*h = old[:len(old)-1]
	return e
}

// add puts e in the heap if it ticks again.
func (h *dueHeap) add(e *localEntry) {
	if !e.next.IsZero() {
		heap.Push(h, e)
	}
}

// remove takes e out of the heap if it is there.
func (h *dueHeap) remove(e *localEntry) {
	if e.index >= 0 {
		heap.Remove(h, e.index)
	}
}
