package main

import (
	"context"
	"errors"
	"io"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
)

// TEMPORARY until plan and exec land.

type runner struct{}

func newRunner(*app, *runFlags) *runner { return &runner{} }

func parseBytes([]byte, string) (*plan.Plan, error) { return nil, errors.New("todo") }
func parseFile(string) (*plan.Plan, error)          { return nil, errors.New("todo") }
func loadDir(string) ([]*plan.Plan, error)          { return nil, errors.New("todo") }

func runPlan(ctx context.Context, r *runner, p *plan.Plan, f *runFlags, secrets map[string]string, lookupEnv func(string) (string, bool), w io.Writer, out *console) *exec.Execution {
	return nil
}

func lintPlan(*plan.Plan, []string) []*plan.Error { return nil }
