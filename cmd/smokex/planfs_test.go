package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

func TestPlanFS(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	mkdir := func(parts ...string) string {
		dir := filepath.Join(append([]string{root}, parts...)...)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	plans := mkdir("a", "plans")
	writePlan(t, mkdir("a", "plans", "shop"), "checkout.yaml", "- get: {host: \"http://127.0.0.1:1/\"}\n", "")
	writePlan(t, plans, "login.yml", "- get: {host: \"http://127.0.0.1:1/\"}\n", "")
	other := mkdir("b", "plans")
	writePlan(t, other, "search.yaml", "- get: {host: \"http://127.0.0.1:1/\"}\n", "")
	single := writePlan(t, mkdir("c"), "health.yaml", "- get: {host: \"http://127.0.0.1:1/\"}\n", "")
	twin := writePlan(t, mkdir("d"), "health.yaml", "name: health twin\nsteps: [{get: {host: \"http://127.0.0.1:1/\"}}]\n", "")
	gone := filepath.Join(root, "gone")

	fsys := newPlanFS([]string{plans, other, single, twin, gone})
	require.NoError(t, fstest.TestFS(fsys,
		"plans/login.yml", "plans/shop/checkout.yaml", "plans-2/search.yaml", "health.yaml", "health-2.yaml"))

	_, err := fs.Stat(fsys, "gone")
	require.ErrorIs(t, err, fs.ErrNotExist, "a missing path is left out")
	_, err = fsys.Open("../a")
	require.ErrorIs(t, err, fs.ErrInvalid)

	loaded, err := plan.LoadFS(fsys, nil)
	require.NoError(t, err)
	var got []string
	for _, p := range loaded {
		got = append(got, p.ID+"="+p.File)
	}
	require.Equal(t, []string{
		"health-twin=health-2.yaml", "health=health.yaml",
		"login=plans/login.yml", "checkout=plans/shop/checkout.yaml", "search=plans-2/search.yaml",
	}, got)

	// A path that appears later is picked up, one that goes is dropped.
	require.NoError(t, os.Remove(single))
	writePlan(t, root, "gone", "- get: {host: \"http://127.0.0.1:1/\"}\n", "")
	entries, err := fs.ReadDir(fsys, ".")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{"gone", "health-2.yaml", "plans", "plans-2"}, names)
}

func TestPlanFSNames(t *testing.T) {
	t.Parallel()
	wd, err := os.Getwd()
	require.NoError(t, err)
	tests := []struct {
		paths []string
		want  []string
	}{
		{paths: []string{"plans/", "./plans"}, want: []string{"plans", "plans-2"}},
		{paths: []string{"a/x.yaml", "b/x.yaml", "c/x.yaml"}, want: []string{"x.yaml", "x-2.yaml", "x-3.yaml"}},
		{paths: []string{"."}, want: []string{filepath.Base(wd)}},
		{paths: []string{"/"}, want: []string{"root"}},
	}
	for _, tt := range tests {
		var names []string
		for _, m := range newPlanFS(tt.paths).mounts {
			names = append(names, m.name)
		}
		require.Equal(t, tt.want, names, "%q", tt.paths)
	}
}
