package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// planFS joins the paths given to serve into one read-only file system, so
// that a single Engine.WatchFS follows them all (two watches would each
// remove the other's plans). Each path is an entry of the root named by its
// base name, made unique with -2, -3... before the extension when two paths
// share one: a directory is read through os.DirFS, a file is the only thing
// at its name. A path that is gone is left out of the root, so that its
// plans are removed at the next sync. Plan files are named by their place
// in it: plans/checkout.yaml for the file checkout.yaml of the directory
// given as ./plans or as /srv/plans.
type planFS struct {
	mounts []mount
}

// mount is one path given to serve and its name in the root.
type mount struct {
	name, path string
}

var (
	_ fs.ReadDirFS = (*planFS)(nil)
	_ fs.StatFS    = (*planFS)(nil)
)

func newPlanFS(paths []string) *planFS {
	p := &planFS{}
	used := map[string]bool{}
	for _, path := range paths {
		base := filepath.Base(filepath.Clean(path))
		if base == "." || base == ".." || base == string(filepath.Separator) {
			if abs, err := filepath.Abs(path); err == nil && filepath.Base(abs) != string(filepath.Separator) {
				base = filepath.Base(abs)
			} else {
				base = "root"
			}
		}
		name := base
		ext := filepath.Ext(base)
		for n := 2; used[name]; n++ {
			name = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(base, ext), n, ext)
		}
		used[name] = true
		p.mounts = append(p.mounts, mount{name: name, path: path})
	}
	return p
}

// resolve finds the mount of name and the path inside it ("" for the mount
// itself).
func (p *planFS) resolve(op, name string) (mount, string, error) {
	if !fs.ValidPath(name) {
		return mount{}, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	first, rest, _ := strings.Cut(name, "/")
	for _, m := range p.mounts {
		if m.name == first {
			return m, rest, nil
		}
	}
	return mount{}, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
}

// Open implements fs.FS.
func (p *planFS) Open(name string) (fs.File, error) {
	if name == "." {
		entries, err := p.ReadDir(".")
		if err != nil {
			return nil, err
		}
		return &rootDir{entries: entries}, nil
	}
	m, rest, err := p.resolve("open", name)
	if err != nil {
		return nil, err
	}
	if rest != "" {
		return os.DirFS(m.path).Open(rest)
	}
	f, err := os.Open(m.path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.Unwrap(err)}
	}
	return mountFile{File: f, name: m.name}, nil
}

// mountFile is a mount opened under its name in the root.
type mountFile struct {
	*os.File
	name string
}

// Stat implements fs.File.
func (f mountFile) Stat() (fs.FileInfo, error) {
	st, err := f.File.Stat()
	if err != nil {
		return nil, err
	}
	return renamed{FileInfo: st, name: f.name}, nil
}

// Stat implements fs.StatFS, with each mount under its name in the root.
func (p *planFS) Stat(name string) (fs.FileInfo, error) {
	if name == "." {
		return rootInfo{}, nil
	}
	m, rest, err := p.resolve("stat", name)
	if err != nil {
		return nil, err
	}
	if rest != "" {
		return fs.Stat(os.DirFS(m.path), rest)
	}
	st, err := os.Stat(m.path)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: errors.Unwrap(err)}
	}
	return renamed{FileInfo: st, name: m.name}, nil
}

// ReadDir implements fs.ReadDirFS. The root lists the mounts that exist.
func (p *planFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		m, rest, err := p.resolve("readdir", name)
		if err != nil {
			return nil, err
		}
		return fs.ReadDir(os.DirFS(m.path), cmp.Or(rest, "."))
	}
	var entries []fs.DirEntry
	for _, m := range p.mounts {
		st, err := os.Stat(m.path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		entries = append(entries, fs.FileInfoToDirEntry(renamed{FileInfo: st, name: m.name}))
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return cmp.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// renamed is a file's info under its name in the root.
type renamed struct {
	fs.FileInfo
	name string
}

func (r renamed) Name() string { return r.name }

// rootInfo describes the root directory.
type rootInfo struct{}

func (rootInfo) Name() string       { return "." }
func (rootInfo) Size() int64        { return 0 }
func (rootInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (rootInfo) ModTime() time.Time { return time.Time{} }
func (rootInfo) IsDir() bool        { return true }
func (rootInfo) Sys() any           { return nil }

// rootDir is the opened root directory.
type rootDir struct {
	entries []fs.DirEntry
	offset  int
}

func (d *rootDir) Stat() (fs.FileInfo, error) { return rootInfo{}, nil }
func (d *rootDir) Close() error               { return nil }
func (d *rootDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: ".", Err: errors.New("is a directory")}
}

// ReadDir implements fs.ReadDirFile.
func (d *rootDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.offset:]
	if n <= 0 {
		d.offset = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	rest = rest[:min(n, len(rest))]
	d.offset += len(rest)
	return rest, nil
}
