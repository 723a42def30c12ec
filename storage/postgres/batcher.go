package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smokex/smokex/storage"
)

// Group commit of AppendStep.
//
// Each AppendStep call queues its row and waits. While rows are queued, one
// flusher goroutine runs: it takes what is queued, writes it with one
// INSERT (one transaction, one commit), hands each caller its outcome and
// takes the next batch, which gathered while the previous one committed.
// It exits when the queue is empty; the next call starts another. So no
// goroutine outlives the calls that need it, and a Store needs no Close.
//
// When the callers of a batch of several rows append again as soon as they
// are answered (as a host that stores results in a tight loop does), the
// flusher waits for them up to stepBatchWait, so that batches do not
// alternate between one row and all the others.

const (
	// maxStepBatch and maxStepBatchBytes bound one batch (at least one row
	// goes in a batch, whatever its size).
	maxStepBatch      = 512
	maxStepBatchBytes = 4 << 20
	// stepBatchWait is how long the flusher waits, after a batch of n > 1
	// rows, for n rows to be queued before it takes the next batch. It
	// adds at most this much to a call's wait, and nothing when calls
	// come one at a time.
	stepBatchWait = 250 * time.Microsecond
)

// States of a stepReq.
const (
	reqQueued    int32 = iota // waiting in the queue
	reqTaken                  // in a batch being written
	reqAbandoned              // its caller gave up before it was taken
)

// stepKey is the primary key of a step_results row.
type stepKey struct {
	executionID string
	index       int32
}

// stepReq is one queued AppendStep.
type stepReq struct {
	key   stepKey
	doc   []byte
	op    string
	state atomic.Int32
	done  chan error // buffered: the flusher never blocks on it
}

// stepBatcher coalesces concurrent AppendStep calls. Its zero value is
// ready.
type stepBatcher struct {
	mu       sync.Mutex
	queue    []*stepReq
	flushing bool          // a flusher goroutine runs
	want     int           // the flusher awaits this many queued rows (0: not waiting)
	wake     chan struct{} // wakes the awaiting flusher; buffered
}

// appendStep queues the row and waits for its outcome or for ctx to end.
func (s *Store) appendStep(ctx context.Context, key stepKey, doc []byte, op string) error {
	r := &stepReq{key: key, doc: doc, op: op, done: make(chan error, 1)}
	b := &s.steps
	b.mu.Lock()
	b.queue = append(b.queue, r)
	if b.want > 0 && len(b.queue) >= b.want {
		b.want = 0
		select {
		case b.wake <- struct{}{}:
		default:
		}
	}
	if !b.flushing {
		b.flushing = true
		go s.flushSteps()
	}
	b.mu.Unlock()

	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		// A row not yet taken is never written; one already taken is
		// written as if its caller had waited.
		if !r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			select {
			case err := <-r.done: // answered meanwhile
				return err
			default:
			}
		}
		return fmt.Errorf("postgres: %s: %w", op, ctx.Err())
	}
}

// flushSteps writes batches until the queue is empty.
func (s *Store) flushSteps() {
	for {
		batch := s.steps.take()
		if batch == nil {
			return
		}
		s.writeSteps(batch)
		if len(batch) > 1 {
			s.steps.await(len(batch), stepBatchWait)
		}
	}
}

// await waits until n rows are queued or for at most d.
func (b *stepBatcher) await(n int, d time.Duration) {
	b.mu.Lock()
	if len(b.queue) >= n {
		b.mu.Unlock()
		return
	}
	b.want = n
	if b.wake == nil {
		b.wake = make(chan struct{}, 1)
	}
	wake := b.wake
	b.mu.Unlock()
	t := time.NewTimer(d)
	select {
	case <-wake:
	case <-t.C:
	}
	t.Stop()
	b.mu.Lock()
	b.want = 0
	select {
	case <-wake:
	default:
	}
	b.mu.Unlock()
}

// take removes a batch from the queue: rows whose callers gave up are
// dropped, and a row with the key of one already in the batch stays queued
// for the next, so that the keys of a batch are distinct. When the queue is
// empty it returns nil, and the calling flusher must exit.
func (b *stepBatcher) take() []*stepReq {
	b.mu.Lock()
	defer b.mu.Unlock()
	var (
		batch []*stepReq
		keep  []*stepReq
		seen  = make(map[stepKey]struct{})
		size  int
	)
	for i, r := range b.queue {
		if len(batch) == maxStepBatch || (len(batch) > 0 && size+len(r.doc) > maxStepBatchBytes) {
			keep = append(keep, b.queue[i:]...)
			break
		}
		if _, dup := seen[r.key]; dup {
			keep = append(keep, r)
			continue
		}
		if !r.state.CompareAndSwap(reqQueued, reqTaken) {
			continue // abandoned
		}
		seen[r.key] = struct{}{}
		batch = append(batch, r)
		size += len(r.doc)
	}
	clear(b.queue) // let the dropped requests go
	b.queue = append(b.queue[:0], keep...)
	if len(batch) == 0 {
		b.flushing = false
		return nil
	}
	return batch
}

// flushTimeout bounds the write of one batch of step results.
const flushTimeout = 30 * time.Second

// writeSteps writes a batch with one INSERT, which locks the executions
// of its rows in key order: DeletePlan and Prune lock them in ID order
// too, so that neither can deadlock with a batch. When the INSERT fails for a reason other than a broken
// connection (a stored index, an unknown execution), nothing of it is
// stored, and each row is written again on its own so that each caller gets
// its own outcome. When the connection breaks, every caller gets the
// error: as for a single INSERT, the outcome of a commit whose reply was
// lost is unknown.
func (s *Store) writeSteps(batch []*stepReq) {
	// The flush is not any one caller's: it runs to its end whatever
	// happens to their contexts, within flushTimeout, so that a connection
	// that hangs fails its batch rather than holding back every later one.
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	slices.SortFunc(batch, func(a, b *stepReq) int {
		return cmp.Or(cmp.Compare(a.key.executionID, b.key.executionID), cmp.Compare(a.key.index, b.key.index))
	})
	var err error
	if len(batch) == 1 {
		err = s.insertStep(ctx, batch[0])
	} else {
		ids := make([]string, len(batch))
		idx := make([]int32, len(batch))
		docs := make([][]byte, len(batch))
		for i, r := range batch {
			ids[i], idx[i], docs[i] = r.key.executionID, r.key.index, r.doc
		}
		_, err = s.pool.Exec(ctx, s.sql(insertStepsSQL), ids, idx, docs)
	}
	if err == nil {
		for _, r := range batch {
			r.done <- nil
		}
		return
	}
	// A batch of one has its outcome; so do the rows of a batch whose
	// connection broke.
	if len(batch) == 1 || errors.Is(s.wrap(ctx, "append steps", nil, err), ErrConnLost) {
		for _, r := range batch {
			r.done <- s.wrap(ctx, r.op, storage.ErrNotFound, err)
		}
		return
	}
	for _, r := range batch {
		r.done <- s.wrap(ctx, r.op, storage.ErrNotFound, s.insertStep(ctx, r))
	}
}

// insertStepsSQL inserts the rows of step_results whose columns are its
// three arrays.
const insertStepsSQL = `INSERT INTO {schema}.step_results (execution_id, index, data)
	SELECT * FROM unnest($1::text[], $2::int4[], $3::jsonb[])`

// insertStep writes one row with its own INSERT.
func (s *Store) insertStep(ctx context.Context, r *stepReq) error {
	_, err := s.pool.Exec(ctx, s.sql(`INSERT INTO {schema}.step_results (execution_id, index, data) VALUES ($1, $2, $3)`),
		r.key.executionID, r.key.index, r.doc)
	return err
}
