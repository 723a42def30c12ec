package river_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a scheduler leaves a goroutine
// behind once stopped: its sync loop, its River client, a tick in flight.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
