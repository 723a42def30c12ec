package smokex_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
)

// A pull request's check previews what merging it would do to the stored
// plans: what a sync of its files would add, change and remove, and which
// files would not load, changing nothing.
func ExampleEngine_PreviewSync() {
	eng, err := smokex.New(smokex.Config{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer eng.Stop(ctx)

	files := fstest.MapFS{
		"health.yaml": {Data: []byte("name: health\nsteps:\n  - get: {url: \"https://api.example.com/health\"}\n")},
		"broken.yaml": {Data: []byte("name: broken\nsteps:\n  - get: {url: \"https://api.example.com/\", expect: {status_cod: 200}}\n")},
	}
	rev := record.Source{Commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904", Path: ".smokex"}
	preview, err := eng.PreviewSync(ctx, files, rev, nil)
	if err != nil {
		panic(err)
	}
	for _, c := range preview.Added {
		fmt.Println("add", c.ID, c.File)
	}
	for _, e := range preview.Errors {
		fmt.Println("error", e)
	}
	fmt.Println(len(eng.Plans()), "plans stored")
	// Output:
	// add health .smokex/health.yaml
	// error .smokex/broken.yaml:3:53: unknown key "status_cod" in expect; did you mean "status_code"?
	// 0 plans stored
}
