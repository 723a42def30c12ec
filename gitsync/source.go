package gitsync

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// DefaultPath is the directory of the plans in the repository when a
// source names none.
const DefaultPath = ".smokex"

// Spec is a parsed source: git+https://host/repo.git#ref:path.
type Spec struct {
	// Scheme is https, http, ssh or file.
	Scheme string
	// URL is the repository's URL without the git+ prefix and the
	// fragment: https://git.example.com/acme/api.git.
	URL string
	// Ref is a branch or a tag; empty means the repository's default
	// branch.
	Ref string
	// Path is the directory of the plans in the repository, slash-separated
	// and clean; "." for the root. Defaults to DefaultPath.
	Path string
}

// String writes the spec back in the source syntax, without any password
// the URL held.
func (s Spec) String() string {
	out := "git+" + redactURL(s.URL)
	if s.Ref != "" || s.Path != DefaultPath {
		out += "#" + s.Ref
		if s.Path != DefaultPath {
			out += ":" + s.Path
		}
	}
	return out
}

// Parse reads a source: git+https://host/repo.git, git+ssh://git@host/repo.git
// or git+file:///srv/repo.git, then optionally #ref, #ref:path or #:path.
// The ref defaults to the repository's default branch, the path to
// DefaultPath.
func Parse(source string) (Spec, error) {
	const forms = "git+https://host/repo.git#ref:path, git+ssh://git@host/repo.git or git+file:///path/to/repo (ref and path optional)"
	rest, ok := strings.CutPrefix(source, "git+")
	if !ok {
		return Spec{}, fmt.Errorf("gitsync: source %q must start with git+: %s", redactURL(source), forms)
	}
	raw, frag, _ := strings.Cut(rest, "#")
	u, err := url.Parse(raw)
	if err != nil {
		return Spec{}, fmt.Errorf("gitsync: source %q is not a URL: %s", redactURL(source), forms)
	}
	s := Spec{Scheme: u.Scheme, URL: raw, Path: DefaultPath}
	switch u.Scheme {
	case "https", "http", "ssh":
		if u.Host == "" {
			return Spec{}, fmt.Errorf("gitsync: source %q names no host: %s", redactURL(source), forms)
		}
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return Spec{}, fmt.Errorf("gitsync: source %q: a file URL names a local path, as git+file:///srv/repo.git", redactURL(source))
		}
		if u.Path == "" {
			return Spec{}, fmt.Errorf("gitsync: source %q names no path", redactURL(source))
		}
	default:
		return Spec{}, fmt.Errorf("gitsync: source %q: the scheme must be https, http, ssh or file: %s", redactURL(source), forms)
	}
	if u.RawQuery != "" {
		return Spec{}, fmt.Errorf("gitsync: source %q: a query is not part of a repository URL", redactURL(source))
	}
	ref, p, hasPath := strings.Cut(frag, ":")
	s.Ref = ref
	if strings.ContainsAny(ref, " ~^?*[\\") || strings.Contains(ref, "..") {
		return Spec{}, fmt.Errorf("gitsync: source %q: %q is not a branch or tag name", redactURL(source), ref)
	}
	if hasPath {
		p = strings.Trim(p, "/")
		if p == "" {
			p = "."
		}
		clean := path.Clean(p)
		if clean == ".." || strings.HasPrefix(clean, "../") {
			return Spec{}, errors.New("gitsync: source path " + p + " leaves the repository")
		}
		s.Path = clean
	}
	return s, nil
}

// redactURL hides the password of a URL that has one.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
		return strings.Replace(u.String(), "REDACTED", "[REDACTED]", 1)
	}
	return raw
}

// urlPassword returns the password a URL holds, if any.
func urlPassword(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return "", err
	}
	p, _ := u.User.Password()
	return p, nil
}
