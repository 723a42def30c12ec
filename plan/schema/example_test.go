package schema_test

import (
	"encoding/json"
	"fmt"

	"github.com/smokex/smokex/plan/schema"
)

func ExampleJSON() {
	var s struct {
		Schema string `json:"$schema"`
		ID     string `json:"$id"`
		Title  string `json:"title"`
	}
	if err := json.Unmarshal(schema.JSON(), &s); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Schema)
	fmt.Println(s.ID == schema.ID)
	fmt.Println(s.Title)
	// Output:
	// https://json-schema.org/draft/2020-12/schema
	// true
	// smokex plan
}
