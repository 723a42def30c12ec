package demoapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/internal/demoapi"
)

// do sends a request to srv and returns the status, the headers and the body.
func do(t *testing.T, srv *httptest.Server, method, path, contentType, body string, header http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	client := *srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &v), "body: %s", body)
	return v
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(demoapi.New())
	t.Cleanup(srv.Close)

	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		wantStatus  int
		wantJSON    string // exact JSON, when not empty
		wantHeader  map[string]string
	}{
		{name: "health", method: "GET", path: "/health", wantStatus: 200, wantJSON: `{"status":"ok"}`},
		{name: "health wrong method", method: "POST", path: "/health", wantStatus: 405},
		{name: "login wrong password", method: "POST", path: "/login", contentType: "application/json",
			body: `{"username":"demo","password":"nope"}`, wantStatus: 401},
		{name: "login not JSON", method: "POST", path: "/login", body: `username=demo`, wantStatus: 400},
		{name: "me without token", method: "GET", path: "/me", wantStatus: 401},
		{name: "points number", method: "POST", path: "/points", contentType: "application/json",
			body: `{"points": 42}`, wantStatus: 200, wantJSON: `{"points":42}`},
		{name: "points float", method: "POST", path: "/points", contentType: "application/json",
			body: `{"points": 2.5}`, wantStatus: 200, wantJSON: `{"points":2.5}`},
		{name: "points string", method: "POST", path: "/points", contentType: "application/json",
			body: `{"points": "42"}`, wantStatus: 400},
		{name: "points missing", method: "POST", path: "/points", contentType: "application/json",
			body: `{}`, wantStatus: 400},
		{name: "echo", method: "GET", path: "/echo?a=1&b=x&b=y", wantStatus: 200,
			wantJSON: `{"a":"1","b":["x","y"]}`, wantHeader: map[string]string{"X-Echo": "yes"}},
		{name: "echo empty", method: "GET", path: "/echo", wantStatus: 200, wantJSON: `{}`},
		{name: "form", method: "POST", path: "/form", contentType: "application/x-www-form-urlencoded",
			body: "name=demo&tag=a&tag=b", wantStatus: 200, wantJSON: `{"name":"demo","tag":["a","b"]}`},
		{name: "form wrong content type", method: "POST", path: "/form", contentType: "application/json",
			body: `{}`, wantStatus: 415},
		{name: "redirect", method: "GET", path: "/redirect", wantStatus: 302,
			wantHeader: map[string]string{"Location": "/health"}},
		{name: "status 418", method: "GET", path: "/status/418", wantStatus: 418, wantJSON: `{"status":418}`},
		{name: "status 500", method: "GET", path: "/status/500", wantStatus: 500},
		{name: "status not a number", method: "GET", path: "/status/abc", wantStatus: 400},
		{name: "status out of range", method: "GET", path: "/status/99", wantStatus: 400},
		{name: "delay", method: "GET", path: "/delay/1", wantStatus: 200, wantJSON: `{"delayed_ms":1}`},
		{name: "delay negative", method: "GET", path: "/delay/-1", wantStatus: 400},
		{name: "not found", method: "GET", path: "/nope", wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, header, body := do(t, srv, tt.method, tt.path, tt.contentType, tt.body, nil)
			require.Equal(t, tt.wantStatus, status, "body: %s", body)
			require.Equal(t, demoapi.ServerHeader, header.Get("Server"))
			if tt.wantJSON != "" {
				require.Equal(t, "application/json", header.Get("Content-Type"))
				require.JSONEq(t, tt.wantJSON, body)
			}
			for k, v := range tt.wantHeader {
				require.Equal(t, v, header.Get(k), "header %s", k)
			}
		})
	}
}

func TestLoginThenMe(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(demoapi.New())
	t.Cleanup(srv.Close)

	status, _, body := do(t, srv, "POST", "/login", "application/json",
		`{"username":"demo","password":"secret"}`, nil)
	require.Equal(t, 200, status, body)
	session, ok := decode(t, body)["session"].(map[string]any)
	require.True(t, ok, "body: %s", body)
	require.Equal(t, demoapi.Username, session["user"])
	token, ok := session["token"].(string)
	require.True(t, ok)
	require.Len(t, token, 32)

	status, _, body = do(t, srv, "GET", "/me", "", "", http.Header{"Authorization": {"Bearer " + token}})
	require.Equal(t, 200, status, body)
	require.JSONEq(t, `{"user":{"name":"demo","points":23}}`, body)

	status, _, _ = do(t, srv, "GET", "/me", "", "", http.Header{"Authorization": {"Bearer wrong"}})
	require.Equal(t, 401, status)
	status, _, _ = do(t, srv, "GET", "/me", "", "", http.Header{"Authorization": {token}})
	require.Equal(t, 401, status, "a token without the Bearer scheme is refused")

	// A second login hands out another token; both stay valid.
	_, _, body = do(t, srv, "POST", "/login", "application/json", `{"username":"demo","password":"secret"}`, nil)
	second := decode(t, body)["session"].(map[string]any)["token"].(string)
	require.NotEqual(t, token, second)
	status, _, _ = do(t, srv, "GET", "/me", "", "", http.Header{"Authorization": {"Bearer " + token}})
	require.Equal(t, 200, status)
}

func TestSessionsAreNotShared(t *testing.T) {
	t.Parallel()
	a := httptest.NewServer(demoapi.New())
	t.Cleanup(a.Close)
	b := httptest.NewServer(demoapi.New())
	t.Cleanup(b.Close)

	_, _, body := do(t, a, "POST", "/login", "application/json", `{"username":"demo","password":"secret"}`, nil)
	token := decode(t, body)["session"].(map[string]any)["token"].(string)
	status, _, _ := do(t, b, "GET", "/me", "", "", http.Header{"Authorization": {"Bearer " + token}})
	require.Equal(t, 401, status)
}

func TestPage(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(demoapi.New())
	t.Cleanup(srv.Close)

	status, header, body := do(t, srv, "GET", "/page", "", "", nil)
	require.Equal(t, 200, status)
	require.Equal(t, "text/html; charset=utf-8", header.Get("Content-Type"))
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	require.NoError(t, err)
	require.Equal(t, demoapi.PageTitle, doc.Find("title").Text())
	require.Equal(t, demoapi.PageTitle, doc.Find("h1#title").Text())
	require.Equal(t, demoapi.Username, doc.Find("#user").Text())
	var items []string
	doc.Find("ul.endpoints li").Each(func(_ int, s *goquery.Selection) { items = append(items, s.Text()) })
	require.Equal(t, demoapi.PageItems(), items)
}

func TestEchoEscapes(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(demoapi.New())
	t.Cleanup(srv.Close)

	q := url.Values{"q": {`a b&c="d"`}}
	status, _, body := do(t, srv, "GET", "/echo?"+q.Encode(), "", "", nil)
	require.Equal(t, 200, status)
	require.Equal(t, map[string]any{"q": `a b&c="d"`}, decode(t, body))
}
