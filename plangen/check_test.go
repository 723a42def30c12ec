package plangen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/plangen"
	"github.com/smokex/smokex/record"
)

// A one-step check sends its method and expects its status.
func TestNewCheck(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	for status, want := range map[string]record.Status{"204": record.StatusPassed, "2xx": record.StatusPassed, "": record.StatusPassed, "200": record.StatusFailed} {
		p, err := plangen.NewCheck("head", srv.URL+"/ping", status)
		require.NoError(t, err)
		p.Schedule = "@every 30s"
		pl, err := plan.Parse([]byte(requireParses(t, p)), nil)
		require.NoError(t, err)
		require.Equal(t, "@every 30s", pl.Schedule)
		x := exec.New(exec.Config{}).Run(context.Background(), pl, nil)
		require.Equal(t, want, x.Status, status)
	}
	for _, c := range []struct{ method, url, status, want string }{
		{"GET", "mailto:a@b", "", "is not an http or https URL"},
		{"FETCH", "http://x", "", `method "FETCH" is not one a plan sends (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, TRACE, CONNECT)`},
		{"GET", "http://x", "600", "must be a code from 100 to 599 or a class like 2xx"},
		{"GET", "http://x", "200\nfoo: bar", "must be a code from 100 to 599"},
	} {
		_, err := plangen.NewCheck(c.method, c.url, c.status)
		require.ErrorContains(t, err, c.want)
	}
}
