package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
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
