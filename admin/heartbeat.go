package admin

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// heartbeatRuns is how many executions a plan's heartbeat bar shows.
const heartbeatRuns = 50

// overviewData is what the overview shows beside a snapshot: each
// plan's newest finished executions for its heartbeat bar and the pauses
// of the plans. It is read for every plan at once (one query on a
// storage.RecentLister, one for the pauses), the first time a page of the
// snapshot asks, and shared by every page that the snapshot serves.
type overviewData struct {
	ids  []string
	mu   sync.Mutex
	read bool
	// recent are the executions by plan, newest first; pauses are when
	// the paused plans' pauses end.
	recent map[string][]*record.Execution
	pauses map[string]time.Time
}

// get reads the data on the first call; concurrent first calls wait for
// the one read, and a failed read is tried again by the next call.
func (d *overviewData) get(ctx context.Context, eng *smokex.Engine) (*overviewData, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.read {
		return d, nil
	}
	st := eng.Store()
	var err error
	if rl, ok := st.(storage.RecentLister); ok {
		d.recent, err = rl.RecentExecutions(ctx, d.ids, heartbeatRuns)
	} else {
		d.recent, err = listRecent(ctx, st, d.ids)
	}
	if err != nil {
		return nil, err
	}
	if d.pauses, err = eng.PlanPauses(ctx); err != nil && !errors.Is(err, smokex.ErrPauseUnsupported) {
		return nil, err
	}
	d.read = true
	return d, nil
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
