package gitsync_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/gitsync"
)

func ExampleParse() {
	for _, source := range []string{
		"git+https://git.example.com/acme/api.git",
		"git+https://git.example.com/acme/api.git#release:monitoring/plans",
		"git+ssh://git@git.example.com/acme/api.git#:.",
	} {
		s, err := gitsync.Parse(source)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s ref=%q path=%q\n", s.URL, s.Ref, s.Path)
	}
	// Output:
	// https://git.example.com/acme/api.git ref="" path=".smokex"
	// https://git.example.com/acme/api.git ref="release" path="monitoring/plans"
	// ssh://git@git.example.com/acme/api.git ref="" path="."
}

// A host syncs its plans from a git repository, here one made on disk:
// eng.Sync applies the newest commit, and eng.SyncState tells what it did.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "plans")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		panic(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, ".smokex"), 0o755); err != nil {
		panic(err)
	}
	plan := "schedule: \"@every 1m\"\nsteps:\n  - get: {url: \"https://api.example.com/health\"}\n"
	if err := os.WriteFile(filepath.Join(dir, ".smokex", "health.yaml"), []byte(plan), 0o644); err != nil {
		panic(err)
	}
	wt, _ := repo.Worktree()
	if _, err := wt.Add(".smokex/health.yaml"); err != nil {
		panic(err)
	}
	commit, err := wt.Commit("add the health check", &git.CommitOptions{Author: &object.Signature{Name: "Ada", Email: "ada@example.com", When: time.Now()}})
	if err != nil {
		panic(err)
	}

	ctx := context.Background()
	eng, err := smokex.New(smokex.Config{})
	if err != nil {
		panic(err)
	}
	defer eng.Stop(ctx)
	src, err := gitsync.New("git+file://"+filepath.ToSlash(dir)+"#master:.smokex", gitsync.Config{})
	if err != nil {
		panic(err)
	}
	res, err := eng.Sync(ctx, src, nil)
	if err != nil {
		panic(err)
	}
	st, err := eng.SyncState(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("added:", res.Added)
	fmt.Println("commit applied:", st.Commit == commit.String())
	fmt.Println("plans:", st.Plans)
	// Output:
	// added: [health]
	// commit applied: true
	// plans: map[health:.smokex/health.yaml]
}
