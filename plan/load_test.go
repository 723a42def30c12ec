package plan_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

const okPlan = `- get: {host: "https://example.com/"}`

func TestLoadFSGathersEveryFilesErrors(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"a.yaml":         {Data: []byte(okPlan)},
		"b/bad.yml":      {Data: []byte("- get: {host: \"https://example.com/\", expect: {status: 1}}")},
		"b/worse.yaml":   {Data: []byte("- get:\n    hots: x\n")},
		".git/x.yaml":    {Data: []byte("not: [a plan")},
		"notes.txt":      {Data: []byte("ignored")},
		"c/Upper.YAML":   {Data: []byte(okPlan)},
		"c/d/e/deep.yml": {Data: []byte(okPlan)},
	}
	plans, err := plan.LoadFS(fsys, nil)
	var list plan.ErrorList
	require.True(t, errors.As(err, &list), "%v", err)
	require.Equal(t, `b/bad.yml:1:48: unknown key "status" in expect; did you mean "status_code"?
b/worse.yaml:2:5: unknown key "hots" in step; did you mean "host"?
b/worse.yaml:2:5: a step needs a host: the URL to request`, err.Error())
	var files []string
	for _, p := range plans {
		files = append(files, p.File)
	}
	require.Equal(t, []string{"a.yaml", "c/Upper.YAML", "c/d/e/deep.yml"}, files)
	require.Equal(t, "upper", plans[1].ID)
}

func TestLoadFSDuplicateIDs(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"a/health.yaml": {Data: []byte(okPlan)},
		"b/health.yml":  {Data: []byte(okPlan)},
		"c.yaml":        {Data: []byte("# c\nname: Health\nsteps: [{get: {host: \"https://example.com/\"}}]\n")},
	}
	plans, err := plan.LoadFS(fsys, nil)
	require.EqualError(t, err, `b/health.yml: plan id "health" is already used by a/health.yaml; give one of them another name
c.yaml:2:7: plan id "health" is already used by a/health.yaml; give one of them another name`)
	require.Len(t, plans, 1)
}

func TestUniqueIDs(t *testing.T) {
	t.Parallel()
	a, err := plan.Parse([]byte(okPlan), &plan.ParseOpts{File: "a/health.yaml"})
	require.NoError(t, err)
	b, err := plan.Parse([]byte("name: other\nsteps: [{get: {host: \"https://example.com/\"}}]\n"), &plan.ParseOpts{File: "b.yaml"})
	require.NoError(t, err)
	c, err := plan.Parse([]byte("# c\nname: Health\nsteps: [{get: {host: \"https://example.com/\"}}]\n"), &plan.ParseOpts{File: "c.yaml"})
	require.NoError(t, err)

	unique, errs := plan.UniqueIDs([]*plan.Plan{a, b, c})
	require.Equal(t, []*plan.Plan{a, b}, unique)
	require.EqualError(t, errs, `c.yaml:2:7: plan id "health" is already used by a/health.yaml; give one of them another name`)

	unique, errs = plan.UniqueIDs([]*plan.Plan{a, b})
	require.Equal(t, []*plan.Plan{a, b}, unique)
	require.Empty(t, errs)
}

func TestLoadFSLimits(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"big.yaml":  {Data: []byte(okPlan + "\n#" + strings.Repeat("x", 200))},
		"ok.yaml":   {Data: []byte(okPlan)},
		"many.yaml": {Data: []byte(strings.Repeat(okPlan+"\n", 3))},
	}
	plans, err := plan.LoadFS(fsys, &plan.ParseOpts{MaxSize: 120, MaxSteps: 2, File: "ignored"})
	require.EqualError(t, err, `big.yaml: the plan is larger than the limit of 120 bytes
many.yaml:1:1: the plan has 3 steps, more than the limit of 2`)
	require.Len(t, plans, 1)
	require.Equal(t, "ok.yaml", plans[0].File)
}

func TestLoadFSEmptyAndMissing(t *testing.T) {
	t.Parallel()
	plans, err := plan.LoadFS(fstest.MapFS{}, nil)
	require.NoError(t, err)
	require.Empty(t, plans)

	_, err = plan.LoadDir(filepath.Join(t.TempDir(), "missing"), nil)
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestLoadDirAndParseFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "Health Check.yaml"), []byte(okPlan), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("- get: {}\n"), 0o644))

	plans, err := plan.LoadDir(dir, nil)
	bad := filepath.Join(dir, "bad.yaml")
	require.EqualError(t, err, bad+":1:8: a step needs a host: the URL to request")
	require.Len(t, plans, 1)
	require.Equal(t, filepath.Join(dir, "sub", "Health Check.yaml"), plans[0].File)
	require.Equal(t, "health-check", plans[0].ID)

	p, err := plan.ParseFile(plans[0].File, nil)
	require.NoError(t, err)
	require.Equal(t, "health-check", p.ID)
	require.Equal(t, []byte(okPlan), p.Source)

	_, err = plan.LoadDir(bad, nil)
	require.ErrorContains(t, err, "is not a directory")

	_, err = plan.ParseFile(filepath.Join(dir, "nope.yaml"), nil)
	require.ErrorIs(t, err, fs.ErrNotExist)

	_, err = plan.ParseFile(bad, &plan.ParseOpts{File: "overridden"})
	var list plan.ErrorList
	require.True(t, errors.As(err, &list))
	require.Equal(t, bad, list[0].File)
}
