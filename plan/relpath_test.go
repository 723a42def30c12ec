package plan

import (
	"io/fs"
	"path"
	"testing"
)

// relPath and filesFS agree: a file named relative to a plan's directory
// is found again under the directory filesFS makes for it.
func FuzzRelPath(f *testing.F) {
	for _, c := range [][2]string{{".", "openapi.yaml"}, {"plans/checks", "api/openapi.yaml"}, {"a/b", "a/b/c.json"}, {"a", "b"}, {"x/y/z", "."}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, dir, target string) {
		dir, target = path.Clean("/" + dir)[1:], path.Clean("/" + target)[1:]
		if dir == "" {
			dir = "."
		}
		if !fs.ValidPath(dir) || !fs.ValidPath(target) {
			return // no file system names such a file
		}
		rel := relPath(dir, target)
		if got := path.Join(dir, rel); got != target {
			t.Fatalf("relPath(%q, %q) = %q, which joins to %q", dir, target, rel, got)
		}
		fsys, base := filesFS(map[string][]byte{rel: []byte("x")})
		name := path.Join(base, rel)
		if _, err := fsys.Open(name); err != nil {
			t.Fatalf("filesFS put %q at %q under %q, not found: %v", rel, name, base, err)
		}
	})
}
