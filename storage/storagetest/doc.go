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
// scenarios, saying so), large and non-ASCII payloads, and cancelled
// contexts. Run it under -race.
//
// The suite builds its records with fixed times of microsecond precision
// and compares times with time.Time.Equal (after converting to UTC), maps
// and slices treating nil as empty, and Captures with JSON-typed values, so
// a backend that keeps microseconds and JSON passes.
package storagetest
