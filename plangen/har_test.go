package plangen_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/internal/demoapi"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/plangen"
	"github.com/smokex/smokex/record"
)

// harRecorder is a RoundTripper that records each request it sends and
// its response as a HAR entry, as a browser's network panel does.
type harRecorder struct {
	mu      sync.Mutex
	entries []plangen.HAREntry
}

func (r *harRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	e := plangen.HAREntry{Request: plangen.HARRequest{Method: req.Method, URL: req.URL.String()}}
	e.Request.Headers = append(e.Request.Headers, plangen.HARNameVal{Name: ":authority", Value: req.URL.Host})
	for name, vs := range req.Header {
		for _, v := range vs {
			e.Request.Headers = append(e.Request.Headers, plangen.HARNameVal{Name: name, Value: v})
		}
	}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		e.Request.PostData = &plangen.HARPostData{MimeType: req.Header.Get("Content-Type"), Text: string(b)}
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	e.Response = plangen.HARResponse{Status: resp.StatusCode, Content: plangen.HARContent{MimeType: resp.Header.Get("Content-Type"), Text: string(b)}}
	for name, vs := range resp.Header {
		for _, v := range vs {
			e.Response.Headers = append(e.Response.Headers, plangen.HARNameVal{Name: name, Value: v})
		}
	}
	r.mu.Lock()
	r.entries = append(r.entries, e)
	r.mu.Unlock()
	return resp, nil
}

func (r *harRecorder) har(t *testing.T) []byte {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	b, err := json.Marshal(plangen.HAR{Log: plangen.HARLog{Entries: r.entries}})
	require.NoError(t, err)
	return b
}

// RecordLogin records a browser's session against the demo API: the page,
// its assets (one on another host), a CORS preflight, the login, the
// profile read with the session's token, and the points sent back.
func RecordLogin(t *testing.T, demo, assets string) []byte {
	t.Helper()
	rec := &harRecorder{}
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Transport: rec, Jar: jar}
	send := func(method, u, contentType, body string, header map[string]string) []byte {
		req, err := http.NewRequest(method, u, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
		req.Header.Set("Accept-Language", "en")
		req.Header.Set("Sec-Fetch-Mode", "cors")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return b
	}
	send("GET", demo+"/page", "", "", map[string]string{"Cookie": "theme=dark"})
	send("GET", demo+"/static/app.css", "", "", nil)
	send("GET", assets+"/logo.png", "", "", nil)
	send("POST", assets+"/collect", "text/plain", "page=/page", nil)
	send("OPTIONS", demo+"/login", "", "", map[string]string{"Access-Control-Request-Method": "POST"})
	var login struct {
		Session struct{ Token string } `json:"session"`
	}
	require.NoError(t, json.Unmarshal(send("POST", demo+"/login", "application/json", `{"username":"demo","password":"secret"}`, map[string]string{"Accept": "application/json"}), &login))
	require.Len(t, login.Session.Token, 32)
	send("GET", demo+"/me", "", "", map[string]string{"Authorization": "Bearer " + login.Session.Token, "Accept": "application/json"})
	send("POST", demo+"/points", "application/json", `{"points": 23}`, nil)
	return rec.har(t)
}

// A HAR recorded from a login flow against the demo API becomes a plan
// that validates and passes against it: the token the login answered is
// captured and sent as ${token}, the password and the cookie are secrets,
// the assets and the other host are left out.
func TestFromHARRunsGreen(t *testing.T) {
	t.Parallel()
	demo := httptest.NewServer(demoapi.New())
	t.Cleanup(demo.Close)
	assets := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/collect" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("\x89PNG"))
	}))
	t.Cleanup(assets.Close)
	har := RecordLogin(t, demo.URL, assets.URL)
	host := strings.TrimPrefix(demo.URL, "http://")

	p, err := plangen.FromHAR(har, &plangen.HAROpts{Hosts: []string{host}, Source: "session.har"})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, plangen.Write(&out, p))
	src := out.String()
	t.Log(src)
	require.Len(t, p.Steps, 4, src)
	require.Contains(t, src, "secrets: [COOKIE, PASSWORD]")
	require.Contains(t, src, `body: {"password":"${PASSWORD}","username":"demo"}`)
	require.Contains(t, src, "save_from_response:\n        - variable_name: token\n          json_path: \"$.session.token\"\n")
	require.Contains(t, src, `authorization: "Bearer ${token}"`)
	require.Contains(t, src, "Left out: 3 static assets or preflights, 1 request to other hosts ("+strings.TrimPrefix(assets.URL, "http://")+"; add them with --host).")
	require.Equal(t, map[string]string{"COOKIE": "theme=dark", "PASSWORD": demoapi.Password}, p.SecretValues)
	require.NotContains(t, src, `"`+demoapi.Password+`"`)
	require.NotContains(t, src, "theme=dark")
	require.NotContains(t, src, "user-agent")
	require.NotContains(t, src, "sec-fetch")

	pl, err := plan.Parse(out.Bytes(), &plan.ParseOpts{File: "session.yaml"})
	require.NoError(t, err, src)
	require.Empty(t, plan.Lint(pl, nil), src)
	x := exec.New(exec.Config{}).Run(context.Background(), pl, &exec.RunOpts{Secrets: p.SecretValues})
	require.Equal(t, record.StatusPassed, x.Status, "%s\n%+v", src, x.Steps)

	// Without --host, the host of the first request that is not an asset.
	p, err = plangen.FromHAR(har, nil)
	require.NoError(t, err)
	require.Len(t, p.Steps, 4)
	require.Equal(t, demo.URL, p.Vars[0].Value)
}

// Cookies a response set are left to the cookie jar; a base64 body is
// read; form secrets are URL-encoded; ${ in what was sent is kept as
// text; a second host has its own base.
func TestFromHARDetails(t *testing.T) {
	t.Parallel()
	body := base64.StdEncoding.EncodeToString([]byte(`{"id": "order-123456", "n": 1}`))
	har := `{"log": {"entries": [
  {"request": {"method": "POST", "url": "https://shop.example/session", "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}],
     "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "user=a&password=p%26q&note=%24%7B"}},
   "response": {"status": 303, "headers": [{"name": "Set-Cookie", "value": "sid=s3ss10n; Path=/"}], "content": {"mimeType": "text/html"}}},
  {"request": {"method": "GET", "url": "https://shop.example/orders/latest", "headers": [{"name": "Cookie", "value": "sid=s3ss10n; ab=2"}]},
   "response": {"status": 200, "content": {"mimeType": "application/json", "encoding": "base64", "text": "` + body + `"}}},
  {"request": {"method": "GET", "url": "https://api.shop.example/orders/order-123456?x=${y}", "headers": []},
   "response": {"status": 200, "content": {"mimeType": "application/json", "text": "{}"}}},
  {"request": {"method": "GET", "url": "https://shop.example/font", "headers": []}, "_resourceType": "font",
   "response": {"status": 200, "content": {"mimeType": "application/octet-stream"}}}
]}}`
	p, err := plangen.FromHAR([]byte(har), &plangen.HAROpts{Hosts: []string{"shop.example", "api.shop.example"}})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, plangen.Write(&out, p))
	src := out.String()
	require.Contains(t, src, `body: "user=a&password=${urlencode(PASSWORD)}&note=%24%7B"`)
	require.Equal(t, "p&q", p.SecretValues["PASSWORD"])
	require.Equal(t, "ab=2", p.SecretValues["COOKIE"])
	require.Contains(t, src, "  base: \"https://shop.example\"\n  base_api_shop_example: \"https://api.shop.example\"\n")
	require.Contains(t, src, `url: "${base_api_shop_example}/orders/${id}?x=$${y}"`)
	require.Contains(t, src, "status_code: 303")
	require.Contains(t, src, "Left out: 1 static asset or preflight.")
	_, err = plan.Parse(out.Bytes(), nil)
	require.NoError(t, err, src)
}

func TestParseHARErrors(t *testing.T) {
	t.Parallel()
	for har, want := range map[string]string{
		`{"log": `:                        "the HAR is not JSON",
		"{\n  \"log\": {\"entries\": 3}}": "the HAR's log.entries at line 2, column",
		`{"log": {}}`:                     "the HAR has no log.entries",
		`{"log": {"entries": [{"request": {"method": "GET", "url": "ftp://x/y"}}]}}`:    `entry 1: request.url "ftp://x/y" is not an http or https URL`,
		`{"log": {"entries": [{"request": {"method": "FETCH", "url": "http://x/y"}}]}}`: `entry 1: request.method "FETCH" is not one a plan sends`,
	} {
		_, err := plangen.ParseHAR([]byte(har))
		require.ErrorContains(t, err, want, har)
	}
	_, err := plangen.FromHAR([]byte(`{"log": {"entries": [{"request": {"method": "GET", "url": "http://x/a.png"}}]}}`), nil)
	require.ErrorContains(t, err, "has no request to")
}

func FuzzParseHAR(f *testing.F) {
	f.Add([]byte(`{"log": {"entries": [{"request": {"method": "POST", "url": "http://x/login", "headers": [{"name": "Content-Type", "value": "application/json"}, {"name": "Authorization", "value": "Basic YTpi"}], "postData": {"mimeType": "application/json", "text": "{\"password\": \"${x}\"}"}}, "response": {"status": 200, "content": {"mimeType": "application/json", "text": "{\"token\": \"abcdefghij\"}"}}}, {"request": {"method": "GET", "url": "http://x/me?t=abcdefghij", "headers": [{"name": "Cookie", "value": "a=b"}]}, "response": {"status": 204}}]}}`))
	f.Add([]byte(`{"log": {"entries": [{"request": {"method": "PUT", "url": "https://h/a", "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "a=1&secret=%zz"}}, "response": {"status": 0}}]}}`))
	f.Fuzz(func(t *testing.T, har []byte) {
		p, err := plangen.FromHAR(har, nil)
		if err != nil {
			return
		}
		out := requireParses(t, p)
		for _, line := range strings.Split(out, "\n") {
			line = strings.TrimSpace(line)
			if (strings.HasPrefix(line, "cookie: ") || strings.HasPrefix(line, "authorization: ")) && !strings.Contains(line, "${") {
				t.Fatalf("a credential is written in the plan: %s\n%s", line, out)
			}
		}
	})
}

// TestFromHARCredentialHeaders makes a recorded header named as a
// credential a secret named after it.
func TestFromHARCredentialHeaders(t *testing.T) {
	t.Parallel()
	har := `{"log": {"entries": [{"request": {"method": "GET", "url": "https://api.example/me", "headers": [{"name": "X-Auth-Token", "value": "t0ken-value"}]}, "response": {"status": 200}}]}}`
	p, err := plangen.FromHAR([]byte(har), nil)
	require.NoError(t, err)
	require.Equal(t, []string{"X_AUTH_TOKEN"}, p.Secrets)
	var out bytes.Buffer
	require.NoError(t, plangen.Write(&out, p))
	require.NotContains(t, out.String(), "t0ken-value")
	require.Contains(t, out.String(), "${X_AUTH_TOKEN}")
}

// TestFromHARCredentialQuery makes a recorded query parameter named as a
// credential a secret.
func TestFromHARCredentialQuery(t *testing.T) {
	t.Parallel()
	har := `{"log": {"entries": [{"request": {"method": "GET", "url": "https://api.example/items?access_token=t0ken-value&page=2", "headers": []}, "response": {"status": 200}}]}}`
	p, err := plangen.FromHAR([]byte(har), nil)
	require.NoError(t, err)
	require.Equal(t, []string{"ACCESS_TOKEN"}, p.Secrets)
	var out bytes.Buffer
	require.NoError(t, plangen.Write(&out, p))
	require.NotContains(t, out.String(), "t0ken-value")
	require.Contains(t, out.String(), "?access_token=${ACCESS_TOKEN}&page=2")
}
