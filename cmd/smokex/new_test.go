package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/internal/demoapi"
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
		{name: "two sources", args: []string{"new", "--from-openapi", doc, "--from-curl", "curl http://x"}, code: exitUsage, stderr: "give one of --from-curl, --from-openapi and --from-har"},
		{name: "base-url alone", args: []string{"new", "--from-curl", "curl http://x", "--base-url", "http://y"}, code: exitUsage, stderr: "--base-url goes with --from-openapi"},
		{name: "not a document", args: []string{"new", "--from-openapi", filepath.Join(dir, "petstore-pets.yaml")}, code: exitUsage, stderr: "is not an OpenAPI 3 document"},
	} {
		res := runCLI(t, nil, "", c.args...)
		requireResult(t, res, c.code, c.stdout, c.stderr)
	}
}

// smokex new --from-har writes, from a session recorded against the demo
// API, a plan that validates and passes against it with the secrets the
// recording sent; the token is captured from the login.
func TestNewFromHAR(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(demoapi.New())
	t.Cleanup(srv.Close)
	har, err := os.ReadFile(filepath.Join("testdata", "new", "login.har"))
	require.NoError(t, err)
	dir := t.TempDir()
	file := filepath.Join(dir, "session.har")
	require.NoError(t, os.WriteFile(file, []byte(strings.ReplaceAll(string(har), "BASE", srv.URL)), 0o644))
	host := strings.TrimPrefix(srv.URL, "http://")

	res := runCLI(t, nil, "", "new", "--from-har", file, "--host", host, "-o", dir)
	require.Equal(t, exitOK, res.code, res.stderr)
	require.Contains(t, res.stderr, "[COOKIE PASSWORD]")
	out := filepath.Join(dir, "session-127.0.0.1-"+strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)+".yaml")
	src, err := os.ReadFile(out)
	require.NoError(t, err, res.stderr)
	require.Contains(t, string(src), `authorization: "Bearer ${token}"`)
	require.Contains(t, string(src), "analytics.example.com; add them with --host")
	require.NotContains(t, string(src), "3f0c1d2e")

	res = runCLI(t, nil, "", "validate", out)
	require.Equal(t, exitOK, res.code, res.stderr+res.stdout)
	res = runCLI(t, map[string]string{"PASSWORD": demoapi.Password, "COOKIE": "theme=dark"}, "", "run", out)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)

	for _, c := range []cliCase{
		{name: "host alone", args: []string{"new", "--from-curl", "curl http://x", "--host", "x"}, code: exitUsage, stderr: "--host goes with --from-har"},
		{name: "not a HAR", args: []string{"new", "--from-har", out}, code: exitUsage, stderr: "the HAR is not JSON: line 1, column 1"},
		{name: "no request", args: []string{"new", "--from-har", file, "--host", "nope.example.com"}, code: exitUsage, stderr: "has no request to nope.example.com"},
	} {
		res := runCLI(t, nil, "", c.args...)
		requireResult(t, res, c.code, c.stdout, c.stderr)
	}
}
