package plan_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

var update = flag.Bool("update", false, "rewrite the golden .err and .lint files of testdata")

// goldenFiles lists the plans of testdata/<dir>.
func goldenFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// checkGolden compares got with the golden file, or rewrites it with
// -update. An empty got means the golden file must not exist.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if got == "" {
			err := os.Remove(golden)
			if !errors.Is(err, os.ErrNotExist) {
				require.NoError(t, err)
			}
			return
		}
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(golden)
	if errors.Is(err, os.ErrNotExist) {
		require.Empty(t, got, "no golden file %s", golden)
		return
	}
	require.NoError(t, err)
	require.Equal(t, string(want), got, "golden file %s (run go test ./plan -run TestGolden -update to rewrite it)", golden)
}

func TestGoldenValid(t *testing.T) {
	t.Parallel()
	for _, file := range goldenFiles(t, "valid") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			p, err := plan.Parse(src, &plan.ParseOpts{File: filepath.Base(file)})
			require.NoError(t, err)
			require.NotEmpty(t, p.ID)
			require.NotEmpty(t, p.Steps)
			var lint strings.Builder
			for _, w := range plan.Lint(p, nil) {
				lint.WriteString(w.Error() + "\n")
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".lint", lint.String())
		})
	}
}

func TestGoldenInvalid(t *testing.T) {
	t.Parallel()
	for _, file := range goldenFiles(t, "invalid") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			p, err := plan.Parse(src, &plan.ParseOpts{File: filepath.Base(file)})
			require.Error(t, err)
			require.Nil(t, p)
			var list plan.ErrorList
			require.True(t, errors.As(err, &list), "error of type %T", err)
			for _, e := range list {
				require.Equal(t, filepath.Base(file), e.File)
				require.Positive(t, e.Line, e.Error())
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".err", err.Error()+"\n")
		})
	}
}
