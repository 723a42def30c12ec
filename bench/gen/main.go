// Command gen writes the plans bench/run.sh runs (see
// bench/internal/workload.Plan): one plan of -steps sequential steps
// (bench-1000.yaml by default), and -plans plans of -plan-steps steps each
// in the folder plans50/ (by default).
//
//	go run ./bench/gen -out /tmp/bench
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/smokex/smokex/bench/internal/workload"
)

func main() {
	out := flag.String("out", ".", "folder to write the plans in")
	steps := flag.Int("steps", 1000, "steps of the sequential plan (even)")
	plans := flag.Int("plans", 50, "how many plans for the concurrent case")
	planSteps := flag.Int("plan-steps", 20, "steps of each concurrent plan (even)")
	flag.Parse()
	if err := generate(*out, *steps, *plans, *planSteps); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func generate(out string, steps, plans, planSteps int) error {
	if steps < 2 || steps%2 != 0 || planSteps < 2 || planSteps%2 != 0 {
		return errors.New("-steps and -plan-steps must be even and at least 2")
	}
	if plans < 1 {
		return errors.New("-plans must be at least 1")
	}
	dir := filepath.Join(out, fmt.Sprintf("plans%d", plans))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	seq := fmt.Sprintf("bench-%d", steps)
	if err := os.WriteFile(filepath.Join(out, seq+".yaml"), workload.Plan(seq, steps/2), 0o644); err != nil {
		return err
	}
	for i := range plans {
		name := fmt.Sprintf("bench-%02d", i+1)
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), workload.Plan(name, planSteps/2), 0o644); err != nil {
			return err
		}
	}
	return nil
}
