package metrics_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when an engine fed through the hook
// leaves a goroutine behind, its recorders' services included.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
