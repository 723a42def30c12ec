package plangen_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/plangen"
	"github.com/smokex/smokex/record"
)

// seen is a request as the server received it.
type seen struct {
	method, path, query, body string
	header                    http.Header
}

// recorder answers 200 to every request and keeps the last one.
func recorder(t *testing.T, tls bool) (*httptest.Server, func() seen) {
	t.Helper()
	var mu sync.Mutex
	var last seen
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusFound)
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = seen{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, body: string(b), header: r.Header.Clone()}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok": true}`))
	})
	srv := httptest.NewServer(h)
	if tls {
		srv.Close()
		srv = httptest.NewTLSServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, func() seen {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

// The plan written from a curl command validates and, run, sends the
// request the command sends.
func TestFromCurl(t *testing.T) {
	t.Parallel()
	srv, last := recorder(t, false)
	tlsSrv, tlsLast := recorder(t, true)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:pa ss"))
	cases := []struct {
		name, cmd string
		tls       bool
		check     func(t *testing.T, s seen)
	}{
		{"get", `curl URL/health`, false, func(t *testing.T, s seen) {
			require.Equal(t, "GET", s.method)
			require.Equal(t, "/health", s.path)
		}},
		{"post json", `curl -X POST URL/login -H 'Content-Type: application/json' -d '{"username":"demo","password":"${not a template}"}'`, false, func(t *testing.T, s seen) {
			require.Equal(t, "POST", s.method)
			require.JSONEq(t, `{"username":"demo","password":"${not a template}"}`, s.body)
			require.Equal(t, "application/json", s.header.Get("Content-Type"))
		}},
		{"--json", `curl --json '{"a": [1, 2.5, null, true]}' URL/items`, false, func(t *testing.T, s seen) {
			require.Equal(t, "POST", s.method)
			require.JSONEq(t, `{"a": [1, 2.5, null, true]}`, s.body)
			require.Equal(t, "application/json", s.header.Get("Accept"))
		}},
		{"form data joined", `curl --data a=1 --data-raw 'b=x y' --data-binary c=3 --data-urlencode 'q=a&b' URL/form`, false, func(t *testing.T, s seen) {
			require.Equal(t, "POST", s.method)
			require.Equal(t, "a=1&b=x y&c=3&q=a%26b", s.body)
			require.Equal(t, "application/x-www-form-urlencoded", s.header.Get("Content-Type"))
		}},
		{"-G puts data in the query", `curl -G -d x=1 -d y=2 'URL/search?q=z'`, false, func(t *testing.T, s seen) {
			require.Equal(t, "GET", s.method)
			require.Equal(t, "q=z&x=1&y=2", s.query)
		}},
		{"user", `curl -u 'alice:pa ss' URL/me`, false, func(t *testing.T, s seen) {
			require.Equal(t, basic, s.header.Get("Authorization"))
		}},
		{"credential headers and query parameters are secrets", `curl -H "X-API-Key: h3y" 'URL/items?api_key=k3y&page=2'`, false, func(t *testing.T, s seen) {
			require.Equal(t, "h3y", s.header.Get("X-API-Key"))
			require.Equal(t, "api_key=k3y&page=2", s.query)
		}},
		{"authorization and cookies are secrets", `curl -H "Authorization: Bearer t0k" -b 'sid=abc; theme=dark' -A smoke/1 -e https://ref.example/ --url URL/me`, false, func(t *testing.T, s seen) {
			require.Equal(t, "Bearer t0k", s.header.Get("Authorization"))
			require.Equal(t, "sid=abc; theme=dark", s.header.Get("Cookie"))
			require.Equal(t, "smoke/1", s.header.Get("User-Agent"))
			require.Equal(t, "https://ref.example/", s.header.Get("Referer"))
		}},
		{"grouped switches, attached method, insecure, location", `curl -sSkL -XPUT \
  --compressed "URL/old"`, true, func(t *testing.T, s seen) {
			require.Equal(t, "GET", s.method, "the 302 is followed with a GET")
			require.Equal(t, "/new", s.path)
		}},
		{"-I", `curl -I URL/`, false, func(t *testing.T, s seen) {
			require.Equal(t, "HEAD", s.method)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base, get := srv.URL, last
			if c.tls {
				base, get = tlsSrv.URL, tlsLast
			}
			p, err := plangen.FromCurl(strings.ReplaceAll(c.cmd, "URL", base))
			require.NoError(t, err)
			var out bytes.Buffer
			require.NoError(t, plangen.Write(&out, p))
			pl, err := plan.Parse(out.Bytes(), &plan.ParseOpts{File: "generated.yaml"})
			require.NoError(t, err, out.String())
			require.Empty(t, plan.Lint(pl, nil), out.String())
			for _, v := range p.SecretValues {
				require.NotContains(t, out.String(), v, "a secret is written in the plan")
			}
			x := exec.New(exec.Config{}).Run(context.Background(), pl, &exec.RunOpts{Secrets: p.SecretValues})
			require.Equal(t, record.StatusPassed, x.Status, "%s\n%+v", out.String(), x.Steps[0])
			c.check(t, get())
		})
	}
}

func TestParseCurlErrors(t *testing.T) {
	t.Parallel()
	for cmd, want := range map[string]string{
		``:                              "it is empty",
		`wget https://x`:                "it must start with curl",
		`curl`:                          "no URL",
		`curl https://a https://b`:      "2 URLs",
		`curl -X`:                       "argument 1: -X needs a value",
		`curl --frobnicate https://a`:   "argument 1: unknown or unsupported option --frobnicate",
		`curl -H nocolon https://a`:     `header "nocolon" must be Name: value`,
		`curl -d @body.json https://a`:  "reads a file",
		`curl -b cookies.txt https://a`: "reads a cookie file",
		`curl 'https://a`:               "a single quote is not closed",
		`curl "https://a`:               "a double quote is not closed",
		`curl ftp://a/b`:                "is not an http or https URL",
		`curl --insecure=yes https://a`: "--insecure takes no value",
		`curl -X FETCH https://a`:       `method "FETCH" is not one a plan sends`,
		"curl https://a \\":             "lone backslash",
	} {
		_, err := plangen.ParseCurl(cmd)
		require.ErrorContains(t, err, want, cmd)
	}
}

func FuzzParseCurl(f *testing.F) {
	for _, s := range []string{
		`curl -X POST https://api.example.com/login -H 'Content-Type: application/json' -d '{"a":1}'`,
		`curl -sSkL -u a:b --json '[1]' "https://x/y?z=1" -b 'a=b'`,
		"curl -G --data-urlencode 'q=a b' \\\n https://x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cmd string) {
		p, err := plangen.FromCurl(cmd)
		if err != nil {
			return
		}
		requireParses(t, p)
	})
}

// requireParses fails t when p, written, does not parse; it returns what
// was written.
func requireParses(t *testing.T, p *plangen.Plan) string {
	t.Helper()
	var out bytes.Buffer
	if err := plangen.Write(&out, p); err != nil {
		return ""
	}
	if _, err := plan.Parse(out.Bytes(), nil); err != nil {
		t.Fatalf("the plan written does not parse: %v\n%s", err, out.String())
	}
	return out.String()
}

// TestFromCurlCredentialHeaders makes a header named as a credential a
// secret named after it, which the plan sends and never writes.
func TestFromCurlCredentialHeaders(t *testing.T) {
	t.Parallel()
	p, err := plangen.FromCurl(`curl -H "X-API-Key: k3y-value" -H "X-Request-Id: 42" https://api.example.com/me`)
	require.NoError(t, err)
	require.Equal(t, []string{"X_API_KEY"}, p.Secrets)
	require.Equal(t, "k3y-value", p.SecretValues["X_API_KEY"])
	var out bytes.Buffer
	require.NoError(t, plangen.Write(&out, p))
	require.NotContains(t, out.String(), "k3y-value")
	require.Contains(t, out.String(), "${X_API_KEY}")
	require.Contains(t, out.String(), `"42"`, "other headers stay as they are")
}

// TestFromCurlCredentialQuery makes a query parameter named as a
// credential a secret, and leaves the others as written.
func TestFromCurlCredentialQuery(t *testing.T) {
	t.Parallel()
	p, err := plangen.FromCurl(`curl 'https://api.example.com/items?page=2&api_key=k3y-value&q=$${x}'`)
	require.NoError(t, err)
	require.Equal(t, []string{"API_KEY"}, p.Secrets)
	require.Equal(t, "k3y-value", p.SecretValues["API_KEY"])
	var out bytes.Buffer
	require.NoError(t, plangen.Write(&out, p))
	require.NotContains(t, out.String(), "k3y-value")
	require.Contains(t, out.String(), `url: "https://api.example.com/items?page=2&api_key=${API_KEY}&q=$$${x}"`)
}
