package admin

import (
	"net/http"
	"time"

	"github.com/smokex/smokex"
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
	locs, err := h.eng.Locations(r.Context())
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"locations": locationsJSON(locs)})
}
