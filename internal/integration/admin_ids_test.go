package integration_test

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/admintest"
)

// sqlWords are what PostgreSQL's errors say, which no answer may hold.
var sqlWords = []string{"SQLSTATE", "ERROR:", "invalid byte sequence", "index row size", "relation", "executions_gone"}

// TestIDsAndErrorsOnPostgres sends IDs no store can hold (3,000 bytes, a
// NUL byte, bytes that are not UTF-8) in every API path and page that
// takes one, on the PostgreSQL store: each is a 400 or 404 without the
// store's words. Then a real SQL error (the executions table renamed away)
// is a 500 that gives a request id and no SQL, while the log has both.
func TestIDsAndErrorsOnPostgres(t *testing.T) {
	t.Parallel()
	store, pool, schema := postgresStore(t)
	// The handler logs to a file, read as the log is.
	logFile, err := os.Create(filepath.Join(t.TempDir(), "admin.log"))
	require.NoError(t, err)
	defer logFile.Close()
	logged := func() string {
		b, err := os.ReadFile(logFile.Name())
		require.NoError(t, err)
		return string(b)
	}
	f := admintest.New(t, &admin.Config{AllowEdit: true, AllowRun: true, AllowDelete: true,
		Logger: slog.New(slog.NewTextHandler(logFile, nil))}, "/", store)
	f.Sync(t)
	x := f.Run(t, "up")

	noSQL := func(what string, body []byte) {
		t.Helper()
		for _, w := range sqlWords {
			require.NotContains(t, string(body), w, what)
		}
	}
	for _, id := range []string{strings.Repeat("a", 3000), "a\x00b", "a\xffb", "up\n"} {
		esc := url.PathEscape(id)
		for _, c := range []struct{ method, path, body string }{
			{"GET", "api/plans/" + esc, ""},
			{"DELETE", "api/plans/" + esc, ""},
			{"POST", "api/plans/" + esc + "/runs", ""},
			{"GET", "api/executions/" + esc, ""},
			{"GET", "plans/" + esc, ""},
			{"GET", "plans/" + esc + "/edit", ""},
			{"GET", "executions/" + esc, ""},
		} {
			code, _, body := f.Do(t, c.method, c.path, c.body)
			require.Equal(t, 404, code, "%s %.60s: %s", c.method, c.path, body)
			noSQL(c.method+" "+c.path, body)
		}
		code, _, body := f.Do(t, "PUT", "api/plans/"+esc, "name: x\nsteps:\n  - get: {url: \"${base}/ok\"}\n")
		require.Equal(t, 400, code, string(body))
		noSQL("PUT", body)
		code, _, body = f.Do(t, "GET", "api/executions?plan="+url.QueryEscape(id), "")
		require.Equal(t, 400, code, string(body))
		noSQL("GET api/executions?plan=", body)
		code, _, body = f.Do(t, "GET", "api/executions?cursor="+url.QueryEscape(id), "")
		require.Equal(t, 400, code, string(body))
		noSQL("GET api/executions?cursor=", body)
	}
	require.NotContains(t, logged(), "level=ERROR", "no bad id reached the store")

	// A store that fails for real: its error is logged under a request id
	// and the client gets the id only.
	_, err = pool.Exec(context.Background(), "ALTER TABLE "+schema+".executions RENAME TO executions_gone")
	require.NoError(t, err)
	for _, path := range []string{"api/executions/" + x.ID, "executions/" + x.ID} {
		code, hdr, body := f.Do(t, "GET", path, "")
		require.Equal(t, 500, code, string(body))
		noSQL(path, body)
		id := hdr.Get("X-Request-Id")
		require.NotEmpty(t, id)
		require.Contains(t, string(body), "request id "+id)
		require.Contains(t, logged(), "request_id="+id)
		require.Contains(t, logged(), "SQLSTATE 42P01", "the log has the store's error")
	}
	_, err = pool.Exec(context.Background(), "ALTER TABLE "+schema+".executions_gone RENAME TO executions")
	require.NoError(t, err)
}
