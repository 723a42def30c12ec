package gitsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"

	"github.com/smokex/smokex/record"
)

// Defaults of Config.
const (
	// DefaultTimeout bounds one Fetch.
	DefaultTimeout = time.Minute
	// DefaultMaxCacheBytes bounds the cache folder of one repository.
	DefaultMaxCacheBytes = 256 << 20
	// DefaultMaxBytes bounds the plan files read from one revision.
	DefaultMaxBytes = 32 << 20
	// DefaultMaxFiles bounds the number of files under the path.
	DefaultMaxFiles = 10000
)

// syncRef is where a fetch puts the commit it brings into the cache.
const syncRef = "refs/smokex/sync"

// Config configures a Source. The zero value works for public repositories
// with a cache in the user's cache directory.
type Config struct {
	// CacheDir is the folder under which each repository is fetched, in a
	// subfolder named by a hash of its URL. Defaults to smokex/git under
	// os.UserCacheDir, or under os.TempDir when there is none.
	CacheDir string
	// Token authenticates HTTPS fetches (a personal or deploy access
	// token, sent as the password of HTTP basic auth). Defaults to none.
	Token string
	// SSHKey is a PEM private key for ssh:// fetches. Defaults to the
	// SSH agent. The server's host key is checked against known_hosts
	// (SSH_KNOWN_HOSTS or ~/.ssh/known_hosts).
	SSHKey []byte
	// Timeout bounds one Fetch. Defaults to DefaultTimeout.
	Timeout time.Duration
	// MaxCacheBytes bounds the size of the repository's cache folder: past
	// it the fetch fails and the folder is removed, to be fetched afresh
	// next time. Defaults to DefaultMaxCacheBytes.
	MaxCacheBytes int64
	// MaxBytes bounds the total size of the files read under the path.
	// Defaults to DefaultMaxBytes.
	MaxBytes int64
	// MaxFiles bounds the number of files under the path. Defaults to
	// DefaultMaxFiles.
	MaxFiles int
}

// Source fetches the plans of one repository, ref and path. It implements
// smokex.Source; its methods are safe to call from several goroutines (one
// fetch runs at a time).
type Source struct {
	spec Spec
	cfg  Config
	dir  string
	mu   sync.Mutex
}

// New returns the Source of a source string (see Parse).
func New(source string, cfg Config) (*Source, error) {
	spec, err := Parse(source)
	if err != nil {
		return nil, err
	}
	if cfg.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		cfg.CacheDir = filepath.Join(base, "smokex", "git")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxCacheBytes <= 0 {
		cfg.MaxCacheBytes = DefaultMaxCacheBytes
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxFiles <= 0 {
		cfg.MaxFiles = DefaultMaxFiles
	}
	sum := sha256.Sum256([]byte(spec.URL))
	return &Source{spec: spec, cfg: cfg, dir: filepath.Join(cfg.CacheDir, hex.EncodeToString(sum[:8]))}, nil
}

// Spec returns the parsed source.
func (s *Source) Spec() Spec { return s.spec }

// String returns the source without credentials.
func (s *Source) String() string { return s.spec.String() }

// Fetch brings the newest commit of the ref into the cache with a shallow
// fetch (a git+file:// repository is read in place) and returns the files
// under the path at that commit, with the commit and the path. Errors never
// hold the token, the SSH key or a password of the URL.
func (s *Source) Fetch(ctx context.Context) (fs.FS, record.Source, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	fsys, rev, err := s.fetch(ctx)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		return nil, record.Source{}, s.redact(fmt.Errorf("gitsync: %s: %w", s.spec, err))
	}
	return fsys, rev, nil
}

func (s *Source) fetch(ctx context.Context) (fs.FS, record.Source, error) {
	var commit *object.Commit
	var err error
	if s.spec.Scheme == "file" {
		commit, err = s.local()
	} else {
		commit, err = s.remote(ctx)
	}
	if err != nil {
		return nil, record.Source{}, err
	}
	fsys, err := s.files(commit)
	if err != nil {
		return nil, record.Source{}, fmt.Errorf("commit %s: %w", commit.Hash, err)
	}
	return fsys, record.Source{Commit: commit.Hash.String(), Path: s.spec.Path}, nil
}

// local reads the commit of a repository on this machine in place.
func (s *Source) local() (*object.Commit, error) {
	u := strings.TrimPrefix(strings.TrimPrefix(s.spec.URL, "file://localhost"), "file://")
	repo, err := git.PlainOpenWithOptions(filepath.FromSlash(u), &git.PlainOpenOptions{})
	if err != nil {
		return nil, err
	}
	name := plumbing.HEAD
	if s.spec.Ref != "" {
		name, err = findRef(s.spec.Ref, func(n plumbing.ReferenceName) bool {
			_, err := repo.Reference(n, false)
			return err == nil
		})
		if err != nil {
			return nil, err
		}
	}
	ref, err := repo.Reference(name, true)
	if err != nil {
		return nil, fmt.Errorf("ref %s: %w", name.Short(), err)
	}
	return peel(repo, ref.Hash())
}

// findRef finds the full name of a branch or a tag.
func findRef(ref string, exists func(plumbing.ReferenceName) bool) (plumbing.ReferenceName, error) {
	for _, n := range []plumbing.ReferenceName{plumbing.NewBranchReferenceName(ref), plumbing.NewTagReferenceName(ref), plumbing.ReferenceName(ref)} {
		if exists(n) {
			return n, nil
		}
	}
	return "", fmt.Errorf("the repository has no branch or tag %q", ref)
}

// peel follows annotated tags down to their commit.
func peel(repo *git.Repository, h plumbing.Hash) (*object.Commit, error) {
	for range 10 {
		tag, err := repo.TagObject(h)
		if err != nil {
			break
		}
		h = tag.Target
	}
	return repo.CommitObject(h)
}

// remote fetches the ref's newest commit into the cache, shallow.
func (s *Source) remote(ctx context.Context) (*object.Commit, error) {
	auth, err := s.auth()
	if err != nil {
		return nil, err
	}
	repo, err := s.cache()
	if err != nil {
		return nil, err
	}
	rem, err := repo.Remote("origin")
	if err != nil {
		return nil, err
	}
	refs, err := rem.ListContext(ctx, &git.ListOptions{Auth: auth})
	if err != nil {
		return nil, err
	}
	byName := make(map[plumbing.ReferenceName]*plumbing.Reference, len(refs))
	for _, r := range refs {
		byName[r.Name()] = r
	}
	var name plumbing.ReferenceName
	if s.spec.Ref == "" {
		name, err = defaultBranch(byName)
	} else {
		name, err = findRef(s.spec.Ref, func(n plumbing.ReferenceName) bool { return byName[n] != nil })
	}
	if err != nil {
		return nil, err
	}
	want := byName[name].Hash()
	if c, err := peel(repo, want); err == nil {
		// The cache has it from an earlier fetch.
		return c, nil
	}
	err = repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: "origin",
		RefSpecs:   []config.RefSpec{config.RefSpec("+" + string(name) + ":" + syncRef)},
		Depth:      1,
		Auth:       auth,
		Tags:       git.NoTags,
		Force:      true,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil, err
	}
	if size, err := dirSize(s.dir); err != nil || size > s.cfg.MaxCacheBytes {
		_ = os.RemoveAll(s.dir)
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("the fetched repository takes %d bytes, more than the limit of %d; it is removed from the cache", size, s.cfg.MaxCacheBytes)
	}
	got, err := repo.Reference(syncRef, true)
	if err != nil {
		return nil, err
	}
	return peel(repo, got.Hash())
}

// defaultBranch finds the branch HEAD names.
func defaultBranch(refs map[plumbing.ReferenceName]*plumbing.Reference) (plumbing.ReferenceName, error) {
	head := refs[plumbing.HEAD]
	if head == nil {
		return "", errors.New("the repository names no default branch (HEAD); give a ref: #main")
	}
	if head.Type() == plumbing.SymbolicReference {
		if refs[head.Target()] != nil {
			return head.Target(), nil
		}
	}
	for _, n := range []plumbing.ReferenceName{plumbing.Main, plumbing.Master} {
		if r := refs[n]; r != nil && r.Hash() == head.Hash() {
			return n, nil
		}
	}
	for n, r := range refs {
		if n.IsBranch() && r.Hash() == head.Hash() {
			return n, nil
		}
	}
	return "", errors.New("the repository's HEAD names no branch; give a ref: #main")
}

// cache opens the repository's cache folder, made on first use.
func (s *Source) cache() (*git.Repository, error) {
	repo, err := git.PlainOpen(s.dir)
	if err == nil {
		if rem, err := repo.Remote("origin"); err == nil && len(rem.Config().URLs) == 1 && rem.Config().URLs[0] == s.spec.URL {
			return repo, nil
		}
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, err
	}
	repo, err = git.PlainInit(s.dir, true)
	if err != nil {
		return nil, err
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{s.spec.URL}}); err != nil {
		return nil, err
	}
	return repo, nil
}

// auth is the authentication for the source's scheme.
func (s *Source) auth() (transport.AuthMethod, error) {
	switch s.spec.Scheme {
	case "https", "http":
		if s.cfg.Token != "" {
			return &githttp.BasicAuth{Username: "x-access-token", Password: s.cfg.Token}, nil
		}
	case "ssh":
		user := "git"
		if ep, err := transport.NewEndpoint(s.spec.URL); err == nil && ep.User != "" {
			user = ep.User
		}
		if len(s.cfg.SSHKey) > 0 {
			keys, err := gitssh.NewPublicKeys(user, s.cfg.SSHKey, "")
			if err != nil {
				return nil, errors.New("the SSH key cannot be read: it must be an unencrypted PEM private key")
			}
			return keys, nil
		}
	}
	return nil, nil
}

// files reads the files under the path at commit into memory, within the
// bounds.
func (s *Source) files(c *object.Commit) (fs.FS, error) {
	tree, err := c.Tree()
	if err != nil {
		return nil, err
	}
	if s.spec.Path != "." {
		tree, err = tree.Tree(s.spec.Path)
		if errors.Is(err, object.ErrDirectoryNotFound) || errors.Is(err, object.ErrEntryNotFound) {
			// No folder is no plan: the caller decides whether that may
			// remove them all.
			return fstest.MapFS{}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.spec.Path, err)
		}
	}
	out := fstest.MapFS{}
	var total int64
	walker := object.NewTreeWalker(tree, true, nil)
	defer walker.Close()
	for {
		name, entry, err := walker.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if !entry.Mode.IsFile() || entry.Mode == filemode.Symlink {
			continue
		}
		if len(out) >= s.cfg.MaxFiles {
			return nil, fmt.Errorf("%s holds more than %d files, the limit", s.spec.Path, s.cfg.MaxFiles)
		}
		f, err := tree.TreeEntryFile(&entry)
		if err != nil {
			return nil, err
		}
		total += f.Size
		if total > s.cfg.MaxBytes {
			return nil, fmt.Errorf("the files under %s take more than %d bytes, the limit", s.spec.Path, s.cfg.MaxBytes)
		}
		ext := strings.ToLower(path.Ext(name))
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			continue
		}
		text, err := f.Contents()
		if err != nil {
			return nil, err
		}
		out[name] = &fstest.MapFile{Data: []byte(text), Mode: 0o444, ModTime: c.Committer.When}
	}
	return out, nil
}

// dirSize adds up the sizes of the files under dir.
func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	return n, err
}

// redact removes the credentials from an error's text.
func (s *Source) redact(err error) error {
	msg := err.Error()
	secrets := []string{s.cfg.Token}
	if len(s.cfg.SSHKey) > 0 {
		secrets = append(secrets, string(s.cfg.SSHKey))
	}
	if u, perr := urlPassword(s.spec.URL); perr == nil && u != "" {
		secrets = append(secrets, u)
	}
	changed := false
	for _, v := range secrets {
		if v != "" && strings.Contains(msg, v) {
			msg = strings.ReplaceAll(msg, v, "[REDACTED]")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError is an error whose text had credentials removed; Unwrap
// keeps the kind of error for errors.Is, not its text.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Is reports the sentinel errors of the original.
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }
