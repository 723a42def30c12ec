// Package storage defines where smokex keeps plans, executions with their
// step results, alert state, the alerts owed and the state of a git sync:
// the Store interface, the optional interfaces a store may add
// (AlertStore, AlertOutbox, ExclusiveCreator, SyncLocker, SyncStore, ...),
// their parameter and record types, and the sentinel errors (ErrNotFound,
// ErrConflict, and those of the optional interfaces beside them).
//
// The optional interfaces, each found by type assertion, and what is
// missing without them:
//
//	AlertStore, AlertOutbox  the alert state and the alerts owed are kept in memory
//	DependentAlertStore      a dependency's alert names no dependent plan
//	ExclusiveCreator         overlap is decided in each process, not across replicas
//	RevisionCreator          each tick reads its plan from the store (a round trip)
//	SyncLocker, SyncStore    syncs not serialized across replicas; sync state per process
//	ExecutionFinisher        a run's last step and its finish are two writes
//	PauseStore               no pauses (smokex.ErrPauseUnsupported)
//	PauseFinisher            the engine reads a plan's pause before each finish, a round trip of its own
//	FinishedCreator          a tick's run is created as running and finished: two writes, not one
//	IncidentStore            no incidents (automatic or written)
//	UptimeStore              status pages show no daily history
//	HeartbeatStore           no location availability
//	RecentLister             the dashboard lists each plan's executions in turn
//
// Backends live in subpackages: storage/memory, the embedded default, and
// storage/postgres. Every backend passes the conformance suite in
// storage/storagetest, which a host's own backend can run too: Run for one
// instance, RunShared for two instances sharing the backend's data, as
// replicas do.
package storage
