package plangen_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/internal/petstore"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/plangen"
	"github.com/smokex/smokex/record"
)

// The plans written from the Petstore's document validate and pass
// against the Petstore, in both ways of writing schemas: by reference to
// the document beside them, and inline. Nothing that writes is sent.
func TestFromOpenAPIRunsGreen(t *testing.T) {
	t.Parallel()
	api := petstore.New()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	for name, schemaFile := range map[string]string{"by reference": "openapi.yaml", "inline": ""} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			plans, err := plangen.FromOpenAPI(petstore.Document, &plangen.OpenAPIOpts{BaseURL: srv.URL + "/v1", SchemaFile: schemaFile, Source: "openapi.yaml"})
			require.NoError(t, err)
			dir := t.TempDir()
			if schemaFile != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, schemaFile), petstore.Document, 0o644))
			}
			var names []string
			all := ""
			for _, p := range plans {
				var b bytes.Buffer
				require.NoError(t, plangen.Write(&b, p))
				require.NoError(t, os.WriteFile(filepath.Join(dir, p.Name+".yaml"), b.Bytes(), 0o644))
				names = append(names, p.Name)
				all += b.String()
			}
			require.Equal(t, []string{"petstore-health", "petstore-owners", "petstore-pets", "petstore-store"}, names)
			if schemaFile != "" {
				require.Contains(t, all, `json_schema: {$ref: "openapi.yaml#/components/schemas/Pet"}`)
			} else {
				require.NotContains(t, all, "$ref: \"openapi.yaml")
			}
			// OpenAPI 3.0's nullable and boolean exclusiveMinimum are
			// converted inline, whichever way.
			require.Contains(t, all, "type: [string, \"null\"]")
			require.Contains(t, all, "#   POST /pets (createPet): writes\n")
			require.Contains(t, all, "#   GET /pets/search (searchPets): no example or default for the required parameter q (query)\n")
			require.Contains(t, all, "secrets: [API_KEY]")

			loaded, err := plan.LoadDir(dir, nil)
			require.NoError(t, err)
			require.Len(t, loaded, 4, "openapi.yaml is not a plan")
			steps := 0
			for _, pl := range loaded {
				require.Empty(t, plan.Lint(pl, nil))
				x := exec.New(exec.Config{}).Run(context.Background(), pl, &exec.RunOpts{Secrets: map[string]string{"API_KEY": petstore.APIKey}})
				require.Equal(t, record.StatusPassed, x.Status, "%s: %+v", pl.ID, x.Steps)
				steps += len(x.Steps)
			}
			require.Equal(t, 5, steps)
		})
	}
	require.Zero(t, api.Writes(), "a write was sent")
}

// A plan checks what the document declares: a body that breaks the
// schema fails it.
func TestFromOpenAPIChecksTheSchema(t *testing.T) {
	t.Parallel()
	doc := strings.Replace(string(petstore.Document), "name: {type: string, minLength: 1}", "name: {type: string, minLength: 10}", 1)
	srv := httptest.NewServer(petstore.New())
	t.Cleanup(srv.Close)
	plans, err := plangen.FromOpenAPI([]byte(doc), &plangen.OpenAPIOpts{BaseURL: srv.URL + "/v1"})
	require.NoError(t, err)
	var pets *plangen.Plan
	for _, p := range plans {
		if p.Name == "petstore-pets" {
			pets = p
		}
	}
	require.NotNil(t, pets)
	var b bytes.Buffer
	require.NoError(t, plangen.Write(&b, pets))
	pl, err := plan.Parse(b.Bytes(), nil)
	require.NoError(t, err, b.String())
	x := exec.New(exec.Config{}).Run(context.Background(), pl, nil)
	require.Equal(t, record.StatusFailed, x.Status)
	require.Equal(t, record.FailureJSONSchema, x.Steps[0].Failures[0].Type)
	require.Equal(t, "$[0].name", x.Steps[0].Failures[0].Name)
}

// The server URL comes from the document, its variables at their
// defaults, or, relative, from where the document was read.
func TestFromOpenAPIServer(t *testing.T) {
	t.Parallel()
	plans, err := plangen.FromOpenAPI(petstore.Document, nil)
	require.NoError(t, err)
	require.Equal(t, []plangen.Var{{Name: "base", Value: "http://petstore.example.com/v1"}}, plans[0].Vars)

	doc := strings.Replace(string(petstore.Document), petstore.DocumentServer, "/api/{version}", 1)
	loc, _ := url.Parse("https://docs.example.com/specs/openapi.yaml")
	plans, err = plangen.FromOpenAPI([]byte(doc), &plangen.OpenAPIOpts{Location: loc})
	require.NoError(t, err)
	require.Equal(t, "https://docs.example.com/api/v1", plans[0].Vars[0].Value)

	_, err = plangen.FromOpenAPI([]byte(doc), nil)
	require.ErrorContains(t, err, `the server URL "/api/v1" is relative; give the API's URL (--base-url)`)
}

func TestFromOpenAPIErrors(t *testing.T) {
	t.Parallel()
	for doc, want := range map[string]string{
		"":                                   "is not an OpenAPI 3 document",
		"swagger: '2.0'\ninfo: {title: x}\n": "convert a Swagger 2.0 document to OpenAPI 3 first",
		"openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\n":                                                                                  "names no server",
		"openapi: 3.0.3\ninfo: {title: x, version: '1'}\nservers: [{url: 'ftp://x'}]\npaths: {}\n":                                                     "is not an http or https URL",
		"openapi: 3.0.3\ninfo: {title: x, version: '1'}\nservers: [{url: 'http://x'}]\npaths: {}\n":                                                    "has no operations",
		"openapi: 3.0.3\ninfo: {title: x, version: '1'}\nservers: [{url: 'http://x'}]\npaths: {/a: {post: {responses: {'201': {description: ok}}}}}\n": "has no GET operation a plan can call:\n  POST /a: writes",
		"{": "is not an OpenAPI document",
	} {
		_, err := plangen.FromOpenAPI([]byte(doc), &plangen.OpenAPIOpts{Source: "api.yaml"})
		require.ErrorContains(t, err, want, doc)
	}
}

// FetchOpenAPI reads a document over HTTP, and says why it cannot.
func TestFetchOpenAPI(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(petstore.New())
	t.Cleanup(srv.Close)
	doc, err := plangen.FetchOpenAPI(context.Background(), srv.Client(), srv.URL+"/openapi.yaml")
	require.NoError(t, err)
	require.Contains(t, string(doc), srv.Listener.Addr().String())
	_, err = plangen.FetchOpenAPI(context.Background(), nil, srv.URL+"/nope.yaml")
	require.ErrorContains(t, err, "404 Not Found")
	_, err = plangen.FetchOpenAPI(context.Background(), nil, "file:///etc/passwd")
	require.ErrorContains(t, err, "is not an http or https URL")
}

func FuzzFromOpenAPI(f *testing.F) {
	f.Add(petstore.Document)
	f.Add([]byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers: [{url: 'http://x'}]\npaths: {/a/{id}: {get: {parameters: [{name: id, in: path, required: true, example: 'x y'}], responses: {'200': {description: ok, content: {application/json: {schema: {type: [object, 'null'], exclusiveMinimum: 1}}}}}}}}\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		plans, err := plangen.FromOpenAPI(doc, nil)
		if err != nil {
			return
		}
		for _, p := range plans {
			var out bytes.Buffer
			if err := plangen.Write(&out, p); err != nil {
				continue
			}
			if _, err := plan.Parse(out.Bytes(), nil); err != nil && !strings.Contains(err.Error(), "json_schema") {
				t.Fatalf("the plan written does not parse: %v\n%s", err, out.String())
			}
		}
	})
}

// An OpenAPI 3.1 document's schemas are JSON Schemas as they stand: every
// one is referred to, and the plans pass.
func TestFromOpenAPI31RefersToEverySchema(t *testing.T) {
	t.Parallel()
	doc := strings.NewReplacer(
		"openapi: 3.0.3", "openapi: 3.1.0",
		"email: {type: string, nullable: true}", `email: {type: [string, "null"]}`,
		"age: {type: integer, minimum: 0, exclusiveMinimum: true}", "age: {type: integer, exclusiveMinimum: 0}",
	).Replace(string(petstore.Document))
	srv := httptest.NewServer(petstore.New())
	t.Cleanup(srv.Close)
	plans, err := plangen.FromOpenAPI([]byte(doc), &plangen.OpenAPIOpts{BaseURL: srv.URL + "/v1", SchemaFile: "openapi.yaml"})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(doc), 0o644))
	for _, p := range plans {
		var b bytes.Buffer
		require.NoError(t, plangen.Write(&b, p))
		require.NoError(t, os.WriteFile(filepath.Join(dir, p.Name+".yaml"), b.Bytes(), 0o644))
		if p.Name == "petstore-owners" {
			require.Contains(t, b.String(), `json_schema: {$ref: "openapi.yaml#/components/schemas/Owner"}`)
		}
	}
	loaded, err := plan.LoadDir(dir, nil)
	require.NoError(t, err)
	for _, pl := range loaded {
		x := exec.New(exec.Config{}).Run(context.Background(), pl, &exec.RunOpts{Secrets: map[string]string{"API_KEY": petstore.APIKey}})
		require.Equal(t, record.StatusPassed, x.Status, "%s: %+v", pl.ID, x.Steps)
	}
}
