// Package storage defines where smokex keeps plans, executions with their
// step results, alert state, the alerts owed and the state of a git sync:
// the Store interface, the optional interfaces a store may add
// (AlertStore, AlertOutbox, ExclusiveCreator, SyncLocker, SyncStore, ...),
// their parameter and record types, and the sentinel errors ErrNotFound
// and ErrConflict.
//
// Backends live in subpackages: storage/memory, the embedded default, and
// storage/postgres. Every backend passes the conformance suite in
// storage/storagetest, which a host's own backend can run too: Run for one
// instance, RunShared for two instances sharing the backend's data, as
// replicas do.
package storage
