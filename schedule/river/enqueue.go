package river

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// Bounds of the enqueuing of ticks.
const (
	// enqueueBatch is the most ticks one insert carries.
	enqueueBatch = 1000
	// MaxPendingTicks is how many ticks this replica keeps while the
	// database refuses them (about 100 bytes each); past it, a new tick is
	// dropped and logged as an error.
	MaxPendingTicks = 100_000
	// enqueueRetryMin and enqueueRetryMax bound the wait between two
	// attempts to insert ticks the database refused.
	enqueueRetryMin = 50 * time.Millisecond
	enqueueRetryMax = 2 * time.Second
	// enqueueFlushTimeout bounds the last attempt, at Stop, to insert the
	// ticks still pending.
	enqueueFlushTimeout = 10 * time.Second
)

// enqueuer inserts the ticks that River's periodic job enqueuer hands
// over, and tries again until the database takes them.
//
// River's enqueuer, which runs on the elected leader only, builds a
// round's jobs, moves each entry's next run time on, then inserts the
// round in one transaction; when that fails (a connection terminated
// under it: "PeriodicJobEnqueuer: Error starting transaction") it logs the
// error and goes on from the next run times, so the round's ticks are
// lost. So the job constructor hands its tick here and gives River no job
// to insert (ErrNoJobToInsert), and this loop inserts the ticks in its own
// transactions, keeping those the database refused for the next attempt.
// A tick's job is unique by its arguments (entry and due time), so an
// attempt whose commit was in fact done, or a tick another leader
// inserted too, is skipped as a duplicate: a retry never makes a second
// job.
type enqueuer struct {
	client *river.Client[pgx.Tx]
	queue  string
	logger *slog.Logger

	mu      sync.Mutex
	pending []tickArgs
	wake    chan struct{}
}

func newEnqueuer(client *river.Client[pgx.Tx], queue string, logger *slog.Logger) *enqueuer {
	return &enqueuer{client: client, queue: queue, logger: logger, wake: make(chan struct{}, 1)}
}

// add queues t and wakes the loop. Only the loop takes ticks off the
// front of the queue.
func (q *enqueuer) add(t tickArgs) {
	q.mu.Lock()
	full := len(q.pending) >= MaxPendingTicks
	if !full {
		q.pending = append(q.pending, t)
	}
	q.mu.Unlock()
	if full {
		q.logger.Error("river: a tick was dropped: the database has refused the ticks before it for too long", "id", t.ID, "due", t.Due, "pending", MaxPendingTicks)
		return
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run inserts the pending ticks as they come until stop gives it a
// context, then tries to insert those left until that context is done or
// enqueueFlushTimeout has passed.
func (q *enqueuer) run(stop <-chan context.Context) {
	wait := time.Duration(0)
	failures := 0
	var retry <-chan time.Time
	for {
		select {
		case stopCtx := <-stop:
			ctx, cancel := context.WithTimeout(stopCtx, enqueueFlushTimeout)
			for q.len() > 0 && q.insert(ctx) == nil {
				// Each insert takes a batch off the queue.
			}
			cancel()
			if n := q.len(); n > 0 {
				q.logger.Error("river: ticks not enqueued at stop: the database refused them", "ticks", n)
			}
			return
		case <-q.wake:
		case <-retry:
		}
		retry = nil
		for q.len() > 0 {
			// River's enqueuer hands ticks over up to 100ms before they are
			// due; each is inserted at its due time, available at once.
			if d := time.Until(q.firstDue()); d > 0 {
				retry = time.After(d)
				break
			}
			if err := q.insert(context.Background()); err != nil {
				failures++
				wait = min(max(2*wait, enqueueRetryMin), enqueueRetryMax)
				q.logger.Warn("river: enqueuing ticks failed; trying again", "ticks", q.len(), "attempt", failures, "retry_in", wait, "error", err)
				retry = time.After(wait)
				break
			}
			if failures > 0 {
				q.logger.Info("river: ticks enqueued after failed attempts", "attempts", failures+1)
			}
			failures, wait = 0, 0
		}
	}
}

// firstDue is the due time of the oldest pending tick; the queue is not
// empty.
func (q *enqueuer) firstDue() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending[0].Due
}

func (q *enqueuer) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// insert inserts the oldest pending ticks, at most enqueueBatch, and
// drops them from the queue once the database took them. At Stop, ticks
// not yet due are inserted too.
func (q *enqueuer) insert(ctx context.Context) error {
	q.mu.Lock()
	batch := append([]tickArgs(nil), q.pending[:min(len(q.pending), enqueueBatch)]...)
	q.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(batch))
	for i, t := range batch {
		// No ScheduledAt: a job given one is inserted as scheduled, and
		// made available only when River's scheduler next looks (every
		// 5s); inserted at its due time, it is available at once.
		params[i] = river.InsertManyParams{Args: t, InsertOpts: &river.InsertOpts{
			Queue: q.queue,
			// One job per (id, due time), whichever leader or attempt
			// inserts it.
			UniqueOpts: river.UniqueOpts{ByArgs: true},
		}}
	}
	ictx, cancel := context.WithTimeout(ctx, enqueueFlushTimeout)
	defer cancel()
	if _, err := q.client.InsertMany(ictx, params); err != nil {
		return err
	}
	q.mu.Lock()
	q.pending = append(q.pending[:0], q.pending[len(batch):]...)
	q.mu.Unlock()
	return nil
}

// constructorSkip ends the message River's enqueuer logs, at info level,
// for each job constructor that gives it no job, as the ticks' constructor
// always does: dropHandler keeps it out of the host's log.
const constructorSkip = "PeriodicJobEnqueuer: nil returned from periodic job constructor, skipping"

// dropHandler is River's log handler: the host's, without constructorSkip.
type dropHandler struct{ slog.Handler }

func (h dropHandler) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasSuffix(r.Message, constructorSkip) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h dropHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return dropHandler{h.Handler.WithAttrs(attrs)}
}

func (h dropHandler) WithGroup(name string) slog.Handler {
	return dropHandler{h.Handler.WithGroup(name)}
}
