package river_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a scheduler leaves a goroutine
// behind once stopped: its sync loop, its River client, a tick in flight.
// Run by a test as a child process (childEnv set), it is a replica of that
// test's cluster instead, until killed.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	goleak.VerifyTestMain(m)
}
