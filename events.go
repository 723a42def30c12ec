package smokex

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/smokex/smokex/record"
)

// EventType tells what happened to an execution.
type EventType string

// The events an Engine publishes, in the order they happen to one
// execution. Each is published once what it announces is stored (or its
// write failed for good, which the hooks are told), so that a subscriber
// that reads the execution from the store on an event finds it:
// step_finished once its step is stored, which for an execution's last
// step on a store that writes it with the finish
// (storage.ExecutionFinisher) is when the finish is, just before
// execution_finished. The exception is a scheduled tick written once,
// when it ends (Config.WriteRunningAfter): its execution_created and
// execution_started come before its first write, so the store does not
// hold it yet on them; its step_finished and execution_finished come
// once that write is made. A run the store refuses at that write (its
// tick has an execution already, or its plan is gone) publishes no
// step_finished and no execution_finished: it is told to the hooks as a
// skipped tick.
const (
	EventExecutionCreated  EventType = "execution_created"
	EventExecutionStarted  EventType = "execution_started"
	EventStepFinished      EventType = "step_finished"
	EventExecutionFinished EventType = "execution_finished"
)

// Event is one change to an execution.
type Event struct {
	Type EventType
	Time time.Time
	// Plan is the plan the execution belongs to.
	Plan *record.PlanRef
	// Execution is a snapshot without step results, except on
	// EventExecutionFinished where it holds them all.
	Execution *record.Execution
	// Step is set on EventStepFinished.
	Step *record.StepResult
}

// Subscription receives an engine's events. A subscriber that falls behind
// by more than its buffer loses events rather than slowing runs; Dropped
// counts them.
type Subscription struct {
	c       chan Event
	dropped atomic.Uint64
	hub     *hub
	once    sync.Once
}

// C delivers the events. It is closed by Close and when the engine stops.
func (s *Subscription) C() <-chan Event { return s.c }

// Dropped returns how many events this subscriber lost to a full buffer.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close ends the subscription and closes C. It is safe to call more than
// once.
func (s *Subscription) Close() { s.hub.remove(s) }

// hub fans events out to subscribers without ever blocking the publisher.
type hub struct {
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
}

func newHub() *hub { return &hub{subs: map[*Subscription]struct{}{}} }

func (h *hub) subscribe(buffer int) *Subscription {
	s := &Subscription{c: make(chan Event, buffer), hub: h}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		s.once.Do(func() { close(s.c) })
		return s
	}
	h.subs[s] = struct{}{}
	return s
}

func (h *hub) remove(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
	s.once.Do(func() { close(s.c) })
}

// publish hands ev to every subscriber with room for it and returns how
// many had none.
func (h *hub) publish(ev Event) (dropped int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.c <- ev:
		default:
			s.dropped.Add(1)
			dropped++
		}
	}
	return dropped
}

// close closes every subscription; later subscriptions start closed.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		s.once.Do(func() { close(s.c) })
	}
}
