package gitsync_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/gitsync"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, err string
		want    gitsync.Spec
	}{
		{in: "git+file:///srv/api.git#v1.2", want: gitsync.Spec{Scheme: "file", URL: "file:///srv/api.git", Ref: "v1.2", Path: ".smokex"}},
		{in: "git+https://h/r.git#main:/plans/", want: gitsync.Spec{Scheme: "https", URL: "https://h/r.git", Ref: "main", Path: "plans"}},
		{in: "https://h/r.git", err: "must start with git+"},
		{in: "git+ftp://h/r.git", err: "the scheme must be https, http, ssh or file"},
		{in: "git+https:///r.git", err: "names no host"},
		{in: "git+https://h/r.git#main:../x", err: "leaves the repository"},
		{in: "git+https://h/r.git#ma in", err: "is not a branch or tag name"},
		{in: "git+https://u:hunter2@h/r.git#x y", err: `"git+https://u:[REDACTED]@h/r.git#x%20y"`},
	} {
		got, err := gitsync.Parse(c.in)
		if c.err != "" {
			require.ErrorContains(t, err, c.err, c.in)
			require.NotContains(t, err.Error(), "hunter2")
			continue
		}
		require.NoError(t, err, c.in)
		require.Equal(t, c.want, got, c.in)
	}
	s, err := gitsync.Parse("git+https://u:hunter2@h/r.git#main")
	require.NoError(t, err)
	require.NotContains(t, s.String(), "hunter2")
}
