package storage

import (
	"context"
	"time"
)

// Heartbeat is what a process of the engine says of itself every
// heartbeat interval: who it is, where, and how late it starts ticks.
type Heartbeat struct {
	// Process names the process (its River client ID under serve).
	Process string
	// Location is the process's location, empty when it has none.
	Location string
	// StartedAt is when the process started; SeenAt when it last said
	// so.
	StartedAt time.Time
	SeenAt    time.Time
	// Lateness is how late the process started its latest tick, from the
	// tick's due time; zero before its first.
	Lateness time.Duration
}

// LocationState is whether a location was last reported available.
type LocationState struct {
	Location  string
	Available bool
	// ChangedAt is when it was last reported changed.
	ChangedAt time.Time
}

// HeartbeatStore is an optional interface of a Store that processes in
// several locations share: each records its heartbeat, any reads them
// all, and the availability of each location is decided once for all of
// them, so that it is announced once.
type HeartbeatStore interface {
	// SaveHeartbeat records hb, replacing the heartbeat of its Process.
	SaveHeartbeat(ctx context.Context, hb *Heartbeat) error
	// ListHeartbeats returns the heartbeats seen at or after since,
	// ordered by location, then process; heartbeats older than
	// deleteBefore are deleted (zero: none).
	ListHeartbeats(ctx context.Context, since, deleteBefore time.Time) ([]*Heartbeat, error)
	// SetLocationAvailable records that location is available or not, at
	// at, and reports whether that changed what was recorded, atomically:
	// of several processes that set the same, one is told it changed. A
	// location never recorded counts as available.
	SetLocationAvailable(ctx context.Context, location string, available bool, at time.Time) (changed bool, err error)
}
