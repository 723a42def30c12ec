// Package storagetest is the conformance suite of storage.Store. Every
// backend runs it from its own tests, and so can a host's own backend:
//
//	func TestStore(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store {
//			return mybackend.New(...) // a fresh, empty store
//		})
//	}
//
// Run checks every method of the contract, including its edge cases: not
// found and conflict errors, ordering and cursor paging of executions,
// summaries and their percentiles, pruning, cascading deletes, copies in
// and out, concurrent writers, the alert state of a store that implements
// storage.AlertStore (its compare-and-swap: of writers racing on one
// version, one wins; a store that does not implement it skips those
// scenarios, saying so), the alerts owed of a store that implements
// storage.AlertOutbox (saved with the state or not at all, claimed oldest
// first per target, leases, expiry), the plan revisions of a store that
// implements storage.RevisionCreator (a new one on each change, none on
// a save of the same plan, none given twice; the guarded creates, their
// errors and exclusivity), large and non-ASCII payloads, and
// cancelled contexts. RunShared runs what replicas rely on with two
// instances sharing the backend's data: each alert owed is claimed by one
// of them, a lease released or expired by one is claimed by the other. Run
// both under -race.
//
// The suite builds its records with fixed times of microsecond precision
// and compares times with time.Time.Equal (after converting to UTC), maps
// and slices treating nil as empty, and Captures with JSON-typed values, so
// a backend that keeps microseconds and JSON passes.
package storagetest
