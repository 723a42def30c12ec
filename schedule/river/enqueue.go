package river

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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

// enqueuer inserts the ticks that the tick loop hands over, and tries
// again until the database takes them: a transaction that fails (its
// connection terminated) loses no tick. A tick's job is unique by its
// arguments (entry and due time), so an attempt whose commit was in fact
// done, or a tick another replica inserted first, is skipped as a
// duplicate: a retry never makes a second job. It remembers the due time
// of each entry's last tick it was first to insert, for the sync loop to
// record as the entry's enqueued_through (throughUpdate), from which a
// replica that starts catches up; it records those left at Stop itself.
// A batch of ticks is thus River's insert alone, without a statement of
// ours in its transaction.
type enqueuer struct {
	client *river.Client[pgx.Tx]
	pool   *pgxpool.Pool
	sql    sqlText
	queue  string
	logger *slog.Logger

	mu      sync.Mutex
	pending []tickArgs
	// through is the due time of each entry's last tick this replica was
	// first to insert, not yet recorded in the table.
	through map[string]time.Time
	wake    chan struct{}
}

func newEnqueuer(client *river.Client[pgx.Tx], pool *pgxpool.Pool, sql sqlText, queue string, logger *slog.Logger) *enqueuer {
	return &enqueuer{client: client, pool: pool, sql: sql, queue: queue, logger: logger, through: map[string]time.Time{}, wake: make(chan struct{}, 1)}
}

// add queues ts and wakes the loop. Only the loop takes ticks off the
// front of the queue.
func (q *enqueuer) add(ts ...tickArgs) {
	if len(ts) == 0 {
		return
	}
	q.mu.Lock()
	room := max(0, MaxPendingTicks-len(q.pending))
	dropped := ts[min(room, len(ts)):]
	q.pending = append(q.pending, ts[:min(room, len(ts))]...)
	q.mu.Unlock()
	for _, t := range dropped {
		q.logger.Error("river: a tick was dropped: the database has refused the ticks before it for too long", "id", t.ID, "due", t.Due, "pending", MaxPendingTicks)
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
			if n := q.len(); n > 0 {
				q.logger.Error("river: ticks not enqueued at stop: the database refused them", "ticks", n)
			}
			if err := q.recordThrough(ctx); err != nil {
				q.logger.Warn("river: recording the last enqueued ticks at stop; a replica that starts enqueues them again, as duplicates", "error", err)
			}
			cancel()
			return
		case <-q.wake:
		case <-retry:
		}
		retry = nil
		for q.len() > 0 {
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

func (q *enqueuer) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// insert inserts the oldest pending ticks, at most enqueueBatch, and
// drops them from the queue once the database took them.
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
			Queue: queueOf(q.queue, t.Location),
			// One job per (id, due time, location), whichever replica or
			// attempt inserts it.
			UniqueOpts: river.UniqueOpts{ByArgs: true},
		}}
	}
	ictx, cancel := context.WithTimeout(ctx, enqueueFlushTimeout)
	defer cancel()
	res, err := q.client.InsertMany(ictx, params)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending[:0], q.pending[len(batch):]...)
	for i, r := range res {
		// The entries whose ticks this replica was first to insert.
		if t := batch[i]; !r.UniqueSkippedAsDuplicate && t.Due.After(q.through[t.ID]) {
			q.through[t.ID] = t.Due
		}
	}
	return nil
}

// throughUpdate is the statement that records the entries' last enqueued
// due times: $1 the ids, $2 their due times. A due time earlier than the
// entry's last change (updated_at) is one of a spec it no longer has,
// and is not recorded: the catch-up of the spec it has starts after it.
const throughUpdate = `UPDATE {schema}.schedule_entries e SET enqueued_through = t.due
	FROM unnest($1::text[], $2::timestamptz[]) AS t(id, due)
	WHERE e.id = t.id AND e.updated_at <= t.due AND (e.enqueued_through IS NULL OR e.enqueued_through < t.due)`

// takeThrough returns the last due times to record, as throughUpdate's
// arguments, and forgets them; nil if there are none. A caller whose
// write fails gives them back (keepThrough). The ids are sorted, so that
// the updates of two replicas lock the rows they share in the same order
// and wait on each other rather than deadlock (PostgreSQL looks the rows
// up in the order given once the table is large).
func (q *enqueuer) takeThrough() (ids []string, dues []time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.through) == 0 {
		return nil, nil
	}
	ids = slices.Sorted(maps.Keys(q.through))
	dues = make([]time.Time, len(ids))
	for i, id := range ids {
		dues[i] = q.through[id]
	}
	clear(q.through)
	return ids, dues
}

// keepThrough gives back the due times takeThrough returned, when they
// were not recorded, keeping the later of each entry's.
func (q *enqueuer) keepThrough(ids []string, dues []time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, id := range ids {
		if dues[i].After(q.through[id]) {
			q.through[id] = dues[i]
		}
	}
}

// recordThrough records the last due times not yet recorded, on its own.
func (q *enqueuer) recordThrough(ctx context.Context) error {
	ids, dues := q.takeThrough()
	if ids == nil {
		return nil
	}
	if _, err := q.pool.Exec(ctx, q.sql.of(throughUpdate), ids, dues); err != nil {
		q.keepThrough(ids, dues)
		return err
	}
	return nil
}
