package exec_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
)

// api serves the paths the assertion tests read.
func api(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/user":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		_, _ = w.Write([]byte(`{"user":{"id":7,"name":"ada","roles":["admin","dev"]},"score":1.5,"ok":true}`))
	case "/page":
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<html><body><h1> Welcome </h1><ul><li>a</li><li>b</li></ul></body></html>`))
	case "/services":
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<ul><li class="svc">health</li><li class="svc">login</li><li class="svc">me</li></ul>`))
	case "/text":
		_, _ = w.Write([]byte("plain text, not JSON"))
	case "/created":
		w.WriteHeader(http.StatusCreated)
	default:
		http.Error(w, "nope", http.StatusInternalServerError)
	}
}

func TestAssertions(t *testing.T) {
	t.Parallel()
	srv := serve(t, api)
	cases := []struct {
		name string
		yaml string
		want []string // failures; none means the step passes
	}{
		{"default status passes 2xx", `[{get: {host: "${base}/created"}}]`, nil},
		{"default status", `[{get: {host: "${base}/boom"}}]`, []string{"status_code status_code: expected 2xx, received 500"}},
		{"status code", `[{get: {host: "${base}/created", expect: {status_code: 201}}}]`, nil},
		{"status list", `[{get: {host: "${base}/boom", expect: {status_code: [200, 4xx]}}}]`, []string{"status_code status_code: expected 200, 4xx, received 500"}},
		{"status class", `[{get: {host: "${base}/boom", expect: {status_code: 5xx}}}]`, nil},
		{"status template", `[{get: {host: "${base}/created", expect: {status_code: "${want}"}}}]`, nil},
		{"header", `[{get: {host: "${base}/user", expect: {headers: {content-type: application/json, x-multi: "a, b"}}}}]`, nil},
		{"header one of many", `[{get: {host: "${base}/user", expect: {headers: {X-MULTI: b}}}}]`, nil},
		{"header wrong", `[{get: {host: "${base}/user", expect: {headers: {content-type: text/plain}}}}]`, []string{"header content-type: expected text/plain, received application/json"}},
		{"header missing", `[{get: {host: "${base}/user", expect: {headers: {x-none: "1"}}}}]`, []string{"header x-none: expected 1, received (no such header)"}},
		{"json subset", `[{get: {host: "${base}/user", expect: {json: {user: {id: 7, roles: [admin, dev]}, score: 1.50}}}}]`, nil},
		{"json typed var", `[{get: {host: "${base}/user", expect: {json: {user: {id: "${want_id}"}}}}}]`, nil},
		{"json mismatch", `[{get: {host: "${base}/user", expect: {json: {user: {id: 8}}}}}]`, []string{"json $.user.id: expected 8, received 7"}},
		{"json array", `[{get: {host: "${base}/user", expect: {json: {user: {roles: [admin]}}}}}]`, []string{"json $.user.roles: expected 1 elements, received 2 elements"}},
		{"json not json", `[{get: {host: "${base}/text", expect: {json: {a: 1}}}}]`, []string{`json $: expected {"a":1}, received the body is not JSON: `}},
		{"string", `[{get: {host: "${base}/text", expect: {string: "not JSON"}}}]`, nil},
		{"string missing", `[{get: {host: "${base}/text", expect: {string: "hello"}}}]`, []string{"string body: expected hello, received plain text, not JSON"}},
		{"html", `[{get: {host: "${base}/page", expect: {html: [{path: h1, equal: Welcome}, {path: "ul li", equal: a}]}}}]`, nil},
		{"html first of three", `[{get: {host: "${base}/services", expect: {html: [{path: li.svc, equal: health}]}}}]`, nil},
		{"html three matched", `[{get: {host: "${base}/services", expect: {html: [{path: li.svc, equal: login}]}}}]`, []string{"html li.svc: expected login, received health (3 elements matched; compared the first)"}},
		{"html wrong", `[{get: {host: "${base}/page", expect: {html: [{path: h1, equal: Bye}]}}}]`, []string{"html h1: expected Bye, received Welcome"}},
		{"html none", `[{get: {host: "${base}/page", expect: {html: [{path: "#nope", equal: x}]}}}]`, []string{"html #nope: expected x, received no element matches"}},
		{"assert", `[{get: {host: "${base}/user", expect: {assert: ["status == 200", "json.user.name == 'ada'", "headers['content-type'] == headers['Content-Type']", "duration >= 0", "body contains 'ada'"]}}}]`, nil},
		{"assert false", `[{get: {host: "${base}/user", expect: {assert: ["status == 500 && json.ok"]}}}]`, []string{`assert status == 500 && json.ok: expected true, received json={"ok":true,"score":1.5,"user":{"id":7,"name":"ada","roles":["admin","dev"]}}, status=200`}},
		{"assert not bool", `[{get: {host: "${base}/user", expect: {assert: ["json.user.id"]}}}]`, []string{"assert json.user.id: expected true, received result 7; json="}},
		{"assert error", `[{get: {host: "${base}/text", expect: {assert: ["json.a == 1"]}}}]`, []string{"assert json.a == 1: expected true, received error: "}},
		{"every assertion reported", `[{get: {host: "${base}/boom", expect: {headers: {x-a: b}, string: zzz, assert: ["false"]}}}]`, []string{
			"status_code status_code: expected 2xx, received 500",
			"header x-a: expected b, received (no such header)",
			"string body: expected zzz, received nope\n",
			"assert false: expected true, received false",
		}},
		{"assert false without operands", `[{get: {host: "${base}/user", expect: {assert: ["1 + 1 == 3"]}}}]`, []string{"assert 1 + 1 == 3: expected true, received false"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := runYAML(t, srv, c.yaml, &exec.RunOpts{Vars: map[string]any{"want": "201", "want_id": "7"}})
			res := e.Steps[0]
			require.Nil(t, res.Error)
			got := failures(res)
			require.Len(t, got, len(c.want), "%q", got)
			for i := range c.want {
				require.Contains(t, got[i]+"|", c.want[i], "failure %d", i)
				require.Equal(t, got[i][:len(c.want[i])], c.want[i])
			}
			require.Equal(t, len(c.want) == 0, res.OK)
			if res.OK {
				require.Empty(t, res.Response.Body, "a passed step keeps no body")
			} else {
				require.NotEmpty(t, res.Response.Body, "a failed step keeps an excerpt")
			}
		})
	}
}
