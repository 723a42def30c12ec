// Package gitsync reads plans from a git repository, for smokex.Engine.Sync
// and smokex serve --sync. A source names the repository, a ref and the
// directory of the plans:
//
//	git+https://git.example.com/acme/api.git#main:.smokex
//	git+ssh://git@git.example.com/acme/api.git#v2:monitoring
//	git+file:///srv/git/api.git
//
// The ref (a branch or a tag) defaults to the repository's default branch,
// the path to .smokex. A remote repository is fetched shallow (depth 1,
// only the ref) into a cache folder, bounded in time and in size; a
// git+file:// repository is read in place. The implementation is go-git,
// pure Go: no git binary is needed. The package is a module of its own
// (github.com/smokex/smokex/gitsync), so that hosts that do not sync from
// git do not download or build go-git.
package gitsync
