package admin

import (
	"context"
	"fmt"
	"sync"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// heartbeatRuns is how many executions a plan's heartbeat bar shows.
const heartbeatRuns = 50

// recentRuns holds each plan's newest finished executions for the
// overview's heartbeat bars: read for every plan of a snapshot at once
// (one query on a storage.RecentLister), the first time a page of that
// snapshot asks, and shared by every page that the snapshot serves.
type recentRuns struct {
	ids    []string
	mu     sync.Mutex
	byPlan map[string][]*record.Execution // nil until read
}

// get returns the executions by plan, newest first, reading them on the
// first call; concurrent first calls wait for the one read.
func (rr *recentRuns) get(ctx context.Context, st storage.Store) (map[string][]*record.Execution, error) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if rr.byPlan != nil {
		return rr.byPlan, nil
	}
	var (
		m   map[string][]*record.Execution
		err error
	)
	if rl, ok := st.(storage.RecentLister); ok {
		m, err = rl.RecentExecutions(ctx, rr.ids, heartbeatRuns)
	} else {
		m, err = listRecent(ctx, st, rr.ids)
	}
	if err != nil {
		return nil, err
	}
	rr.byPlan = m
	return m, nil
}

// listRecent reads the recent executions of a store that is not a
// storage.RecentLister, a plan at a time.
func listRecent(ctx context.Context, st storage.Store, ids []string) (map[string][]*record.Execution, error) {
	m := make(map[string][]*record.Execution, len(ids))
	for _, id := range ids {
		page, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: id, Statuses: doneStatuses, Limit: heartbeatRuns})
		if err != nil {
			return nil, err
		}
		if len(page.Executions) > 0 {
			m[id] = page.Executions
		}
	}
	return m, nil
}

// heartbeat is a plan's bar of recent executions on the overview: a
// tick per execution, oldest left, coloured by status, each a link to
// its execution.
type heartbeat struct {
	// Base is the page's way back to the handler's root, for the links.
	Base  string
	Ticks []tick
	// Empty are the slots left of the first tick, so that every bar has
	// heartbeatRuns slots and its newest tick at the right end.
	Empty []struct{}
	Label string
}

// tick is one execution of a heartbeat bar.
type tick struct {
	ID          string
	Status      record.Status
	Maintenance bool
	Title       string
}

// newHeartbeat builds the bar of recent, newest first.
func newHeartbeat(recent []*record.Execution) heartbeat {
	n := min(len(recent), heartbeatRuns)
	hb := heartbeat{Ticks: make([]tick, 0, n), Empty: make([]struct{}, heartbeatRuns-n)}
	counts := map[record.Status]int{}
	for i := n - 1; i >= 0; i-- {
		x := recent[i]
		counts[x.Status]++
		title := fmt.Sprintf("%s · %s · %s", x.CreatedAt.UTC().Format("Jan 2 15:04:05 UTC"), x.Status, formatMS(record.Millis(x.Duration())))
		if x.Maintenance != "" {
			title += " · " + x.Maintenance
		}
		hb.Ticks = append(hb.Ticks, tick{ID: x.ID, Status: x.Status, Maintenance: x.Maintenance != "", Title: title})
	}
	hb.Label = fmt.Sprintf("The last %d runs, oldest first: %d passed, %d degraded, %d failed, %d canceled", n,
		counts[record.StatusPassed], counts[record.StatusDegraded], counts[record.StatusFailed], counts[record.StatusCanceled])
	return hb
}
