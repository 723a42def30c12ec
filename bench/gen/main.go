// Command gen writes the plans bench/run.sh runs: one plan of -steps
// sequential steps (bench-1000.yaml by default), and -plans plans of
// -plan-steps steps each in the folder plans50/ (by default). Every pair of
// steps logs in, captures the session token from the JSON response and
// sends it back to /echo, asserting the status, a header and a JSON field;
// bench/plain does the same requests and checks by hand.
//
//	go run ./bench/gen -out /tmp/bench
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DefaultBase is the base URL the plans use when the run passes none
// (--var base=...).
const DefaultBase = "http://127.0.0.1:8080"

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
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	seq := fmt.Sprintf("bench-%d", steps)
	if err := writePlan(filepath.Join(out, seq+".yaml"), seq, steps/2); err != nil {
		return err
	}
	dir := filepath.Join(out, fmt.Sprintf("plans%d", plans))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range plans {
		name := fmt.Sprintf("bench-%02d", i+1)
		if err := writePlan(filepath.Join(dir, name+".yaml"), name, planSteps/2); err != nil {
			return err
		}
	}
	return nil
}

func writePlan(path, name string, pairs int) error {
	var b strings.Builder
	writeBench(&b, name, pairs)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// writeBench writes a plan of pairs login+echo pairs.
func writeBench(w io.Writer, name string, pairs int) {
	fmt.Fprintf(w, `name: %s
description: %d logins, each followed by an echo of its session token
vars:
  base: %q
steps:
`, name, pairs, DefaultBase)
	for i := range pairs {
		fmt.Fprintf(w, `  - post:
      name: login %d
      host: "${base}/login"
      body: {username: demo, password: secret}
      expect:
        status_code: 200
      save_from_response:
        - variable_name: token
          json_path: session.token
  - get:
      name: echo %d
      host: "${base}/echo"
      query: {token: "${token}"}
      expect:
        status_code: 200
        headers: {X-Echo: "yes"}
        json: {token: "${token}"}
`, i+1, i+1)
	}
}
