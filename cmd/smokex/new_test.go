package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/internal/petstore"
)

// smokex new --from-curl writes a plan that validate accepts and run
// passes against the server the command was for.
func TestNewFromCurl(t *testing.T) {
	t.Parallel()
	methods := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0k" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		methods <- r.Method
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cmd := `curl -X POST ` + srv.URL + `/orders -H 'Authorization: Bearer t0k' --json '{"item": 1}'`
	res := runCLI(t, nil, "", "new", "--from-curl", cmd, "-o", dir)
	require.Equal(t, exitOK, res.code, res.stderr)
	file := filepath.Join(dir, "post-127.0.0.1-orders.yaml")
	require.Contains(t, res.stderr, "wrote "+file)
	require.Contains(t, res.stderr, "[AUTHORIZATION]")
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NotContains(t, string(src), "t0k")

	res = runCLI(t, nil, "", "validate", file)
	require.Equal(t, exitOK, res.code, res.stderr+res.stdout)
	res = runCLI(t, map[string]string{"AUTHORIZATION": "Bearer t0k"}, "", "run", file)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	require.Equal(t, "POST", <-methods)

	res = runCLI(t, nil, "", "new", "--from-curl", cmd, "-o", dir)
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "exists; it is left as it is")

	res = runCLI(t, nil, "", "new", "--from-curl", "curl --nope "+srv.URL)
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "unknown or unsupported option --nope")

	res = runCLI(t, nil, "", "new", "--from-curl", "curl "+srv.URL+"/x")
	require.Equal(t, exitOK, res.code)
	require.Contains(t, res.stdout, "  - get:\n      name: \"GET /x\"\n      url: \""+srv.URL+"/x\"\n")
}

// smokex new --from-openapi writes, from the Petstore's document read from
// a file beside the plans or from its URL, plans that validate and pass
// against the Petstore; nothing that writes is sent.
func TestNewFromOpenAPI(t *testing.T) {
	t.Parallel()
	api := petstore.New()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	env := map[string]string{"API_KEY": petstore.APIKey}

	dir := t.TempDir()
	doc := filepath.Join(dir, "openapi.yaml")
	require.NoError(t, os.WriteFile(doc, petstore.Document, 0o644))
	res := runCLI(t, nil, "", "new", "--from-openapi", doc, "--base-url", srv.URL+"/v1", "-o", dir)
	require.Equal(t, exitOK, res.code, res.stderr)
	require.Contains(t, res.stderr, "wrote "+filepath.Join(dir, "petstore-pets.yaml"))
	require.Contains(t, res.stderr, "[API_KEY]")
	src, err := os.ReadFile(filepath.Join(dir, "petstore-pets.yaml"))
	require.NoError(t, err)
	require.Contains(t, string(src), `json_schema: {$ref: "openapi.yaml#/components/schemas/Pet"}`)
	res = runCLI(t, nil, "", "validate", dir)
	require.Equal(t, exitOK, res.code, res.stderr+res.stdout)
	res = runCLI(t, env, "", "run", dir)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)

	// Again: nothing is overwritten, not even the plans that do not exist.
	require.NoError(t, os.Remove(filepath.Join(dir, "petstore-store.yaml")))
	res = runCLI(t, nil, "", "new", "--from-openapi", doc, "--base-url", srv.URL+"/v1", "-o", dir)
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "exists; it is left as it is, and nothing is written")
	require.NoFileExists(t, filepath.Join(dir, "petstore-store.yaml"))

	// From the URL, whose document names the server it is served by; the
	// schemas are inline.
	dir = t.TempDir()
	res = runCLI(t, nil, "", "new", "--from-openapi", srv.URL+"/openapi.yaml", "-o", dir)
	require.Equal(t, exitOK, res.code, res.stderr)
	src, err = os.ReadFile(filepath.Join(dir, "petstore-pets.yaml"))
	require.NoError(t, err)
	require.Contains(t, string(src), "  base: \""+srv.URL+"/v1\"\n")
	require.NotContains(t, string(src), "$ref: \"openapi.yaml")
	res = runCLI(t, env, "", "run", dir)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)

	// To stdout, separated by ---.
	res = runCLI(t, nil, "", "new", "--from-openapi", srv.URL+"/openapi.yaml")
	require.Equal(t, exitOK, res.code, res.stderr)
	require.Equal(t, 3, strings.Count(res.stdout, "\n---\n"))
	require.Zero(t, api.Writes())

	for _, c := range []cliCase{
		{name: "missing file", args: []string{"new", "--from-openapi", filepath.Join(dir, "nope.yaml")}, code: exitUsage, stderr: "no such file"},
		{name: "not found", args: []string{"new", "--from-openapi", srv.URL + "/nope"}, code: exitUsage, stderr: "404 Not Found"},
		{name: "two sources", args: []string{"new", "--from-openapi", doc, "--from-curl", "curl http://x"}, code: exitUsage, stderr: "give one of --from-curl and --from-openapi"},
		{name: "base-url alone", args: []string{"new", "--from-curl", "curl http://x", "--base-url", "http://y"}, code: exitUsage, stderr: "--base-url goes with --from-openapi"},
		{name: "not a document", args: []string{"new", "--from-openapi", filepath.Join(dir, "petstore-pets.yaml")}, code: exitUsage, stderr: "is not an OpenAPI 3 document"},
	} {
		res := runCLI(t, nil, "", c.args...)
		requireResult(t, res, c.code, c.stdout, c.stderr)
	}
}
