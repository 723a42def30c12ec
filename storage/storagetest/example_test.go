package storagetest_test

import (
	"testing"

	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
	"github.com/smokex/smokex/storage/storagetest"
)

// A backend runs the suite from one of its tests, with a factory that
// returns a fresh, empty store for each scenario. (The example has no
// output: the suite needs the *testing.T of a real test.)
func ExampleRun() {
	testStore := func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Store {
			return memory.New(memory.Config{})
		})
	}
	_ = testStore
}

// A backend meant for replicas runs the shared scenarios too, with a
// factory that returns two instances on the same fresh data: for
// PostgreSQL, two stores on one schema, each with a pool of its own.
func ExampleRunShared() {
	testShared := func(t *testing.T) {
		storagetest.RunShared(t, func(t *testing.T) (storage.Store, storage.Store) {
			st := memory.New(memory.Config{})
			return st, st
		})
	}
	_ = testShared
}
