package admin

import (
	"net/http"
	"slices"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
)

// Location is one location in GET /api/locations.
type Location struct {
	Name string `json:"name"`
	// Available is false when no process of the location was seen within
	// the engine's location timeout, or a tick waited in its queue that
	// long; Reason then says which.
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
	// Processes are the processes of the location seen of late.
	Processes []LocationProcess `json:"processes"`
	// LastSeen is when a process of the location was last seen.
	LastSeen *time.Time `json:"last_seen"`
	// QueueDepth counts the ticks waiting for a process of the location;
	// OldestDue is the due time of the oldest.
	QueueDepth int        `json:"queue_depth"`
	OldestDue  *time.Time `json:"oldest_due,omitempty"`
	// LatenessMS is the most a process of the location started its latest
	// tick late, in milliseconds.
	LatenessMS int64 `json:"lateness_ms"`
}

// LocationProcess is a process of a location in GET /api/locations.
type LocationProcess struct {
	ID         string    `json:"id"`
	StartedAt  time.Time `json:"started_at"`
	SeenAt     time.Time `json:"seen_at"`
	LatenessMS int64     `json:"lateness_ms"`
}

// locationsJSON is the body of GET /api/locations.
func locationsJSON(locs []smokex.LocationStatus) []Location {
	out := make([]Location, 0, len(locs))
	for _, l := range locs {
		j := Location{Name: l.Name, Available: l.Available, Reason: l.Reason, Processes: []LocationProcess{},
			LastSeen: timePtr(l.LastSeen), QueueDepth: l.Queued, OldestDue: timePtr(l.OldestDue), LatenessMS: l.Lateness.Milliseconds()}
		for _, p := range l.Processes {
			j.Processes = append(j.Processes, LocationProcess{ID: p.Process, StartedAt: p.StartedAt.UTC(), SeenAt: p.SeenAt.UTC(), LatenessMS: p.Lateness.Milliseconds()})
		}
		out = append(out, j)
	}
	return out
}

// locations answers GET /api/locations: each location the plans name or
// a process was seen in, its processes, when one was last seen, its queue
// of ticks and lateness.
func (h *handler) locations(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).seesEveryPlan() {
		// The processes of every location, with their hosts, are not
		// a scoped token's to see.
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.URL.Path)
		return
	}
	locs, err := h.eng.Locations(r.Context())
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"locations": locationsJSON(locs)})
}

// locationRow is a location's row on a plan's page.
type locationRow struct {
	Name   string
	Status string
	// Last is its latest run among the page's recent executions.
	Last      *record.Execution
	Heartbeat heartbeat
	P50, P95  time.Duration
}

// locationRows groups a plan's recent executions (newest first) by
// location, in the order of locations.
func locationRows(locations []string, recent []*record.Execution, base string) []locationRow {
	var out []locationRow
	for _, loc := range locations {
		row := locationRow{Name: loc, Status: "pending"}
		var xs []*record.Execution
		var ds []time.Duration
		for _, x := range recent {
			if x.Location != loc {
				continue
			}
			xs = append(xs, x)
			if row.Last == nil {
				row.Last = x
			}
			if isJudged(x) {
				if row.Status == "pending" {
					row.Status = string(x.Status)
				}
				ds = append(ds, x.Duration())
			}
		}
		if len(ds) > 0 {
			slices.Sort(ds)
			row.P50, row.P95 = ds[(len(ds)-1)*50/100], ds[(len(ds)-1)*95/100]
		}
		row.Heartbeat = newHeartbeat(xs)
		row.Heartbeat.Base = base
		out = append(out, row)
	}
	return out
}

// locations renders the Locations page: each location with its processes.
func (p *pages) locations(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).seesEveryPlan() {
		p.notFound(w, r, "There is no page at "+r.URL.Path+".")
		return
	}
	locs, err := p.h.eng.Locations(r.Context())
	if err != nil {
		p.failed(w, r, err)
		return
	}
	data := struct {
		page
		Locations []smokex.LocationStatus
	}{page: p.newPage(r, "locations", "Locations"), Locations: locs}
	p.render(w, r, http.StatusOK, "locations", data)
}
