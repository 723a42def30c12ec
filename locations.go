package smokex

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/smokex/smokex/schedule"
	"github.com/smokex/smokex/storage"
)

// This file is the engine's part in locations: the heartbeat each process
// records, what the engine tells of each location (Locations), and the
// watch that announces a location without a live process and expires
// the ticks queued for it.

// Defaults of the heartbeat.
const (
	// DefaultHeartbeatInterval is how often a process records its
	// heartbeat in a store that keeps them (storage.HeartbeatStore).
	DefaultHeartbeatInterval = 5 * time.Second
	// DefaultLocationTimeout is how long a location may have no live
	// process, or a tick waiting in its queue, before it is reported
	// unavailable.
	DefaultLocationTimeout = 15 * time.Second
)

// LocationStatus is what the engine knows of a location: its processes,
// from their heartbeats, and its queue of ticks.
type LocationStatus struct {
	// Name is the location.
	Name string
	// Available is false when no process of the location was seen within
	// Config.LocationTimeout, or a tick has waited in its queue for that
	// long; Reason then says which.
	Available bool
	Reason    string
	// Processes are its processes seen within the timeout.
	Processes []storage.Heartbeat
	// LastSeen is when a process of it was last seen, zero if never.
	LastSeen time.Time
	// Queued counts the ticks waiting in its queue, OldestDue the due
	// time of the oldest (zero when none waits, or the scheduler has no
	// queues).
	Queued    int
	OldestDue time.Time
	// Lateness is the most any of its processes started its latest tick
	// late.
	Lateness time.Duration
}

// Locations returns the state of every location that a loaded plan names
// or a process of which was seen, sorted by name. Without a store that
// keeps heartbeats it returns those of the plans, with no process.
func (e *Engine) Locations(ctx context.Context) ([]LocationStatus, error) {
	now := e.cfg.now()
	byName := map[string]*LocationStatus{}
	add := func(name string) *LocationStatus {
		if byName[name] == nil {
			byName[name] = &LocationStatus{Name: name}
		}
		return byName[name]
	}
	for _, p := range e.Plans() {
		for _, loc := range p.Locations {
			add(loc)
		}
	}
	if hs, ok := e.store.(storage.HeartbeatStore); ok {
		beats, err := hs.ListHeartbeats(ctx, now.Add(-e.cfg.LocationTimeout), now.Add(-heartbeatKept))
		if err != nil {
			return nil, fmt.Errorf("smokex: reading heartbeats: %w", err)
		}
		for _, hb := range beats {
			if hb.Location == "" {
				continue
			}
			l := add(hb.Location)
			l.Processes = append(l.Processes, *hb)
			if hb.SeenAt.After(l.LastSeen) {
				l.LastSeen = hb.SeenAt
			}
			l.Lateness = max(l.Lateness, hb.Lateness)
		}
	}
	if lq, ok := e.sched.(schedule.LocationQueues); ok {
		queued, err := lq.QueuedTicks(ctx)
		if err != nil {
			return nil, fmt.Errorf("smokex: reading queued ticks: %w", err)
		}
		for name, q := range queued {
			if l := byName[name]; l != nil {
				l.Queued, l.OldestDue = q.Ticks, q.OldestDue
			}
		}
	}
	out := make([]LocationStatus, 0, len(byName))
	for _, l := range byName {
		l.Available, l.Reason = true, ""
		switch {
		case len(l.Processes) == 0:
			l.Available, l.Reason = false, fmt.Sprintf("no process seen for %s", e.cfg.LocationTimeout)
		case l.Queued > 0 && now.Sub(l.OldestDue) > e.cfg.LocationTimeout:
			l.Available, l.Reason = false, fmt.Sprintf("%d ticks queued, the oldest due %s ago", l.Queued, now.Sub(l.OldestDue).Round(time.Second))
		}
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b LocationStatus) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// heartbeatKept is how long a heartbeat is kept once its process is no
// longer seen.
const heartbeatKept = 24 * time.Hour

// processID is the default Config.ProcessID: host and pid.
func processID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s_%d", cmp.Or(host, "unknown"), os.Getpid())
}

// heartbeat records this process's heartbeat every HeartbeatInterval
// until ctx ends, and watches the locations after each.
func (e *Engine) heartbeat(ctx context.Context, hs storage.HeartbeatStore) {
	started := e.cfg.now().UTC()
	t := time.NewTicker(e.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		hb := &storage.Heartbeat{Process: e.cfg.ProcessID, Location: e.cfg.Location, StartedAt: started,
			SeenAt: e.cfg.now().UTC(), Lateness: time.Duration(e.lateness.Load())}
		if err := hs.SaveHeartbeat(ctx, hb); err != nil && ctx.Err() == nil {
			e.cfg.Logger.Warn("smokex: recording the heartbeat", "error", err)
		}
		e.watchLocations(ctx, hs, started)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// watchLocations decides, once for every process sharing the store,
// whether each location the plans name is available, announces a change
// to the alert policy, and expires the ticks queued for a location that
// is not. A process that started less than LocationTimeout ago reports
// no location unavailable: the others may be starting with it.
func (e *Engine) watchLocations(ctx context.Context, hs storage.HeartbeatStore, started time.Time) {
	locs, err := e.Locations(ctx)
	if err != nil {
		if ctx.Err() == nil {
			e.cfg.Logger.Warn("smokex: watching the locations", "error", err)
		}
		return
	}
	now := e.cfg.now().UTC()
	lq, queues := e.sched.(schedule.LocationQueues)
	for _, l := range locs {
		if !l.Available && queues {
			if n, err := lq.ExpireTicks(ctx, l.Name, now.Add(-e.cfg.LocationTimeout)); err != nil {
				e.cfg.Logger.Warn("smokex: expiring the ticks of an unavailable location", "location", l.Name, "error", err)
			} else if n > 0 {
				e.cfg.Logger.Warn("smokex: ticks expired: their location has no live process", "location", l.Name, "ticks", n)
			}
		}
		if e.alerts == nil || !l.Available && now.Sub(started) < e.cfg.LocationTimeout {
			continue
		}
		changed, err := hs.SetLocationAvailable(ctx, l.Name, l.Available, now)
		if err != nil {
			e.cfg.Logger.Warn("smokex: recording a location's state", "location", l.Name, "error", err)
			continue
		}
		if changed {
			e.alerts.LocationChanged(l.Name, l.Available, l.Reason, now)
		}
	}
}
