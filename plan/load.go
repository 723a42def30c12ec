package plan

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/smokex/smokex/internal/eval"
)

// LoadDir parses every *.yaml and *.yml file under dir, recursively, in
// the order of their paths. It is LoadFS over os.DirFS(dir) with the files
// named by their path joined to dir.
func LoadDir(dir string, opts *ParseOpts) ([]*Plan, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("plan: %s is not a directory; use ParseFile for one plan", dir)
	}
	return load(os.DirFS(dir), opts, func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) })
}

// LoadFS parses every *.yaml and *.yml file of fsys, recursively, in the
// order of their paths; directories whose name starts with '.' are
// skipped, and so are the files that a plan's json_schema refers to (an
// OpenAPI document kept beside the plans). opts.File is ignored: each plan is named by its path. A plan
// file is read only when it is a regular file once symbolic links are
// followed: a pipe, a device or a socket named *.yaml is an error naming
// it, rather than a read that may never end.
//
// The files are parsed concurrently, so fsys must allow concurrent reads
// (os.DirFS, embed.FS and fstest.MapFS do). The errors of all files are
// gathered into one ErrorList, and two plans
// with the same ID are an error naming both files. On such errors the
// plans that did parse are returned with the ErrorList. A directory that
// cannot be read is returned as the error of the file system, wrapped.
func LoadFS(fsys fs.FS, opts *ParseOpts) ([]*Plan, error) {
	return load(fsys, opts, func(p string) string { return p })
}

func load(fsys fs.FS, opts *ParseOpts, name func(string) string) ([]*Plan, error) {
	o := opts.withDefaults()
	// The files repeat the same expressions: each is compiled once.
	o.programs = &eval.Programs{}
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && o.Exclude != nil && o.Exclude(p) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		switch strings.ToLower(path.Ext(p)) {
		case ".yaml", ".yml":
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	// Parse the files on every CPU; the results keep the order of the paths.
	type result struct {
		plan *Plan
		errs ErrorList
		refs []string
	}
	results := make([]result, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				results[i].plan, results[i].refs, results[i].errs = loadFile(fsys, files[i], name(files[i]), o)
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()

	// A file that a json_schema refers to (an OpenAPI document beside the
	// plans) is a schema, not a plan.
	schemas := map[string]bool{}
	for _, r := range results {
		for _, ref := range r.refs {
			schemas[ref] = true
		}
	}
	var plans []*Plan
	var errs ErrorList
	for i, r := range results {
		if schemas[files[i]] {
			continue
		}
		if r.plan != nil {
			plans = append(plans, r.plan)
		}
		errs = append(errs, r.errs...)
	}
	plans, dup := UniqueIDs(plans)
	errs = append(errs, dup...)
	if len(errs) > 0 {
		errs.Sort()
		return plans, errs
	}
	return plans, nil
}

// loadFile reads and parses one file of a directory, named file in errors.
func loadFile(fsys fs.FS, name, file string, o ParseOpts) (*Plan, []string, ErrorList) {
	src, err := readLimited(fsys, name, o.MaxSize)
	if err != nil {
		return nil, nil, ErrorList{{File: file, Message: err.Error()}}
	}
	o.File = file
	o.FS, o.Dir = fsys, path.Dir(name)
	o.ownSource = true
	pl, refs, err := parseRefs(src, &o)
	if err != nil {
		var list ErrorList
		if errors.As(err, &list) {
			return nil, refs, list
		}
		return nil, refs, ErrorList{{File: file, Message: err.Error()}}
	}
	return pl, refs, nil
}

// UniqueIDs checks that no two plans share an ID, as LoadFS does for the
// files it reads; a program that loads plans from several places calls it
// on them all. It returns the plans whose ID no earlier plan has, in their
// order, and an error for each other plan, at its name when it has one,
// naming the file of the first.
func UniqueIDs(plans []*Plan) ([]*Plan, ErrorList) {
	var errs ErrorList
	unique := make([]*Plan, 0, len(plans))
	byID := make(map[string]*Plan, len(plans))
	for _, pl := range plans {
		if first, ok := byID[pl.ID]; ok {
			errs = append(errs, &Error{File: pl.File, Line: pl.namePos.Line, Column: pl.namePos.Column,
				Message: fmt.Sprintf("plan id %q is already used by %s; give one of them another name", pl.ID, first.File)})
			continue
		}
		byID[pl.ID] = pl
		unique = append(unique, pl)
	}
	return unique, errs
}

// readLimited reads a regular file, stopping one byte past limit so that
// Parse rejects a larger file without it being read whole. Anything else
// is refused before it is opened: opening a named pipe blocks until a
// writer comes, and reading a device may never end.
func readLimited(fsys fs.FS, name string, limit int64) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a plan file: plans are read from regular files only", fileType(info.Mode()))
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readRegular(f, limit)
}

// readRegular reads an open regular file to its end, stopping one byte
// past limit, into one buffer of the file's size (plus the byte that finds
// its end): io.ReadAll would grow its buffer from 512 bytes, allocating
// twice the file in all.
func readRegular(f fs.File, limit int64) ([]byte, error) {
	size := int64(0)
	if info, err := f.Stat(); err == nil {
		size = min(max(info.Size(), 0), limit)
	}
	buf := make([]byte, 0, size+1)
	r := io.LimitReader(f, limit+1)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			// The file grew since its size was taken.
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// openRegular opens the regular file at path for reading, and refuses
// anything else with an error naming it. The open does not block: a named
// pipe put at path after the check is refused by the check of the opened
// file, instead of an open that waits for a writer.
func openRegular(path string) (*os.File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(path, info.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if info, err = f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, err
		}
		return nil, notRegular(path, info.Mode())
	}
	return f, nil
}

// notRegular is the error of a plan file that is not a regular file.
func notRegular(path string, m fs.FileMode) error {
	return fmt.Errorf("%s: %s is not a plan file: plans are read from regular files only", path, fileType(m))
}

// fileType names the type of a file that is not a regular one.
func fileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}
