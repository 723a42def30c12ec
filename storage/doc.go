// Package storage defines where smokex keeps plans, executions with their
// step results, and alert state: the Store interface, its parameter and
// record types, and the sentinel errors ErrNotFound and ErrConflict.
//
// Backends live in subpackages: storage/memory, the embedded default, and
// storage/postgres. Every backend passes the conformance suite in
// storage/storagetest, which a host's own backend can run too.
package storage
