package plan

import (
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// sizedFile is an open file whose Stat reports size, whatever it holds: a
// file that grew or shrank between its Stat and its reading.
type sizedFile struct {
	io.Reader
	size int64
}

func (f sizedFile) Stat() (fs.FileInfo, error) {
	return fstest.MapFS{"f": {Data: make([]byte, f.size)}}.Stat("f")
}

func (sizedFile) Close() error { return nil }

func TestReadRegular(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("0123456789", 100)
	for _, c := range []struct {
		name  string
		size  int64
		limit int64
		want  string
	}{
		{"its size", 1000, 4096, text},
		{"grew since its size was taken", 10, 4096, text},
		{"shrank since", 4000, 4096, text},
		{"over the limit: one byte past it", 1000, 100, text[:101]},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := readRegular(sizedFile{strings.NewReader(text), c.size}, c.limit)
			require.NoError(t, err)
			require.Equal(t, c.want, string(got))
		})
	}
}

// TestSourceIsWhatWasRead checks that Parse keeps a copy of its caller's
// bytes as the plan's Source, and a loader the bytes it read.
func TestSourceIsWhatWasRead(t *testing.T) {
	t.Parallel()
	const text = "- get: {host: \"https://example.com/\"}\n"
	src := []byte(text)
	pl, err := Parse(src, nil)
	require.NoError(t, err)
	src[0] = '#'
	require.Equal(t, text, string(pl.Source), "Parse's caller may change its bytes afterwards")

	pls, err := LoadFS(fstest.MapFS{"a.yaml": {Data: []byte(text)}}, nil)
	require.NoError(t, err)
	require.Len(t, pls, 1)
	require.Equal(t, text, string(pls[0].Source))
}
