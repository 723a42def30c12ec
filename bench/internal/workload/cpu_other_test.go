//go:build !unix

package workload_test

import "time"

// cpuTime is not measured here: the CPU ratios read 0.
func cpuTime() time.Duration { return 0 }
