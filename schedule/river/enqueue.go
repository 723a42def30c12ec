package river

import (
	"context"
	"log/slog"
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
// duplicate: a retry never makes a second job. With the jobs it inserts,
// in the same transaction, it moves each entry's enqueued_through on, from
// which a replica that starts catches up.
type enqueuer struct {
	client *river.Client[pgx.Tx]
	pool   *pgxpool.Pool
	sql    sqlText
	queue  string
	logger *slog.Logger

	mu      sync.Mutex
	pending []tickArgs
	wake    chan struct{}
}

func newEnqueuer(client *river.Client[pgx.Tx], pool *pgxpool.Pool, sql sqlText, queue string, logger *slog.Logger) *enqueuer {
	return &enqueuer{client: client, pool: pool, sql: sql, queue: queue, logger: logger, wake: make(chan struct{}, 1)}
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
	err := pgx.BeginFunc(ictx, q.pool, func(tx pgx.Tx) error {
		res, err := q.client.InsertManyTx(ictx, tx, params)
		if err != nil {
			return err
		}
		// The entries whose ticks this replica was first to insert.
		var ids []string
		var dues []time.Time
		for i, r := range res {
			if !r.UniqueSkippedAsDuplicate {
				ids, dues = append(ids, batch[i].ID), append(dues, batch[i].Due)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		_, err = tx.Exec(ictx, q.sql.of(`UPDATE {schema}.schedule_entries e SET enqueued_through = t.due
			FROM (SELECT id, max(due) AS due FROM unnest($1::text[], $2::timestamptz[]) AS u(id, due) GROUP BY id) t
			WHERE e.id = t.id AND (e.enqueued_through IS NULL OR e.enqueued_through < t.due)`), ids, dues)
		return err
	})
	if err != nil {
		return err
	}
	q.mu.Lock()
	q.pending = append(q.pending[:0], q.pending[len(batch):]...)
	q.mu.Unlock()
	return nil
}
