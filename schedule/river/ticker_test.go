package river

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// BenchmarkEnqueueDue is the tick loop's work for 1,000 entries @every
// 10s, one op a tenth of a second (about ten ticks due each), the ticks
// taken off the enqueuer's queue. It does no I/O: the pool never
// connects.
func BenchmarkEnqueueDue(b *testing.B) {
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none")
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	s, err := New(Config{Pool: pool, Func: func(context.Context, string, time.Time) {}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		id := fmt.Sprintf("p%d", i)
		sp, err := parseSpec(id, "@every 10s", time.UTC)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.apply(id, "@every 10s", nil, sp, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	ticks := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		now = now.Add(100 * time.Millisecond)
		s.enqueueDue(now)
		s.enq.mu.Lock()
		ticks += len(s.enq.pending)
		s.enq.pending = s.enq.pending[:0]
		s.enq.mu.Unlock()
	}
	b.ReportMetric(float64(ticks)/float64(b.N), "ticks/op")
}
