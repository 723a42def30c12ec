package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
)

// Event is the data of one message on /events, as JSON. The message's
// event field is its Type, and its id a number that grows by one with each
// event.
type Event struct {
	// Type is execution_created, execution_started, step_finished or
	// execution_finished.
	Type string    `json:"type"`
	Time time.Time `json:"time"`
	// Plan is the plan the execution belongs to.
	Plan *record.PlanRef `json:"plan"`
	// Execution is the execution without its steps, except on
	// execution_finished where it holds them all.
	Execution *record.Execution `json:"execution"`
	// Step is the finished step of step_finished.
	Step *record.StepResult `json:"step,omitempty"`
}

// clientBuffer is how many messages a stream client may fall behind before
// it is disconnected; it then reconnects with its Last-Event-ID and gets
// what it missed from the handler's buffer.
const clientBuffer = 1024

// coalesce is how long a stream waits after an event for the ones that
// follow it, to write them all at once: with many clients and busy plans,
// one write for a burst instead of one for each event.
const coalesce = 50 * time.Millisecond

// message is one event, encoded once as it goes on the wire.
type message struct {
	id    uint64
	frame []byte // "id: ...\nevent: ...\ndata: ...\n\n"
}

// broker keeps the recent messages in a ring and fans new ones out to the
// stream clients. It never blocks on a client.
type broker struct {
	heartbeat time.Duration

	mu      sync.Mutex
	ring    []message // the latest len(ring) messages, oldest at next%len
	count   uint64    // messages so far; the last one's id
	clients map[*client]struct{}
	servers map[*http.Server]bool // those whose shutdown ends their streams
	closed  bool
}

// client is one open stream.
type client struct {
	c      chan message
	srv    *http.Server
	closed bool // c is closed: the client fell behind, or the end came
}

func newBroker(size int, heartbeat time.Duration) *broker {
	return &broker{
		heartbeat: heartbeat,
		ring:      make([]message, 0, size),
		clients:   map[*client]struct{}{},
		servers:   map[*http.Server]bool{},
	}
}

// publish encodes ev and sends it to every client.
func (b *broker) publish(ev *smokex.Event) {
	data, err := json.Marshal(Event{Type: string(ev.Type), Time: ev.Time, Plan: ev.Plan, Execution: ev.Execution, Step: ev.Step})
	if err != nil {
		data, _ = json.Marshal(map[string]string{"type": string(ev.Type), "error": err.Error()})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.count++
	frame := make([]byte, 0, len(data)+64)
	frame = append(frame, "id: "...)
	frame = strconv.AppendUint(frame, b.count, 10)
	frame = append(frame, "\nevent: "...)
	frame = append(frame, ev.Type...)
	frame = append(frame, "\ndata: "...)
	frame = append(frame, data...)
	frame = append(frame, "\n\n"...)
	m := message{id: b.count, frame: frame}
	if len(b.ring) < cap(b.ring) {
		b.ring = append(b.ring, m)
	} else {
		b.ring[(b.count-1)%uint64(cap(b.ring))] = m
	}
	for c := range b.clients {
		select {
		case c.c <- m:
		default:
			b.drop(c)
		}
	}
}

// drop closes c's channel and forgets it; the caller holds mu.
func (b *broker) drop(c *client) {
	delete(b.clients, c)
	if !c.closed {
		c.closed = true
		close(c.c)
	}
}

// close ends every stream: the engine stopped.
func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for c := range b.clients {
		b.drop(c)
	}
}

// subscribe adds a client and returns it with the buffered messages after
// lastID, in order. A lastID older than the buffer replays all of it.
func (b *broker) subscribe(lastID uint64, hasLast bool, srv *http.Server) (*client, []message) {
	c := &client{c: make(chan message, clientBuffer), srv: srv}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		c.closed = true
		close(c.c)
		return c, nil
	}
	if srv != nil && !b.servers[srv] {
		// Server.Shutdown waits for every request to end, and a stream
		// does not end on its own.
		b.servers[srv] = true
		srv.RegisterOnShutdown(func() { b.shutdown(srv) })
	}
	b.clients[c] = struct{}{}
	var replay []message
	if hasLast && lastID < b.count {
		n := uint64(len(b.ring))
		first := b.count - n + 1 // id of the oldest buffered message
		from := max(lastID+1, first)
		for id := from; id <= b.count; id++ {
			replay = append(replay, b.ring[(id-1)%uint64(cap(b.ring))])
		}
	}
	return c, replay
}

// shutdown ends the streams served by srv.
func (b *broker) shutdown(srv *http.Server) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.servers, srv)
	for c := range b.clients {
		if c.srv == srv {
			b.drop(c)
		}
	}
}

func (b *broker) unsubscribe(c *client) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drop(c)
}

// stream serves GET /events as Server-Sent Events.
func (h *handler) stream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	var lastID uint64
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	hasLast := last != ""
	if hasLast {
		n, err := strconv.ParseUint(last, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Last-Event-ID must be the id of an event, not "+strconv.Quote(last))
			return
		}
		lastID = n
	}
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	c, replay := h.events.subscribe(lastID, hasLast, srv)
	defer h.events.unsubscribe(c)

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n: smokex events\n\n"); err != nil {
		return
	}
	for _, m := range replay {
		if writeMessage(w, m) != nil {
			return
		}
	}
	if rc.Flush() != nil {
		return
	}
	beat := time.NewTicker(h.cfg.Heartbeat)
	defer beat.Stop()
	wait := time.NewTimer(coalesce)
	defer wait.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case m, ok := <-c.c:
			if !ok {
				return
			}
			if writeMessage(w, m) != nil {
				return
			}
			// Write what else arrives in a moment before one flush.
			wait.Reset(coalesce)
			select {
			case <-r.Context().Done():
				return
			case <-wait.C:
			}
			for more := true; more; {
				select {
				case m, ok := <-c.c:
					if !ok {
						rc.Flush()
						return
					}
					if writeMessage(w, m) != nil {
						return
					}
				default:
					more = false
				}
			}
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
		}
		if rc.Flush() != nil {
			return
		}
	}
}

func writeMessage(w http.ResponseWriter, m message) error {
	_, err := w.Write(m.frame)
	return err
}
