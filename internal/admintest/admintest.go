package admintest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/stretchr/testify/require"
)

// Fixture is an engine with a target service and the admin handler on a
// real server.
type Fixture struct {
	Eng    *smokex.Engine
	Target *httptest.Server
	Srv    *httptest.Server
	URL    string // the handler's root, with a trailing slash
}

// SecretValue is the value of the secret TOKEN that plans send; it must
// never appear in an answer.
const SecretValue = "s3cr3t-v4lue-never-shown"

// New starts an engine on store (nil: the memory store) and serves
// admin.New(eng, cfg) on a real server, at prefix (which ends in '/') when
// it is not "/". The engine stops and the servers close with the test.
func New(t *testing.T, cfg *admin.Config, prefix string, store storage.Store) *Fixture {
	t.Helper()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status": "up", "version": 3}`)
		case "/slow":
			time.Sleep(300 * time.Millisecond)
			fmt.Fprint(w, "slow")
		case "/echo-auth":
			fmt.Fprintf(w, "you sent %s", r.Header.Get("Authorization"))
		default:
			http.Error(w, "nope", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(target.Close)
	eng, err := smokex.New(smokex.Config{
		Store:             store,
		Vars:              map[string]any{"base": target.URL},
		Secrets:           smokex.LookupSecrets(func(string) (string, bool) { return SecretValue, true }, "TOKEN"),
		RetentionInterval: -1,
	})
	require.NoError(t, err)
	h := admin.New(eng, cfg)
	mux := http.NewServeMux()
	if prefix == "/" {
		mux.Handle("/", h)
	} else {
		mux.Handle(prefix, http.StripPrefix(strings.TrimSuffix(prefix, "/"), h))
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, eng.Stop(ctx))
	})
	require.NoError(t, eng.Start(context.Background()))
	return &Fixture{Eng: eng, Target: target, Srv: srv, URL: srv.URL + prefix}
}

// Plans are the plans the tests load, by file name: up, down (failing)
// and secret (sending SecretValue).
var Plans = fstest.MapFS{
	"up.yaml": {Data: []byte(`name: up
description: The service answers
labels: {team: core}
schedule: "@hourly"
steps:
  - get:
      name: health
      url: "${base}/ok"
      expect:
        status_code: 200
        json: {status: up}
`)},
	"down.yaml": {Data: []byte(`name: down
options: {halt_on_error: false}
steps:
  - get:
      name: broken
      url: "${base}/broken"
      expect:
        status_code: 200
  - get:
      url: "${base}/ok"
`)},
	"secret.yaml": {Data: []byte(`name: secret
secrets: [TOKEN]
steps:
  - get:
      name: with token
      url: "${base}/echo-auth"
      headers:
        Authorization: "Bearer ${TOKEN}"
      expect:
        string: "you sent Bearer ${TOKEN}"
`)},
}

// Sync loads Plans.
func (f *Fixture) Sync(t *testing.T) {
	t.Helper()
	_, err := f.Eng.SyncFS(context.Background(), Plans)
	require.NoError(t, err)
}

// Run runs the plan id and returns its execution.
func (f *Fixture) Run(t *testing.T, id string) *record.Execution {
	t.Helper()
	x, err := f.Eng.Run(context.Background(), id, nil)
	require.NoError(t, err)
	return x
}

// Do sends a request to the handler's path, with header's name and value
// pairs, and returns the status code, the headers and the body.
func (f *Fixture) Do(t *testing.T, method, path string, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.URL+path, rd)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, b
}

// GetJSON GETs path, checks the status code and decodes the body.
func (f *Fixture) GetJSON(t *testing.T, path string, code int) map[string]any {
	t.Helper()
	got, hdr, body := f.Do(t, "GET", path, "")
	require.Equal(t, code, got, "GET %s: %s", path, body)
	require.Equal(t, "application/json; charset=utf-8", hdr.Get("Content-Type"))
	var out map[string]any
	require.NoError(t, json.Unmarshal(body, &out), string(body))
	return out
}

// PlansByID GETs /api/plans and indexes them.
func (f *Fixture) PlansByID(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := f.GetJSON(t, "api/plans", 200)
	plans := map[string]map[string]any{}
	for _, p := range out["plans"].([]any) {
		p := p.(map[string]any)
		plans[p["id"].(string)] = p
	}
	return plans
}
