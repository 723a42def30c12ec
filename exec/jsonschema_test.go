package exec_test

import (
	"context"
	"net/http"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

func TestJSONSchema(t *testing.T) {
	t.Parallel()
	srv := serve(t, users)
	e := runYAML(t, srv, `
- get:
    host: "${base}/"
    expect:
      json_schema:
        type: object
        required: [total, users]
        properties:
          total: {type: integer, minimum: 0}
          users:
            type: array
            items:
              type: object
              required: [id, name]
              properties:
                id: {type: integer}
                name: {type: string}
- get:
    host: "${base}/"
    expect:
      json_schema:
        type: object
        properties:
          users:
            type: array
            items:
              properties:
                age: {type: integer}
`, &exec.RunOpts{})
	require.True(t, e.Steps[0].OK, "%v", failures(e.Steps[0]))
	require.False(t, e.Steps[1].OK)
	require.Equal(t, []string{"json_schema $.users[1].age: expected valid against the json_schema, received got number, want integer"}, failures(e.Steps[1]))
	require.Equal(t, 22, e.Steps[1].Failures[0].Line)
}

func TestJSONSchemaRef(t *testing.T) {
	t.Parallel()
	srv := serve(t, users)
	fsys := fstest.MapFS{
		"api/openapi.yaml": {Data: []byte(`
openapi: 3.1.0
components:
  schemas:
    User:
      type: object
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
        email: {type: string, format: email}
    Users:
      type: object
      properties:
        users: {type: array, items: {$ref: "#/components/schemas/User"}}
    Strict:
      type: object
      additionalProperties: false
      properties:
        total: {type: integer}
`)},
		"api/plans/users.yaml": {Data: []byte(`
steps:
  - get:
      url: "${base}/"
      expect:
        json_schema: {$ref: "../openapi.yaml#/components/schemas/Users"}
  - get:
      url: "${base}/"
      expect:
        json_schema: {$ref: "../openapi.yaml#/components/schemas/Strict"}
`)},
		"api/plans/html.yaml": {Data: []byte(`
steps:
  - get:
      url: "${base}/"
      expect:
        json_schema: {$ref: "../openapi.yaml#/components/schemas/User"}
`)},
	}
	plans, err := plan.LoadFS(fsys, nil)
	require.NoError(t, err)
	require.Len(t, plans, 2)
	r := newRunner(t, exec.Config{})
	e := r.Run(context.Background(), plans[1], &exec.RunOpts{Vars: map[string]any{"base": srv.URL}})
	require.Equal(t, "users", plans[1].ID)
	require.True(t, e.Steps[0].OK, "%v", failures(e.Steps[0]))
	require.Equal(t, []string{"json_schema $: expected valid against ../openapi.yaml#/components/schemas/Strict, received additional properties 'users' not allowed"}, failures(e.Steps[1]))

	text := serve(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<p>hi</p>")) })
	e = r.Run(context.Background(), plans[0], &exec.RunOpts{Vars: map[string]any{"base": text.URL}})
	require.Equal(t, record.FailureJSONSchema, e.Steps[0].Failures[0].Type)
	require.Contains(t, e.Steps[0].Failures[0].Received, "not JSON")
}
