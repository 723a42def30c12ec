package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/plan/schema"
)

// compile compiles the embedded schema.
func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.JSON()))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	require.NoError(t, c.AddResource(schema.ID, doc))
	s, err := c.Compile(schema.ID)
	require.NoError(t, err)
	return s
}

// instance converts a YAML plan to the JSON value the schema validates.
func instance(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	require.NoError(t, yaml.Unmarshal(src, &v))
	b, err := json.Marshal(v)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	return inst
}

// structural reports whether a golden invalid plan is marked as failing for
// a reason the schema expresses: its first line is "# schema: reject".
func structural(src []byte) bool {
	line, _, _ := bytes.Cut(src, []byte("\n"))
	return strings.TrimSpace(string(line)) == "# schema: reject"
}

func TestSchemaAgreesWithValidPlans(t *testing.T) {
	t.Parallel()
	s := compile(t)
	files, err := filepath.Glob("../testdata/valid/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		_, err = plan.Parse(src, &plan.ParseOpts{File: file})
		require.NoError(t, err, "the parser rejects %s", file)
		require.NoError(t, s.Validate(instance(t, src)), "the schema rejects %s", file)
	}
}

func TestSchemaRejectsStructuralErrors(t *testing.T) {
	t.Parallel()
	s := compile(t)
	files, err := filepath.Glob("../testdata/invalid/*.yaml")
	require.NoError(t, err)
	marked := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		if !structural(src) {
			continue
		}
		marked++
		_, err = plan.Parse(src, &plan.ParseOpts{File: file})
		require.Error(t, err, "the parser accepts %s", file)
		require.Error(t, s.Validate(instance(t, src)), "the schema accepts %s", file)
	}
	require.Greater(t, marked, 10)
}

func TestSchemaCases(t *testing.T) {
	t.Parallel()
	s := compile(t)
	cases := []struct {
		name  string
		src   string
		valid bool
	}{
		{"seed", "- get: {host: https://x.test/}", true},
		{"method any case", "- PoSt: {url: https://x.test/}", true},
		{"unknown method", "- fetch: {host: https://x.test/}", false},
		{"two methods", "- {get: {host: https://x.test/}, post: {host: https://x.test/}}", false},
		{"no host", "- get: {name: x}", false},
		{"host and url", "- get: {host: https://x.test/, url: https://x.test/}", false},
		{"body and form", "- post: {host: https://x.test/, body: {a: 1}, form: {a: 1}}", false},
		{"status class", "- get: {host: https://x.test/, expect: {status_code: 4xx}}", true},
		{"status template", "- get: {host: https://x.test/, expect: {status_code: '${s}'}}", true},
		{"status text", "- get: {host: https://x.test/, expect: {status_code: ok}}", false},
		{"timeout duration", "- get: {host: https://x.test/, options: {timeout: 1m30s}}", true},
		{"timeout text", "- get: {host: https://x.test/, options: {timeout: soon}}", false},
		{"header name", "- get: {host: https://x.test/, headers: {X-Request-Id: a}, expect: {headers: {content-type: b}}}", true},
		{"bad header name", "- get: {host: https://x.test/, headers: {'bad header': a}}", false},
		{"bad expect header name", "- get: {host: https://x.test/, expect: {headers: {'x:y': b}}}", false},
		{"capture two sources", "- get: {host: https://x.test/, save_from_response: [{variable_name: a, header: b, json_path: c}]}", false},
		{"capture bad name", "- get: {host: https://x.test/, save_from_response: [{variable_name: a-b, header: b}]}", false},
		{"document", "{name: n, steps: [{get: {host: https://x.test/}}]}", true},
		{"document no steps", "{name: n}", false},
		{"reserved secret", "{secrets: [in], steps: [{get: {host: https://x.test/}}]}", false},
		// Names: at most plan.MaxNameLength characters (runes, not bytes),
		// one line without control characters.
		{"longest name", "{name: " + strings.Repeat("n", plan.MaxNameLength) + ", steps: [{get: {host: https://x.test/}}]}", true},
		{"longest name in runes", "{name: a" + strings.Repeat("é", plan.MaxNameLength-1) + ", steps: [{get: {host: https://x.test/}}]}", true},
		{"name too long", "{name: " + strings.Repeat("n", plan.MaxNameLength+1) + ", steps: [{get: {host: https://x.test/}}]}", false},
		{"name too long in runes", "{name: a" + strings.Repeat("é", plan.MaxNameLength) + ", steps: [{get: {host: https://x.test/}}]}", false},
		{"name with a tab", "{name: \"a\\tb\", steps: [{get: {host: https://x.test/}}]}", false},
		{"name with NUL", "{name: \"a\\0b\", steps: [{get: {host: https://x.test/}}]}", false},
		{"name with C1 control", "{name: \"a\\x85b\", steps: [{get: {host: https://x.test/}}]}", false},
	}
	for _, c := range cases {
		src := []byte(c.src)
		err := s.Validate(instance(t, src))
		_, perr := plan.Parse(src, nil)
		if c.valid {
			require.NoError(t, err, c.name)
			require.NoError(t, perr, c.name)
		} else {
			require.Error(t, err, c.name)
			require.Error(t, perr, c.name)
		}
	}
}

// TestSchemaAcceptsTheExamplePlans checks the project's example plans, so
// that an editor never marks a plan the documentation shows.
func TestSchemaAcceptsTheExamplePlans(t *testing.T) {
	t.Parallel()
	s := compile(t)
	files, err := filepath.Glob("../../examples/plans/*.yaml")
	require.NoError(t, err)
	for _, file := range files {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		require.NoError(t, s.Validate(instance(t, src)), "the schema rejects %s", file)
	}
}
