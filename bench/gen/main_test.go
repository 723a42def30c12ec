package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

func TestGenerate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, generate(dir, 8, 3, 4))

	p, err := plan.ParseFile(filepath.Join(dir, "bench-8.yaml"), nil)
	require.NoError(t, err)
	require.Len(t, p.Steps, 8)

	plans, err := plan.LoadDir(filepath.Join(dir, "plans3"), nil)
	require.NoError(t, err)
	require.Len(t, plans, 3)
	for _, p := range plans {
		require.Len(t, p.Steps, 4)
	}
}

func TestGenerateRejectsOddSteps(t *testing.T) {
	t.Parallel()
	for _, args := range [][3]int{{7, 1, 2}, {8, 1, 3}, {0, 1, 2}, {8, 0, 2}} {
		require.Error(t, generate(t.TempDir(), args[0], args[1], args[2]), "args %v", args)
	}
}
