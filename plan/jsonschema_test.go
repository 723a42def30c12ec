package plan_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

func TestJSONSchemaErrors(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"openapi.yaml": {Data: []byte("components:\n  schemas:\n    Item: {type: object}\n    Bad: {type: 5}\n")},
		"broken.yaml":  {Data: []byte("components: [\n")},
		"sub/x.yaml":   {Data: []byte("type: string\n")},
	}
	cases := []struct {
		name, schema, err string
	}{
		{"inline", "{type: object, required: [id]}", ""},
		{"bool", "true", ""},
		{"ref", `{$ref: "openapi.yaml#/components/schemas/Item"}`, ""},
		{"ref in a directory", `{$ref: "sub/x.yaml"}`, ""},
		{"inline keyword", "\n          type: 5", "p.yaml:7:17: json_schema is not a valid JSON Schema: at $.type: "},
		{"ref keyword", `{$ref: "openapi.yaml#/components/schemas/Bad"}`, "p.yaml:6:22: json_schema is not a valid JSON Schema: at openapi.yaml#/components/schemas/Bad $.type: "},
		{"missing file", `{$ref: "nope.yaml#/x"}`, "p.yaml:6:22: json_schema: cannot read nope.yaml: file does not exist"},
		{"missing pointer", `{$ref: "openapi.yaml#/components/schemas/Nope"}`, "p.yaml:6:22: json_schema: json-pointer in \"openapi.yaml#/components/schemas/Nope\" not found"},
		{"outside", `{$ref: "../x.yaml#/a"}`, "p.yaml:6:22: json_schema: cannot read ../x.yaml: the path leaves the plans' directory"},
		{"absolute", `{$ref: "/etc/x.yaml"}`, `p.yaml:6:29: json_schema $ref "/etc/x.yaml" must name a file relative to the plan's`},
		{"url", `{$ref: "https://example.com/s.json"}`, `p.yaml:6:29: json_schema $ref "https://example.com/s.json" must name a file relative to the plan's`},
		{"not yaml", `{$ref: "broken.yaml#/a"}`, "p.yaml:6:22: json_schema: cannot read broken.yaml: yaml: "},
		{"scalar", `"object"`, `p.yaml:6:22: json_schema must be a schema (a mapping, or true or false) or {$ref: "file.yaml#/pointer"}, got "object"`},
		{"list", `[a]`, `p.yaml:6:22: json_schema must be a schema`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src := "steps:\n  - get:\n      url: https://example.com/\n      expect:\n        status_code: 200\n        json_schema: " + c.schema + "\n"
			p, err := plan.Parse([]byte(src), &plan.ParseOpts{File: "p.yaml", FS: fsys})
			if c.err == "" {
				require.NoError(t, err)
				require.NotNil(t, p.Steps[0].Expect.JSONSchema)
				return
			}
			require.ErrorContains(t, err, c.err)
		})
	}
}

func TestJSONSchemaWithoutFS(t *testing.T) {
	t.Parallel()
	_, err := plan.Parse([]byte("- get:\n    url: https://example.com/\n    expect:\n      json_schema: {$ref: \"openapi.yaml#/a\"}\n"), nil)
	require.EqualError(t, err, "4:20: json_schema: cannot read openapi.yaml: the plan was not loaded from a file, so it cannot refer to one")
}

func TestJSONSchemaValidate(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse([]byte("- get:\n    url: https://example.com/\n    expect:\n      json_schema: {type: object, properties: {items: {type: array, items: {type: integer}}}}\n"), nil)
	require.NoError(t, err)
	s := p.Steps[0].Expect.JSONSchema
	require.NoError(t, s.Validate(map[string]any{"items": []any{int64(1), 2.0}}))
	err = s.Validate(map[string]any{"items": []any{1, "x", "y"}})
	require.EqualError(t, err, "at $.items[1]: got string, want integer (and 1 more)")
}

// The files a plan's json_schema refers to are not loaded as plans.
func TestLoadFSSkipsSchemaFiles(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"openapi.yaml": {Data: []byte("openapi: 3.1.0\ncomponents: {schemas: {Item: {type: object}}}\n")},
		"item.yaml":    {Data: []byte("- get:\n    url: https://example.com/\n    expect:\n      json_schema: {$ref: \"openapi.yaml#/components/schemas/Item\"}\n")},
	}
	plans, err := plan.LoadFS(fsys, nil)
	require.NoError(t, err)
	require.Len(t, plans, 1)
	require.Equal(t, "item", plans[0].ID)
	require.Equal(t, "openapi.yaml#/components/schemas/Item", plans[0].Steps[0].Expect.JSONSchema.Ref)
}

// A plan keeps the files its schemas read, those they refer to in turn
// included, by their path relative to the plan; parsed again from them
// alone, it checks the same.
func TestJSONSchemaFilesParseAgain(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"api/openapi.yaml":    {Data: []byte("components:\n  schemas:\n    Item: {$ref: \"../shared/item.yaml\"}\n")},
		"shared/item.yaml":    {Data: []byte("type: object\nrequired: [id]\nproperties: {id: {$ref: \"id.json\"}}\n")},
		"shared/id.json":      {Data: []byte(`{"type": "integer"}`)},
		"plans/checks/p.yaml": {Data: []byte("- get:\n    url: https://example.com/\n    expect:\n      json_schema: {$ref: \"../../api/openapi.yaml#/components/schemas/Item\"}\n")},
	}
	plans, err := plan.LoadFS(fsys, nil)
	require.NoError(t, err)
	require.Len(t, plans, 1)
	p := plans[0]
	require.Equal(t, map[string][]byte{
		"../../api/openapi.yaml": fsys["api/openapi.yaml"].Data,
		"../../shared/item.yaml": fsys["shared/item.yaml"].Data,
		"../../shared/id.json":   fsys["shared/id.json"].Data,
	}, p.Files)

	again, err := plan.Parse(p.Source, &plan.ParseOpts{File: "p", Files: p.Files})
	require.NoError(t, err)
	require.Equal(t, p.Files, again.Files)
	s := again.Steps[0].Expect.JSONSchema
	require.NoError(t, s.Validate(map[string]any{"id": int64(7)}))
	require.EqualError(t, s.Validate(map[string]any{"id": "seven"}), "at $.id: got string, want integer")

	// A file beside the plan, and a plan whose schemas read none.
	p, err = plan.Parse([]byte("- get:\n    url: https://example.com/\n    expect:\n      json_schema: {$ref: \"id.json\"}\n"), &plan.ParseOpts{FS: fsys, Dir: "shared"})
	require.NoError(t, err)
	require.Equal(t, map[string][]byte{"id.json": fsys["shared/id.json"].Data}, p.Files)
	p, err = plan.Parse([]byte("- get:\n    url: https://example.com/\n    expect:\n      json_schema: {type: object}\n"), &plan.ParseOpts{FS: fsys})
	require.NoError(t, err)
	require.Nil(t, p.Files)

	// Without the files, the reference cannot be read.
	_, err = plan.Parse(plans[0].Source, &plan.ParseOpts{Files: map[string][]byte{"../../api/openapi.yaml": fsys["api/openapi.yaml"].Data}})
	require.ErrorContains(t, err, "cannot read")
}
