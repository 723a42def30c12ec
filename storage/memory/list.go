package memory

import (
	"container/heap"
	"context"
	"encoding/base64"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// cursor is the key of the last execution of a page.
type cursor struct {
	at time.Time
	id string
}

// encodeCursor returns the opaque form of c.
func encodeCursor(c cursor) string {
	at, _ := c.at.MarshalText() // cannot fail for a CreatedAt within years 0-9999
	return base64.RawURLEncoding.EncodeToString([]byte(string(at) + "\n" + c.id))
}

// decodeCursor parses what encodeCursor returned.
func decodeCursor(s string) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, errorf("malformed cursor %q", s)
	}
	at, id, ok := strings.Cut(string(raw), "\n")
	var c cursor
	if !ok || c.at.UnmarshalText([]byte(at)) != nil {
		return cursor{}, errorf("malformed cursor %q", s)
	}
	c.id = id
	return c, nil
}

// span is the part of one plan's executions, oldest first, that a listing
// still has to visit, newest first: execs[lo:hi].
type span struct {
	execs  []*execRecord
	lo, hi int
}

// spans is a max-heap of spans by their newest execution.
type spans []span

func (h spans) Len() int { return len(h) }
func (h spans) Less(i, j int) bool {
	return compareRecords(h[i].execs[h[i].hi-1], h[j].execs[h[j].hi-1]) > 0
}
func (h spans) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *spans) Push(x any)   { *h = append(*h, x.(span)) }
func (h *spans) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// window returns the span of execs (sorted oldest first) created in
// [since, until) and before the cursor.
func window(execs []*execRecord, since, until time.Time, after *cursor) span {
	lo, hi := 0, len(execs)
	if !since.IsZero() {
		lo = sort.Search(hi, func(i int) bool { return !execs[i].exec.CreatedAt.Before(since) })
	}
	if !until.IsZero() {
		hi = lo + sort.Search(hi-lo, func(i int) bool { return !execs[lo+i].exec.CreatedAt.Before(until) })
	}
	if after != nil {
		hi = lo + sort.Search(hi-lo, func(i int) bool {
			e := &execs[lo+i].exec
			return compareKey(e.CreatedAt, e.ID, after.at, after.id) >= 0
		})
	}
	return span{execs: execs, lo: lo, hi: hi}
}

// ListExecutions returns a page of executions, newest first. Listing one
// plan visits only that plan's executions; listing every plan merges the
// plans' indexes.
func (s *Store) ListExecutions(ctx context.Context, params *storage.ListExecutionsParams) (*storage.ExecutionPage, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	var p storage.ListExecutionsParams
	if params != nil {
		p = *params
	}
	switch {
	case p.Limit < 0:
		return nil, errNegative("list executions: Limit", p.Limit)
	case p.Limit == 0:
		p.Limit = storage.DefaultListLimit
	case p.Limit > storage.MaxListLimit:
		p.Limit = storage.MaxListLimit
	}
	var after *cursor
	if p.Cursor != "" {
		c, err := decodeCursor(p.Cursor)
		if err != nil {
			return nil, err
		}
		after = &c
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	h := spans{}
	add := func(plan *planRecord) {
		if sp := window(plan.execs, p.Since, p.Until, after); sp.hi > sp.lo {
			h = append(h, sp)
		}
	}
	if p.PlanID != "" {
		if plan, ok := s.plans[p.PlanID]; ok {
			add(plan)
		}
	} else {
		for _, plan := range s.plans {
			add(plan)
		}
	}
	heap.Init(&h)

	page := &storage.ExecutionPage{Executions: []*record.Execution{}}
	for h.Len() > 0 {
		top := &h[0]
		top.hi--
		rec := top.execs[top.hi]
		if top.hi == top.lo {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
		if len(p.Statuses) > 0 && !slices.Contains(p.Statuses, rec.exec.Status) {
			continue
		}
		if len(page.Executions) == p.Limit {
			last := page.Executions[p.Limit-1]
			page.NextCursor = encodeCursor(cursor{at: last.CreatedAt, id: last.ID})
			break
		}
		page.Executions = append(page.Executions, copyExecution(&rec.exec))
	}
	return page, nil
}

// Summaries returns what a dashboard shows of each selected plan.
func (s *Store) Summaries(ctx context.Context, params *storage.SummaryParams) ([]*storage.PlanSummary, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	var p storage.SummaryParams
	if params != nil {
		p = *params
	}
	if p.Window < 0 {
		return nil, errNegative("summaries: Window", p.Window)
	}
	if p.Window == 0 {
		p.Window = storage.DefaultSummaryWindow
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	var plans []*planRecord
	if p.PlanIDs == nil {
		for _, plan := range s.plans {
			plans = append(plans, plan)
		}
	} else {
		for _, id := range p.PlanIDs {
			if plan, ok := s.plans[id]; ok && !slices.Contains(plans, plan) {
				plans = append(plans, plan)
			}
		}
	}
	slices.SortFunc(plans, func(a, b *planRecord) int { return strings.Compare(a.plan.ID, b.plan.ID) })

	out := make([]*storage.PlanSummary, 0, len(plans))
	var durs []time.Duration
	for _, plan := range plans {
		sum := &storage.PlanSummary{PlanID: plan.plan.ID, Counts: map[record.Status]int{}}
		if n := len(plan.execs); n > 0 {
			sum.Last = copyExecution(&plan.execs[n-1].exec)
		}
		durs = durs[:0]
		seen := 0
		for i := len(plan.execs) - 1; i >= 0 && seen < p.Window; i-- {
			e := &plan.execs[i].exec
			if !e.Status.Done() || e.Maintenance != "" {
				continue
			}
			seen++
			sum.Counts[e.Status]++
			if !e.StartedAt.IsZero() && !e.FinishedAt.IsZero() {
				durs = append(durs, e.FinishedAt.Sub(e.StartedAt))
			}
		}
		slices.Sort(durs)
		sum.P50 = percentile(durs, 50)
		sum.P95 = percentile(durs, 95)
		out = append(out, sum)
	}
	return out, nil
}

// percentile returns the nearest-rank pct-th percentile of sorted, zero
// when it is empty: the value at rank ceil(pct/100 * n).
func percentile(sorted []time.Duration, pct int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (pct*n + 99) / 100
	return sorted[max(rank, 1)-1]
}
