package smokex_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
)

// watchedFS counts what a watch does with a folder: the walks of its root
// (one a look) and the files it opens to read them.
type watchedFS struct {
	fs.FS
	walks chan struct{}
	opens atomic.Int32
}

func (w *watchedFS) Open(name string) (fs.File, error) {
	w.opens.Add(1)
	return w.FS.Open(name)
}

func (w *watchedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == "." {
		select {
		case w.walks <- struct{}{}:
		default:
		}
	}
	return fs.ReadDir(w.FS, name)
}

func (w *watchedFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(w.FS, name) }

// TestWatchFSReadsOnlyChanges checks that a watch reads the files again
// only when one of them changed: looks at an unchanged folder open no
// file, and a new or rewritten file is synced at the next look.
func TestWatchFSReadsOnlyChanges(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	write := func(name, src string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600))
	}
	write("a.yaml", `[{get: {url: "http://127.0.0.1:1/a"}}]`)
	fsys := &watchedFS{FS: os.DirFS(dir), walks: make(chan struct{})}
	eng := newEngine(t, smokex.Config{})
	require.NoError(t, eng.WatchFS(ctx, fsys, time.Millisecond))
	looks := func(n int) {
		for range n {
			<-fsys.walks
		}
	}
	looks(2)
	before := fsys.opens.Load()
	looks(5)
	require.Equal(t, before, fsys.opens.Load(), "an unchanged folder is not read again")

	write("b.yaml", `[{get: {url: "http://127.0.0.1:1/b"}}]`)
	for !slices.ContainsFunc(eng.Plans(), func(p *plan.Plan) bool { return p.ID == "b" }) {
		looks(1)
	}
	require.Greater(t, fsys.opens.Load(), before, "a new file is read")
}
