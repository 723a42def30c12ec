package admin

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
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

// coalesce is how long, on average, a stream waits after an event for the
// ones that follow it, to write them all at once: with many clients and
// busy plans, one write for a burst instead of one for each event. Each
// wait is drawn between half and one and a half of it, so that the
// streams, which all get an event at the same moment, do not all wake
// and write at the same moment: 100 streams runnable at once kept the
// requests of /status and the API waiting for a CPU behind them.
const coalesce = 50 * time.Millisecond

// coalesceWait is one stream's wait for the events that follow one.
func coalesceWait() time.Duration {
	return coalesce/2 + rand.N(coalesce)
}

// replayGrace is how long after the last stream client left the handler
// still encodes events for the ring, so that a client that reconnects
// (EventSource does after 2 s) gets what it missed. Beyond it, with no
// client, events are counted and not encoded: nobody would read them.
const replayGrace = time.Minute

// message is one event, encoded once as it goes on the wire.
type message struct {
	id    uint64
	frame []byte // "id: ...\nevent: ...\ndata: ...\n\n"
	// data is where the event's JSON is in frame.
	data [2]int
	// labels are the labels of the event's plan, which decide the scoped
	// clients that get it.
	labels map[string]string
}

// broker keeps the recent messages in a ring and fans new ones out to the
// stream clients. It never blocks on a client.
type broker struct {
	heartbeat time.Duration
	maxCount  int // messages the ring keeps at most
	maxBytes  int // bytes of frames the ring keeps at most
	now       func() time.Time

	mu sync.Mutex
	// ring holds the latest messages, with consecutive ids up to count,
	// oldest first; bytes is the size of their frames.
	ring    []message
	bytes   int
	count   uint64    // messages so far; the last one's id
	left    time.Time // when the last client left, zero while one is there or none came
	clients map[*client]struct{}
	servers map[*http.Server]bool // those whose shutdown ends their streams
	closed  bool

	// batches holds the buffers of the streams' batches (*[]byte).
	batches sync.Pool
}

// client is one open stream.
type client struct {
	c      chan message
	srv    *http.Server
	closed bool // c is closed: the client fell behind, or the end came
}

func newBroker(size, maxBytes int, heartbeat time.Duration) *broker {
	return &broker{
		heartbeat: heartbeat,
		maxCount:  size,
		maxBytes:  maxBytes,
		now:       time.Now,
		clients:   map[*client]struct{}{},
		servers:   map[*http.Server]bool{},
		batches: sync.Pool{New: func() any {
			buf := make([]byte, 0, batchBytes)
			return &buf
		}},
	}
}

// listened reports whether a client is there or left within replayGrace;
// the caller holds mu.
func (b *broker) listened() bool {
	return len(b.clients) > 0 || (!b.left.IsZero() && b.now().Sub(b.left) < replayGrace)
}

// publish gives ev the next id and, when a client listens or may come
// back for it, encodes it, keeps it in the ring and sends it to every
// client. One goroutine publishes (handler.follow).
func (b *broker) publish(ev *smokex.Event) {
	b.mu.Lock()
	listened := b.listened()
	if !listened {
		b.count++
		b.ring, b.bytes = nil, 0 // the ring's ids stay consecutive
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
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
	start := len(frame)
	frame = append(frame, data...)
	end := len(frame)
	frame = append(frame, "\n\n"...)
	m := message{id: b.count, frame: frame, data: [2]int{start, end}}
	if ev.Plan != nil {
		m.labels = ev.Plan.Labels
	}
	b.ring = append(b.ring, m)
	b.bytes += len(frame)
	drop := 0
	for drop < len(b.ring) && (len(b.ring)-drop > b.maxCount || b.bytes > b.maxBytes) {
		b.bytes -= len(b.ring[drop].frame)
		b.ring[drop] = message{}
		drop++
	}
	b.ring = b.ring[drop:]
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
	if _, ok := b.clients[c]; ok && len(b.clients) == 1 {
		b.left = b.now()
	}
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
// lastID, in order. A lastID older than the buffer replays all of it. The
// ring keeps at most maxCount messages and maxBytes of frames, the newest;
// a frame larger than maxBytes is sent to the clients there and not kept.
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
	b.left = time.Time{}
	var replay []message
	if hasLast && lastID < b.count && len(b.ring) > 0 {
		first := b.ring[0].id
		from := max(lastID+1, first)
		replay = slices.Clone(b.ring[from-first:])
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

// streamWriteTimeout bounds each flush of /events: a client that reads
// nothing for that long is disconnected.
const streamWriteTimeout = 30 * time.Second

// stream serves GET /events as Server-Sent Events.
func (h *handler) stream(w http.ResponseWriter, r *http.Request) {
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

	flush, err := startStream(w, "retry: 2000\n: smokex events\n\n")
	if err != nil {
		return
	}
	out := &batch{w: w, access: accessOf(r), flush: flush, pool: &h.events.batches}
	for _, m := range replay {
		if out.add(m) != nil {
			return
		}
	}
	if out.send() != nil {
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
			// Gather what else arrives in a moment, to send it all at once.
			wait.Reset(coalesceWait())
			select {
			case <-r.Context().Done():
				return
			case <-wait.C:
			}
			if out.add(m) != nil {
				return
			}
			for more := true; more; {
				select {
				case m, ok := <-c.c:
					if !ok {
						out.send()
						return
					}
					if out.add(m) != nil {
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
		if out.send() != nil {
			return
		}
	}
}

// batchBytes is the size of a stream's batch buffer: what a stream
// writes at once, and at most what it holds besides its connection's
// buffers while it writes.
const batchBytes = 32 << 10

// batch gathers the messages a stream sends at once, so that a burst of
// events costs a client a write(2) for every 16 KiB or so rather than one
// for every 4 KiB (the response's buffers hold 2 and 4 KiB). Its buffer
// comes from pool when the first message is added and goes back when
// sent: streams that wait for the next burst hold none.
type batch struct {
	w      http.ResponseWriter
	access *Access
	flush  func() error
	pool   *sync.Pool
	buf    *[]byte
}

// add appends m as the stream's client may see it, after writing what was
// gathered when m would not fit.
func (b *batch) add(m message) error {
	if b.buf == nil {
		b.buf = b.pool.Get().(*[]byte)
	}
	if len(*b.buf) > 0 && len(*b.buf)+len(m.frame) > cap(*b.buf) {
		if err := b.write(); err != nil {
			return err
		}
	}
	var err error
	*b.buf, err = appendMessageFor(*b.buf, b.access, m)
	return err
}

// write writes what was gathered.
func (b *batch) write() error {
	if b.buf == nil || len(*b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(*b.buf)
	*b.buf = (*b.buf)[:0]
	return err
}

// send writes what was gathered, hands the buffer back and flushes the
// stream. A buffer that one message larger than batchBytes grew is left
// to the garbage collector.
func (b *batch) send() error {
	err := b.write()
	if b.buf != nil {
		if cap(*b.buf) == batchBytes {
			b.pool.Put(b.buf)
		}
		b.buf = nil
	}
	if err != nil {
		return err
	}
	return b.flush()
}

// startStream answers 200 as an event stream, writes first, and returns
// the function that flushes the stream. The stream outlives the server's
// read and write timeouts: no read deadline (the client sends nothing
// more), and a write deadline moved on at each flush, so that a client
// that stops reading is let go.
func startStream(w http.ResponseWriter, first string) (flush func() error, err error) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	flush = func() error {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		return rc.Flush()
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, err = io.WriteString(w, first)
	return flush, err
}

// appendMessageFor appends m as a may see it: nothing when its plan is
// not a's, without bodies and headers for a viewer.
func appendMessageFor(dst []byte, a *Access, m message) ([]byte, error) {
	if !a.all() {
		if !a.Sees(m.labels) {
			return dst, nil
		}
		if a.hidesBodies() && hasBodies(m.frame[m.data[0]:m.data[1]]) {
			return appendHidden(dst, m)
		}
	}
	return append(dst, m.frame...), nil
}

// appendHidden appends m without the bodies and headers of its steps.
func appendHidden(dst []byte, m message) ([]byte, error) {
	var ev Event
	if err := json.Unmarshal(m.frame[m.data[0]:m.data[1]], &ev); err != nil {
		return dst, err
	}
	ev.Execution = hideBodies(ev.Execution)
	if ev.Step != nil {
		hideStep(ev.Step)
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return dst, err
	}
	dst = append(dst, m.frame[:m.data[0]]...)
	dst = append(dst, data...)
	return append(dst, "\n\n"...), nil
}
