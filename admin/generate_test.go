package admin_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/petstore"
)

// generated is the answer of POST /api/generate.
type generated struct {
	Plans []struct {
		ID      string   `json:"id"`
		Source  string   `json:"source"`
		Secrets []string `json:"secrets"`
	} `json:"plans"`
}

// POST /api/generate writes plans from a check's fields, an OpenAPI
// document's URL and a curl command; a written plan is saved as it is.
func TestGenerate(t *testing.T) {
	t.Parallel()
	pets := httptest.NewServer(petstore.New())
	t.Cleanup(pets.Close)
	f := newFixture(t, &admin.Config{AllowEdit: true}, "/")
	post := func(body string) (int, generated, []byte) {
		code, _, b := f.Do(t, "POST", "api/generate", body, "Content-Type", "application/json")
		var g generated
		if code == 200 {
			require.NoError(t, json.Unmarshal(b, &g), string(b))
		}
		return code, g, b
	}

	code, g, body := post(`{"from": "check", "url": "` + pets.URL + `/v1/health", "method": "get", "status": "200", "schedule": "@every 1m"}`)
	require.Equal(t, 200, code, string(body))
	require.Len(t, g.Plans, 1)
	require.Equal(t, "get-127.0.0.1-v1-health", g.Plans[0].ID)
	require.Contains(t, g.Plans[0].Source, "schedule: \"@every 1m\"\n")
	require.Contains(t, g.Plans[0].Source, "      expect:\n        status_code: 200\n")
	code, _, body = f.Do(t, "PUT", "api/plans/"+g.Plans[0].ID, g.Plans[0].Source)
	require.Equal(t, 201, code, string(body))

	code, g, body = post(`{"from": "openapi", "url": "` + pets.URL + `/openapi.yaml"}`)
	require.Equal(t, 200, code, string(body))
	require.Len(t, g.Plans, 4)
	require.Equal(t, "petstore-pets", g.Plans[2].ID)
	require.Contains(t, g.Plans[2].Source, "  base: \""+pets.URL+"/v1\"\n")
	require.Equal(t, []string{"API_KEY"}, g.Plans[3].Secrets)

	code, g, body = post(`{"from": "curl", "command": "curl -H 'Authorization: Bearer t0k3n' https://api.example.com/me"}`)
	require.Equal(t, 200, code, string(body))
	require.Equal(t, []string{"AUTHORIZATION"}, g.Plans[0].Secrets)
	require.NotContains(t, string(body), "t0k3n", "a secret's value is never answered")

	for req, want := range map[string]string{
		`{"from": "check", "url": "ftp://x"}`:                               `"ftp://x" is not an http or https URL`,
		`{"from": "check", "url": "http://x", "status": "abc"}`:             `expected status "abc" must be a code from 100 to 599`,
		`{"from": "check", "url": "http://x", "method": "FETCH"}`:           `method "FETCH" is not one a plan sends`,
		`{"from": "check", "url": "http://x", "schedule": "every tuesday"}`: `schedule`,
		`{"from": "openapi", "url": "` + pets.URL + `/nope"}`:               "404 Not Found",
		`{"from": "curl", "command": "wget http://x"}`:                      "it must start with curl",
		`{"from": "har"}`:              `"from" must be "check", "openapi" or "curl"`,
		`{"from": "check", "nope": 1}`: `unknown field "nope"`,
	} {
		code, _, body := post(req)
		requireError(t, 400, want, code, body)
	}

	ro := newFixture(t, &admin.Config{}, "/")
	code, _, body = ro.Do(t, "POST", "api/generate", `{"from": "check", "url": "http://x"}`, "Content-Type", "application/json")
	requireError(t, 403, "editing plans is turned off", code, body)
}
