package gitsync_test

import (
	"fmt"

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
